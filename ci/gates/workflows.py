"""workflows: ci.yml is one nox session per step; every action pinned; schema and zizmor clean.

Rules (each failure names ``file:line``, taken from the YAML node marks):

- every ``run:`` in ci.yml is exactly ``nox -s <session>`` for a session of ``ci/registry.py``,
  or one of the setup commands below; every registry gate with ``in_ci`` has its step in each
  job that runs gates, in registry order, none twice, none unknown; a gate step continues past
  failures (``if: ${{ !cancelled() }}`` or ``always()``, never ``continue-on-error``, which
  would turn the job green) and ``nox -s report`` runs last with ``if: always()``;
- setup commands: CI has to install nox before it can run it, so exactly
  ``uv tool install nox==V`` or ``pipx install nox==V`` is allowed, where ``V`` is the nox pin
  of ``ci/requirements-dev.txt`` (the file developers install from), before the first gate,
  and ``astral-sh/setup-uv`` installs that file's uv; ci.yml has ``concurrency`` with
  ``cancel-in-progress: true``; every workflow sets ``permissions`` and every job a timeout;
- every ``uses:`` in the workflows and the action files is pinned to a full 40-hex commit SHA
  (local ``./`` actions and ``docker://…@sha256:`` images are fine);
- no ``${{ … }}`` inside any ``run:`` script (script injection): pass values through ``env:``;
- ``id-token: write`` only on publish jobs (a job with an ``environment:`` that uses a publish
  action), never at workflow level;
- the workflows validate with ``check-jsonschema --builtin-schema vendor.github-workflows`` and
  ``zizmor --offline`` (pinned in the registry) reports nothing on ``.github/`` and the actions.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
NOX_RUN = re.compile(r"^nox -s ([A-Za-z0-9_][\w-]*)$")
SETUP_RUN = re.compile(r"^(?:uv tool install|pipx install) nox==(\S+)$")
CONTINUE_IFS = ("!cancelled()", "always()")
PUBLISH_ACTIONS = (
    "pypa/gh-action-pypi-publish",
    "rust-lang/crates-io-auth-action",
    "actions/attest-build-provenance",
)
ACTION_FILES = ("action.yml", "action.yaml")
SCHEMA_CMD = ("check-jsonschema", "--builtin-schema", "vendor.github-workflows", "-o", "JSON")
ZIZMOR_CMD = ("zizmor", "--offline", "--format", "json", "--no-progress")
ACTIONS_DIR = "action"


def uses_problem(ref: str) -> str | None:
    """Why ``uses: ref`` is not pinned, or None when it is."""
    if ref.startswith("./"):
        return None
    if ref.startswith("docker://"):
        return None if "@sha256:" in ref else f"{ref} is not pinned to an image digest (@sha256:…)"
    if SHA_PIN.match(ref):
        return None
    return f"{ref} is not pinned to a full commit SHA; use owner/repo@<40-hex sha> # vX.Y.Z"


def pin_of(requirements: str, name: str) -> str | None:
    """The ``name==V`` pin of a requirements file, or None."""
    for line in requirements.splitlines():
        m = re.match(rf"^\s*{re.escape(name)}\s*==\s*([^\s;#]+)", line)
        if m:
            return m.group(1)
    return None


def run_problem(command: str, sessions: tuple[str, ...] | list[str], pin: str | None) -> str | None:
    """Why a ci.yml ``run:`` is not allowed, or None (a known session or the nox setup command)."""
    command = command.strip()
    m = NOX_RUN.match(command)
    if m:
        if m.group(1) in sessions:
            return None
        return f"`{command}` names no nox session; known sessions: {', '.join(sessions)}"
    m = SETUP_RUN.match(command)
    if m:
        if pin is not None and m.group(1) == pin:
            return None
        return f"`{command}` installs nox {m.group(1)}, but ci/requirements-dev.txt pins nox=={pin}"
    return (
        f"run: `{command.splitlines()[0] if command else command}` is not one `nox -s <session>`; "
        "CI runs what developers run: add a gate or session (ci/registry.py) and call `nox -s <name>`"
    )


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _get(node: Any, key: str) -> Any:
    if getattr(node, "tag", "").endswith(":map"):
        for k, v in node.value:
            if k.value == key:
                return v
    return None


def _key_line(node: Any, key: str) -> int:
    """Line of ``key:`` in mapping ``node`` (a value node's mark is where its content starts)."""
    for k, _ in node.value if getattr(node, "tag", "").endswith(":map") else []:
        if k.value == key:
            return _line(k)
    return _line(node)


def _items(node: Any) -> list[tuple[str, Any]]:
    return (
        [(k.value, v) for k, v in node.value]
        if node is not None and node.tag.endswith(":map")
        else []
    )


def _seq(node: Any) -> list[Any]:
    return list(node.value) if node is not None and node.tag.endswith(":seq") else []


def node_at(root: Any, json_path: str) -> Any:
    """The deepest node of ``root`` along a check-jsonschema path like ``$.jobs.a.steps[0]``."""
    node = root
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", json_path):
        nxt = (
            _get(node, key)
            if key
            else (_seq(node)[int(index)] if int(index) < len(_seq(node)) else None)
        )
        if nxt is None:
            break
        node = nxt
    return node


def _expr_line(node: Any) -> int | None:
    """Line of the first ``${{`` in a scalar's text (block scalars start on the next line)."""
    text = str(node.value)
    idx = text.find("${{")
    if idx < 0:
        return None
    return _line(node) + (1 if node.style in ("|", ">") else 0) + text[:idx].count("\n")


def check_steps(rel: str, doc: Any, problem: Any) -> None:
    """Rules for every workflow and action file: pinned ``uses:``, no ``${{ }}`` in ``run:``."""
    step_lists = [_get(_get(doc, "runs"), "steps")]
    step_lists += [_get(job, "steps") for _, job in _items(_get(doc, "jobs"))]
    for steps in step_lists:
        for step in _seq(steps):
            uses = _get(step, "uses")
            if uses is not None and (why := uses_problem(str(uses.value))):
                problem(f"{rel}:{_line(uses)}: {why}")
            run = _get(step, "run")
            if run is not None and (line := _expr_line(run)) is not None:
                expr = re.search(r"\$\{\{.*?\}\}", str(run.value))
                problem(
                    f"{rel}:{line}: {expr.group(0) if expr else '${{'} inside run: (script injection); "
                    'pass the value through env: and use "$NAME" in the script'
                )


def check_id_token(rel: str, doc: Any, problem: Any) -> None:
    def grants(perms: Any) -> bool:
        if perms is not None and perms.tag.endswith(":str"):
            return bool(perms.value == "write-all")
        node = _get(perms, "id-token")
        return node is not None and node.value == "write"

    perms = _get(doc, "permissions")
    if grants(perms):
        problem(
            f"{rel}:{_key_line(perms, 'id-token')}: id-token: write at workflow level gives every job an OIDC "
            "token; grant it only on the publish job (jobs.<id>.permissions)"
        )
    for name, job in _items(_get(doc, "jobs")):
        perms = _get(job, "permissions")
        if not grants(perms):
            continue
        steps = _seq(_get(job, "steps"))
        # A publish action, or the release layer's own publish session (uv/cargo inside it).
        publishes = any(
            str(getattr(_get(s, "uses"), "value", "")).split("@")[0] in PUBLISH_ACTIONS
            or str(getattr(_get(s, "run"), "value", "")).strip().startswith("nox -s publish")
            for s in steps
        )
        if not (publishes and _get(job, "environment") is not None):
            problem(
                f"{rel}:{_key_line(perms, 'id-token')}: job {name} has id-token: write but is not a publish job "
                "(an environment: and a trusted-publishing action); remove it"
            )


def check_jobs(rel: str, doc: Any, problem: Any) -> None:
    """Workflow-level ``permissions:``; ``timeout-minutes`` on every job that runs steps."""
    if _get(doc, "permissions") is None:
        problem(
            f"{rel}:1: no workflow-level permissions; add `permissions: {{}}` or `contents: read`"
        )
    jobs = _get(doc, "jobs")
    for name, job in _items(jobs):
        if _get(job, "steps") is not None and _get(job, "timeout-minutes") is None:
            problem(f"{rel}:{_key_line(jobs, name)}: job {name} has no timeout-minutes; add one")


def check_ci(
    rel: str, doc: Any, sessions: tuple[str, ...], gates: list[str], pin: str | None, problem: Any
) -> None:
    """ci.yml: one nox session per step, every in_ci gate in order, continuation, report last."""
    cancel = _get(_get(doc, "concurrency"), "cancel-in-progress")
    if cancel is None or str(cancel.value) != "true":
        problem(f"{rel}:1: no `concurrency:` with `cancel-in-progress: true`; add one")
    gate_jobs = 0
    for name, job in _items(_get(doc, "jobs")):
        steps_node = _get(job, "steps")
        seen: list[tuple[str, Any]] = []
        report: Any = None
        for step in _seq(steps_node):
            run = _get(step, "run")
            if run is None:
                continue
            if (why := run_problem(str(run.value), sessions, pin)) is not None:
                problem(f"{rel}:{_line(run)}: {why}")
                continue
            m = NOX_RUN.match(str(run.value).strip())
            if not m:  # the setup command
                if seen:
                    problem(f"{rel}:{_line(run)}: setup step after the first gate; move it up")
                continue
            session = m.group(1)
            cond = _get(step, "if")
            cont = _get(step, "continue-on-error")
            if session == "report":
                report = step
                if cond is None or "always()" not in str(cond.value):
                    problem(
                        f"{rel}:{_line(run)}: `nox -s report` needs `if: always()` so it "
                        "reports after a failed gate"
                    )
                continue
            seen.append((session, step))
            if session in gates and (
                cond is None or not any(c in str(cond.value) for c in CONTINUE_IFS)
            ):
                problem(
                    f"{rel}:{_line(run)}: gate step `nox -s {session}` needs "
                    "`if: ${{ !cancelled() }}` so later gates still run after a failure"
                )
            if cont is not None and str(cont.value).lower() != "false":
                problem(
                    f"{rel}:{_line(cont)}: continue-on-error makes a failed gate green; "
                    "use `if: ${{ !cancelled() }}` instead"
                )
        if not seen:
            continue
        gate_jobs += 1
        where = f"{rel}:{_key_line(job, 'steps')}"
        names = [s for s, _ in seen]
        for gate in gates:
            if gate not in names:
                problem(
                    f"{where}: job {name} has no step `nox -s {gate}` (registry gate, in_ci); "
                    f"add it in registry order"
                )
        for session, step in seen:
            if names.count(session) > 1:
                problem(f"{rel}:{_line(step)}: `nox -s {session}` appears twice in job {name}")
            elif session not in gates:
                problem(
                    f"{rel}:{_line(step)}: `nox -s {session}` in job {name} is not a registry "
                    "gate with in_ci; remove it or set in_ci in ci/registry.py"
                )
        ordered = [s for s in names if s in gates]
        if ordered == sorted(ordered, key=gates.index) and report is None:
            problem(f"{where}: job {name} has no final `nox -s report` step (with `if: always()`)")
        elif ordered != sorted(ordered, key=gates.index):
            problem(
                f"{where}: job {name} runs the gates out of order; registry order: "
                f"{', '.join(g for g in gates if g in ordered)}"
            )
        elif report is not None and _line(report) < _line(seen[-1][1]):
            problem(f"{rel}:{_line(report)}: `nox -s report` must come after the last gate")
    if gate_jobs == 0:
        problem(
            f"{rel}:1: no job runs the registry gates; add a job with one `nox -s <gate>` step each"
        )


def _files(root: str) -> tuple[list[str], list[str]]:
    wf_dir = os.path.join(root, ".github", "workflows")
    workflows = sorted(
        f".github/workflows/{n}"
        for n in (os.listdir(wf_dir) if os.path.isdir(wf_dir) else [])
        if n.endswith((".yml", ".yaml"))
    )
    actions = [n for n in ACTION_FILES if os.path.isfile(os.path.join(root, n))]
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, ACTIONS_DIR)):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        actions += [f"{rel_dir}/{n}" for n in sorted(filenames) if n in ACTION_FILES]
    return workflows, actions


def _tool_json(cmd: list[str], root: str) -> Any:
    """The JSON a tool prints, or its stderr (a string) when it printed none."""
    import json
    import subprocess

    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return proc.stderr.strip()[:300] or f"exit {proc.returncode}, no output"


def run(root: str | None = None) -> int:
    import shutil

    from ci import config, gates
    from ci.registry import ORDERED, SESSIONS

    root = gates.project_root(root)
    try:
        import yaml
    except ImportError:
        return gates.cannot_run("workflows: pyyaml is not installed; run `nox -s workflows`")
    missing = [t for t in ("check-jsonschema", "zizmor") if shutil.which(t) is None]
    if missing:
        return gates.cannot_run(
            f"workflows: {', '.join(missing)} not on PATH; run `nox -s workflows`"
        )
    try:
        ci_file = config.load(root)["tool-guard"]["ci-file"]
    except config.ConfigError as exc:
        return gates.cannot_run(f"workflows: {exc}")
    n = len(gates.messages)
    workflows, actions = _files(root)
    if ci_file not in workflows:
        gates.problem(f"{ci_file}: not found; CI must be a workflow of `nox -s <gate>` steps")
    try:
        with open(os.path.join(root, "ci", "requirements-dev.txt"), encoding="utf-8") as f:
            requirements = f.read()
    except OSError:
        requirements = ""
    pin = pin_of(requirements, "nox")
    docs: dict[str, Any] = {}
    for rel in workflows + actions:
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                docs[rel] = yaml.compose(f)
        except (OSError, yaml.YAMLError) as exc:
            gates.problem(f"{rel}: cannot parse ({str(exc).splitlines()[0]}); fix the YAML")
            continue
        check_steps(rel, docs[rel], gates.problem)
        if rel in workflows:
            check_id_token(rel, docs[rel], gates.problem)
            check_jobs(rel, docs[rel], gates.problem)
    uv_pin = pin_of(requirements, "uv")
    for _, job in _items(_get(docs.get(ci_file), "jobs")):
        for step in _seq(_get(job, "steps")):
            version = _get(_get(step, "with"), "version")
            uses = str(getattr(_get(step, "uses"), "value", ""))
            if uses.startswith("astral-sh/setup-uv@") and getattr(version, "value", None) != uv_pin:
                where = f"{ci_file}:{_line(version if version is not None else step)}"
                gates.problem(
                    f"{where}: setup-uv must install uv {uv_pin} (ci/requirements-dev.txt)"
                )
    if ci_file in docs:
        in_ci = [g.name for g in ORDERED if g.in_ci]
        check_ci(ci_file, docs[ci_file], SESSIONS, in_ci, pin, gates.problem)
    if workflows:
        report = _tool_json([*SCHEMA_CMD, *workflows], root)
        if not isinstance(report, dict):
            return gates.cannot_run(f"workflows: check-jsonschema failed: {report}")
        for err in report.get("errors", []):
            best = err.get("best_deep_match") or err
            rel = err.get("filename", "?")
            node = node_at(docs[rel], best["path"]) if docs.get(rel) is not None else None
            where = f"{rel}:{_line(node)}" if node is not None else rel
            gates.problem(f"{where}: schema {best['path']}: {best['message']}; fix the workflow")
        for err in report.get("parse_errors", []):
            gates.problem(f"{err.get('filename', '?')}: schema check cannot parse it: {err}")
    targets = [p for p in (".github", *actions) if os.path.exists(os.path.join(root, p))]
    findings = _tool_json([*ZIZMOR_CMD, *targets], root) if targets else []
    if not isinstance(findings, list):
        return gates.cannot_run(f"workflows: zizmor failed: {findings}")
    for finding in findings:
        for loc in finding.get("locations", [])[:1]:
            sym = loc.get("symbolic", {})
            key: dict[str, Any] = next(iter(sym.get("key", {}).values()), {})
            row = loc.get("concrete", {}).get("location", {}).get("start_point", {}).get("row", 0)
            gates.problem(
                f"{key.get('verbatim_path', '?')}:{row + 1}: zizmor {finding.get('ident')}: "
                f"{finding.get('desc')} ({sym.get('annotation', '')}); see {finding.get('url')}"
            )
    return gates.verdict(len(gates.messages) - n)
