"""``nox -s dev`` on a fixture workspace: what it builds, where it puts it, and the stale check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.commands import dev

MakeRepo = Callable[..., Path]

WORKSPACE = {
    "pyproject.toml": (
        '[project]\nname = "fx-dist"\nversion = "0.1.0"\n\n'
        '[tool.maturin]\nmanifest-path = "crates/fx-py/Cargo.toml"\n'
        'python-source = "python"\nmodule-name = "fx_pkg._native"\n'
    ),
    "Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n',
    "crates/fx-py/Cargo.toml": (
        '[package]\nname = "fx-py"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[lib]\nname = "_native"\ncrate-type = ["cdylib"]\n'
    ),
    "crates/fx-py/src/lib.rs": '#[no_mangle]\npub extern "C" fn fx() -> u32 {\n    1\n}\n',
    "crates/fx-cli/Cargo.toml": (
        '[package]\nname = "fx-cli"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[[bin]]\nname = "fx"\npath = "src/main.rs"\n'
    ),
    "crates/fx-cli/src/main.rs": 'fn main() {\n    println!("one");\n}\n',
    "python/fx_pkg/__init__.py": "",
    ".gitignore": "target/\n.venv/\n*.so\n",
}


@pytest.fixture
def workspace(make_repo: MakeRepo) -> Path:
    if shutil.which("cargo") is None:
        pytest.skip("cargo not installed")
    root = make_repo(WORKSPACE)
    subprocess.run(["cargo", "generate-lockfile", "--offline"], cwd=root, check=True)
    return root


@pytest.mark.cargo
def test_dev_builds_the_extension_and_the_cli_and_tracks_staleness(workspace: Path) -> None:
    root = str(workspace)
    venv = Path(dev.develop(root))
    assert (workspace / "python/fx_pkg/_native.abi3.so").is_file()
    cli = venv / "bin" / "fx"
    assert subprocess.run([str(cli)], capture_output=True, text=True).stdout == "one\n"
    (pth,) = list(venv.glob("lib/python3*/site-packages/_fx_pkg_dev.pth"))
    assert pth.read_text().strip() == str(workspace / "python")
    assert dev.stale(root, str(venv)) is None

    (workspace / "python/fx_pkg/__init__.py").write_text("X = 1\n")  # Python edits are live
    assert dev.stale(root, str(venv)) is None
    main = workspace / "crates/fx-cli/src/main.rs"
    main.write_text('fn main() {\n    println!("two");\n}\n')
    why = dev.stale(root, str(venv))
    assert why is not None and "run `nox -s dev`" in why

    dev.develop(root)
    assert subprocess.run([str(cli)], capture_output=True, text=True).stdout == "two\n"
    assert dev.stale(root, str(venv)) is None


def test_a_venv_without_a_record_is_stale(tmp_path: Path) -> None:
    why = dev.stale(str(tmp_path), str(tmp_path / "venv"))
    assert why is not None and "no dev build record" in why


def test_unknown_argument_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert dev.main(["--bogus"]) == 2
    assert "unknown argument '--bogus'" in capsys.readouterr().err
