"""GitHub Actions YAML as pyyaml nodes: every value keeps the line and column it came from.

The workflows and action_yaml gates, and ``ci_gates.core.sync``, read workflow and composite-action files
through this module, so they agree on what a step is and where it stands. ``compose`` keeps
pyyaml's node marks (``start_mark.line``/``column``, 0-based), which the rules turn into the
1-based ``line``/``column`` of a finding. The helpers accept ``None`` and nodes of the wrong
kind and answer "nothing", so a rule never crashes on a file someone else wrote.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

Parsed = namedtuple("Parsed", "root text error line")
Parsed.__doc__ = """``root`` node (None when the text does not parse), the source ``text``, and
for a file that does not parse the one-line ``error`` and its 1-based ``line`` (0 unknown)."""

Step = namedtuple("Step", "job_name job index node")
Step.__doc__ = """One step: ``job_name`` and ``job`` node (``None`` in a composite action),
0-based ``index`` in its list, and the step's mapping ``node``."""


def compose(text: str) -> Parsed:
    """Parse one YAML document into nodes; a syntax error is data, not an exception."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        why = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return Parsed(None, text, str(why), mark.line + 1 if mark is not None else 0)
    except ValueError as exc:  # e.g. a NUL byte: not YAML at all
        return Parsed(None, text, str(exc), 0)
    return Parsed(root, text, "", 0)


def is_map(node: Any) -> bool:
    return str(getattr(node, "tag", "")).endswith(":map") and isinstance(node.value, list)


def is_seq(node: Any) -> bool:
    return str(getattr(node, "tag", "")).endswith(":seq") and isinstance(node.value, list)


def scalar(node: Any) -> str | None:
    """The text of a scalar node, else None (mappings, sequences, missing)."""
    value = getattr(node, "value", None)
    return value if isinstance(value, str) else None


def items(node: Any) -> list[tuple[str, Any]]:
    """``(key, value node)`` of a mapping node; non-scalar keys are skipped."""
    if not is_map(node):
        return []
    return [(k.value, v) for k, v in node.value if isinstance(getattr(k, "value", None), str)]


def get(node: Any, key: str) -> Any:
    """The value node of ``key`` in a mapping node, else None."""
    for name, value in items(node):
        if name == key:
            return value
    return None


def path(node: Any, *keys: str) -> Any:
    """``get`` along ``keys``: ``path(doc, "defaults", "run", "shell")``."""
    for key in keys:
        node = get(node, key)
    return node


def seq(node: Any) -> list[Any]:
    return list(node.value) if is_seq(node) else []


def line(node: Any) -> int:
    """1-based line where a node starts (0 for None)."""
    mark = getattr(node, "start_mark", None)
    return int(mark.line) + 1 if mark is not None else 0


def key_line(node: Any, key: str) -> int:
    """Line of ``key:`` in a mapping (a value's own mark is where its content starts)."""
    if is_map(node):
        for k, _ in node.value:
            if getattr(k, "value", None) == key:
                return line(k)
    return line(node)


def jobs(doc: Any) -> list[tuple[str, Any]]:
    return [(name, job) for name, job in items(get(doc, "jobs")) if is_map(job)]


def steps(doc: Any) -> Iterator[Step]:
    """Every step mapping of a workflow's jobs, or of a composite action's ``runs.steps``."""
    for index, node in enumerate(seq(path(doc, "runs", "steps"))):
        if is_map(node):
            yield Step(None, None, index, node)
    for name, job in jobs(doc):
        for index, node in enumerate(seq(get(job, "steps"))):
            if is_map(node):
                yield Step(name, job, index, node)


def env_value(doc: Any, step: Step, name: str) -> Any:
    """The node that sets ``name`` for a step: step ``env:``, then job, then workflow."""
    for scope in (step.node, step.job, doc):
        node = get(get(scope, "env"), name)
        if node is not None:
            return node
    return None


def offsets(text: str, node: Any, needle: str) -> list[tuple[int, int]]:
    """1-based ``(line, column)`` of each ``needle`` inside a scalar node's source text.

    Read from the source rather than from the parsed value, so block and folded scalars and
    multi-line flow scalars all map to the line a person sees in the editor.
    """
    start, end = getattr(node, "start_mark", None), getattr(node, "end_mark", None)
    if start is None or end is None:
        return []
    out, raw, at = [], text[start.index : end.index], 0
    while (at := raw.find(needle, at)) >= 0:
        before = raw[:at]
        newlines = before.count("\n")
        column = at - before.rfind("\n") if newlines else start.column + at + 1
        out.append((start.line + 1 + newlines, column))
        at += len(needle)
    return out


ACTION_NAMES = ("action.yml", "action.yaml")
# Where composite actions live: the repository root, .github/actions/*, and action/* (this
# template's layout). Not the whole tree: target/ and fixtures hold files no one runs.
ACTION_DIRS = (".github/actions", "action")


def workflow_files(root: str) -> list[str]:
    """Repo-relative paths of ``.github/workflows/*.yml``/``*.yaml``, sorted."""
    import os

    directory = os.path.join(root, ".github", "workflows")
    names = os.listdir(directory) if os.path.isdir(directory) else []
    return sorted(f".github/workflows/{n}" for n in names if n.endswith((".yml", ".yaml")))


def action_files(root: str) -> list[str]:
    """Repo-relative paths of the composite-action files, sorted (root first)."""
    import os

    found = [n for n in ACTION_NAMES if os.path.isfile(os.path.join(root, n))]
    for top in ACTION_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            found += [f"{rel_dir}/{n}" for n in sorted(filenames) if n in ACTION_NAMES]
    return found


def node_at(root: Any, json_path: str) -> Any:
    """The deepest node of ``root`` along a JSON path like ``$.jobs.a.steps[0].uses``."""
    import re

    node = root
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", json_path):
        found = seq(node)
        nxt = get(node, key) if key else (found[int(index)] if int(index) < len(found) else None)
        if nxt is None:
            break
        node = nxt
    return node


def check_jsonschema() -> list[str] | None:
    """The ``check-jsonschema`` command of this interpreter, else on PATH, else None."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec("check_jsonschema") is not None:
        return [sys.executable, "-m", "check_jsonschema"]
    exe = shutil.which("check-jsonschema")
    return [exe] if exe else None


def schema_errors(root: str, schema: str, files: list[str]) -> list[tuple[str, str, str]] | str:
    """``(file, JSON path, message)`` for each violation of a built-in schema of check-jsonschema.

    A string is the tool's own failure (not installed, no JSON printed).
    """
    import json
    import subprocess

    checker = check_jsonschema()
    if checker is None:
        return "check-jsonschema is not installed"
    argv = [*checker, "--builtin-schema", schema, "-o", "JSON", *files]
    proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        return proc.stderr.strip()[:300] or f"exit {proc.returncode}, no output"
    out = []
    for err in report.get("errors", []):
        best = err.get("best_deep_match") or err
        out.append(
            (
                str(err.get("filename", "")),
                str(best.get("path", "$")),
                str(best.get("message", "?")),
            )
        )
    return out
