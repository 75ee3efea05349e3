"""``[[tool.ci-gates.release.packages]]``: what can be released, checked before anything runs.

Each entry: ``name``, ``kind``, ``path`` (the package's directory), ``paths`` (globs: a commit
touching one of them changes the package), ``depends_on`` (names of packages it embeds or
requires) and, for ``pypi``, ``targets`` (``{ target = "<Rust triple>", runner = "<GitHub
runner>", libc = "manylinux2014" | "musllinux_1_2" | "" }``). The kinds:

- ``crates``: a workspace crate published to crates.io; its version is its Cargo.toml's.
- ``pypi``: the maturin project's wheels (one per target) and sdist; its version is the
  bindings crate's, which maturin reads.
- ``python``: a pure-Python distribution at ``path`` (its own ``pyproject.toml``, whose
  ``[project]`` names it and holds a literal ``version``), built once with a PEP 517 front
  end into one ``py3-none-any`` wheel and an sdist, published to PyPI like the wheels.

``workflow``
and ``environment`` declare the trusted publisher the registry is told about (the workflow
file name and the GitHub environment of its publish job); ``nox -s release_doctor`` checks
them against the workflow.

:func:`validate_packages` is what ``ci/config.py`` calls for the section (structure, unknown
``depends_on``, cycles, empty or overlapping ``paths``); :func:`load` adds what needs the
manifests: each name and path agrees with ``ci/project.py``, and where each version lives.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Any, NamedTuple

KINDS = ("crates", "pypi", "python")
PYTHON_KINDS = ("pypi", "python")  # what goes to a Python package index
LIBCS = ("manylinux2014", "musllinux_1_2", "")
KEYS: dict[str, type] = {
    "name": str,
    "kind": str,
    "path": str,
    "paths": list,
    "depends_on": list,
    "targets": list,
    "workflow": str,
    "environment": str,
}
TARGET_KEYS = ("target", "runner", "libc")
WHERE = "pyproject.toml [[tool.ci-gates.release.packages]]"


class Target(NamedTuple):
    target: str  # Rust triple
    runner: str  # GitHub Actions runner label
    libc: str  # manylinux / musllinux marker, "" for macOS and Windows


class Package(NamedTuple):
    name: str
    kind: str
    path: str
    paths: tuple[str, ...]
    depends_on: tuple[str, ...]
    targets: tuple[Target, ...]
    # where the version lives: a Cargo.toml ([package].version; a crate, the bindings of a
    # pypi package) or a python package's pyproject.toml ([project].version)
    manifest: str


def _error(msg: str) -> Exception:
    from ci_gates.core.config import ConfigError

    return ConfigError(msg)


def _entry(index: int, raw: object) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _error(f"{WHERE} entry {index + 1}: must be a table")
    label = repr(raw.get("name", f"entry {index + 1}"))
    for key, value in raw.items():
        if key not in KEYS:
            raise _error(f"{WHERE} {label}: unknown key {key!r}; known keys: {', '.join(KEYS)}")
        if not isinstance(value, KEYS[key]):
            raise _error(f"{WHERE} {label} {key}: expected a {KEYS[key].__name__}")
    for key in ("name", "kind", "path", "paths"):
        if not raw.get(key):
            raise _error(f"{WHERE} {label}: `{key}` is missing or empty; every package needs it")
    if raw["kind"] not in KINDS:
        raise _error(f"{WHERE} {label} kind: {raw['kind']!r} is not one of {', '.join(KINDS)}")
    paths = raw["paths"]
    if not all(isinstance(p, str) and p.strip() for p in paths):
        raise _error(f"{WHERE} {label} paths: every glob must be a non-empty string")
    deps = raw.get("depends_on", [])
    if not all(isinstance(d, str) for d in deps):
        raise _error(f"{WHERE} {label} depends_on: every entry must be a package name")
    targets = [_target(label, t) for t in raw.get("targets", [])]
    if targets and raw["kind"] != "pypi":
        raise _error(f"{WHERE} {label} targets: only pypi packages have build targets")
    path = raw["path"].strip("/") or "."
    return {
        "name": raw["name"],
        "kind": raw["kind"],
        "path": path,
        "paths": list(paths),
        "depends_on": list(deps),
        "targets": targets,
        "workflow": raw.get("workflow", ""),
        "environment": raw.get("environment", ""),
    }


def _target(label: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) - set(TARGET_KEYS) or not raw.get("target"):
        raise _error(
            f"{WHERE} {label} targets: each is {{ target = <Rust triple>, runner = <runner>, "
            f"libc = {' | '.join(repr(x) for x in LIBCS)} }}"
        )
    libc = raw.get("libc", "")
    if libc not in LIBCS:
        raise _error(f"{WHERE} {label} target {raw['target']}: libc {libc!r} is not one of {LIBCS}")
    if not raw.get("runner"):
        raise _error(f"{WHERE} {label} target {raw['target']}: `runner` is missing")
    return {"target": str(raw["target"]), "runner": str(raw["runner"]), "libc": str(libc)}


_WILD = re.compile(r"\[[^\]]*\]|\*\*|\*|\?")


def _witnesses(glob: str, other: str) -> list[str]:
    """Paths ``glob`` matches, built to hit ``other`` too if they can share one.

    Wildcards become one segment ``x``; and the first wildcard also becomes the rest of
    ``other``'s literal prefix (``python/**/*.py`` vs ``python/pkg/**`` → ``python/pkg/x.py``).
    """
    plain = _WILD.sub("x", glob)
    m, n = _WILD.search(glob), _WILD.search(other)
    prefix, other_prefix = glob[: m.start()] if m else glob, other[: n.start()] if n else other
    if not m or not other_prefix.startswith(prefix):
        return [plain]
    fill = other_prefix[len(prefix) :].strip("/") or "x"
    return [plain, _WILD.sub("x", glob[: m.start()] + fill + glob[m.end() :])]


def _overlap(a: str, b: str) -> bool:
    """Do globs ``a`` and ``b`` match a common path (as far as witnesses can tell)?"""

    def matches(path: str, glob: str) -> bool:
        # a literal directory holds everything under it, as in a git pathspec
        bare = glob.rstrip("*/")
        return any(fnmatch.fnmatchcase(path, g) for g in (glob, bare, f"{bare}/*"))

    if a == b:
        return True
    return any(matches(w, b) for w in _witnesses(a, b)) or any(
        matches(w, a) for w in _witnesses(b, a)
    )


def validate_packages(raw: list[Any]) -> list[dict[str, Any]]:
    """The checked, normalised entries; a :class:`ci_gates.core.config.ConfigError` naming the entry."""
    entries = [_entry(i, r) for i, r in enumerate(raw)]
    names = [e["name"] for e in entries]
    for e in entries:
        if names.count(e["name"]) > 1:
            raise _error(f"{WHERE} {e['name']!r}: declared twice; names are unique")
        for dep in e["depends_on"]:
            if dep not in names or dep == e["name"]:
                known = ", ".join(n for n in names if n != e["name"]) or "none"
                raise _error(
                    f"{WHERE} {e['name']!r} depends_on: unknown package {dep!r}; known: {known}"
                )
    for i, a in enumerate(entries):
        for b in entries[i + 1 :]:
            for ga in a["paths"]:
                hit = next((gb for gb in b["paths"] if _overlap(ga, gb)), None)
                if hit is not None:
                    raise _error(
                        f"{WHERE} {a['name']!r} paths {ga!r} overlaps {b['name']!r} paths "
                        f"{hit!r}; a changed file must belong to one package"
                    )
    topological(entries)
    return entries


def topological(entries: list[dict[str, Any]]) -> list[str]:
    """Names in dependency order (declaration order among independent ones); cycles raise."""
    from ci_gates.core.toposort import Cycle, ordered

    try:
        return ordered([e["name"] for e in entries], {e["name"]: e["depends_on"] for e in entries})
    except Cycle as exc:
        name = exc.path[0]
        raise _error(f"{WHERE} {name!r} depends_on: cycle {exc}; remove one edge") from None


def load(root: str, config: dict[str, Any] | None = None) -> list[Package]:
    """The packages in publish order, checked against the project's names (``ci/project.py``)."""
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.core.config import load as load_config
    from ci_gates.core.project import ProjectError, names

    entries = (config or load_config(root))["release"]["packages"]
    try:
        project = names(root)
    except ProjectError as exc:
        raise ReleaseError(str(exc)) from None
    by_name = {e["name"]: e for e in entries}
    packages = []
    for name in topological(entries):
        e = by_name[name]
        if e["kind"] == "crates":
            crate = project.crate(name)
            if crate is None:
                known = ", ".join(c.name for c in project.crates) or "none"
                raise ReleaseError(f"{WHERE} {name!r}: no workspace crate has that name ({known})")
            if crate.path != e["path"]:
                raise ReleaseError(
                    f"{WHERE} {name!r} path {e['path']!r} differs from crate {crate.name} at "
                    f"{crate.path!r} (ci/project.py); make them agree"
                )
            if not crate.publish:
                raise ReleaseError(f"{WHERE} {name!r}: the crate says publish = false")
            manifest = f"{crate.path}/Cargo.toml"
        elif e["kind"] == "python":
            manifest = _python_manifest(root, name, e["path"])
        else:
            if name != project.dist or e["path"] != ".":
                raise ReleaseError(
                    f"{WHERE} {name!r} (path {e['path']!r}) differs from the distribution "
                    f"{project.dist!r} at '.' (pyproject.toml, ci/project.py); make them agree"
                )
            if project.bindings is None:
                raise ReleaseError(f"{WHERE} {name!r}: no bindings crate ([tool.maturin])")
            manifest = f"{project.bindings.path or '.'}/Cargo.toml"
        targets = tuple(Target(**t) for t in e["targets"])
        packages.append(
            Package(
                name,
                e["kind"],
                e["path"],
                tuple(e["paths"]),
                tuple(e["depends_on"]),
                targets,
                os.path.normpath(manifest).replace(os.sep, "/"),
            )
        )
    return packages


def _python_manifest(root: str, name: str, path: str) -> str:
    """``<path>/pyproject.toml``, whose ``[project] name`` must be the package's name."""
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.checks.versioning.versions import read_toml

    manifest = "pyproject.toml" if path == "." else f"{path}/pyproject.toml"
    if not os.path.isfile(os.path.join(root, manifest)):
        raise ReleaseError(
            f"{WHERE} {name!r} path {path!r}: no {manifest}; a python package is a directory "
            "with its own pyproject.toml"
        )
    declared = read_toml(os.path.join(root, manifest)).get("project", {}).get("name")
    if not isinstance(declared, str) or _normalize(declared) != _normalize(name):
        raise ReleaseError(
            f"{WHERE} {name!r}: {manifest} [project] name is {declared!r}; make them agree"
        )
    return manifest


def _normalize(name: str) -> str:
    """PEP 503: ``Foo_bar.baz`` and ``foo-bar-baz`` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()
