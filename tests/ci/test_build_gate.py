"""build gate: reuse while inputs match (no front end, no cargo), rebuild when they change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ci import artifacts, gates
from ci.gates import build

FILES = {
    "Cargo.toml": '[workspace.package]\nversion = "0.1.0"\n',
    "crates/core/src/lib.rs": "pub fn f() {}\n",
    "ci/gates/x.py": "X = 1\n",
    "tests/test_x.py": "def test(): pass\n",
    ".gitignore": "target/\n",
}


class FakeFrontend:
    """Stands in for ``python -m build``: records calls, writes what a build would."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.fail = fail

    def __call__(self, outdir: str, srcdir: str, *kinds: str, env: object = None) -> int:
        self.calls.append(kinds)
        if self.fail:
            return 1
        if "--sdist" in kinds:
            Path(outdir, "template_python_rust_cmd-0.1.0.tar.gz").write_bytes(b"sdist")
        Path(outdir, "template_python_rust_cmd-0.1.0-cp39-abi3-linux_x86_64.whl").write_bytes(b"w")
        return 0


@pytest.fixture
def repo(make_repo) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_repo(FILES)
    return root


@pytest.fixture
def frontend(monkeypatch: pytest.MonkeyPatch) -> FakeFrontend:
    fake = FakeFrontend()
    monkeypatch.setattr(build, "_frontend", fake)
    monkeypatch.setattr(build, "_wheel_from_sdist", lambda root, sdist: (_sdist_wheel(root), ""))
    for var in build.BUILD_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    return fake


def _sdist_wheel(root: str) -> str:
    out = Path(root, build.SDIST_WHEEL_DIR)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "template_python_rust_cmd-0.1.0-cp39-abi3-linux_x86_64.whl"
    path.write_bytes(b"w")
    return str(path)


def test_first_run_builds_and_writes_the_manifest(repo: Path, frontend: FakeFrontend) -> None:
    assert build.run(str(repo)) == 0
    assert frontend.calls == [("--sdist", "--wheel")]
    manifest = artifacts.current_manifest(str(repo))
    assert manifest["version"] == "0.1.0"
    assert manifest["wheel"].startswith(str(repo / artifacts.DIST_DIR))
    assert manifest["sdist_wheel"].startswith(str(repo / build.SDIST_WHEEL_DIR))
    assert manifest["build_env"] == {}


def test_unchanged_inputs_reuse_without_building(
    repo: Path, frontend: FakeFrontend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build.run(str(repo)) == 0
    (repo / "ci/gates/x.py").write_text("X = 2\n")
    (repo / "tests/test_x.py").write_text("def test(): assert True\n")
    capsys.readouterr()
    assert build.run(str(repo)) == 0
    assert len(frontend.calls) == 1, "a change under ci/ or tests/ must not rebuild"
    assert "inputs unchanged" in capsys.readouterr().out


def test_changed_crate_rebuilds(repo: Path, frontend: FakeFrontend) -> None:
    assert build.run(str(repo)) == 0
    (repo / "crates/core/src/lib.rs").write_text("pub fn g() {}\n")
    assert build.run(str(repo)) == 0
    assert len(frontend.calls) == 2


def test_missing_artifact_rebuilds(repo: Path, frontend: FakeFrontend) -> None:
    assert build.run(str(repo)) == 0
    os.remove(artifacts.current_manifest(str(repo))["sdist_wheel"])
    assert build.run(str(repo)) == 0
    assert len(frontend.calls) == 2


def test_build_env_change_rebuilds(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert build.run(str(repo)) == 0
    monkeypatch.setenv("MATURIN_PEP517_ARGS", "--compatibility manylinux2014")
    assert build.run(str(repo)) == 0
    assert len(frontend.calls) == 2
    manifest = artifacts.current_manifest(str(repo))
    assert manifest["build_env"] == {"MATURIN_PEP517_ARGS": "--compatibility manylinux2014"}


def test_sdist_that_does_not_build_is_recorded_for_the_wheel_gate(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(build, "_wheel_from_sdist", lambda root, sdist: (None, "it broke"))
    assert build.run(str(repo)) == 0
    manifest = artifacts.current_manifest(str(repo))
    assert "sdist_wheel" not in manifest and manifest["sdist_wheel_error"] == "it broke"
    assert build.run(str(repo)) == 0
    assert len(frontend.calls) == 2, "a failed sdist build is retried, not reused"


def test_stray_files_are_cleaned_before_a_build(repo: Path, frontend: FakeFrontend) -> None:
    dist = repo / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    (dist / "template_python_rust_cmd-0.0.9-cp39-abi3-linux_x86_64.whl").write_bytes(b"old")
    assert build.run(str(repo)) == 0
    assert sorted(os.listdir(dist)) == [
        "template_python_rust_cmd-0.1.0-cp39-abi3-linux_x86_64.whl",
        "template_python_rust_cmd-0.1.0.tar.gz",
    ]


def test_failed_build_fails_and_leaves_no_current_manifest(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok = FakeFrontend()
    monkeypatch.setattr(build, "_frontend", ok)
    monkeypatch.setattr(build, "_wheel_from_sdist", lambda root, sdist: (_sdist_wheel(root), ""))
    assert build.run(str(repo)) == 0
    (repo / "crates/core/src/lib.rs").write_text("broken\n")
    monkeypatch.setattr(build, "_frontend", FakeFrontend(fail=True))
    gates.messages.clear()
    assert build.run(str(repo)) == 1
    assert "failed" in gates.messages[0]
    assert artifacts.load_manifest(str(repo)) is None


def test_without_the_build_package_it_cannot_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "build" else real(name, *a)
    )
    assert build.run(str(repo)) == 2
    assert "pip install build" in gates.messages[0]


def test_reusable_needs_matching_hash_env_and_files(tmp_path: Path) -> None:
    files = {}
    for key in ("wheel", "sdist", "sdist_wheel"):
        files[key] = str(tmp_path / key)
        Path(files[key]).write_bytes(b"")
    manifest = {"inputs_hash": "h", "build_env": {}, **files}
    assert build.reusable(manifest, "h", {})
    assert not build.reusable(manifest, "other", {})
    assert not build.reusable(manifest, "h", {"RUSTFLAGS": "-Ctarget-cpu=native"})
    assert not build.reusable(None, "h", {})
    os.remove(files["sdist_wheel"])
    assert not build.reusable(manifest, "h", {})


@pytest.mark.skipif(os.name == "nt", reason="the build lock is POSIX flock")
def test_a_concurrent_build_waits_for_the_lock(repo: Path, frontend: FakeFrontend) -> None:
    import threading

    results: list[int] = []
    with build._lock(str(repo / build.LOCK)):
        worker = threading.Thread(target=lambda: results.append(build.run(str(repo))))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and frontend.calls == [], "must wait while another build runs"
    worker.join(30)
    assert results == [0] and len(frontend.calls) == 1


def test_cause_picks_the_specific_line(monkeypatch: pytest.MonkeyPatch) -> None:
    maturin = ["💥 maturin failed", "Caused by: compliance", "Caused by: GLIBC_2.34 too recent"]
    monkeypatch.setattr(build, "last_error", maturin)
    assert build._cause() == "Caused by: GLIBC_2.34 too recent"
    cargo = ["error[E0432]: unresolved import `x`", "error: could not compile `template-py`"]
    monkeypatch.setattr(build, "last_error", cargo)
    assert build._cause() == "error[E0432]: unresolved import `x`"
    monkeypatch.setattr(build, "last_error", [])
    assert build._cause() == "see the output above"
