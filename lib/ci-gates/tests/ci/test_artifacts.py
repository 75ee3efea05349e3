"""ci_gates.checks.artifacts: inputs hash, manifest staleness, workspace version, wheel venvs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.core import venvs

CARGO = '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "1.2.3"\n'
PYPROJECT = """\
[build-system]
requires = ["maturin>=1.9,<2"]
build-backend = "template_build"
backend-path = ["build_backend"]

[project]
name = "acme-words"
dynamic = ["version"]

[tool.maturin]
python-source = "python"

[tool.ci-gates.loc]
warn = 400
"""
FILES = {
    "Cargo.toml": CARGO,
    "Cargo.lock": "# lock\n",
    "pyproject.toml": PYPROJECT,
    "crates/core/Cargo.toml": '[package]\nname = "core"\nversion.workspace = true\n',
    "crates/core/src/lib.rs": "pub fn f() {}\n",
    "build_backend/template_build.py": "# backend\n",
    "python/pkg/__init__.py": "",
    "ci/gates/x.py": "X = 1\n",
    "tests/test_x.py": "def test(): pass\n",
    "README.md": "# readme\n",
    ".gitignore": "target/\n*.log\n",
}


@pytest.fixture
def repo(make_repo) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_repo(FILES)
    return root


def _hash(root: Path) -> str:
    return artifacts.inputs_hash(str(root))


@pytest.mark.parametrize(
    "path",
    ["ci/gates/x.py", "ci/new.py", "tests/test_x.py", "tests/new/test_y.py", "README.md"],
)
def test_ci_tests_and_docs_do_not_change_the_hash(repo: Path, path: str) -> None:
    before = _hash(repo)
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text("changed = True\n")
    assert _hash(repo) == before


@pytest.mark.parametrize(
    "path",
    [
        "crates/core/src/lib.rs",
        "crates/core/src/new.rs",  # untracked, not ignored: cargo would see it
        "build_backend/template_build.py",
        "python/pkg/__init__.py",
        "Cargo.toml",
        "Cargo.lock",
    ],
)
def test_build_inputs_change_the_hash(repo: Path, path: str) -> None:
    before = _hash(repo)
    old = (repo / path).read_text() if (repo / path).exists() else ""
    comment = "#" if path.endswith((".toml", ".lock", ".py")) else "//"
    (repo / path).write_text(f"{old}\n{comment} changed\n")
    assert _hash(repo) != before


def test_input_dirs_come_from_the_manifests(repo: Path) -> None:
    assert artifacts.input_dirs(str(repo)) == ["build_backend", "crates/core", "python"]


def test_a_root_crate_layout_hashes_src_and_the_package(make_repo) -> None:  # type: ignore[no-untyped-def]
    """The layout `maturin new --bindings pyo3` writes: one crate at the root, no python/."""
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "adopted"\n\n[tool.maturin]\nmodule-name = "adopted._x"\n',
            "Cargo.toml": '[package]\nname = "adopted"\nversion = "0.1.0"\n\n[lib]\ncrate-type = ["cdylib"]\n',
            "src/lib.rs": "pub fn f() {}\n",
            "adopted/__init__.py": "",
            "tests/test_x.py": "",
        }
    )
    assert artifacts.input_dirs(str(root)) == ["adopted", "src"]
    before = _hash(root)
    (root / "tests/test_x.py").write_text("x = 1\n")
    assert _hash(root) == before
    for path in ("src/lib.rs", "adopted/__init__.py"):
        (root / path).write_text("# changed\n")
        assert _hash(root) != before, path
        before = _hash(root)


def test_unreadable_manifest_cannot_run(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"pyproject.toml": "[project\n"})
    with pytest.raises(artifacts.ArtifactError, match="invalid TOML") as info:
        artifacts.inputs_hash(str(root))
    assert info.value.finding().rule == "GATE001"


def test_build_key_follows_inputs_and_environment(repo: Path) -> None:
    key = artifacts.build_key(str(repo), {})
    assert artifacts.build_key(str(repo), {}) == key
    assert artifacts.build_key(str(repo), {"MATURIN_PEP517_ARGS": "--zig"}) != key
    assert artifacts.build_env({"RUSTFLAGS": "-Cx", "HOME": "/h"}) == {"RUSTFLAGS": "-Cx"}
    (repo / "crates/core/src/lib.rs").write_text("// changed\n")
    assert artifacts.build_key(str(repo), {}) != key


def test_ignored_and_generated_files_do_not_count(repo: Path) -> None:
    before = _hash(repo)
    (repo / "crates/core/build.log").write_text("ignored\n")
    (repo / "target").mkdir()
    (repo / "target/out.rs").write_text("generated\n")
    assert _hash(repo) == before


def test_renaming_a_file_changes_the_hash(repo: Path) -> None:
    before = _hash(repo)
    os.rename(repo / "crates/core/src/lib.rs", repo / "crates/core/src/main.rs")
    assert _hash(repo) != before


def test_deleting_a_tracked_input_changes_the_hash(repo: Path) -> None:
    before = _hash(repo)
    (repo / "build_backend/template_build.py").unlink()
    assert _hash(repo) != before


def test_only_build_tables_of_pyproject_count(repo: Path) -> None:
    before = _hash(repo)
    text = (repo / "pyproject.toml").read_text()
    (repo / "pyproject.toml").write_text(text.replace("warn = 400", "warn = 300") + "\n# c\n")
    assert _hash(repo) == before
    (repo / "pyproject.toml").write_text(text.replace('python-source = "python"', ""))
    assert _hash(repo) != before


def test_hash_without_git_matches_inputs(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(FILES, git=False)
    before = _hash(root)
    (root / "ci/gates/x.py").write_text("X = 2\n")
    (root / "crates/core/src/__pycache__").mkdir()
    (root / "crates/core/src/__pycache__/x.pyc").write_bytes(b"\0")
    assert _hash(root) == before
    (root / "crates/core/src/lib.rs").write_text("pub fn g() {}\n")
    assert _hash(root) != before


def test_workspace_version(repo: Path) -> None:
    assert artifacts.workspace_version(str(repo)) == "1.2.3"
    (repo / "Cargo.toml").write_text("[workspace]\n")
    with pytest.raises(artifacts.ArtifactError, match=r"no version for the wheel"):
        artifacts.workspace_version(str(repo))


def _write_manifest(root: Path, **override: str) -> dict[str, str]:
    dist = root / artifacts.DIST_DIR
    dist.mkdir(parents=True, exist_ok=True)
    wheel = dist / "pkg-1.2.3-cp39-abi3-linux_x86_64.whl"
    sdist = dist / "pkg-1.2.3.tar.gz"
    wheel.write_bytes(b"wheel")
    sdist.write_bytes(b"sdist")
    manifest = {
        "inputs_hash": artifacts.inputs_hash(str(root)),
        "version": "1.2.3",
        "wheel": str(wheel),
        "sdist": str(sdist),
        **override,
    }
    artifacts.write_manifest(str(root), manifest)
    return manifest


def test_manifest_missing_or_unreadable(repo: Path) -> None:
    assert artifacts.load_manifest(str(repo)) is None
    with pytest.raises(artifacts.ArtifactError, match=r"no build manifest at .*nox -s build"):
        artifacts.current_manifest(str(repo))
    path = repo / artifacts.MANIFEST
    path.parent.mkdir(parents=True)
    for garbage in ("{not json", "[]", json.dumps({"inputs_hash": 1})):
        path.write_text(garbage)
        assert artifacts.load_manifest(str(repo)) is None


def test_current_manifest_roundtrip(repo: Path) -> None:
    manifest = _write_manifest(repo)
    assert artifacts.current_manifest(str(repo)) == manifest
    # A change under ci/ or tests/ keeps it current.
    (repo / "ci/gates/x.py").write_text("X = 3\n")
    assert artifacts.current_manifest(str(repo)) == manifest


def test_manifest_goes_stale_when_inputs_change(repo: Path) -> None:
    _write_manifest(repo)
    (repo / "crates/core/src/lib.rs").write_text("pub fn changed() {}\n")
    with pytest.raises(artifacts.ArtifactError, match=r"stale \(inputs changed\).*nox -s build"):
        artifacts.current_manifest(str(repo))


@pytest.mark.parametrize("key", ["wheel", "sdist", "sdist_wheel"])
def test_manifest_naming_a_vanished_artifact_is_an_error(repo: Path, key: str) -> None:
    manifest = _write_manifest(repo, sdist_wheel=str(repo / "from-sdist.whl"))
    if key != "sdist_wheel":
        os.remove(manifest[key])
    with pytest.raises(artifacts.ArtifactError, match=f"names {key} .* which is gone"):
        artifacts.current_manifest(str(repo))


def _pure_wheel(directory: Path, body: str) -> Path:
    """A tiny pure-Python wheel (``mod.py``) for the venv tests."""
    import base64
    import hashlib
    import zipfile

    path = directory / "tinymod-1.0-py3-none-any.whl"
    files = {
        "tinymod.py": body,
        "tinymod-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinymod\nVersion: 1.0\n",
        "tinymod-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    rows = []
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            data = text.encode()
            zf.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            rows.append(f"{name},sha256={digest},{len(data)}")
        rows.append("tinymod-1.0.dist-info/RECORD,,")
        zf.writestr("tinymod-1.0.dist-info/RECORD", "\n".join(rows) + "\n")
    return path


def test_wheel_venv_is_reused_until_the_wheel_changes(repo: Path) -> None:
    dist = repo / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = _pure_wheel(dist, "VALUE = 1\n")
    _write_manifest(repo, wheel=str(wheel))
    venv = artifacts.wheel_venv(str(repo), "check")
    assert venv == str(repo / artifacts.VENVS_DIR / "check")
    python = venvs.venv_python(venv)
    assert os.path.dirname(python) == venvs.venv_scripts(venv)

    def value() -> str:
        cmd = [python, "-c", "import tinymod; print(tinymod.VALUE)"]
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()

    assert value() == "1"
    sentinel = Path(venv) / "sentinel"
    sentinel.write_text("still the same venv")
    assert artifacts.wheel_venv(str(repo), "check") == venv
    assert sentinel.exists(), "an unchanged wheel must reuse the venv"
    # Another size: Python trusts cached bytecode whose source has the same size and mtime
    # second, and the pytest gate's PYTHONPYCACHEPREFIX outlives the recreated venv.
    _pure_wheel(dist, "VALUE = 22\n")
    assert artifacts.wheel_venv(str(repo), "check") == venv
    assert not sentinel.exists(), "a changed wheel must recreate the venv"
    assert value() == "22"


def test_wheel_venv_without_a_build(repo: Path) -> None:
    with pytest.raises(artifacts.ArtifactError, match="nox -s build"):
        artifacts.wheel_venv(str(repo), "check")


@pytest.mark.slow
def test_wheel_venv_falls_back_to_venv_and_pip(repo: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dist = repo / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = _pure_wheel(dist, "VALUE = 3\n")
    _write_manifest(repo, wheel=str(wheel))
    real_which = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda cmd, *a, **k: None if cmd == "uv" else real_which(cmd)
    )
    venv = artifacts.wheel_venv(str(repo), "nouv")
    cmd = [venvs.venv_python(venv), "-c", "import tinymod; print(tinymod.VALUE)"]
    assert subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip() == "3"
