"""The cibuildwheel seed path: one abi3 build per platform, tested by the native_import checks.

Only GitHub's runners (with Docker for Linux, and macOS/Windows machines) can run cibuildwheel
end to end; here the configuration is validated by cibuildwheel itself and its test command is
run against the built wheel, good and broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.core import venvs
from ci_gates.core.project import _toml, names

ROOT = Path(__file__).resolve().parents[2]


def cibw_config() -> dict[str, object]:
    config = _toml(str(ROOT / "pyproject.toml"))["tool"]["cibuildwheel"]
    assert isinstance(config, dict)
    return config


def test_one_build_per_linux_platform_not_one_per_cpython() -> None:
    cibuildwheel = shutil.which("cibuildwheel")
    if cibuildwheel is None:
        pytest.skip("cibuildwheel not installed (the pytest gate installs it)")
    out = subprocess.run(
        [
            cibuildwheel,
            "--print-build-identifiers",
            "--platform",
            "linux",
            "--archs",
            "x86_64,aarch64",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(out) == [
        "cp39-manylinux_aarch64",
        "cp39-manylinux_x86_64",
        "cp39-musllinux_aarch64",
        "cp39-musllinux_x86_64",
    ]


def _test_command(venv: str) -> list[str]:
    command = str(cibw_config()["test-command"]).replace("{project}", str(ROOT)).split()
    assert command[0] == "python"
    return [venvs.venv_python(venv), *command[1:]]


def test_the_test_command_is_the_native_import_check() -> None:
    command = str(cibw_config()["test-command"])
    script = "lib/ci-gates/src/ci_gates/commands/check_install.py"
    assert command == f"python {{project}}/{script} {{project}}"
    source = (ROOT / script).read_text(encoding="utf-8")
    assert "from ci_gates.gates.native_import import check_installed" in source


def test_the_test_command_passes_on_the_built_wheel_and_fails_on_a_broken_install() -> None:
    try:
        good = artifacts.wheel_venv(str(ROOT), "cibw-test")
    except artifacts.ArtifactError as exc:
        pytest.skip(f"no current build ({exc}); `nox -s pytest` builds it first")
    proc = subprocess.run(_test_command(good), cwd="/", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    n = names(ROOT)
    if n.cli is None:
        return
    broken = artifacts.wheel_venv(str(ROOT), "cibw-test-broken")
    exe = Path(venvs.venv_scripts(broken)) / (n.cli + (".exe" if os.name == "nt" else ""))
    try:
        # Unlink first: uv installs by hard-linking from its cache, and writing through the
        # link would change every venv holding this wheel.
        exe.unlink()
        exe.write_text(f"#!{sys.executable}\nprint('a launcher, not the native CLI')\n")
        exe.chmod(0o755)
        proc = subprocess.run(_test_command(broken), cwd="/", capture_output=True, text=True)
        assert proc.returncode == 1 and "[NI" in proc.stderr
    finally:
        shutil.rmtree(broken, ignore_errors=True)  # rebuilt from the wheel next time
