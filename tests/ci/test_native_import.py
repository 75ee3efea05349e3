"""native_import gate: fresh venv, offline install, import, native CLI; culprits named."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from ci import artifacts, gates
from ci.gates import native_import
from tests.ci import wheelfactory as wf

VERSION = "0.1.0"
PKG = "template_python_rust_cmd"
SCRIPT = f"{PKG}-{VERSION}.data/scripts/template-cli"


def default_files() -> dict[str, wf.Member]:
    return wf.default_files(PKG, PKG, "template-cli", VERSION, name="template-python-rust-cmd")


def make_wheel(directory: Path, files: dict[str, wf.Member]) -> Path:
    return wf.make_wheel(directory, files, dist=PKG, version=VERSION)


CARGO = f'[workspace.package]\nversion = "{VERSION}"\n'


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x7fELF\x02\x01", "ELF"),
        (b"\xcf\xfa\xed\xfe", "Mach-O"),
        (b"\xca\xfe\xba\xbe", "Mach-O"),
        (b"MZ\x90\x00", "PE"),
        (b"#!/usr/bin/env python", None),
        (b"", None),
    ],
)
def test_executable_kind(head: bytes, kind: str | None) -> None:
    assert native_import.executable_kind(head) == kind


def test_check_cli_file(tmp_path: Path) -> None:
    launcher = tmp_path / "template-cli"
    launcher.write_text("#!/venv/bin/python\nfrom template_python_rust_cmd.cli import main\n")
    found = native_import.check_cli_file(str(launcher))
    assert len(found) == 1 and "is a script (#!), not the native template-cli" in found[0]
    missing = native_import.check_cli_file(str(tmp_path / "nope"))
    assert len(missing) == 1 and "not installed" in missing[0]
    real = shutil.which("true")
    if real:  # any native executable of this machine
        assert native_import.check_cli_file(str(Path(real).resolve())) == []


def _repo_with_wheel(make_repo, files: dict) -> Path:  # type: ignore[no-untyped-def,type-arg]
    """A fixture repo whose current manifest names a synthetic wheel made of ``files``."""
    root: Path = make_repo({"Cargo.toml": CARGO, ".gitignore": "target/\n"})
    dist = root / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = make_wheel(dist, files)
    sdist = dist / f"{PKG}-{VERSION}.tar.gz"
    sdist.write_bytes(b"")
    artifacts.write_manifest(
        str(root),
        {
            "inputs_hash": artifacts.inputs_hash(str(root)),
            "version": VERSION,
            "wheel": str(wheel),
            "sdist": str(sdist),
        },
    )
    return root


def _importable_files(version: str = VERSION) -> dict:  # type: ignore[type-arg]
    """A synthetic wheel whose ``_native`` is plain Python, so it imports anywhere."""
    files = default_files()
    del files[f"{PKG}/_native.abi3.so"]
    files[f"{PKG}/_native.py"] = f"__version__ = {version!r}\n".encode()
    return files


def test_wheel_without_the_cli_fails_naming_it(make_repo) -> None:  # type: ignore[no-untyped-def]
    files = _importable_files()
    del files[SCRIPT]
    root = _repo_with_wheel(make_repo, files)
    assert native_import.run(str(root)) == 1
    assert f"wheel has no {SCRIPT}: the CLI is missing from the wheel" in gates.messages[0]
    assert all("template-cli" in m for m in gates.messages)
    assert not any("import from the installed wheel failed" in m for m in gates.messages)


def test_launcher_script_instead_of_native_cli_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    files = _importable_files()
    files[SCRIPT] = (b"#!python\nimport sys\n", 0o755)
    root = _repo_with_wheel(make_repo, files)
    assert native_import.run(str(root)) == 1
    assert len(gates.messages) == 1 and "is a script (#!)" in gates.messages[0]


def test_version_mismatch_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    files = _importable_files("9.9.9")
    del files[SCRIPT]
    root = _repo_with_wheel(make_repo, files)
    assert native_import.run(str(root)) == 1
    assert any("__version__ is '9.9.9'" in m and "'0.1.0'" in m for m in gates.messages)


def test_import_failure_names_the_module(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _repo_with_wheel(make_repo, default_files())  # _native.abi3.so is not an extension
    assert native_import.run(str(root)) == 1
    assert any(
        f"{PKG}._native: import from the installed wheel failed" in m for m in gates.messages
    )


def test_without_a_build_it_fails_saying_what_to_run(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"Cargo.toml": CARGO})
    assert native_import.run(str(root)) == 1
    assert "run `nox -s build` first" in gates.messages[0]


@pytest.mark.cargo
def test_the_real_wheel_passes() -> None:
    """The built wheel of this repository (the pytest gate runs after native_import)."""
    root = Path(__file__).resolve().parents[2]
    try:
        artifacts.current_manifest(str(root))
    except artifacts.ArtifactError as exc:
        pytest.skip(f"needs a current build of this repo: {exc}")
    assert native_import.run(str(root)) == 0, gates.messages


def test_synthetic_wheel_cli_mode_survives_install(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Installers keep the 755 of a wheel script: what the wheel gate's mode check protects."""
    root = _repo_with_wheel(make_repo, _importable_files())
    venv = artifacts.wheel_venv(str(root), "mode")
    cli = Path(artifacts.venv_scripts(venv)) / "template-cli"
    assert cli.read_bytes() == b"fake executable"
    assert cli.stat().st_mode & stat.S_IXUSR
