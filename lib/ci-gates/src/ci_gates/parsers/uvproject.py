"""Does syncing a uv project build a native extension? Judged from its ``pyproject.toml``.

``uv run`` and ``uv sync`` build and install the project they find, if it is a package: it has a
``[build-system]`` (or ``[tool.uv] package = true``) and not ``package = false``. A project
that is not a package (a uv workspace root with ``package = false``, or no build system) is
not built, but its dependencies are installed, and a workspace member (``[tool.uv.sources]
name = { workspace = true }``) or a path source among them is built like a package of its own.
A build is expensive when its backend compiles: maturin, setuptools-rust, scikit-build-core,
meson-python (their names in ``build-backend`` or ``requires``).

:func:`native_build` answers for one project directory, memoised per process. Standard library
only, and ``tomllib`` is imported only here, when a ``uv run`` needs judging (hook start-up).
"""

from __future__ import annotations

import os
import re

NATIVE = re.compile(r"maturin|setuptools[-_]rust|scikit[-_]build|meson[-_]python|mesonpy", re.I)
_MEMO: dict[str, tuple[bool | None, str]] = {}


def _read(pyproject: str) -> dict | None:  # type: ignore[type-arg]
    """The parsed file; None when it cannot be read or ``tomllib`` is missing (Python < 3.11
    under ``-S``: the caller then assumes the worst)."""
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ModuleNotFoundError:
            return None
    try:
        with open(pyproject, "rb") as f:
            return tomllib.load(f)  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def _name(requirement: str) -> str:
    head = re.split(r"[\s<>=!~;\[@(]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", head).lower()


def _synced_names(data: dict) -> set[str]:  # type: ignore[type-arg]
    """What a default sync installs: ``[project] dependencies`` and the default groups."""
    project = data.get("project") or {}
    uv = (data.get("tool") or {}).get("uv") or {}
    names = [str(r) for r in project.get("dependencies") or [] if isinstance(r, str)]
    groups = data.get("dependency-groups") or {}
    default = uv.get("default-groups", ["dev"])
    chosen = list(groups) if default == "all" else default if isinstance(default, list) else []
    for group in chosen:
        names += [str(r) for r in groups.get(group) or [] if isinstance(r, str)]
    return {_name(r) for r in names}


def _members(directory: str, data: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """Workspace members of ``directory``: normalised project name -> directory."""
    import glob

    workspace = ((data.get("tool") or {}).get("uv") or {}).get("workspace") or {}
    out = {}
    for pattern in workspace.get("members") or []:
        for member in sorted(glob.glob(os.path.join(directory, str(pattern)))):
            found = _read(os.path.join(member, "pyproject.toml"))
            name = ((found or {}).get("project") or {}).get("name")
            if isinstance(name, str):
                out[_name(name)] = member
    return out


def _packaged(data: dict) -> bool:  # type: ignore[type-arg]
    package = ((data.get("tool") or {}).get("uv") or {}).get("package")
    return package is True or (package is not False and "build-system" in data)


def _compiles(data: dict) -> bool:  # type: ignore[type-arg]
    build = data.get("build-system") or {}
    words = [str(build.get("build-backend") or ""), *map(str, build.get("requires") or [])]
    return any(NATIVE.search(w) for w in words)


def native_build(directory: str, root: str, depth: int = 0) -> tuple[bool | None, str]:
    """``(builds, what)``: does syncing the project in ``directory`` compile an extension?

    ``what`` names the project that compiles ("" for ``root`` itself). None: the manifest
    cannot be read (assume it builds).
    """
    key = os.path.abspath(directory)
    if key in _MEMO:
        return _MEMO[key]
    data = _read(os.path.join(directory, "pyproject.toml"))
    answer: tuple[bool | None, str] = (None, "")
    if data is not None:
        answer = (False, "")
        rel = os.path.relpath(directory, root).replace(os.sep, "/") if root else directory
        if _packaged(data) and _compiles(data):
            answer = (True, "" if rel == "." else f"{rel}/pyproject.toml")
        elif depth < 3:
            answer = _member_builds(directory, root, data, depth)
    _MEMO[key] = answer
    return answer


def _member_builds(
    directory: str,
    root: str,
    data: dict,  # type: ignore[type-arg]
    depth: int,
) -> tuple[bool | None, str]:
    sources = ((data.get("tool") or {}).get("uv") or {}).get("sources") or {}
    wanted = _synced_names(data)
    members: dict[str, str] | None = None
    for name, source in sources.items():
        if _name(name) not in wanted or not isinstance(source, dict):
            continue
        if source.get("workspace") is True:
            members = _members(directory, data) if members is None else members
            where = members.get(_name(name))
        elif isinstance(source.get("path"), str):
            where = os.path.join(directory, source["path"])
        else:
            where = None
        if where and os.path.isdir(where):
            builds, what = native_build(where, root, depth + 1)
            if builds is not False:
                rel = os.path.relpath(where, root).replace(os.sep, "/") if root else where
                return builds, what or f"{rel}/pyproject.toml"
    return False, ""
