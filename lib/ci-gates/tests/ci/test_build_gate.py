"""build gate: reuse while inputs match (no front end, no cargo), rebuild when they change."""

from __future__ import annotations

import os
import shutil
import tarfile
import threading
import time
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.core.findings import RULES
from ci_gates.gates import build
from ci_gates.testing import run_gate

WHEEL = "fixture-0.1.0-cp39-abi3-linux_x86_64.whl"
SDIST = "fixture-0.1.0.tar.gz"
FILES = {
    "pyproject.toml": '[project]\nname = "fixture"\n\n[tool.maturin]\npython-source = "python"\n',
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "0.1.0"\n',
    "crates/core/Cargo.toml": '[package]\nname = "core"\nversion.workspace = true\n',
    "crates/core/src/lib.rs": "pub fn f() {}\n",
    "python/fixture/__init__.py": "",
    "ci/gates/x.py": "X = 1\n",
    "tests/test_x.py": "def test(): pass\n",
    ".gitignore": "target/\n",
}


class FakeFrontend:
    """Stands in for ``python -m build``: records calls and environments, writes artifacts."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.envs: list[dict[str, str] | None] = []
        self.fail = fail

    def __call__(
        self, outdir: str, srcdir: str, *kinds: str, env: dict[str, str] | None = None
    ) -> tuple[int, list[str]]:
        self.calls.append(kinds)
        self.envs.append(env)
        if self.fail:
            lines = ["   Compiling core\n", "error[E0425]: cannot find value `x`\n", "error: x\n"]
            return 1, lines
        if "--sdist" in kinds:
            Path(outdir, SDIST).write_bytes(b"sdist")
        Path(outdir, WHEEL).write_bytes(b"w")
        return 0, []


@pytest.fixture
def repo(make_repo) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_repo(FILES)
    return root


@pytest.fixture
def frontend(monkeypatch: pytest.MonkeyPatch) -> FakeFrontend:
    fake = FakeFrontend()
    monkeypatch.setattr(build, "_frontend", fake)
    monkeypatch.setattr(
        build, "_wheel_from_sdist", lambda root, srcdir, sdist, env: (_sdist_wheel(root), "")
    )
    for var in (*artifacts.BUILD_ENV_VARS, build.COMPAT_ENV):
        monkeypatch.delenv(var, raising=False)
    return fake


def _sdist_wheel(root: str) -> str:
    out = Path(root, build.SDIST_WHEEL_DIR)
    out.mkdir(parents=True, exist_ok=True)
    path = out / WHEEL
    path.write_bytes(b"w")
    return str(path)


def test_first_run_builds_and_writes_the_manifest(repo: Path, frontend: FakeFrontend) -> None:
    outcome = run_gate("build", repo)
    assert (outcome.status, outcome.findings) == ("passed", [])
    assert frontend.calls == [("--sdist", "--wheel")]
    manifest = artifacts.current_manifest(str(repo))
    assert manifest["version"] == "0.1.0"
    assert manifest["wheel"].startswith(str(repo / artifacts.DIST_DIR))
    assert manifest["sdist_wheel"].startswith(str(repo / build.SDIST_WHEEL_DIR))
    assert manifest["build_env"] == {}


def test_unchanged_inputs_reuse_without_building(
    repo: Path, frontend: FakeFrontend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_gate("build", repo).status == "passed"
    (repo / "ci/gates/x.py").write_text("X = 2\n")
    (repo / "tests/test_x.py").write_text("def test(): assert True\n")
    capsys.readouterr()
    assert run_gate("build", repo).status == "passed"
    assert len(frontend.calls) == 1, "a change under ci/ or tests/ must not rebuild"
    assert "inputs unchanged" in capsys.readouterr().out


@pytest.mark.parametrize("path", ["crates/core/src/lib.rs", "python/fixture/__init__.py"])
def test_changed_input_rebuilds(repo: Path, frontend: FakeFrontend, path: str) -> None:
    assert run_gate("build", repo).status == "passed"
    (repo / path).write_text("// changed\n")
    assert run_gate("build", repo).status == "passed"
    assert len(frontend.calls) == 2


def test_missing_artifact_rebuilds(repo: Path, frontend: FakeFrontend) -> None:
    run_gate("build", repo)
    os.remove(artifacts.current_manifest(str(repo))["sdist_wheel"])
    run_gate("build", repo)
    assert len(frontend.calls) == 2


def test_build_env_change_rebuilds(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_gate("build", repo)
    monkeypatch.setenv("RUSTFLAGS", "-Ctarget-cpu=x86-64-v2")
    run_gate("build", repo)
    assert len(frontend.calls) == 2
    assert artifacts.current_manifest(str(repo))["build_env"] == {
        "RUSTFLAGS": "-Ctarget-cpu=x86-64-v2"
    }


def test_compatibility_from_config_builds_with_zig(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (repo / "pyproject.toml").read_text()
    (repo / "pyproject.toml").write_text(
        text + '\n[tool.ci-gates.build]\ncompatibility = "manylinux2014"\n'
    )
    assert run_gate("build", repo).status == "passed"
    want = "--zig --compatibility manylinux2014"
    assert frontend.envs[0] is not None and frontend.envs[0]["MATURIN_PEP517_ARGS"] == want
    assert artifacts.current_manifest(str(repo))["build_env"] == {"MATURIN_PEP517_ARGS": want}
    assert "MATURIN_PEP517_ARGS" not in os.environ, "the gate must not leak it to later gates"
    # The environment variable overrides the config for one run, and the artifacts follow.
    monkeypatch.setenv(build.COMPAT_ENV, "native")
    assert run_gate("build", repo).status == "passed"
    assert len(frontend.calls) == 2
    assert artifacts.current_manifest(str(repo))["build_env"] == {}


@pytest.mark.parametrize(
    ("compat", "current", "expected"),
    [
        ("", "", ""),
        ("native", "--features x", "--features x"),
        ("manylinux2014", "", "--zig --compatibility manylinux2014"),
        ("manylinux_2_28", "--features x", "--features x --zig --compatibility manylinux_2_28"),
        (
            "musllinux_1_2",
            "",
            "--zig --compatibility musllinux_1_2 --target x86_64-unknown-linux-musl",
        ),
    ],
)
def test_maturin_args(compat: str, current: str, expected: str) -> None:
    assert build.maturin_args(compat, "x86_64", current) == expected


@pytest.mark.parametrize(
    ("compat", "current", "words"),
    [
        ("manylinux", "", "is not native, manylinux2014"),
        ("win_amd64", "", "is not native, manylinux2014"),
        ("manylinux2014", "--compatibility manylinux_2_28", "both choose the platform"),
        ("manylinux2014", "--zig", "both choose the platform"),
    ],
)
def test_maturin_args_refuses_bad_or_conflicting_settings(
    compat: str, current: str, words: str
) -> None:
    with pytest.raises(build.CannotRun, match=words) as info:
        build.maturin_args(compat, "x86_64", current)
    assert build.COMPAT_ENV in info.value.fix


def test_bad_compatibility_cannot_run(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(build.COMPAT_ENV, "manylinux9")
    outcome = run_gate("build", repo)
    assert outcome.status == "could not run" and "'manylinux9'" in outcome.text
    assert frontend.calls == []


def test_sdist_that_does_not_build_is_recorded_for_the_wheel_gate(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        build, "_wheel_from_sdist", lambda root, srcdir, sdist, env: (None, "it broke")
    )
    assert run_gate("build", repo).status == "passed"
    manifest = artifacts.current_manifest(str(repo))
    assert "sdist_wheel" not in manifest and manifest["sdist_wheel_error"] == "it broke"
    run_gate("build", repo)
    assert len(frontend.calls) == 2, "a failed sdist build is retried, not reused"


def test_stray_files_are_cleaned_before_a_build(repo: Path, frontend: FakeFrontend) -> None:
    dist = repo / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    (dist / "fixture-0.0.9-cp39-abi3-linux_x86_64.whl").write_bytes(b"old")
    run_gate("build", repo)
    assert sorted(os.listdir(dist)) == [WHEEL, SDIST]


def test_failed_build_names_the_cause_and_leaves_no_current_manifest(
    repo: Path, frontend: FakeFrontend, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_gate("build", repo).status == "passed"
    (repo / "crates/core/src/lib.rs").write_text("broken\n")
    monkeypatch.setattr(build, "_frontend", FakeFrontend(fail=True))
    outcome = run_gate("build", repo)
    assert (outcome.status, outcome.rules) == ("failed", ["BLD001"])
    finding = outcome.findings[0]
    assert finding.message == (
        "`python -m build --sdist --wheel` failed: error[E0425]: cannot find value `x`"
    )
    assert "nox -s build" in finding.fix
    assert artifacts.load_manifest(str(repo)) is None


@pytest.mark.parametrize("module", ["build", "filelock"])
def test_without_a_needed_package_it_cannot_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == module else real(name, *a)
    )
    outcome = run_gate("build", repo)
    assert outcome.status == "could not run"
    assert f"`{module}` package is not installed" in outcome.text and "nox -s build" in outcome.text


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


def test_a_concurrent_build_waits_for_the_lock(repo: Path, frontend: FakeFrontend) -> None:
    from filelock import FileLock

    results: list[str] = []
    (repo / build.LOCK).parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(repo / build.LOCK)):
        worker = threading.Thread(target=lambda: results.append(run_gate("build", repo).status))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and frontend.calls == [], "must wait while another build runs"
    worker.join(30)
    assert results == ["passed"] and len(frontend.calls) == 1


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["💥 maturin failed", "  Caused by: compliance", "  Caused by: GLIBC_2.34 too recent"],
            "Caused by: GLIBC_2.34 too recent",
        ),
        (
            ["error[E0432]: unresolved import `x`", "error: could not compile `acme-py`"],
            "error[E0432]: unresolved import `x`",
        ),
        (
            ["template_build: the Rust standard library for x86_64-unknown-linux-musl is missing"],
            "template_build: the Rust standard library for x86_64-unknown-linux-musl is missing",
        ),
        (["Compiling x", "warning: unused"], "see the output above"),
    ],
)
def test_cause_picks_the_specific_line(lines: list[str], expected: str) -> None:
    assert build.cause(lines) == expected


def test_unexpected_artifacts() -> None:
    assert build.unexpected_artifacts("dist", [WHEEL, SDIST]) is None
    finding = build.unexpected_artifacts("dist", [WHEEL])
    assert finding is not None and finding.rule == "BLD002" and "found ['" in finding.message


def test_rules_are_declared_with_help() -> None:
    for rule_id in ("BLD001", "BLD002"):
        assert RULES[rule_id].gate == "build" and RULES[rule_id].summary


def test_unpacked_sdist_is_newer_than_any_earlier_build(tmp_path: Path) -> None:
    """maturin stamps sdist members with an old mtime; cargo must not take them for fresh."""
    src = tmp_path / "pkg-1.0"
    (src / "crates/core/src").mkdir(parents=True)
    (src / "crates/core/src/lib.rs").write_text("pub fn f() {}\n")
    sdist = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for path in sorted(src.rglob("*")):
            info = tar.gettarinfo(str(path), arcname=str(path.relative_to(tmp_path)))
            info.mtime = 315532800  # 1980, as maturin writes them
            if path.is_file():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    before = time.time() - 1
    out = tmp_path / "out"
    out.mkdir()
    top = build._unpack_fresh(str(sdist), str(out))
    assert top == str(out / "pkg-1.0")
    assert os.path.getmtime(out / "pkg-1.0/crates/core/src/lib.rs") >= before


@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_sdist_wheel_builds_in_the_work_trees_target_dir(
    make_repo, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {
            "Cargo.toml": '[package]\nname = "t"\nversion = "0.1.0"\n',
            "src/lib.rs": "",
            ".gitignore": "target/\n",
        }
    )
    monkeypatch.delenv("CARGO_TARGET_DIR", raising=False)
    assert build.target_dir(str(root)) == str(root / "target")
    monkeypatch.setenv("CARGO_TARGET_DIR", str(root / "elsewhere"))
    assert build.target_dir(str(root)) == str(root / "elsewhere")


def test_the_result_cache_sees_what_shapes_the_artifacts() -> None:
    """A change the manifest would rebuild for must also invalidate the cached build result."""
    gate = build.GATE
    assert {*artifacts.BUILD_ENV_VARS, build.COMPAT_ENV} <= set(gate.env)
    assert gate.fingerprint is artifacts.inputs_hash and {"build", "project"} <= set(gate.config)
