"""The files ``ci-gates adopt`` writes into a project, each step idempotent.

Every writer returns ``[(path, lines written)]`` (empty when the project has it already) and adds
to ``notes`` what it would not do by itself (a noxfile of the project's own, a hook script it
did not write).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable

from ci_gates.core.adopted import NOXFILE as NOXFILE
from ci_gates.core.pins import NOX, UV

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

DIST = "ci-gates"
DEV_FILES = ("requirements-dev.txt", "dev-requirements.txt", "requirements/dev.txt")
NEW_DEV_FILE = "ci/requirements-dev.txt"
NOX_LINES = "from ci_gates.commands.nox_sessions import register\nregister()"


def pinned(requirement: str) -> str:
    """The requirement line for the library: a local source directory becomes a file URL."""
    if requirement.startswith((DIST, DIST.replace("-", "_"))):
        return requirement
    from pathlib import Path

    return f"{DIST} @ {Path(requirement).resolve().as_uri()}"


def released() -> str:
    """What the pin becomes once the library is on PyPI."""
    import ci_gates

    return f"{DIST}=={ci_gates.__version__}"


def _lines(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") or not text else 1)


def _write(project: str, rel: str, text: str, mode: str = "w") -> None:
    path = os.path.join(project, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, encoding="utf-8", newline="\n") as f:
        f.write(text)


def _read(project: str, rel: str) -> str | None:
    try:
        with open(os.path.join(project, rel), encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _dev_group(project: str) -> list[str] | None:
    from ci_gates.core.project import _toml

    groups = _toml(os.path.join(project, "pyproject.toml")).get("dependency-groups", {})
    dev = groups.get("dev") if isinstance(groups, dict) else None
    return dev if isinstance(dev, list) else None


def _names_in(entries: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~;\[@]", e.strip(), maxsplit=1)[0].lower() for e in entries if e}


def where_pinned(project: str) -> str:
    """Where the project keeps its dev tools: ``pyproject.toml`` (a dev group) or a file."""
    if _dev_group(project) is not None:
        return "pyproject.toml"
    return next((f for f in (*DEV_FILES, NEW_DEV_FILE) if _read(project, f) is not None), "")


def install_hint(project: str) -> str:
    where = where_pinned(project) or NEW_DEV_FILE
    return "--group dev" if where == "pyproject.toml" else f"-r {where}"


def pin(project: str, requirement: str, notes: list[str]) -> list[tuple[str, int]]:
    """The pinned library (and nox, when missing) where the project keeps its dev tools."""
    where = where_pinned(project)
    if where == "pyproject.toml":
        return _pin_group(project, requirement)
    if where:
        text = _read(project, where) or ""
        present = _names_in([ln for ln in text.splitlines() if not ln.lstrip().startswith("#")])
        add = [r for r in (requirement, NOX) if _names_in([r]).isdisjoint(present)]
        if not add:
            return []
        block = "# The CI gates (`nox -s gates`), written by `ci-gates adopt`.\n"
        block += "".join(f"{r}\n" for r in add)
        prefix = "" if not text or text.endswith("\n") else "\n"
        _write(project, where, prefix + block, "a")
        return [(where, _lines(prefix + block))]
    text = (
        "# The developer tools, installed once: `python -m pip install -r ci/requirements-dev.txt`.\n"
        "# nox runs the CI gates (`nox -s gates`); every other tool is installed by the gates.\n"
        f"{NOX}\n{UV}\n{requirement}\n"
    )
    _write(project, NEW_DEV_FILE, text)
    return [(NEW_DEV_FILE, _lines(text))]


def _pin_group(project: str, requirement: str) -> list[tuple[str, int]]:
    import tomlkit

    path = os.path.join(project, "pyproject.toml")
    with open(path, encoding="utf-8") as f:
        doc = tomlkit.parse(f.read())
    dev = doc["dependency-groups"]["dev"]
    present = _names_in([str(e) for e in dev if isinstance(e, str)])
    add = [r for r in (requirement, NOX) if _names_in([r]).isdisjoint(present)]
    for r in add:
        dev.append(r)
    if not add:
        return []
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(tomlkit.dumps(doc))
    return [("pyproject.toml", len(add))]


def noxfile(project: str, notes: list[str]) -> list[tuple[str, int]]:
    text = _read(project, "noxfile.py")
    if text is None:
        _write(project, "noxfile.py", NOXFILE)
        return [("noxfile.py", _lines(NOXFILE))]
    if "ci_gates" not in text:
        notes.append(
            "noxfile.py is the project's own: add these two lines at its end (sessions it "
            "defines above them keep their names; the library's of the same name run as "
            f"`ci-gates run NAME`): {NOX_LINES!r}"
        )
    return []


def hooks(project: str, notes: list[str]) -> list[tuple[str, int]]:
    """The entry script and both agents' settings; existing settings get our hooks merged in."""
    from ci_gates.template import hookfiles

    out = []
    for rel, text in hookfiles.files().items():
        have = _read(project, rel)
        if have == text:
            continue
        if have is None:
            _write(project, rel, text)
            out.append((rel, _lines(text)))
        elif rel.endswith(".json"):
            merged = _merge_settings(have, text, rel)
            if merged != have:
                _write(project, rel, merged)
                out.append((rel, max(_lines(merged) - _lines(have), 0)))
        elif have.startswith(text.split("\n", 1)[0]):  # our entry script, an older version
            _write(project, rel, text)
            out.append((rel, _lines(text)))
        else:
            notes.append(f"{rel} is the project's own; the agent hooks need the library's")
    return out


def _merge_settings(have: str, ours: str, rel: str) -> str:
    """``have`` with every hook group of ``ours`` whose command it lacks; theirs kept as is."""
    try:
        doc = json.loads(have)
    except ValueError:
        return have  # not JSON: leave it, the note below says so
    if not isinstance(doc, dict):
        return have
    hooks = doc.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        return have
    from ci_gates.template.hookfiles import retired

    for event, groups in list(hooks.items()):  # an older library's guards: replaced below
        if isinstance(groups, list):
            kept = [g for g in groups if not _retired_group(g, retired)]
            if kept:
                hooks[event] = kept
            else:
                del hooks[event]
    for event, groups in json.loads(ours)["hooks"].items():
        known = json.dumps(hooks.get(event, []))
        for group in groups:
            command = group["hooks"][0]["command"]
            if json.dumps(command) not in known:
                hooks.setdefault(event, []).append(group)
    return json.dumps(doc, indent=2) + "\n"


def _retired_group(group: object, retired: Callable[[object], bool]) -> bool:
    handlers = group.get("hooks") if isinstance(group, dict) else None
    return isinstance(handlers, list) and any(
        isinstance(h, dict) and retired(h.get("command")) for h in handlers
    )


def config(project: str, skipped: dict[str, str], since: str) -> list[tuple[str, int]]:
    """The fitted ``[tool.ci-gates]`` section, appended to pyproject.toml once."""
    text = _read(project, "pyproject.toml") or ""
    if "[tool.ci-gates" in text:
        return []
    from ci_gates.core.policy import comment_lines

    lines = [
        "",
        "# The CI gates (ci-gates): `nox -s gates` runs them all, `nox -s rules` explains each",
        "# rule. Written by `ci-gates adopt`; each skip says what would make the gate apply.",
        "[tool.ci-gates]",
        *comment_lines(),
        "policy = []",
        "",
    ]
    releases = release_files(project)
    if since:
        lines += ["[tool.ci-gates.commits]", "# Commits before the adoption are not judged."]
        lines += [f'since = "{since}"', ""]
    if releases:
        lines += ["[tool.ci-gates.tool-guard]", "# Workflows that publish; nowhere else may."]
        lines += ["release-files = [" + ", ".join(json.dumps(r) for r in releases) + "]", ""]
    if skipped:
        lines.append("[tool.ci-gates.skip]")
        lines += [f"{gate} = {json.dumps(why)}" for gate, why in sorted(skipped.items())]
    section = "\n".join(lines) + "\n"
    _write(project, "pyproject.toml", ("" if text.endswith("\n") else "\n") + section, "a")
    return [("pyproject.toml", _lines(section))]


_PUBLISH = re.compile(
    r"\b(uv publish|twine upload|maturin (publish|upload)|cargo publish|command: (upload|publish))\b"
)


def release_files(project: str) -> list[str]:
    """Workflows that publish (maturin's generated CI.yml does, on tags): the release files."""
    import glob

    out = []
    for path in sorted(glob.glob(os.path.join(project, ".github", "workflows", "*.y*ml"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            if _PUBLISH.search(f.read()):
                out.append(os.path.relpath(path, project).replace(os.sep, "/"))
    return out


ROOT_PYPROJECT = """\
# The repository's tool configuration. The maturin project has a pyproject.toml of its own in
# a sub-directory; the CI gates (ci-gates) read their settings from this file, at the root.
"""


def root_pyproject(project: str) -> list[tuple[str, int]]:
    """A root without a pyproject.toml (a Cargo workspace) gets one for the gates' settings."""
    if _read(project, "pyproject.toml") is not None:
        return []
    _write(project, "pyproject.toml", ROOT_PYPROJECT)
    return [("pyproject.toml", _lines(ROOT_PYPROJECT))]


def _edit(project: str, change: Callable[[Any], bool]) -> bool:
    import tomlkit

    path = os.path.join(project, "pyproject.toml")
    with open(path, encoding="utf-8") as f:
        doc = tomlkit.parse(f.read())
    if not change(doc):
        return False
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(tomlkit.dumps(doc))
    return True


def _gates_table(doc: Any, name: str) -> Any:
    import tomlkit

    tool = doc.setdefault("tool", tomlkit.table(True))
    gates = tool.setdefault("ci-gates", tomlkit.table(True))
    return gates.setdefault(name, tomlkit.table())


def project_dir(project: str, directory: str) -> list[tuple[str, int]]:
    """``[tool.ci-gates.project] dir``: the maturin project the gates check (``--project``)."""

    def change(doc: Any) -> bool:
        table = _gates_table(doc, "project")
        if table.get("dir") == directory:
            return False
        table["dir"] = directory
        return True

    return [("pyproject.toml", 1)] if _edit(project, change) else []


def add_skips(project: str, skipped: dict[str, str]) -> list[tuple[str, int]]:
    """More ``[tool.ci-gates.skip]`` entries (each with its reason)."""

    def change(doc: Any) -> bool:
        table = _gates_table(doc, "skip")
        new = {gate: why for gate, why in sorted(skipped.items()) if gate not in table}
        for gate, why in new.items():
            table[gate] = why
        return bool(new)

    return [("pyproject.toml", len(skipped))] if skipped and _edit(project, change) else []


# Where a project runs stubtest: its task runners and CI, in its directory or the root.
STUBTEST_FILES = ("Taskfile.yml", "Taskfile.yaml", "noxfile.py", "tox.ini", "Makefile", "justfile")


def stubtest_args(project: str, directory: str, package: str) -> list[str]:
    """The ``--ignore-*`` flags the project runs stubtest on ``package`` with, found in its task
    files and workflows (the stubs gate then judges the stub by the same rules)."""
    import glob
    import shlex

    paths = [
        os.path.join(project, d, f) for d in dict.fromkeys((directory, "")) for f in STUBTEST_FILES
    ]
    paths += sorted(glob.glob(os.path.join(project, ".github", "workflows", "*.y*ml")))
    flags: list[str] = []
    for path in paths:
        text = _read(project, os.path.relpath(path, project)) or ""
        for line in text.splitlines():
            if "stubtest" not in line:
                continue
            try:
                words = shlex.split(line.split("stubtest", 1)[1], comments=True)
            except ValueError:
                words = line.split("stubtest", 1)[1].split()
            if package in words:
                flags += [w for w in words if w.startswith("--ignore-") and w not in flags]
    return flags


def stubs_args(project: str, args: list[str]) -> list[tuple[str, int]]:
    """``[tool.ci-gates.stubs] args``: the project's own stubtest flags."""

    def change(doc: Any) -> bool:
        table = _gates_table(doc, "stubs")
        if "args" in table:
            return False
        table["args"] = args
        return True

    return [("pyproject.toml", 2)] if args and _edit(project, change) else []
