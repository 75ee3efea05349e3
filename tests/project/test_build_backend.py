"""The in-tree PEP 517 backend: which CLI it builds, and how (cargo, or zig for manylinux)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_backend() -> types.ModuleType:
    """The backend named in pyproject.toml's [build-system], loaded from its backend-path."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    with open(ROOT / "pyproject.toml", "rb") as f:
        system = tomllib.load(f)["build-system"]
    path = ROOT / system["backend-path"][0] / (system["build-backend"] + ".py")
    spec = importlib.util.spec_from_file_location("backend_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


backend = _load_backend()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--zig", "--compatibility", "manylinux2014"], "x86_64-unknown-linux-gnu.2.17"),
        (["--zig", "--compatibility=manylinux_2_28"], "x86_64-unknown-linux-gnu.2.28"),
        (["--zig", "--manylinux", "2010"], None),  # maturin's old spelling, an invalid value
        (["--zig"], "x86_64-unknown-linux-gnu"),
        (["--zig", "--compatibility", "off"], "x86_64-unknown-linux-gnu"),
        (
            ["--zig", "--compatibility", "manylinux2014", "--target", "aarch64-unknown-linux-gnu"],
            "aarch64-unknown-linux-gnu.2.17",
        ),
        (
            ["--zig", "--compatibility", "musllinux_1_2", "--target", "x86_64-unknown-linux-musl"],
            "x86_64-unknown-linux-musl",
        ),
        (["--compatibility", "manylinux2014"], None),  # no --zig: plain cargo
    ],
)
def test_zig_target_follows_maturins_arguments(args: list[str], expected: str | None) -> None:
    if args[1:3] == ["--manylinux", "2010"]:
        with pytest.raises(SystemExit, match="cannot tell which glibc"):
            backend.zig_target(args, "x86_64-unknown-linux-gnu")
        return
    assert backend.zig_target(args, "x86_64-unknown-linux-gnu") == expected


def test_zig_target_honours_cargo_build_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARGO_BUILD_TARGET", "aarch64-unknown-linux-gnu")
    args = ["--zig", "--compatibility", "manylinux2014"]
    assert backend.zig_target(args, "x86_64-unknown-linux-gnu") == "aarch64-unknown-linux-gnu.2.17"


def test_cli_command(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CARGO", raising=False)
    assert backend.cli_command("qf-cli", "qf-tool", None) == [
        "cargo",
        "build",
        "--release",
        "--package",
        "qf-cli",
        "--bin",
        "qf-tool",
        "--message-format=json-render-diagnostics",
    ]
    (tmp_path / "Cargo.lock").write_text("")
    zig = backend.cli_command("qf-cli", "qf-tool", "x86_64-unknown-linux-gnu.2.17", "/t/czb")
    assert zig[:4] == ["/t/czb", "zigbuild", "--target", "x86_64-unknown-linux-gnu.2.17"]
    assert zig[-1] == "--locked"


def _package(name: str, path: str, kinds: list[list[str]], names: list[str]) -> dict[str, Any]:
    return {
        "id": f"path+file:///ws/{path}#{name}@0.1.0",
        "name": name,
        "manifest_path": f"/ws/{path}/Cargo.toml",
        "targets": [{"name": t, "kind": k} for t, k in zip(names, kinds)],
    }


def _metadata(*packages: dict[str, Any]) -> dict[str, Any]:
    return {
        "packages": list(packages),
        "workspace_members": [p["id"] for p in packages],
        "workspace_root": "/ws",
        "target_directory": "/ws/target",
    }


PY = _package("qf-py", "crates/qf-py", [["cdylib"]], ["_native"])
CORE = _package("qf-core", "crates/qf-core", [["lib"]], ["qf_core"])
CLI = _package("qf-cli", "crates/qf-cli", [["bin"], ["bin"]], ["qf-tool", "qf-extra"])
OTHER = _package("qf-bench", "crates/qf-bench", [["bin"]], ["qf-bench"])


def test_find_cli_is_the_one_member_with_a_binary() -> None:
    meta = _metadata(PY, CORE, CLI)
    assert backend.find_cli(meta, "/ws/crates/qf-py/Cargo.toml") == ("qf-cli", "qf-tool")
    assert backend.find_cli(_metadata(PY, CORE), "/ws/crates/qf-py/Cargo.toml") is None
    # A bindings crate with a binary of its own is never the CLI.
    py_bin = _package("qf-py", "crates/qf-py", [["cdylib"], ["bin"]], ["_native", "gen"])
    assert backend.find_cli(_metadata(py_bin), "/ws/crates/qf-py/Cargo.toml") is None


def test_find_cli_with_several_candidates_needs_the_setting() -> None:
    meta = _metadata(PY, CLI, OTHER)
    with pytest.raises(
        SystemExit, match=r"several workspace members have a binary \(qf-bench, qf-cli\)"
    ):
        backend.find_cli(meta, "/ws/crates/qf-py/Cargo.toml")
    for chosen in ("qf-cli", "crates/qf-cli", "crates/qf-cli/"):
        assert backend.find_cli(meta, "/ws/crates/qf-py/Cargo.toml", chosen) == (
            "qf-cli",
            "qf-tool",
        )
    with pytest.raises(SystemExit, match="names no workspace member"):
        backend.find_cli(meta, "/ws/crates/qf-py/Cargo.toml", "crates/nope")
    with pytest.raises(SystemExit, match="has no binary target"):
        backend.find_cli(_metadata(PY, CORE), "/ws/crates/qf-py/Cargo.toml", "qf-core")


@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_backend_finds_the_cli_of_a_fixture_workspace(
    make_repo, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """`cargo metadata` on a workspace whose CLI crate `qf-cli` builds a binary `qf-tool`."""
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "qf"\n\n[tool.maturin]\nmanifest-path = "crates/qf-py/Cargo.toml"\n',
            "Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n',
            "crates/qf-py/Cargo.toml": '[package]\nname = "qf-py"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\nname = "_native"\ncrate-type = ["cdylib"]\n',
            "crates/qf-py/src/lib.rs": "",
            "crates/qf-cli/Cargo.toml": '[package]\nname = "qf-cli"\nversion = "0.1.0"\nedition = "2021"\n\n[[bin]]\nname = "qf-tool"\npath = "src/main.rs"\n',
            "crates/qf-cli/src/main.rs": "fn main() {}\n",
        }
    )
    monkeypatch.chdir(root)
    backend._metadata.cache_clear()
    try:
        assert backend._cli(backend._pyproject()) == ("qf-cli", "qf-tool")
        meta = backend._metadata()
        # Where cargo builds is the caller's choice (CARGO_TARGET_DIR, a config): the backend
        # follows cargo, which is what matters, not a fixed "target".
        caller = os.environ.get("CARGO_TARGET_DIR")
        expected = Path(caller) if caller else root / "target"
        assert Path(meta["target_directory"]) == expected.resolve()
    finally:
        backend._metadata.cache_clear()


def test_share_linker_points_maturin_at_the_clis_wrappers(tmp_path: Path) -> None:
    zig = "x86_64-unknown-linux-gnu.2.17"
    wrappers = tmp_path / "cargo-zigbuild/0.24.1/wrappers/8da6"
    wrappers.mkdir(parents=True)
    for name in (f"zigcc-{zig}-b9e2.sh", f"zigcxx-{zig}-b9e2.sh", "zigranlib.sh"):
        (wrappers / name).write_text("#!/bin/sh\n")
    environ = {"CC_x86_64_unknown_linux_gnu": "/my/cc"}
    done = backend.share_linker(tmp_path, zig, environ)
    assert done == ["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER", "CXX_x86_64_unknown_linux_gnu"]
    assert environ["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"].endswith(f"zigcc-{zig}-b9e2.sh")
    assert environ["CC_x86_64_unknown_linux_gnu"] == "/my/cc", "a variable already set is kept"
    # Two candidate wrappers: ambiguous, so maturin keeps its own.
    (wrappers.parent / "ffff").mkdir()
    (wrappers.parent / "ffff" / f"zigcc-{zig}-b9e2.sh").write_text("")
    assert backend.share_linker(tmp_path, zig, {}) == ["CXX_x86_64_unknown_linux_gnu"]


def test_stable_copy_is_content_addressed(tmp_path: Path) -> None:
    exe = tmp_path / "env1" / "cargo-zigbuild"
    exe.parent.mkdir()
    exe.write_bytes(b"v1")
    first = backend._stable_copy(str(exe), tmp_path / "tools")
    again = tmp_path / "env2" / "cargo-zigbuild"
    again.parent.mkdir()
    again.write_bytes(b"v1")
    assert backend._stable_copy(str(again), tmp_path / "tools") == first
    again.write_bytes(b"v2")
    assert backend._stable_copy(str(again), tmp_path / "tools") != first


def test_zig_builds_ask_the_front_end_for_zig(monkeypatch: pytest.MonkeyPatch) -> None:
    """The requirement hook adds ziglang and cargo-zigbuild only when maturin gets --zig."""
    fake = types.ModuleType("maturin")
    fake.get_requires_for_build_wheel = lambda cs=None: []  # type: ignore[attr-defined]
    fake.get_maturin_pep517_args = lambda cs=None: (cs or {}).get("args", [])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "maturin", fake)
    assert backend.get_requires_for_build_wheel({"args": []}) == []
    zig = backend.get_requires_for_build_wheel({"args": ["--zig"]})
    assert [r.split("==")[0] for r in zig] == ["ziglang", "cargo-zigbuild"]
    assert backend.get_requires_for_build_editable({"args": ["--zig"]}) == zig


@pytest.mark.skipif(shutil.which("rustc") is None, reason="needs rustc")
def test_a_missing_rust_target_is_one_clear_line() -> None:
    triple = "s390x-unknown-linux-gnu"
    libdir = subprocess.run(
        ["rustc", "--print", "target-libdir", "--target", triple], capture_output=True, text=True
    ).stdout.strip()
    if Path(libdir).is_dir():
        pytest.skip(f"{triple} is installed here")
    with pytest.raises(
        SystemExit,
        match=rf"standard library for {triple} is not installed.*rustup target add {triple}",
    ):
        backend._require_std(triple + ".2.17")


def test_the_backend_silences_maturins_own_backend_warning() -> None:
    code = (
        "import importlib.util, os, sys; "
        "spec = importlib.util.spec_from_file_location('tb', sys.argv[1]); "
        "mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod); "
        "print(os.environ.get('MATURIN_NO_MISSING_BUILD_BACKEND_WARNING'))"
    )
    path = str(Path(__file__).resolve().parents[2] / "build_backend" / "template_build.py")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("MATURIN_NO")}
    out = subprocess.run(
        [sys.executable, "-c", code, path], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "1"
