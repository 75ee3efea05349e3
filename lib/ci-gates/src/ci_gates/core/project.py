"""The project's names, read from its manifests, once: nothing else spells them.

- distribution: ``[project].name`` in pyproject.toml;
- import package and extension: ``[tool.maturin].module-name`` (``pkg._native`` → package
  ``pkg``, extension ``pkg._native``); without it, maturin's default (the bindings crate's lib
  name, or the distribution name with ``_``);
- python source dir: ``[tool.maturin].python-source`` (default: the project root);
- bindings crate: ``[tool.maturin].manifest-path`` (default ``Cargo.toml``);
- crates: the workspace members of the root ``Cargo.toml`` (``[workspace].members`` globs), or
  the root package alone;
- the CLI: the binary of the one member crate (not the bindings crate) that has a binary target
  (``[[bin]]`` names, else the package name when ``src/main.rs`` exists). ``[tool.ci-gates.project]
  cli-crate = "crates/x"`` picks one when several have binaries; a project without a CLI has
  ``cli = None`` and the gates that need one say so.

Standard library only (``tomllib``, or ``tomli`` before 3.11): the build backend, the gates,
the hooks and the tests all call :func:`names`.
"""

from __future__ import annotations

import glob
import os
from typing import NamedTuple


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
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)  # type: ignore[no-any-return]
    except FileNotFoundError:
        raise ProjectError(f"{path}: not found; run from the project root") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path}: invalid TOML ({exc}); fix the syntax") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read ({exc.strerror})") from None


def _rel(root: str, path: str) -> str:
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    return "" if rel == "." else rel


def _crate(root: str, directory: str, workspace: dict) -> Crate | None:  # type: ignore[type-arg]
    manifest = os.path.join(directory, "Cargo.toml")
    if not os.path.isfile(manifest):
        return None
    data = _toml(manifest)
    package = data.get("package")
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        return None
    name = package["name"]
    version = package.get("version", "")
    if isinstance(version, dict):  # version.workspace = true
        version = workspace.get("workspace", {}).get("package", {}).get("version", "")
    bins = [str(b.get("name", name)) for b in data.get("bin", []) if isinstance(b, dict)]
    if not bins and os.path.isfile(os.path.join(directory, "src", "main.rs")):
        bins = [name]
    lib = ""
    if isinstance(data.get("lib"), dict) or os.path.isfile(
        os.path.join(directory, "src", "lib.rs")
    ):
        lib = str(data.get("lib", {}).get("name", name.replace("-", "_")))
    publish = package.get("publish", True) is not False and package.get("publish") != []
    return Crate(name, _rel(root, directory), str(version), tuple(bins), lib, publish)


def _members(root: str, cargo: dict) -> list[str]:  # type: ignore[type-arg]
    workspace = cargo.get("workspace")
    dirs: list[str] = []
    if isinstance(workspace, dict):
        excluded = {os.path.normpath(os.path.join(root, e)) for e in workspace.get("exclude", [])}
        for pattern in workspace.get("members", []):
            for match in sorted(glob.glob(os.path.join(root, pattern))):
                if os.path.normpath(match) not in excluded and os.path.isdir(match):
                    dirs.append(match)
    if "package" in cargo:
        dirs.insert(0, root)
    return dirs


def names(root: str | os.PathLike[str]) -> Names:
    """Every name of the project under ``root``, from pyproject.toml and the Cargo manifests."""
    root = os.fspath(root)
    pyproject = _toml(os.path.join(root, "pyproject.toml"))
    project = pyproject.get("project", {})
    dist = project.get("name")
    if not isinstance(dist, str) or not dist:
        raise ProjectError(
            f"{os.path.join(root, 'pyproject.toml')}: [project].name is missing; add it"
        )
    maturin = pyproject.get("tool", {}).get("maturin", {})
    gates_cfg = pyproject.get("tool", {}).get("ci-gates", {})
    cargo_path = os.path.join(root, "Cargo.toml")
    cargo = _toml(cargo_path) if os.path.isfile(cargo_path) else {}
    crates = [c for d in _members(root, cargo) if (c := _crate(root, d, cargo)) is not None]
    manifest = os.path.normpath(os.path.join(root, maturin.get("manifest-path", "Cargo.toml")))
    bindings_dir = _rel(root, os.path.dirname(manifest))
    bindings = next((c for c in crates if c.path == bindings_dir), None)
    if bindings is None and os.path.isfile(manifest):
        bindings = _crate(root, os.path.dirname(manifest), cargo)
    module = maturin.get("module-name") or (
        bindings.lib if bindings and bindings.lib else dist.replace("-", "_")
    )
    package = module.partition(".")[0]
    chosen = gates_cfg.get("project", {}).get("cli-crate") if isinstance(gates_cfg, dict) else None
    cli_crate = _cli_crate(crates, bindings, chosen)
    cli = cli_crate.bins[0] if cli_crate else None
    source = str(maturin.get("python-source", "")).strip("/").replace("\\", "/")
    abi3 = _declares_abi3(root, bindings, cargo, maturin)
    return Names(dist, package, module, source, bindings, cli_crate, cli, tuple(crates), abi3)


def _declares_abi3(root: str, bindings: Crate | None, cargo: dict, maturin: dict) -> bool:  # type: ignore[type-arg]
    """Is a pyo3 ``abi3`` feature on: in the bindings' dependency, the workspace's, or maturin's?"""
    if any(str(f).startswith("pyo3/abi3") for f in maturin.get("features", [])):
        return True
    tables = [cargo.get("workspace", {}).get("dependencies", {})]
    if bindings is not None:
        manifest = _toml(os.path.join(root, bindings.path, "Cargo.toml"))
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
