"""What a project declares for its tests: the requirements the pytest gate installs for a suite.

A suite's venv holds the built wheel WITH its dependencies (as users install it) and:

- ``[tool.ci-gates.pytest] test-deps``, when set: ``"group:NAME"`` (a PEP 735 dependency
  group, ``{include-group = ...}`` followed), ``"extra:NAME"`` (an extra of the wheel),
  ``"requirements:PATH"`` (a requirements file, relative to the root; ``-r`` followed), or
  ``["none"]``;
- otherwise what the project has: the first of the dependency groups ``test``, ``tests``,
  ``dev`` (of the suite's directory, and of the root for a workspace member: ``uv`` sets up
  both) and the first of the extras of those names; when it has neither, the first of the
  usual test/dev requirements files (:data:`REQUIREMENT_FILES`).

A named group or file is looked up in the suite's directory, then (for a project in a
sub-directory of a workspace) in the repository root. The project itself (``-e .``, a path, its own name) is
never installed from source: the built wheel is the project. Standard library only.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

AUTO_NAMES = ("test", "tests", "dev")
REQUIREMENT_FILES = (
    "requirements-test.txt",
    "test-requirements.txt",
    "requirements/test.txt",
    "requirements-tests.txt",
    "tests/requirements.txt",
    "requirements-dev.txt",
    "dev-requirements.txt",
    "requirements/dev.txt",
)
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class DepsError(Exception):
    """A named group, extra or file does not exist; the message says where to fix it."""


class SuiteDeps(NamedTuple):
    requirements: tuple[str, ...]  # PEP 508 strings (and "-c PATH" constraint pairs flattened)
    extras: tuple[str, ...]  # extras of the wheel to install with it
    sources: tuple[str, ...]  # what they came from ("group test in py/pyproject.toml", ...)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The normalised distribution name a requirement string names ("" for none)."""
    match = _NAME.match(requirement)
    return normalize(match.group(1)) if match else ""


def _toml(path: str) -> dict:  # type: ignore[type-arg]
    from ci_gates.core.shape import Reader, ShapeError

    try:
        return Reader(os.path.dirname(path)).optional(path) or {}
    except ShapeError:
        return {}


def group(pyproject: dict, name: str, seen: tuple[str, ...] = ()) -> list[str] | None:  # type: ignore[type-arg]
    """The requirement strings of dependency group ``name`` (includes followed), or None."""
    groups = pyproject.get("dependency-groups", {})
    wanted = normalize(name)
    entries = next((v for k, v in groups.items() if normalize(k) == wanted), None)
    if not isinstance(entries, list) or wanted in seen:
        return None
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            out += group(pyproject, entry["include-group"], (*seen, wanted)) or []
    return out


def extras_of(pyproject: dict) -> set[str]:  # type: ignore[type-arg]
    optional = pyproject.get("project", {}).get("optional-dependencies", {})
    return {normalize(k) for k in optional} if isinstance(optional, dict) else set()


def requirements_file(path: str, seen: tuple[str, ...] = ()) -> list[str]:
    """The requirements of a pip requirements file: ``-r`` followed, ``-c`` kept, editable and
    local paths (the project itself) and other options left out."""
    if path in seen:
        return []
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    out: list[str] = []
    here = os.path.dirname(path)
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        option, _, value = line.partition(" ")
        value = value.strip()
        if option in ("-r", "--requirement") and value:
            out += requirements_file(os.path.join(here, value), (*seen, path))
        elif option in ("-c", "--constraint") and value:
            out += ["-c", os.path.join(here, value)]
        elif not line or line.startswith(("-", ".", "/", "file:")):
            continue
        else:
            out.append(line)
    return out


class _Scope(NamedTuple):
    label: str  # where, as the sources name it
    directory: str  # absolute
    pyproject: dict  # type: ignore[type-arg]


def _scopes(root: str, suite: str) -> list[_Scope]:
    dirs = [suite, ""] if suite else [""]
    out = []
    for rel in dirs:
        directory = os.path.join(root, rel) if rel else root
        label = f"{rel}/pyproject.toml" if rel else "pyproject.toml"
        out.append(_Scope(label, directory, _toml(os.path.join(directory, "pyproject.toml"))))
    return out


def _from_group(scopes: list[_Scope], name: str) -> tuple[list[str], str] | None:
    for scope in scopes:
        found = group(scope.pyproject, name)
        if found is not None:
            return found, f"dependency group {name} ({scope.label})"
    return None


def declared(root: str, suite: str, explicit: list[str], dist: str = "") -> SuiteDeps:
    """The test requirements of the suite in ``suite`` (relative; "" the root) of ``root``.

    ``explicit``: the ``test-deps`` entries (empty: find them). ``dist``: the wheel's
    distribution (its extras apply; a requirement naming it is the wheel already installed).
    """
    scopes = _scopes(root, suite)
    reqs: list[str] = []
    extras: list[str] = []
    sources: list[str] = []
    if explicit == ["none"]:
        return SuiteDeps((), (), ())
    for entry in explicit or _auto(scopes, dist):
        kind, _, value = entry.partition(":")
        if kind.startswith("group@") and not explicit:  # found alone, in that scope
            scope = scopes[int(kind.partition("@")[2])]
            reqs += group(scope.pyproject, value) or []
            sources.append(f"dependency group {value} ({scope.label})")
        elif kind == "group":
            got = _from_group(scopes, value)
            if got is None:
                raise DepsError(f"test-deps {entry!r}: no dependency group {value!r}")
            reqs += got[0]
            sources.append(got[1])
        elif kind == "extra" and dist:
            extras.append(normalize(value))
            sources.append(f"extra {value} of {dist}")
        elif kind == "requirements":
            path = os.path.join(root, value)
            if not os.path.isfile(path):
                raise DepsError(f"test-deps {entry!r}: no file {value}")
            reqs += requirements_file(path)
            sources.append(value)
        elif kind != "extra":
            raise DepsError(
                f"test-deps {entry!r}: expected group:NAME, extra:NAME, requirements:PATH or none"
            )
    own = normalize(dist) if dist else ""
    kept = [r for r in reqs if r.startswith("-c") or not own or requirement_name(r) != own]
    return SuiteDeps(tuple(kept), tuple(dict.fromkeys(extras)), tuple(sources))


def _auto(scopes: list[_Scope], dist: str) -> list[str]:
    """The entries found alone: the first test group of the suite's directory and of the root
    (a workspace member is tested in the environment the root's group sets up too), the first
    test extra, else the first requirements file."""
    found = []
    for index, scope in enumerate(scopes):
        name = next((n for n in AUTO_NAMES if group(scope.pyproject, n) is not None), None)
        if name is not None:
            found.append(f"group@{index}:{name}")
    if dist:
        extras = extras_of(scopes[0].pyproject)
        found += [f"extra:{n}" for n in AUTO_NAMES if n in extras][:1]
    if found:
        return found
    for scope in scopes:
        for name in REQUIREMENT_FILES:
            path = os.path.join(scope.directory, *name.split("/"))
            if os.path.isfile(path):
                rel = os.path.relpath(path, scopes[-1].directory).replace(os.sep, "/")
                return [f"requirements:{rel}"]
    return []


def project_name(root: str, suite: str) -> str:
    """The normalised ``[project].name`` of the suite directory's pyproject.toml ("" if none)."""
    directory = os.path.join(root, suite) if suite else root
    name = _toml(os.path.join(directory, "pyproject.toml")).get("project", {}).get("name")
    return normalize(name) if isinstance(name, str) else ""
