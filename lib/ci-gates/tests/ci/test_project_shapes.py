"""The project's shape: where the maturin project is, its names, its crates, its CLI (or none).

Each fixture is a minimal project of one shape seen in real maturin repositories, written by
the test (no network, no cargo): a crate at the root (with and without ``python-source``), a
Cargo workspace whose maturin project sits in a sub-directory (no root pyproject.toml), a uv
workspace whose root pyproject.toml has no build system, and several maturin projects in one
repository (chosen with ``[tool.ci-gates.project] dir``).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core import project as project_mod
from ci_gates.core.project import ProjectError, names

MakeRepo = Callable[..., Path]

MATURIN = '[build-system]\nrequires = ["maturin>=1.9,<2"]\nbuild-backend = "maturin"\n'


def pyproject(name: str, maturin: str = "", extra: str = "") -> str:
    table = f"\n[tool.maturin]\n{maturin}" if maturin else ""
    return f'{MATURIN}\n[project]\nname = "{name}"\nversion = "0.1.0"\n{table}{extra}'


def crate(name: str, lib: str = "", bin_: bool = False, abi3: bool = False) -> dict[str, str]:
    """Files of a crate ``name`` (a cdylib ``lib`` or a binary) relative to its directory."""
    features = '["extension-module", "abi3-py39"]' if abi3 else '["extension-module"]'
    text = f'[package]\nname = "{name}"\nversion = "0.2.0"\nedition = "2021"\n'
    files = {}
    if lib:
        text += f'\n[lib]\nname = "{lib}"\ncrate-type = ["cdylib"]\n'
        text += f'\n[dependencies]\npyo3 = {{ version = "0.23", features = {features} }}\n'
        files["src/lib.rs"] = "\n"
    if bin_:
        files["src/main.rs"] = "fn main() {}\n"
    return {"Cargo.toml": text, **files}


def under(prefix: str, files: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}/{k}" if prefix else k: v for k, v in files.items()}


def test_a_root_crate_without_python_source(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"pyproject.toml": pyproject("rs-thing"), **crate("rs-thing", lib="thing", abi3=True)}
    )
    n = names(root)
    assert (n.project, n.cargo_root, n.python_source) == ("", "", "")
    assert (n.dist, n.package, n.extension, n.cli) == ("rs-thing", "thing", "thing", None)
    assert n.bindings is not None and n.bindings.path == "" and n.abi3
    assert [c.name for c in n.crates] == ["rs-thing"]


def test_a_root_crate_with_python_source(make_repo: MakeRepo) -> None:
    files = {
        "pyproject.toml": pyproject(
            "mixed-thing", 'python-source = "python"\nmodule-name = "mixed_thing._core"\n'
        ),
        "python/mixed_thing/__init__.py": "",
        **crate("mixed-thing", lib="_core"),
    }
    n = names(make_repo(files))
    assert (n.python_source, n.package, n.extension) == (
        "python",
        "mixed_thing",
        "mixed_thing._core",
    )
    assert not n.abi3


CARGO_WORKSPACE = '[workspace]\nresolver = "2"\nmembers = ["core", "cli", "py"]\n'


def _workspace(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A Cargo workspace at the root; the maturin project in ``py/`` (a member) with
    ``python-source``; a CLI crate beside it; no pyproject.toml at the root."""
    return {
        "Cargo.toml": CARGO_WORKSPACE,
        **under("core", crate("fib-core")),
        **under("cli", crate("fib-cli", bin_=True)),
        **under("py", crate("fib-py", lib="fib_py")),
        "py/pyproject.toml": pyproject("fib-py", 'python-source = "python"\n'),
        "py/python/fib_py/__init__.py": "",
        **(extra or {}),
    }


def test_a_cargo_workspace_with_the_maturin_project_in_a_sub_directory(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(_workspace())
    (root / "pyproject.toml").unlink()  # no root pyproject.toml at all (make_repo adds one)
    n = names(root)
    assert (n.project, n.cargo_root, n.python_source) == ("py", "", "py/python")
    assert (n.dist, n.package, n.extension) == ("fib-py", "fib_py", "fib_py")
    assert n.bindings is not None and n.bindings.path == "py"
    assert sorted(c.path for c in n.crates) == ["cli", "core", "py"]
    # plain maturin puts one Rust artifact in its wheel: the sibling binary is not shipped
    assert n.cli is None and n.cli_crate is None


def test_a_configured_cli_crate_is_the_cli_even_with_plain_maturin(make_repo: MakeRepo) -> None:
    config = '[tool.ci-gates.project]\ncli-crate = "cli"\n'
    n = names(make_repo(_workspace({"pyproject.toml": config})))
    assert (n.project, n.cli) == ("py", "fib-cli")


def test_the_configured_project_dir_wins_and_must_exist(make_repo: MakeRepo) -> None:
    root = make_repo(_workspace({"pyproject.toml": '[tool.ci-gates.project]\ndir = "py/"\n'}))
    assert names(root).project == "py"
    (root / "pyproject.toml").write_text('[tool.ci-gates.project]\ndir = "nowhere"\n')
    with pytest.raises(ProjectError, match=r"dir = 'nowhere': no pyproject.toml there"):
        names(root)


def test_a_uv_workspace_root_without_a_build_system(make_repo: MakeRepo) -> None:
    root_pyproject = (
        '[dependency-groups]\ndev = ["pytest"]\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
    )
    files = {
        "pyproject.toml": root_pyproject,
        "Cargo.toml": '[workspace]\nmembers = ["packages/*", "lib"]\n',
        **under("lib", crate("the-lib")),
        **under("packages/thing", crate("thing", lib="thing")),
        "packages/thing/pyproject.toml": pyproject(
            "thing", 'python-source = "python"\nmodule-name = "thing.native"\n'
        ),
        "packages/docs/pyproject.toml": '[project]\nname = "docs"\nversion = "0"\n',
    }
    n = names(make_repo(files))
    assert (n.project, n.python_source, n.extension) == (
        "packages/thing",
        "packages/thing/python",
        "thing.native",
    )
    assert sorted(c.name for c in n.crates) == ["the-lib", "thing"]


def test_several_maturin_projects_need_a_choice(make_repo: MakeRepo) -> None:
    files = {
        "pyproject.toml": '[tool.uv.workspace]\nmembers = ["examples/*"]\n',
        "Cargo.toml": '[workspace]\nmembers = ["examples/*"]\n',
    }
    for name in ("alpha", "beta"):
        files.update(under(f"examples/{name}", crate(name, lib=name)))
        files[f"examples/{name}/pyproject.toml"] = pyproject(name)
    root = make_repo(files)
    with pytest.raises(
        ProjectError, match=r"several maturin projects.*examples/alpha, examples/beta"
    ):
        names(root)
    (root / "pyproject.toml").write_text('[tool.ci-gates.project]\ndir = "examples/beta"\n')
    n = names(root)
    assert (n.project, n.dist, n.cargo_root) == ("examples/beta", "beta", "")
    assert sorted(c.name for c in n.crates) == ["alpha", "beta"]


def test_a_bindings_crate_outside_the_project_directory(make_repo: MakeRepo) -> None:
    """``manifest-path`` may point out of the project (``../crates/py/Cargo.toml``)."""
    files = {
        "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
        **under("crates/py", crate("bindings", lib="_rs")),
        "python/pyproject.toml": pyproject(
            "outside", 'manifest-path = "../crates/py/Cargo.toml"\nmodule-name = "outside._rs"\n'
        ),
        "pyproject.toml": "[tool.ci-gates]\n",
    }
    n = names(make_repo(files))
    assert (n.project, n.python_source, n.bindings and n.bindings.path) == (
        "python",
        "python",
        "crates/py",
    )


def test_old_maturin_reads_package_metadata_maturin(make_repo: MakeRepo) -> None:
    files = {
        **crate("old-style", lib="old_style"),
        "pyproject.toml": pyproject("old-style"),
    }
    files["Cargo.toml"] += '\n[package.metadata.maturin]\npython-source = "python"\n'
    assert names(make_repo(files)).python_source == "python"


def test_names_are_read_once_while_the_manifests_are_unchanged(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject("memo-thing"), **crate("memo-thing", lib="m")})
    first = names(root)
    assert names(str(root)) is first  # memo hit: the same object, nothing parsed
    time.sleep(0.01)
    (root / "pyproject.toml").write_text(pyproject("memo-other"))
    assert names(root).dist == "memo-other"  # a manifest changed: read again


def test_the_memo_holds_one_entry_per_root(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject("one"), **crate("one", lib="one")})
    names(root)
    key, _ = project_mod._MEMO[os.path.abspath(root)]
    paths = {entry[0] for entry in key}
    assert str(root / "pyproject.toml") in paths and str(root / "Cargo.toml") in paths


def test_a_wheel_finding_about_the_manifest_names_the_projects(make_repo: MakeRepo) -> None:
    """In a workspace the wheel's metadata comes from ``py/pyproject.toml``, not the root's."""
    from ci_gates.checks import artifacts
    from ci_gates.testing import run_gate
    from ci_gates.testing.wheels import importable, pure_wheel

    files = {
        "pyproject.toml": "[tool.ci-gates]\n",
        "Cargo.toml": '[workspace]\nmembers = ["py"]\n',
        **under("py", crate("acme-wc", lib="_native")),
        "py/pyproject.toml": pyproject("acme-wc", 'module-name = "acme_wc._native"\n'),
        ".gitignore": "target/\n",
    }
    root = make_repo(files)
    dist = root / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = pure_wheel(dist, importable(cli=None))  # no long description in its METADATA
    sdist = dist / "acme_wc-0.1.0.tar.gz"
    sdist.write_bytes(b"")
    manifest = {"inputs_hash": artifacts.inputs_hash(str(root)), "version": "0.1.0"}
    artifacts.write_manifest(str(root), {**manifest, "wheel": str(wheel), "sdist": str(sdist)})
    outcome = run_gate("wheel", root)
    described = [f for f in outcome.findings if f.rule == "WHL020"]
    assert [f.path for f in described] == ["py/pyproject.toml"]


def test_the_root_from_inside_the_project_directory_is_the_repositorys(
    make_repo: MakeRepo,
) -> None:
    from ci_gates.core.context import project_root

    root = make_repo(_workspace({"pyproject.toml": "[tool.ci-gates]\n"}))
    assert project_root(root / "py" / "python") == str(root)
    assert project_root(root / "py") == str(root)
    (root / "pyproject.toml").unlink()  # not adopted yet: the nearest pyproject.toml
    assert project_root(root / "py") == str(root / "py")
