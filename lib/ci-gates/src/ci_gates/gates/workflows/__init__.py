"""Gate ``workflows``: every workflow and composite action is pinned, injection-free, least-privilege
and zizmor clean; with the house style on, the thin workflows run one nox session a step.

What it reads: ``.github/workflows/*.yml`` and the composite actions (``action.yml`` at the
root, under ``.github/actions/`` and ``action/``), whatever they are named. The rules live in
three modules, one owner per rule, each rule a small function whose docstring is its help
(``python -m ci_gates.gates --rules workflows``):

- ``_wf_security`` — every file, always (safety): SHA pins (WF003), ``${{ }}`` inside ``run:``
  (WF004 when an attacker controls the value, WF005 when not), workflow permissions (WF006),
  ``id-token: write`` only where a step can use it (WF008, WF009), no registry token from
  secrets (WF010); job timeouts (WF007) are house style (``job-timeouts``);
- ``_wf_thin`` — house style ``thin-workflows`` / ``tool-pins``: the thin workflows
  (``ci-file`` and ``release-files`` of ``[tool.ci-gates.tool-guard]``) run one
  ``nox -s <session>`` per ``run:`` (WF011–WF016), ci.yml cancels superseded runs (WF017);
- ``_wf_ci`` — house style: ci.yml's gate steps when written by hand (WF018–WF023); between the
  ``nox -s sync`` markers ``ci_gates.core.sync`` owns them (SYN001: "run `nox -s sync`").

Here: the file parses (WF001), ci.yml exists (WF002, house style), ``check-jsonschema
--builtin-schema vendor.github-workflows`` (WF024) and ``zizmor --offline`` (WF025, minus the
audits that WF003/WF004/WF005 own, so one fault is one finding). House-style rules whose group
is off in ``[tool.ci-gates] policy`` are not reported (:mod:`ci_gates.core.policy`); recorded
findings are notes (:mod:`ci_gates.core.baseline`).
"""

from __future__ import annotations

import os

from ci_gates.core import baseline, policy, sync
from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import CHECK_JSONSCHEMA, PYYAML, WORKFLOW_INPUTS, ZIZMOR
from ci_gates.core.registry import Gate
from ci_gates.gates.workflows import security as _wf_security
from ci_gates.gates.workflows import structure as _wf_ci
from ci_gates.gates.workflows import thin as _wf_thin
from ci_gates.parsers import ghyaml


def _applies(root: str) -> str:
    """Skipped where the project has no workflow and no composite action."""
    if ghyaml.workflow_files(root) or ghyaml.action_files(root):
        return ""
    return "no workflow (.github/workflows/*.yml) and no composite action yet"


GATE = Gate(
    "workflows",
    "Workflows and actions: pinned, injection-free, least privilege, zizmor clean (+ house style)",
    requires=("tool_guard",),
    packages=(PYYAML, CHECK_JSONSCHEMA, ZIZMOR),
    commands=("check-jsonschema", "zizmor"),
    inputs=(*WORKFLOW_INPUTS, "noxfile.py", "ci/requirements-dev.txt", "README.md"),
    config=("skip", "tool-guard", "policy", "baseline"),
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA = "vendor.github-workflows"
ZIZMOR_CMD = ("zizmor", "--offline", "--format", "json", "--no-progress")
REQUIREMENTS = "ci/requirements-dev.txt"


@rule("WF001")
def unparsable(rel: str, parsed: ghyaml.Parsed) -> Finding | None:
    """A workflow or action file is not valid YAML (or not a mapping); nothing else is checked in it."""
    if parsed.root is not None and ghyaml.is_map(parsed.root):
        return None
    why = parsed.error or "not a YAML mapping"
    return finding_of(unparsable, f"cannot parse it: {why}", rel, parsed.line, fix="fix the YAML")


@rule("WF002")
def ci_file_missing(rel: str) -> Finding:
    """The CI workflow named by ``[tool.ci-gates.tool-guard] ci-file`` does not exist."""
    return finding_of(
        ci_file_missing,
        "the CI workflow is missing",
        rel,
        fix="create it with one `nox -s <gate>` step per gate (markers + `nox -s sync`), or set ci-file",
    )


@rule("WF024")
def schema_error(rel: str, json_path: str, message: str, doc: Any) -> Finding:
    """A workflow does not validate against GitHub's workflow schema (check-jsonschema)."""
    line = ghyaml.line(ghyaml.node_at(doc, json_path)) if doc is not None else 0
    return finding_of(
        schema_error, f"schema {json_path}: {message}", rel, line, fix="fix the workflow"
    )


def _primary(finding: dict[str, Any]) -> dict[str, Any]:
    locations = finding.get("locations") or [{}]
    return next(
        (loc for loc in locations if loc.get("symbolic", {}).get("kind") == "Primary"), locations[0]
    )


def owned_elsewhere(finding: dict[str, Any]) -> bool:
    """zizmor findings that a WF rule already reports (one fault, one finding)."""
    ident = finding.get("ident")
    route = (_primary(finding).get("symbolic", {}).get("route") or {}).get("route") or [{}]
    return ident == "unpinned-uses" or (
        ident == "template-injection" and route[-1].get("Key") == "run"
    )


@rule("WF025")
def zizmor_finding(finding: dict[str, Any]) -> Finding | None:
    """zizmor (pinned in the registry) reports a problem in a workflow or action.

    The message names zizmor's audit and links its documentation. Fix it, or, where it is a
    deliberate choice, silence that one place with a ``# zizmor: ignore[<audit>]`` comment
    and a reason.
    """
    if owned_elsewhere(finding):
        return None
    loc = _primary(finding)
    symbolic = loc.get("symbolic", {})
    key: dict[str, Any] = next(iter(symbolic.get("key", {}).values()), {})
    row = loc.get("concrete", {}).get("location", {}).get("start_point", {}).get("row", 0)
    note = symbolic.get("annotation", "")
    return finding_of(
        zizmor_finding,
        f"zizmor {finding.get('ident')}: {finding.get('desc')}" + (f" ({note})" if note else ""),
        str(key.get("verbatim_path") or key.get("given_path") or ""),
        int(row) + 1,
        fix=f"see {finding.get('url')}",
    )


def _tool_json(cmd: list[str], root: str) -> Any:
    """The JSON a tool prints, or its stderr (a string) when it printed none."""
    import json
    import subprocess

    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return proc.stderr.strip()[:300] or f"exit {proc.returncode}, no output"


def _read(root: str, rel: str) -> str:
    try:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _ci_findings(root: str, rel: str, parsed: ghyaml.Parsed, skip: dict[str, str]) -> list[Finding]:
    doc = parsed.root
    out = [f for f in [_wf_thin.no_cancel_in_progress(rel, doc)] if f]
    try:
        spans = sync.blocks(parsed.text, sync.CI_BEGIN, sync.CI_END, rel)
    except sync.SyncError:
        spans = []  # SYN001 reports the broken markers
    if spans:
        return out + sync.ci_steps_stale(root)
    from ci_gates.core.registry import load

    reg = load(root)
    skipped = set(sync.skipped_gates(reg, skip))
    return out + _wf_ci.ci_structure(rel, doc, sync.ci_gates(reg, skip), skipped)


def _block_lines(text: str, rel: str) -> set[int]:
    try:
        spans = sync.blocks(text, sync.CI_BEGIN, sync.CI_END, rel)
    except sync.SyncError:
        return set()
    return {
        n
        for a, b, _ in spans
        for n in range(text.count("\n", 0, a) + 1, text.count("\n", 0, b) + 2)
    }


def file_findings(
    root: str, config: dict[str, Any], rel: str, parsed: ghyaml.Parsed
) -> list[Finding]:
    """Every rule on one parsed file (not the schema and zizmor, which see all files at once)."""
    from ci_gates.core.sessions import session_names

    bad = unparsable(rel, parsed)
    if bad is not None:
        return [bad]
    workflow = rel.startswith(".github/workflows/")
    out = _wf_security.file_findings(rel, parsed, workflow)
    guard = config["tool-guard"]
    if not policy.groups_on(config) & {"thin-workflows", "tool-pins"}:
        return policy.keep(out, config)
    if workflow and rel in (guard["ci-file"], *guard["release-files"]):
        text = _read(root, REQUIREMENTS)
        pins = {name: _wf_thin.pin_of(text, name) for name in ("nox", "uv")}
        out += _wf_thin.thin_findings(
            rel, parsed, tuple(session_names(root)), pins, _block_lines(parsed.text, rel)
        )
    if rel == guard["ci-file"]:
        out += _ci_findings(root, rel, parsed, dict(config.get("skip", {})))
    return policy.keep(out, config)


def run(root: str | None = None) -> list[Finding]:
    import shutil

    from ci_gates.core.context import config_for

    root, config = config_for(root)
    try:
        import yaml  # noqa: F401  (fail early and clearly without pyyaml)
    except ImportError:
        raise CannotRun("pyyaml is not installed", "run `nox -s workflows`") from None
    missing = [t for t in ("check-jsonschema", "zizmor") if shutil.which(t) is None]
    if missing:
        raise CannotRun(f"{', '.join(missing)} not on PATH", "run `nox -s workflows`")
    workflows, actions = ghyaml.workflow_files(root), ghyaml.action_files(root)
    ci_file = config["tool-guard"]["ci-file"]
    out = [] if ci_file in workflows else [ci_file_missing(ci_file)]
    docs: dict[str, Any] = {}
    for rel in workflows + actions:
        parsed = ghyaml.compose(_read(root, rel))
        docs[rel] = parsed.root
        out += file_findings(root, config, rel, parsed)
    if any(f.rule == "WF001" for f in out):
        # the schema check and zizmor stop at the first file they cannot parse
        return baseline.apply(policy.keep(out, config), config, "workflows")
    if workflows:
        errors = ghyaml.schema_errors(root, SCHEMA, workflows)
        if isinstance(errors, str):
            raise CannotRun(f"check-jsonschema failed: {errors}", "run `nox -s workflows`")
        out += [schema_error(rel, path, message, docs.get(rel)) for rel, path, message in errors]
    outside = [a for a in actions if not a.startswith(".github/")]
    targets = [p for p in (".github", *outside) if os.path.exists(os.path.join(root, p))]
    found = _tool_json([*ZIZMOR_CMD, *targets], root) if targets else []
    if not isinstance(found, list):
        raise CannotRun(f"zizmor failed: {found}", "run `nox -s workflows`")
    zizmor = [f for f in map(zizmor_finding, found) if f is not None]
    out += [f for f in zizmor if not said_already(f, out)]
    return baseline.apply(policy.keep(out, config), config, "workflows")


# zizmor's excessive-permissions findings that a WF rule of the same file already reports.
_SAID = {
    "WF006": "default permissions used due to no permissions",
    "WF008": "id-token: write is overly broad at the workflow level",
}


def said_already(found: Finding, ours: list[Finding]) -> bool:
    """Is this zizmor finding one that WF006/WF008 reported for its file (one fault, one
    finding)? A workflow without ``permissions:`` is WF006 once, not once per job again."""
    if not found.message.startswith("zizmor excessive-permissions"):
        return False
    rules = {f.rule for f in ours if f.path == found.path}
    return any(rule in rules and text in found.message for rule, text in _SAID.items())
