"""The build gate never writes the maintainer's tree, and builds the maturin project where it is.

A stale ``Cargo.lock`` is a finding before anything builds (cargo and maturin would rewrite
it); a lock the build writes anyway is put back; one it creates (the project commits none) is
removed. A project in a sub-directory of a workspace is built there, its artifacts under the
root's ``target/``. The last test proves it end to end: a real maturin project, the artifact
gates run over it, and its tracked files (and untracked ones outside ``target/``) unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.checks import artifacts, cargolock
from ci_gates.core.runner import PASSED
from ci_gates.gates import build
from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]
WHEEL = "fixture-0.1.0-cp39-abi3-linux_x86_64.whl"
ROOT_CRATE = {
    "pyproject.toml": (
        '[build-system]\nrequires = ["maturin>=1.9,<2"]\nbuild-backend = "maturin"\n\n'
        '[project]\nname = "fixture"\nversion = "0.1.0"\n'
    ),
    "Cargo.toml": '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n\n'
    '[lib]\ncrate-type = ["cdylib"]\n',
    "src/lib.rs": "\n",
    ".gitignore": "target/\n",
}


class Frontend:
    """``python -m build`` standing in: records where it ran, maybe touches Cargo.lock."""

    def __init__(self, lock: Path | None = None, lock_text: str = "") -> None:
        self.srcdirs: list[str] = []
        self.lock, self.lock_text = lock, lock_text

    def __call__(
        self, outdir: str, srcdir: str, *kinds: str, env: dict[str, str] | None = None
    ) -> tuple[int, list[str]]:
        self.srcdirs.append(srcdir)
        if self.lock is not None:
            self.lock.write_text(self.lock_text)
        if "--sdist" in kinds:
            Path(outdir, "fixture-0.1.0.tar.gz").write_bytes(b"sdist")
        Path(outdir, WHEEL).write_bytes(b"w")
        return 0, []


def _sdist_wheel(root: str, src: str, sdist: str, env: dict[str, str]) -> tuple[str, str]:
    out = Path(root, build.SDIST_WHEEL_DIR)
    out.mkdir(parents=True, exist_ok=True)
    (out / WHEEL).write_bytes(b"w")
    return str(out / WHEEL), ""


@pytest.fixture(autouse=True)
def _fake_sdist_wheel(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("cargo"):
        return  # the real thing
    monkeypatch.setattr(build, "_wheel_from_sdist", _sdist_wheel)
    for var in (*artifacts.BUILD_ENV_VARS, build.COMPAT_ENV):
        monkeypatch.delenv(var, raising=False)


def test_a_lock_the_build_creates_is_removed(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(ROOT_CRATE)
    monkeypatch.setattr(build, "_frontend", Frontend(root / "Cargo.lock", "# new\n"))
    outcome = run_gate("build", root)
    assert (outcome.status, outcome.rules) == (PASSED, ["BLD005"])
    assert not (root / "Cargo.lock").exists()
    artifacts.current_manifest(str(root))  # current: the lock was no input and is gone again


def test_a_lock_the_build_rewrites_is_put_back(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({**ROOT_CRATE, "Cargo.lock": "# committed\n"})
    monkeypatch.setattr(cargolock, "stale_reason", lambda workspace: "")
    monkeypatch.setattr(build, "_frontend", Frontend(root / "Cargo.lock", "# rewritten\n"))
    outcome = run_gate("build", root)
    assert outcome.rules == ["BLD004"] and outcome.findings[0].path == "Cargo.lock"
    assert (root / "Cargo.lock").read_text() == "# committed\n"
    assert not (root / artifacts.MANIFEST).exists()  # built from another lock: never reused


@pytest.mark.slow
def test_a_stale_lock_is_a_finding_and_nothing_builds(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("cargo") is None:
        pytest.skip("cargo not on PATH")
    root = make_repo(ROOT_CRATE, git=False)
    subprocess.run(["cargo", "generate-lockfile", "--offline"], cwd=root, check=True)
    text = (root / "Cargo.toml").read_text().replace('version = "0.1.0"', 'version = "0.2.0"', 1)
    (root / "Cargo.toml").write_text(text)  # the lock still says 0.1.0
    before = (root / "Cargo.lock").read_bytes()
    frontend = Frontend()
    monkeypatch.setattr(build, "_frontend", frontend)
    outcome = run_gate("build", root)
    assert outcome.rules == ["BLD003"] and frontend.srcdirs == []
    (found,) = outcome.findings
    assert found.path == "Cargo.lock" and "cargo update --workspace" in found.fix
    assert (root / "Cargo.lock").read_bytes() == before


WORKSPACE = {
    "pyproject.toml": "[tool.ci-gates]\n",
    "Cargo.toml": '[workspace]\nmembers = ["py", "core"]\n',
    "core/Cargo.toml": '[package]\nname = "core"\nversion = "0.1.0"\n',
    "core/src/lib.rs": "\n",
    "py/Cargo.toml": '[package]\nname = "fixture"\nversion = "0.1.0"\n\n[lib]\nname = "fixture"\n',
    "py/src/lib.rs": "\n",
    "py/pyproject.toml": ROOT_CRATE["pyproject.toml"]
    + '\n[tool.maturin]\npython-source = "python"\n',
    "py/python/fixture/__init__.py": "",
    "py/tests/test_x.py": "def test_x(): pass\n",
    "py/README.md": "# fixture\n",
    ".gitignore": "target/\n",
}


def test_a_project_in_a_sub_directory_builds_there(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(WORKSPACE)
    frontend = Frontend()
    monkeypatch.setattr(build, "_frontend", frontend)
    assert run_gate("build", root).status == PASSED
    assert frontend.srcdirs == [str(root / "py")]
    assert Path(artifacts.current_manifest(str(root))["wheel"]).parent == root / artifacts.DIST_DIR
    inputs = artifacts.input_paths(str(root))
    assert {"py/src/lib.rs", "py/python/fixture/__init__.py", "core/src/lib.rs"} <= set(inputs)
    assert {"py/Cargo.toml", "Cargo.toml"} <= set(inputs)  # pyproject.toml: its build tables
    assert not [p for p in inputs if p.startswith("py/tests/")]
    (root / "py/tests/test_x.py").write_text("def test_x(): assert True\n")
    assert run_gate("build", root).status == PASSED and len(frontend.srcdirs) == 1
    (root / "py/README.md").write_text("# fixture, described\n")  # no readme declared: no input
    (root / "py/src/lib.rs").write_text("// changed\n")
    assert run_gate("build", root).status == PASSED and len(frontend.srcdirs) == 2


def test_the_declared_readme_and_a_pure_rust_stub_are_build_inputs(make_repo: MakeRepo) -> None:
    pyproject = ROOT_CRATE["pyproject.toml"] + 'readme = "README.md"\n'
    root = make_repo({**ROOT_CRATE, "pyproject.toml": pyproject, "README.md": "# x\n"})
    (root / "fixture.pyi").write_text("x: int\n")
    assert {"README.md", "fixture.pyi", "src/lib.rs"} <= set(artifacts.input_paths(str(root)))


def test_the_wheels_version_is_the_stated_project_version(make_repo: MakeRepo) -> None:
    """maturin takes ``[project].version`` when pyproject.toml states it, not the crate's."""
    root = make_repo(
        {**ROOT_CRATE, "pyproject.toml": ROOT_CRATE["pyproject.toml"].replace('"0.1.0"', '"0.1"')}
    )
    assert artifacts.workspace_version(str(root)) == "0.1"


def snapshot(root: Path) -> dict[str, str]:
    """Every file git tracks, and every untracked one outside ``target/``: path -> sha256."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    paths = [p for p in out.split("\0") if p and "target" not in p.split("/")]
    return {p: hashlib.sha256((root / p).read_bytes()).hexdigest() for p in sorted(set(paths))}


NATIVE = """\
use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
"""
REAL = {
    "pyproject.toml": "[tool.ci-gates]\n",
    "Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["py"]\n',
    "py/Cargo.toml": (
        '[package]\nname = "treesafe"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[lib]\nname = "_native"\ncrate-type = ["cdylib"]\n\n[dependencies]\n'
        'pyo3 = { version = "0.28", features = ["extension-module", "abi3-py39"] }\n'
    ),
    "py/src/lib.rs": NATIVE,
    "py/pyproject.toml": (
        '[build-system]\nrequires = ["maturin>=1.9,<2"]\nbuild-backend = "maturin"\n\n'
        '[project]\nname = "treesafe"\nversion = "0.1.0"\nreadme = "README.md"\n'
        'requires-python = ">=3.9"\n\n[tool.maturin]\npython-source = "python"\n'
        'module-name = "treesafe._native"\n'
    ),
    "py/README.md": "# treesafe\n\nA fixture.\n",
    "py/python/treesafe/__init__.py": "from treesafe._native import __version__\n",
    "py/python/treesafe/_native.pyi": "__version__: str\n",
    "py/python/treesafe/py.typed": "",
    "py/tests/test_native.py": (
        "import treesafe\n\n\ndef test_version():\n    assert treesafe.__version__ == '0.1.0'\n"
    ),
    ".gitignore": "target/\n",
}


@pytest.mark.cargo
def test_the_artifact_gates_never_write_the_tree(make_repo: MakeRepo) -> None:
    """A workspace with its maturin project in ``py/`` and no Cargo.lock: build, import,
    check and test it; every tracked file and every untracked one outside target/ is as it was."""
    root = make_repo(REAL)
    before = snapshot(root)
    outcomes = {gate: run_gate(gate, root) for gate in ("build", "native_import", "wheel")}
    outcomes.update({gate: run_gate(gate, root) for gate in ("stubs", "pytest")})
    assert snapshot(root) == before
    assert not (root / "Cargo.lock").exists()
    assert outcomes["build"].rules == ["BLD005"]  # no lock committed: a note, none left behind
    for gate in ("native_import", "pytest"):
        assert outcomes[gate].status == PASSED, (gate, outcomes[gate].text)
    # stubtest ran on the installed wheel (pyo3 adds an `__all__` the fixture's stub lacks)
    assert set(outcomes["stubs"].rules) <= {"STB005"}
