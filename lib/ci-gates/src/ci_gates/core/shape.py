"""Where the maturin project sits in a repository, and which Cargo workspace it belongs to.

The repository root holds git, ``.github/`` and the ``[tool.ci-gates]`` configuration (its
``pyproject.toml``, which needs no build system). The maturin project (the ``pyproject.toml``
whose build backend is maturin, the wheel's manifest) is, in this order:

1. the directory ``[tool.ci-gates.project] dir`` names (relative to the root);
2. the root, when its ``pyproject.toml`` has a maturin build system (or ``[tool.maturin]``);
3. the ONE sub-directory with such a ``pyproject.toml`` among the members of a uv workspace
   (``[tool.uv.workspace] members``), of the root's Cargo workspace, and the directories up to
   two levels below the root (``py/``, ``bindings/python/``); several: an error that asks for
   ``dir``; none: the root.

Its Cargo workspace is the nearest ``Cargo.toml`` with ``[workspace]`` at or above the bindings
crate (up to the repository root). Every read goes through a :class:`Reader`, which records
what it looked at, so :func:`ci_gates.core.project.names` can serve a memo while none of it
changed. Standard library only.
"""

from __future__ import annotations

import glob
import os

# Directories never searched for the project (build output, environments, VCS, caches).
_SKIP = {"target", "node_modules", "build", "dist", "venv", "env", "__pycache__", "site-packages"}


class ShapeError(Exception):
    """The project's shape cannot be read; the message names the file and what to do."""


class Reader:
    """Reads TOML and probes paths under ``root``, remembering every path it looked at."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.seen: dict[str, None] = {}

    def path(self, rel: str) -> str:
        return os.path.normpath(os.path.join(self.root, rel)) if rel else self.root

    def isfile(self, path: str) -> bool:
        self.seen[path] = None
        return os.path.isfile(path)

    def toml(self, path: str) -> dict:  # type: ignore[type-arg]
        """The parsed file; :class:`ShapeError` when missing or invalid."""
        try:
            import tomllib  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # Python < 3.11
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        self.seen[path] = None
        try:
            with open(path, "rb") as f:
                return tomllib.load(f)  # type: ignore[no-any-return]
        except FileNotFoundError:
            raise ShapeError(f"{path}: not found; run from the project root") from None
        except tomllib.TOMLDecodeError as exc:
            raise ShapeError(f"{path}: invalid TOML ({exc}); fix the syntax") from None
        except OSError as exc:
            raise ShapeError(f"{path}: cannot read ({exc.strerror})") from None

    def optional(self, path: str) -> dict | None:  # type: ignore[type-arg]
        return self.toml(path) if self.isfile(path) else None

    def glob(self, pattern: str) -> list[str]:
        self.seen[os.path.dirname(pattern) or self.root] = None
        return sorted(glob.glob(pattern))

    def subdirs(self, directory: str) -> list[str]:
        self.seen[directory] = None
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return []
        return [
            e.path
            for e in entries
            if e.is_dir()
            and not e.name.startswith(".")
            and e.name not in _SKIP
            # a virtual environment is nobody's project
            and not os.path.isfile(os.path.join(e.path, "pyvenv.cfg"))
        ]

    def key(self) -> tuple[tuple[str, int, int], ...]:
        """The size and mtime of every path read or probed (-1 for a missing one)."""
        return tuple(_stat(p) for p in self.seen)


def unchanged(key: tuple[tuple[str, int, int], ...]) -> bool:
    """Is every path of a :meth:`Reader.key` as it was?"""
    return all(_stat(entry[0]) == entry for entry in key)


def _stat(path: str) -> tuple[str, int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return (path, -1, -1)
    return (path, st.st_size, st.st_mtime_ns)


def rel(root: str, path: str) -> str:
    """``path`` relative to ``root`` with ``/``; "" for the root itself."""
    out = os.path.relpath(path, root).replace(os.sep, "/")
    return "" if out == "." else out


def is_maturin(pyproject: dict) -> bool:  # type: ignore[type-arg]
    """Does this pyproject.toml build with maturin (its backend, or maturin in its requires)?"""
    build = pyproject.get("build-system")
    if isinstance(build, dict):
        if build.get("build-backend") == "maturin":
            return True
        requires = build.get("requires", [])
        if isinstance(requires, list) and any(
            str(r).strip().lower().startswith("maturin") for r in requires
        ):
            return True
    return isinstance(pyproject.get("tool", {}).get("maturin"), dict)


def configured_dir(pyproject: dict | None) -> str | None:  # type: ignore[type-arg]
    """``[tool.ci-gates.project] dir`` of the root's pyproject.toml, normalised, or None."""
    table = (pyproject or {}).get("tool", {}).get("ci-gates", {})
    value = table.get("project", {}).get("dir") if isinstance(table, dict) else None
    if not isinstance(value, str) or not value.strip(" /."):
        return None
    return os.path.normpath(value.strip()).replace(os.sep, "/").strip("/")


def _member_dirs(reader: Reader, table: object) -> list[str]:
    """Directories matched by a workspace table's ``members`` globs (absolute)."""
    if not isinstance(table, dict):
        return []
    out = []
    excluded = {reader.path(e) for e in table.get("exclude", []) if isinstance(e, str)}
    for pattern in table.get("members", []):
        if isinstance(pattern, str):
            for match in reader.glob(reader.path(pattern)):
                if os.path.isdir(match) and os.path.normpath(match) not in excluded:
                    out.append(os.path.normpath(match))
    return out


def candidates(reader: Reader, pyproject: dict | None, cargo: dict | None) -> list[str]:  # type: ignore[type-arg]
    """Sub-directories (relative) holding a maturin pyproject.toml, sorted."""
    dirs = _member_dirs(reader, (pyproject or {}).get("tool", {}).get("uv", {}).get("workspace"))
    dirs += _member_dirs(reader, (cargo or {}).get("workspace"))
    for child in reader.subdirs(reader.root):
        dirs += [child, *reader.subdirs(child)]
    found = set()
    for d in dirs:
        if d == reader.root:
            continue
        path = os.path.join(d, "pyproject.toml")
        data = reader.optional(path)
        if data is not None and is_maturin(data):
            found.add(rel(reader.root, d))
    return sorted(found)


def project_dir(reader: Reader, pyproject: dict | None, cargo: dict | None) -> str:  # type: ignore[type-arg]
    """The maturin project's directory relative to the root ("" for the root itself)."""
    chosen = configured_dir(pyproject)
    where = "pyproject.toml [tool.ci-gates.project] dir"
    if chosen is not None:
        if chosen.startswith("../") or chosen == "..":
            raise ShapeError(f"{where} = {chosen!r}: must be inside the repository")
        if not reader.isfile(reader.path(f"{chosen}/pyproject.toml")):
            raise ShapeError(f"{where} = {chosen!r}: no pyproject.toml there; fix the path")
        return chosen
    if pyproject is not None and is_maturin(pyproject):
        return ""
    found = candidates(reader, pyproject, cargo)
    if len(found) > 1:
        listed = ", ".join(found)
        raise ShapeError(
            f"several maturin projects in this repository ({listed}); name the one the gates "
            f'check in the root pyproject.toml: [tool.ci-gates.project] dir = "{found[0]}"'
        )
    return found[0] if found else ""


def cargo_root(reader: Reader, bindings_dir: str) -> str:
    """The Cargo workspace root of the crate in ``bindings_dir`` (absolute): the nearest
    ``Cargo.toml`` with ``[workspace]`` at or above it, up to the repository root; else the
    crate's own directory."""
    probe = os.path.normpath(bindings_dir)
    top = os.path.normpath(reader.root)
    while True:
        manifest = os.path.join(probe, "Cargo.toml")
        data = reader.optional(manifest)
        if data is not None and isinstance(data.get("workspace"), dict):
            return probe
        if probe == top or not probe.startswith(top + os.sep):
            return os.path.normpath(bindings_dir)
        probe = os.path.dirname(probe)
