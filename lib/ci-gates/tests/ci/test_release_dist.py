"""The artifact checks publish runs before uploading anything (ci/release/dist.py).

Each case is one wrong thing in an otherwise good dist directory: the check must stop with
one line naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import dist

DIST = "demo-pkg"
TARGETS = [("x86_64-unknown-linux-gnu", "manylinux2014"), ("aarch64-apple-darwin", "")]
LINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = "macosx_11_0_arm64"


def _receipt(path: Path, gates: dict[str, str] | None = None, sha: str | None = None) -> None:
    digest = sha or hashlib.sha256(path.read_bytes()).hexdigest()
    gates = gates or {"build": "passed", "wheel": "passed", "native_import": "passed"}
    receipt = {"file": path.name, "sha256": digest, "version": "", "gates": gates}
    Path(str(path) + dist.RECEIPT).write_text(json.dumps(receipt))


def wheel(
    d: Path,
    platform: str,
    version: str = "1.0.0",
    meta_version: str | None = None,
    name: str = "demo_pkg",
) -> Path:
    path = d / f"{name}-{version}-cp39-abi3-{platform}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            f"{name}-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.4\nName: {name.replace('_', '-')}\nVersion: {meta_version or version}\n",
        )
    _receipt(path)
    return path


def sdist(
    d: Path, version: str = "1.0.0", meta_version: str | None = None, name: str = "demo_pkg"
) -> Path:
    path = d / f"{name}-{version}.tar.gz"
    data = f"Metadata-Version: 2.4\nName: {name.replace('_', '-')}\nVersion: {meta_version or version}\n".encode()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(f"{name}-{version}/PKG-INFO")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    _receipt(path)
    return path


def pure_wheel(
    d: Path, version: str = "1.0.0", name: str = "demo_lib", tag: str = "py3-none-any"
) -> Path:
    """A python package's wheel (pure unless ``tag`` says otherwise) with its staging receipt."""
    path = d / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            f"{name}-{version}.dist-info/METADATA",
            f"Metadata-Version: 2.4\nName: {name.replace('_', '-')}\nVersion: {version}\n",
        )
    _receipt(path, gates=dict.fromkeys(dist.PURE_GATES, "passed"))
    return path


def pure(d: Path, version: str = "1.0.0", name: str = "demo_lib") -> Path:
    """A python package staged: its sdist and its pure wheel, with receipts."""
    _receipt(sdist(d, version, name=name), gates=dict.fromkeys(dist.PURE_GATES, "passed"))
    pure_wheel(d, version, name)
    return d


@pytest.fixture
def good(tmp_path: Path) -> Path:
    sdist(tmp_path)
    wheel(tmp_path, LINUX)
    wheel(tmp_path, MAC)
    return tmp_path


def test_good_directory(good: Path) -> None:
    found = dist.check(str(good), DIST, "1.0.0", TARGETS)
    assert [(a.kind, a.target) for a in found] == [
        ("sdist", ""),
        ("wheel", TARGETS[0][0]),
        ("wheel", TARGETS[1][0]),
    ]
    assert found[0].path.endswith(".tar.gz")


def _fails(directory: Path, match: str, version: str = "1.0.0") -> None:
    with pytest.raises(ReleaseError, match=match) as err:
        dist.check(str(directory), DIST, version, TARGETS)
    assert "\n" not in str(err.value)


def test_wheel_metadata_version_differs_from_tag(tmp_path: Path) -> None:
    sdist(tmp_path)
    wheel(tmp_path, LINUX, meta_version="1.0.1")
    wheel(tmp_path, MAC)
    _fails(
        tmp_path,
        r"demo_pkg-1.0.0-cp39-abi3-manylinux.*: its metadata says version '1.0.1', the plan \(manifest, tag\) says 1.0.0",
    )


def test_file_name_version_differs(good: Path) -> None:
    _fails(good, "its file name says version '1.0.0', the plan .* says 1.0.1", version="1.0.1")


def test_sdist_metadata_differs(tmp_path: Path) -> None:
    sdist(tmp_path, meta_version="0.9.0")
    wheel(tmp_path, LINUX)
    wheel(tmp_path, MAC)
    _fails(tmp_path, r"demo_pkg-1.0.0.tar.gz: its metadata says version '0.9.0'")


def test_missing_target(tmp_path: Path) -> None:
    sdist(tmp_path)
    wheel(tmp_path, LINUX)
    _fails(tmp_path, "no wheel of demo-pkg 1.0.0 for planned target aarch64-apple-darwin")


def test_native_wheel_does_not_serve_a_manylinux_target(tmp_path: Path) -> None:
    sdist(tmp_path)
    wheel(tmp_path, "linux_x86_64")
    wheel(tmp_path, MAC)
    _fails(tmp_path, r"for planned target x86_64-unknown-linux-gnu \(manylinux2014\)")


def test_missing_sdist(tmp_path: Path) -> None:
    wheel(tmp_path, LINUX)
    wheel(tmp_path, MAC)
    _fails(tmp_path, "expected one sdist of demo-pkg 1.0.0, found 0")


def test_unplanned_wheel(good: Path) -> None:
    wheel(good, "win_amd64")
    _fails(good, "demo_pkg-1.0.0-cp39-abi3-win_amd64.whl serves no planned target")


def test_other_project(good: Path) -> None:
    (good / "other-1.0.0.tar.gz").write_bytes(b"")
    _fails(good, "other-1.0.0.tar.gz: not a file of demo-pkg")


def test_no_receipt(good: Path) -> None:
    Path(str(good / f"demo_pkg-1.0.0-cp39-abi3-{MAC}.whl") + dist.RECEIPT).unlink()
    _fails(good, "no readable .*receipt.json beside it, so nothing says it passed the wheel gate")


def test_receipt_of_a_failed_gate(good: Path) -> None:
    _receipt(
        good / f"demo_pkg-1.0.0-cp39-abi3-{MAC}.whl", gates={"build": "passed", "wheel": "failed"}
    )
    _fails(good, "its receipt says gate wheel 'failed'")


def test_changed_after_the_gates(good: Path) -> None:
    _receipt(good / "demo_pkg-1.0.0.tar.gz", sha="0" * 64)
    _fails(good, "sha256 differs from its receipt")


def test_no_directory(tmp_path: Path) -> None:
    _fails(tmp_path / "nope", "no such directory; stage the artifacts with `nox -s release_stage`")


@pytest.mark.parametrize(
    ("platform", "target", "libc", "ok"),
    [
        ("manylinux_2_17_x86_64", "x86_64-unknown-linux-gnu", "manylinux2014", True),
        ("manylinux2014_x86_64", "x86_64-unknown-linux-gnu", "manylinux2014", True),
        ("manylinux_2_12_x86_64", "x86_64-unknown-linux-gnu", "manylinux2014", True),
        ("manylinux_2_28_x86_64", "x86_64-unknown-linux-gnu", "manylinux2014", False),
        ("manylinux_2_17_aarch64", "x86_64-unknown-linux-gnu", "manylinux2014", False),
        ("linux_x86_64", "x86_64-unknown-linux-gnu", "manylinux2014", False),
        ("linux_x86_64", "x86_64-unknown-linux-gnu", "", True),
        ("musllinux_1_2_aarch64", "aarch64-unknown-linux-musl", "musllinux_1_2", True),
        ("manylinux_2_17_aarch64", "aarch64-unknown-linux-musl", "musllinux_1_2", False),
        ("macosx_10_12_x86_64", "x86_64-apple-darwin", "", True),
        ("macosx_11_0_arm64", "aarch64-apple-darwin", "", True),
        ("macosx_10_12_universal2", "aarch64-apple-darwin", "", True),
        ("win_amd64", "x86_64-pc-windows-msvc", "", True),
        ("win_arm64", "aarch64-pc-windows-msvc", "", True),
        ("win_amd64", "aarch64-pc-windows-msvc", "", False),
    ],
)
def test_platform_matches(platform: str, target: str, libc: str, ok: bool) -> None:
    assert dist.platform_matches(platform, target, libc) is ok


def _built(
    root: Path, monkeypatch: pytest.MonkeyPatch, results: dict[str, str], age: float = 10.0
) -> None:
    """A build manifest (current) and saved gate results, ``age`` seconds newer than it."""
    import os

    from ci_gates.checks import artifacts

    build = root / "target/ci-gates/build"
    build.mkdir(parents=True)
    manifest = {
        "inputs_hash": "x",
        "version": "1.0.0",
        "wheel": str(wheel(build, LINUX)),
        "sdist": str(sdist(build)),
        "build_env": {},
    }
    (build / "manifest.json").write_text(json.dumps(manifest))
    os.utime(build / "manifest.json", (1000.0, 1000.0))
    monkeypatch.setattr(artifacts, "current_manifest", lambda _root: manifest)
    out = root / dist.RESULTS_DIR
    out.mkdir(parents=True)
    for gate, status in results.items():
        (out / f"{gate}.json").write_text(json.dumps({"gate": gate, "status": status}))
        os.utime(out / f"{gate}.json", (1000.0 + age, 1000.0 + age))


def test_stage_copies_with_receipts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _built(tmp_path, monkeypatch, {"build": "passed", "wheel": "passed"})
    staged = dist.stage(str(tmp_path))
    assert sorted(Path(p).name for p in staged) == sorted(
        [f"demo_pkg-1.0.0-cp39-abi3-{LINUX}.whl", "demo_pkg-1.0.0.tar.gz"]
    )
    receipt = json.loads(Path(staged[0] + dist.RECEIPT).read_text())
    assert receipt["gates"] == {"build": "passed", "wheel": "passed", "native_import": "not run"}
    assert dist.check(str(tmp_path / dist.STAGE_DIR), DIST, "1.0.0", TARGETS[:1])


@pytest.mark.parametrize(
    ("results", "age", "message"),
    [
        (
            {"build": "passed", "wheel": "failed"},
            10.0,
            "gate wheel is 'failed' for the current build",
        ),
        ({"build": "passed"}, 10.0, "gate wheel is 'not run'"),
        (
            {"build": "passed", "wheel": "passed"},
            -10.0,
            "gate build is 'passed before the last build'",
        ),
    ],
)
def test_stage_refuses_what_did_not_pass(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    results: dict[str, str],
    age: float,
    message: str,
) -> None:
    _built(tmp_path, monkeypatch, results, age)
    with pytest.raises(ReleaseError, match=message):
        dist.stage(str(tmp_path))
    assert not (tmp_path / dist.STAGE_DIR).exists()


# --- a python package: one pure wheel, its own receipts; packages share the directory --------


def test_a_python_package_is_checked_beside_the_maturin_package(good: Path) -> None:
    pure(good)
    lib = dist.check(str(good), "demo-lib", "1.0.0", [], pure=True, others=(DIST,))
    assert [(a.kind, a.target, Path(a.path).name) for a in lib] == [
        ("sdist", "", "demo_lib-1.0.0.tar.gz"),
        ("wheel", "", "demo_lib-1.0.0-py3-none-any.whl"),
    ]
    maturin = dist.check(str(good), DIST, "1.0.0", TARGETS, others=("demo-lib",))
    assert len(maturin) == 3
    with pytest.raises(
        ReleaseError, match="demo_lib-1.0.0-py3-none-any.whl: not a file of demo-pkg"
    ):
        dist.check(str(good), DIST, "1.0.0", TARGETS)  # not declared as another package


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            lambda d: pure_wheel(d, tag="py2.py3-none-any"),
            "expected one wheel of demo-lib 1.0.0 \\(pure Python\\), found demo_lib-1.0.0-py2.py3",
        ),
        (
            lambda d: (d / "demo_lib-1.0.0-py3-none-any.whl").unlink(),
            "expected one wheel of demo-lib 1.0.0 \\(pure Python\\), found none",
        ),
        (
            lambda d: _receipt(d / "demo_lib-1.0.0-py3-none-any.whl"),
            "its receipt says gate twine 'did not run'",
        ),
        (
            lambda d: _receipt(
                d / "demo_lib-1.0.0.tar.gz", gates={"build": "passed", "twine": "failed"}
            ),
            "demo_lib-1.0.0.tar.gz: its receipt says gate twine 'failed'",
        ),
    ],
)
def test_a_python_package_fails_on_one_wrong_thing(
    tmp_path: Path, spoil: Any, message: str
) -> None:
    spoil(pure(tmp_path))
    with pytest.raises(ReleaseError, match=message) as err:
        dist.check(str(tmp_path), "demo-lib", "1.0.0", [], pure=True)
    assert "\n" not in str(err.value)


def test_a_platform_wheel_is_not_a_python_package(tmp_path: Path) -> None:
    _receipt(sdist(tmp_path, name="demo_lib"), gates=dict.fromkeys(dist.PURE_GATES, "passed"))
    pure_wheel(tmp_path, tag="cp39-abi3-manylinux_2_17_x86_64")
    with pytest.raises(
        ReleaseError, match="not a pure-Python wheel \\(platform manylinux_2_17_x86_64\\)"
    ):
        dist.check(str(tmp_path), "demo-lib", "1.0.0", [], pure=True)


def test_staging_one_distribution_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / dist.STAGE_DIR
    out.mkdir(parents=True)
    pure(out)
    (out / "demo_pkg-0.9.0.tar.gz").write_bytes(b"an older build")  # replaced
    _built(tmp_path, monkeypatch, {"build": "passed", "wheel": "passed"})
    dist.stage(str(tmp_path))
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(dist.RECEIPT)) == [
        "demo_lib-1.0.0-py3-none-any.whl",
        "demo_lib-1.0.0.tar.gz",
        f"demo_pkg-1.0.0-cp39-abi3-{LINUX}.whl",
        "demo_pkg-1.0.0.tar.gz",
    ]
