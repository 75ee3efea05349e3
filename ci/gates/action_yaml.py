"""Gate ``action_yaml``: the composite actions parse, validate, and take inputs through ``env:``.

Checked for ``action.yml`` and ``action/cleanup/action.yml`` (both must exist): the file
parses (pyyaml); ``runs.using`` is ``composite``; every step has ``uses``, or ``run`` with a
``shell``; every input has a ``description``; no ``${{ … }}`` expression appears inside a
``run:`` script (GitHub pastes it into the script text before the shell parses it: script
injection; values reach the script through ``env:``); and the file validates against the
GitHub action JSON schema (``check-jsonschema --builtin-schema vendor.github-actions``).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ACTION_FILES = ("action.yml", "action/cleanup/action.yml")
SCHEMA = "vendor.github-actions"
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def _entry(node: Any, key: str) -> tuple[Any, Any]:
    """``(key node, value node)`` for ``key`` in a yaml MappingNode, else ``(None, None)``."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None, None


def _get(node: Any, key: str) -> Any:
    return _entry(node, key)[1]


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


def _env_name(expression: str) -> str:
    """A variable name for the ``env:`` suggestion: the expression's last identifier."""
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", expression)
    return names[-1].replace("-", "_").upper() if names else "VALUE"


def _run_expressions(rel: str, run: Any) -> list[str]:
    """One problem per ``${{ … }}`` in a ``run:`` scalar, at the line it is on."""
    out = []
    first = _line(run) + (1 if run.style in ("|", ">") else 0)
    for m in _EXPRESSION.finditer(run.value):
        line = first + run.value.count("\n", 0, m.start())
        expr, name = m.group(1).strip(), _env_name(m.group(1))
        out.append(
            f"{rel}:{line}: run: script contains ${{{{ {expr} }}}}; GitHub pastes it into the "
            f"script before the shell parses it (script injection); move it into the step's "
            f'env: (`{name}: ${{{{ {expr} }}}}`) and use "${name}" in the script'
        )
    return out


def action_problems(rel: str, text: str) -> list[str]:
    """Structural problems of one composite action file (not the schema check)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{rel}:{mark.line + 1}" if mark is not None else rel
        return [f"{where}: invalid YAML ({getattr(exc, 'problem', None) or exc}); fix the syntax"]
    if not isinstance(root, yaml.MappingNode):
        return [f"{rel}: not a YAML mapping; an action file has name, description, inputs, runs"]
    out: list[str] = []
    inputs = _get(root, "inputs")
    for key, spec in inputs.value if isinstance(inputs, yaml.MappingNode) else []:
        description = _get(spec, "description")
        if not (isinstance(description, yaml.ScalarNode) and description.value.strip()):
            out.append(
                f"{rel}:{_line(key)}: input {key.value!r} has no description; add "
                "`description:` (it is the input's documentation on the Marketplace)"
            )
    runs_key, runs = _entry(root, "runs")
    using = _get(runs, "using")
    if using is None:
        where = f"{rel}:{_line(runs_key)}" if runs_key is not None else rel
        return [*out, f"{where}: runs.using is missing; add `runs: using: composite`"]
    if not (isinstance(using, yaml.ScalarNode) and using.value == "composite"):
        value = using.value if isinstance(using, yaml.ScalarNode) else "?"
        out.append(
            f"{rel}:{_line(using)}: runs.using is {value!r}, not 'composite'; this repository "
            "ships composite actions only (`using: composite`)"
        )
        return out
    steps = _get(runs, "steps")
    if not isinstance(steps, yaml.SequenceNode):
        return [*out, f"{rel}:{_line(runs)}: runs.steps is missing; a composite action needs steps"]
    for n, step in enumerate(steps.value, 1):
        name = _get(step, "name") or _get(step, "id")
        label = f"step {n}" + (f" ({name.value})" if isinstance(name, yaml.ScalarNode) else "")
        run, uses, shell = _get(step, "run"), _get(step, "uses"), _get(step, "shell")
        if run is None and uses is None:
            out.append(f"{rel}:{_line(step)}: {label} has neither uses: nor run:; add one")
        elif run is not None and uses is not None:
            out.append(f"{rel}:{_line(step)}: {label} has both uses: and run:; split it in two")
        elif run is not None and shell is None:
            out.append(
                f"{rel}:{_line(step)}: {label} has run: but no shell:; composite actions "
                "require one (`shell: bash`)"
            )
        if isinstance(run, yaml.ScalarNode):
            out.extend(_run_expressions(rel, run))
    return out


def _checker() -> list[str] | None:
    """``check-jsonschema`` for this interpreter, else on PATH, else None."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec("check_jsonschema") is not None:
        return [sys.executable, "-m", "check_jsonschema"]
    exe = shutil.which("check-jsonschema")
    return [exe] if exe else None


def schema_problem(checker: list[str], root: str, rel: str) -> str | None:
    """check-jsonschema's verdict on one file, as a problem line (None when it validates)."""
    import subprocess

    argv = [*checker, "--builtin-schema", SCHEMA, rel]
    proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode == 0:
        return None
    lines = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    detail = " | ".join(ln for ln in lines if not ln.startswith("Schema validation errors"))
    return (
        f"{rel}: does not validate against the GitHub action schema (check-jsonschema "
        f"--builtin-schema {SCHEMA}): {detail[:600]}; fix what it names"
    )


def run(root: str | None = None) -> int:
    import os

    from ci import gates

    root = root or gates.project_root()
    try:
        import yaml  # noqa: F401  (fail early and clearly without pyyaml)
    except ImportError:
        return gates.cannot_run("action_yaml: needs pyyaml; run `nox -s action_yaml`")
    checker = _checker()
    if checker is None:
        return gates.cannot_run(
            "action_yaml: check-jsonschema not found; install it (ci/registry.py pins it) "
            "or run `nox -s action_yaml`"
        )
    problems: list[str] = []
    for rel in ACTION_FILES:
        path = os.path.join(root, rel)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            problems.append(f"{rel}: missing; the composite action must exist at this path")
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{rel}: cannot read ({exc}); fix the file")
            continue
        found = action_problems(rel, text)
        problems.extend(found)
        if not any("invalid YAML" in p for p in found):
            schema = schema_problem(checker, root, rel)
            if schema:
                problems.append(schema)
    for p in problems:
        gates.problem(p)
    return gates.verdict(len(problems))
