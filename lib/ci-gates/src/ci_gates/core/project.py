"""The project's names, read from its manifests, once: nothing else spells them.

- the project: the directory of the maturin ``pyproject.toml`` (:mod:`ci_gates.core.shape`: the
  root, ``[tool.ci-gates.project] dir``, or the one maturin project in a sub-directory); every
  path below is relative to the repository root;
- distribution: ``[project].name`` in the project's pyproject.toml;
- import package and extension: ``[tool.maturin].module-name`` (``pkg._native`` → package
  ``pkg``, extension ``pkg._native``); without it, maturin's default (the bindings crate's lib
  name, or the distribution name with ``_``); maturin < 0.14's ``[package.metadata.maturin]``
  in the bindings crate is read when there is no ``[tool.maturin]``;
- python source dir: ``[tool.maturin].python-source`` under the project (default: the project);
- bindings crate: ``[tool.maturin].manifest-path`` (default the project's ``Cargo.toml``);
- crates: the members of the bindings crate's Cargo workspace (``[workspace].members`` globs;
  ``cargo_root`` is its directory), or the bindings crate alone;
- the CLI: the binary of the one member crate (not the bindings crate) that has a binary target
  (``[[bin]]`` names, else the package name when ``src/main.rs`` exists), when the wheel ships
  one: a project built by plain ``build-backend = "maturin"`` without a ``[tool.maturin] data``
  directory has none (maturin puts one Rust artifact in a wheel) unless ``[tool.ci-gates.
  project] cli-crate = "crates/x"`` names it, which also picks one when several have binaries. Without a CLI, ``cli = None`` and the gates
  that need one say so.

Standard library only (``tomllib``, or ``tomli`` before 3.11): the gates, the hooks and the
tests all call :func:`names`, which reads the manifests once per process while they are
unchanged.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ci_gates.core.memo import Memo
from ci_gates.core.shape import Reader, ShapeError, cargo_root, project_dir, rel, unchanged


class Crate(NamedTuple):
    name: str  # [package].name
    path: str  # directory, relative to the root, "/" separators
    version: str  # "" when it cannot be resolved
    bins: tuple[str, ...]  # binary target names
    lib: str  # the lib target name ("" when the crate has none)
    publish: bool  # false when [package].publish = false


class Names(NamedTuple):
    dist: str  # distribution name as written in [project].name
    package: str  # top-level import package
    extension: str  # dotted module name of the native extension
    python_source: str  # directory holding the package ("" for the root)
    bindings: Crate | None  # the crate maturin builds
    cli_crate: Crate | None
    cli: str | None  # the CLI executable's name
    crates: tuple[Crate, ...]
    abi3: bool = False  # the bindings build the stable ABI (a pyo3 `abi3*` feature is on)
    project: str = ""  # the maturin project's directory (its pyproject.toml), "" for the root
    cargo_root: str = ""  # the Cargo workspace's directory (its Cargo.lock), "" for the root

    @property
    def normalized_dist(self) -> str:
        """PEP 503 normalised distribution name (``Foo_Bar`` → ``foo-bar``)."""
        import re

        return re.sub(r"[-_.]+", "-", self.dist).lower()

    @property
    def wheel_dist(self) -> str:
        """The distribution name as wheel and sdist file names spell it (``foo_bar``)."""
        return self.normalized_dist.replace("-", "_")

    def crate(self, name: str) -> Crate | None:
        return next((c for c in self.crates if c.name == name), None)


class ProjectError(Exception):
    """A manifest is missing or unreadable; the message names it and what to do."""


def _toml(path: str) -> dict:  # type: ignore[type-arg]
    try:
        return Reader(os.path.dirname(path)).toml(path)
    except ShapeError as exc:
        raise ProjectError(str(exc)) from None


def _crate(reader: Reader, directory: str, workspace: dict) -> Crate | None:  # type: ignore[type-arg]
    manifest = os.path.join(directory, "Cargo.toml")
    if not reader.isfile(manifest):
        return None
    data = reader.toml(manifest)
    package = data.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return None
    name = package["name"]
    version = package.get("version", "")
    if isinstance(version, dict):  # version.workspace = true
        version = workspace.get("workspace", {}).get("package", {}).get("version", "")
    bins = [str(b.get("name", name)) for b in data.get("bin", []) if isinstance(b, dict)]
    if not bins and reader.isfile(os.path.join(directory, "src", "main.rs")):
        bins = [name]
    lib = ""
    if isinstance(data.get("lib"), dict) or reader.isfile(os.path.join(directory, "src", "lib.rs")):
        lib = str(data.get("lib", {}).get("name", name.replace("-", "_")))
    publish = package.get("publish", True) is not False and package.get("publish") != []
    return Crate(name, rel(reader.root, directory), str(version), tuple(bins), lib, publish)


def _members(reader: Reader, top: str, cargo: dict) -> list[str]:  # type: ignore[type-arg]
    workspace = cargo.get("workspace")
    dirs: list[str] = []
    if isinstance(workspace, dict):
        excluded = {os.path.normpath(os.path.join(top, e)) for e in workspace.get("exclude", [])}
        for pattern in workspace.get("members", []):
            for match in reader.glob(os.path.join(top, pattern)):
                if os.path.normpath(match) not in excluded and os.path.isdir(match):
                    dirs.append(os.path.normpath(match))
    if "package" in cargo:
        dirs.insert(0, top)
    return dirs


_MEMO: Memo[str, tuple[tuple[tuple[str, int, int], ...], Names]] = Memo()


def names(root: str | os.PathLike[str]) -> Names:
    """Every name of the project under ``root``, from pyproject.toml and the Cargo manifests.

    Read once per process while the manifests are unchanged: a memo keyed by the root and the
    size and mtime of every file and directory the reading looked at.
    """
    root = os.path.abspath(os.fspath(root))
    memo = _MEMO.get(root)
    if memo is not None and unchanged(memo[0]):
        return memo[1]
    reader = Reader(root)
    try:
        found = _read(reader)
    except ShapeError as exc:
        raise ProjectError(str(exc)) from None
    _MEMO[root] = (reader.key(), found)
    return found


def _read(reader: Reader) -> Names:
    root = reader.root
    top_pyproject = reader.optional(os.path.join(root, "pyproject.toml"))
    top_cargo = reader.optional(os.path.join(root, "Cargo.toml"))
    where = project_dir(reader, top_pyproject, top_cargo)
    here = reader.path(where)
    pyproject_path = os.path.join(here, "pyproject.toml")
    pyproject = reader.toml(pyproject_path) if where or top_pyproject is None else top_pyproject
    dist = pyproject.get("project", {}).get("name")
    if not isinstance(dist, str) or not dist:
        raise ProjectError(f"{pyproject_path}: [project].name is missing; add it")
    maturin = pyproject.get("tool", {}).get("maturin", {})
    gates_cfg = (top_pyproject or {}).get("tool", {}).get("ci-gates", {})
    manifest = os.path.normpath(os.path.join(here, maturin.get("manifest-path", "Cargo.toml")))
    crate_dir = os.path.dirname(manifest)
    workspace_dir = cargo_root(reader, crate_dir)
    cargo_path = os.path.join(workspace_dir, "Cargo.toml")
    cargo = reader.optional(cargo_path) or {}
    crates = [c for d in _members(reader, workspace_dir, cargo) if (c := _crate(reader, d, cargo))]
    bindings = next((c for c in crates if c.path == rel(root, crate_dir)), None)
    if bindings is None and reader.isfile(manifest):
        bindings = _crate(reader, crate_dir, cargo)
        crates = crates or ([bindings] if bindings else [])
    legacy = _legacy_maturin(reader, manifest) if not maturin else {}
    maturin = maturin or legacy
    module = maturin.get("module-name") or (
        bindings.lib if bindings and bindings.lib else dist.replace("-", "_")
    )
    package = module.partition(".")[0]
    chosen = gates_cfg.get("project", {}).get("cli-crate") if isinstance(gates_cfg, dict) else None
    backend = pyproject.get("build-system", {}).get("build-backend")
    # maturin alone ships one Rust artifact: a sibling binary crate reaches its wheel only
    # through a backend of the project's own or a `data` directory staged for it.
    ships_cli = bool(chosen) or backend != "maturin" or bool(maturin.get("data"))
    cli_crate = _cli_crate(crates, bindings, chosen) if ships_cli else None
    cli = cli_crate.bins[0] if cli_crate else None
    source = str(maturin.get("python-source", "")).strip("/").replace("\\", "/")
    source = rel(root, os.path.join(here, source)) if source or where else ""
    abi3 = _declares_abi3(reader, bindings, cargo, maturin)
    return Names(
        dist,
        package,
        module,
        source,
        bindings,
        cli_crate,
        cli,
        tuple(crates),
        abi3,
        where,
        rel(root, workspace_dir),
    )


def _legacy_maturin(reader: Reader, manifest: str) -> dict:  # type: ignore[type-arg]
    """maturin < 0.14's ``[package.metadata.maturin]`` in the bindings crate's Cargo.toml."""
    data = reader.optional(manifest) or {}
    table = data.get("package", {}).get("metadata", {}).get("maturin", {})
    return table if isinstance(table, dict) else {}


def _declares_abi3(reader: Reader, bindings: Crate | None, cargo: dict, maturin: dict) -> bool:  # type: ignore[type-arg]
    """Is a pyo3 ``abi3`` feature on: in the bindings' dependency, the workspace's, or maturin's?"""
    if any(str(f).startswith("pyo3/abi3") for f in maturin.get("features", [])):
        return True
    tables = [cargo.get("workspace", {}).get("dependencies", {})]
    if bindings is not None:
        manifest = reader.toml(reader.path(os.path.join(bindings.path, "Cargo.toml")))
        tables.append(manifest.get("dependencies", {}))
        features = manifest.get("features", {})
        tables += [
            {"pyo3": {"features": [f.partition("/")[2] for f in v]}} for v in features.values()
        ]
    for deps in tables:
        pyo3 = deps.get("pyo3") if isinstance(deps, dict) else None
        if isinstance(pyo3, dict) and any(
            str(f).startswith("abi3") for f in pyo3.get("features", [])
        ):
            return True
    return False


def _cli_crate(crates: list[Crate], bindings: Crate | None, chosen: object) -> Crate | None:
    if isinstance(chosen, str) and chosen:
        return next((c for c in crates if c.path == chosen.strip("/") or c.name == chosen), None)
    with_bins = [c for c in crates if c.bins and c != bindings]
    return with_bins[0] if len(with_bins) == 1 else None
