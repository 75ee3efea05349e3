"""Gate ``action_yaml``: the composite actions parse, are well-formed, and validate.

It reads every composite action of the repository (``action.yml``/``action.yaml`` at the
root, under ``.github/actions/`` and under ``action/``) and checks the shape GitHub needs:
``runs.using: composite``, steps with ``uses:`` or ``run:`` + ``shell:``, documented inputs,
and the GitHub action JSON schema (``check-jsonschema --builtin-schema vendor.github-actions``).

What the steps do is the ``workflows`` gate's business, for actions and workflows alike: SHA
pins (WF003) and ``${{ }}`` inside ``run:`` (WF004/WF005, with a fix that keeps the step's
behaviour) have one owner there. A project without a composite action skips this gate:
``[tool.ci-gates] skip = { action_yaml = "no composite action" }``.
"""

from __future__ import annotations

import re

from ci_gates.core import baseline
from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import CHECK_JSONSCHEMA, PYYAML, WORKFLOW_INPUTS
from ci_gates.core.registry import Gate
from ci_gates.parsers import ghyaml


def _applies(root: str) -> str:
    """Skipped where there is no composite action to check."""
    import glob
    import os

    found = (
        glob.glob(os.path.join(root, "action.y*ml"))
        + glob.glob(os.path.join(root, "action", "**", "action.y*ml"), recursive=True)
        + glob.glob(os.path.join(root, ".github", "actions", "**", "action.y*ml"), recursive=True)
    )
    return "" if found else "no composite action (action.yml) in this project"


GATE = Gate(
    "action_yaml",
    "Composite actions parse, are well-formed (steps, shells, documented inputs), validate",
    packages=(PYYAML, CHECK_JSONSCHEMA),
    inputs=WORKFLOW_INPUTS,
    config=("baseline",),
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA = "vendor.github-actions"


@rule("AY001")
def unparsable(rel: str, parsed: ghyaml.Parsed) -> Finding | None:
    """An action file is not valid YAML, or not a mapping; nothing else is checked in it."""
    if parsed.root is not None and ghyaml.is_map(parsed.root):
        return None
    if parsed.root is None:
        return finding_of(
            unparsable, f"invalid YAML ({parsed.error})", rel, parsed.line, fix="fix the syntax"
        )
    return finding_of(
        unparsable,
        "not a YAML mapping",
        rel,
        ghyaml.line(parsed.root),
        fix="an action file is a mapping with name, description, inputs, runs",
    )


@rule("AY002")
def no_action(root: str) -> Finding:
    """The repository has no composite action where this gate looks.

    The gate looks for ``action.yml``/``action.yaml`` at the root, under ``.github/actions/``
    and under ``action/``. A project that ships none skips the gate in config, with a reason.
    """
    return finding_of(
        no_action,
        "no action.yml at the root, under .github/actions/ or under action/",
        fix='if this project has no composite action, add `skip = { action_yaml = "no composite action" }` '
        "to [tool.ci-gates] in pyproject.toml",
    )


@rule("AY003")
def input_without_description(rel: str, doc: Any) -> list[Finding]:
    """An input of the action has no ``description``; it is the input's documentation."""
    inputs = ghyaml.get(doc, "inputs")
    return [
        finding_of(
            input_without_description,
            f"input {name!r} has no description",
            rel,
            ghyaml.key_line(inputs, name),
            fix="add `description:` (it documents the input on the Marketplace and in editors)",
        )
        for name, spec in ghyaml.items(inputs)
        if not (ghyaml.scalar(ghyaml.get(spec, "description")) or "").strip()
    ]


OTHER_KINDS = re.compile(r"^(docker|node\d+)$")


def other_kind(doc: Any) -> bool:
    """A JavaScript (``node20``) or Docker action: valid, but not this gate's to check."""
    return bool(OTHER_KINDS.match(ghyaml.scalar(ghyaml.path(doc, "runs", "using")) or ""))


@rule("AY004")
def not_composite(rel: str, doc: Any) -> Finding | None:
    """``runs.using`` is missing, or names no kind of action GitHub runs.

    This gate checks composite actions (steps that run in the caller's job); a JavaScript
    (``node20``) or Docker action is valid and passes unchecked (its schema still applies).
    """
    runs = ghyaml.get(doc, "runs")
    using = ghyaml.get(runs, "using")
    if ghyaml.scalar(using) == "composite" or other_kind(doc):
        return None
    if using is None:
        where = ghyaml.key_line(doc, "runs") if runs is not None else 1
        return finding_of(
            not_composite, "runs.using is missing", rel, where, fix="add `runs: using: composite`"
        )
    return finding_of(
        not_composite,
        f"runs.using is {ghyaml.scalar(using) or '?'!r}, not 'composite'",
        rel,
        ghyaml.line(using),
        fix="write `using: composite` (or node20, docker for those kinds of action)",
    )


def _label(index: int, step: Any) -> str:
    name = ghyaml.scalar(ghyaml.get(step, "name")) or ghyaml.scalar(ghyaml.get(step, "id"))
    return f"step {index + 1}" + (f" ({name})" if name else "")


@rule("AY005")
def malformed_steps(rel: str, doc: Any) -> list[Finding]:
    """``runs.steps`` is missing, or a step lacks ``uses:``/``run:``, has both, or a ``run:`` lacks ``shell:``.

    Composite actions have no default shell: a ``run:`` step without ``shell:`` is rejected
    by GitHub when the action is used, not when it is pushed.
    """
    runs = ghyaml.get(doc, "runs")
    steps = ghyaml.get(runs, "steps")
    if not ghyaml.is_seq(steps):
        return [
            finding_of(
                malformed_steps,
                "runs.steps is missing",
                rel,
                ghyaml.line(runs) or 1,
                fix="add the action's steps",
            )
        ]
    out = []
    for index, step in enumerate(steps.value):
        run, uses = ghyaml.get(step, "run"), ghyaml.get(step, "uses")
        if run is None and uses is None:
            problem, fix = "has neither uses: nor run:", "add one"
        elif run is not None and uses is not None:
            problem, fix = "has both uses: and run:", "split it in two steps"
        elif run is not None and ghyaml.get(step, "shell") is None:
            problem, fix = (
                "has run: but no shell:",
                "add `shell: bash` (composite actions have no default)",
            )
        else:
            continue
        out.append(
            finding_of(
                malformed_steps, f"{_label(index, step)} {problem}", rel, ghyaml.line(step), fix=fix
            )
        )
    return out


@rule("AY006")
def schema_error(rel: str, json_path: str, message: str, doc: Any) -> Finding:
    """An action file does not validate against GitHub's action schema (check-jsonschema)."""
    line = ghyaml.line(ghyaml.node_at(doc, json_path)) if doc is not None else 0
    return finding_of(
        schema_error, f"schema {json_path}: {message}", rel, line, fix="fix what it names"
    )


def action_findings(rel: str, parsed: ghyaml.Parsed) -> list[Finding]:
    """The structural rules (AY001, AY003–AY005) on one action file; not the schema."""
    bad = unparsable(rel, parsed)
    if bad is not None:
        return [bad]
    doc = parsed.root
    using = not_composite(rel, doc)
    out = input_without_description(rel, doc) + ([using] if using else [])
    return out if using or other_kind(doc) else out + malformed_steps(rel, doc)


def run(root: str | None = None) -> list[Finding]:
    import os

    from ci_gates.core.context import config_for

    root, config = config_for(root)
    try:
        import yaml  # noqa: F401  (fail early and clearly without pyyaml)
    except ImportError:
        raise CannotRun("pyyaml is not installed", "run `nox -s action_yaml`") from None
    if ghyaml.check_jsonschema() is None:
        raise CannotRun("check-jsonschema is not installed", "run `nox -s action_yaml`")
    files = ghyaml.action_files(root)
    if not files:
        return [no_action(root)]
    out: list[Finding] = []
    docs: dict[str, Any] = {}
    for rel in files:
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                parsed = ghyaml.compose(f.read())
        except (OSError, UnicodeDecodeError) as exc:
            parsed = ghyaml.Parsed(None, "", f"cannot read it: {exc}", 0)
        docs[rel] = parsed.root
        out += action_findings(rel, parsed)
    valid = [rel for rel in files if docs[rel] is not None]
    errors = ghyaml.schema_errors(root, SCHEMA, valid) if valid else []
    if isinstance(errors, str):
        raise CannotRun(f"check-jsonschema failed: {errors}", "run `nox -s action_yaml`")
    out += [schema_error(rel, path, message, docs.get(rel)) for rel, path, message in errors]
    return baseline.apply(out, config, "action_yaml")
