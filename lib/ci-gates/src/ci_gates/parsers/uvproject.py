"""Does syncing a uv project build a native extension? Judged from its ``pyproject.toml``.

``uv run`` and ``uv sync`` build and install the project they find, if it is a package: it has a
``[build-system]`` (or ``[tool.uv] package = true``) and not ``package = false``. A project
that is not a package (a uv workspace root with ``package = false``, or no build system) is
not built, but its dependencies are installed, and a workspace member (``[tool.uv.sources]
name = { workspace = true }``) or a path source among them is built like a package of its own.
A build is expensive when its backend compiles: maturin, setuptools-rust, scikit-build-core,
meson-python (their names in ``build-backend`` or ``requires``).

:func:`native_build` answers for one project directory, memoised per process. Standard library
only: the hook judges ``uv run`` before every Bash command an agent runs, and importing
``tomllib`` (with ``datetime`` and ``typing``) costs three times the rest of its start-up. So
the manifests it parses are kept as JSON in ``target/ci-gates/pyproject-facts.json``, each
with its stat (size, mtime, ctime, inode): an unchanged file is read back without ``tomllib``;
a file written less than two seconds before it was parsed is not kept (it may change again
within the clock's resolution, git's "racy clean" rule).
"""

from __future__ import annotations

import json
import os
import re
import time

NATIVE = re.compile(r"maturin|setuptools[-_]rust|scikit[-_]build|meson[-_]python|mesonpy", re.I)
_MEMO: dict[str, tuple[bool | None, str]] = {}
FACTS = os.path.join("target", "ci-gates", "pyproject-facts.json")
RACY = 2.0  # seconds: a file younger than this when parsed is not kept


class _Facts:
    """The parsed manifests kept on disk, by absolute path, each with the stat it was read at."""

    def __init__(self) -> None:
        self.path = ""
        self.entries: dict[str, list] = {}  # type: ignore[type-arg]
        self.dirty = False

    def open(self, root: str) -> None:
        path = os.path.join(root, FACTS) if root else ""
        if path == self.path:
            return
        self.path, self.entries, self.dirty = path, {}, False
        try:
            with open(path, encoding="utf-8") as f:
                loaded = json.load(f)
            if isinstance(loaded, dict):
                self.entries = loaded
        except (OSError, ValueError):
            pass

    def save(self) -> None:
        if not (self.path and self.dirty):
            return
        self.dirty = False
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.entries, f)
            os.replace(tmp, self.path)
        except OSError:  # a read-only tree: parse again next time
            pass


_FACTS = _Facts()


def _witness(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _read(pyproject: str) -> dict | None:  # type: ignore[type-arg]
    """The parsed file; None when it cannot be read or ``tomllib`` is missing (Python < 3.11
    under ``-S``: the caller then assumes the worst)."""
    key = os.path.abspath(pyproject)
    try:
        st = os.stat(key)
    except OSError:
        return None
    kept = _FACTS.entries.get(key)
    if isinstance(kept, list) and len(kept) == 2 and kept[0] == _witness(st):
        return kept[1] if isinstance(kept[1], dict) else None
    data = _parse(key)
    if data is not None and _FACTS.path and time.time() - st.st_mtime >= RACY:
        # TOML dates become strings: the rules read only strings, lists, tables and booleans.
        _FACTS.entries[key] = [_witness(st), json.loads(json.dumps(data, default=str))]
        _FACTS.dirty = True
    return data


def _parse(pyproject: str) -> dict | None:  # type: ignore[type-arg]
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
    if depth == 0:
        _FACTS.open(root)
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
    if depth == 0:
        _FACTS.save()
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
