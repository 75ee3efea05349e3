"""In-tree PEP 517 backend: maturin, plus the native ``template-cli`` as a wheel script.

maturin puts one Rust artifact in a wheel (a PyO3 module *or* a binary, maturin issue
#368). Patching the wheel after ``maturin build`` breaks every install that builds from
source (``pip install .``, a git URL, a wheel built from the sdist), because those never
run the patch step. So the patch step moves into the backend itself: before maturin builds
a wheel, we build the CLI with cargo and place it in the wheel-data directory maturin is
configured to ship (``[tool.maturin] data``). maturin then writes it to
``<dist>-<ver>.data/scripts/`` with its mode and a correct RECORD hash, and installers copy
it to ``bin/`` untouched: a raw executable, no Python launcher. Every front end goes through
this module, so every front end gets the same wheel. See docs/packaging.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import maturin
from maturin import (  # noqa: F401  (re-exported hooks maturin implements unchanged)
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
)

CLI_PACKAGE = "template-cli"
CLI_BINARY = "template-cli"
# Must match [tool.maturin] data in pyproject.toml.
WHEEL_DATA = Path("target") / "wheel-data"


def _cargo_build_cli() -> Path:
    """Build the CLI in release mode and return the path cargo reports for it.

    Asking cargo for the artifact path (instead of guessing ``target/release/...``) keeps
    ``CARGO_TARGET_DIR``, ``CARGO_BUILD_TARGET`` (cross builds) and the ``.exe`` suffix
    right without special cases. maturin honours the same variables for the extension.
    """
    cargo = os.environ.get("CARGO", "cargo")
    cmd = [cargo, "build", "--release", "--package", CLI_PACKAGE, "--bin", CLI_BINARY]
    cmd.append("--message-format=json-render-diagnostics")
    if Path("Cargo.lock").is_file():
        cmd.append("--locked")
    print("template_build: " + " ".join(cmd), file=sys.stderr, flush=True)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, check=False, text=True)
    except FileNotFoundError:
        sys.exit(
            "template_build: cargo not found; install a Rust toolchain (https://rustup.rs) "
            "or install a prebuilt wheel"
        )
    if proc.returncode != 0:
        sys.exit(f"template_build: building {CLI_BINARY} failed (cargo exit {proc.returncode})")
    for line in proc.stdout.splitlines():
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        if (
            msg.get("reason") == "compiler-artifact"
            and msg.get("target", {}).get("name") == CLI_BINARY
            and msg.get("executable")
        ):
            return Path(msg["executable"])
    sys.exit(f"template_build: cargo built no {CLI_BINARY} executable")


def _stage_cli() -> None:
    exe = _cargo_build_cli()
    scripts = WHEEL_DATA / "scripts"
    # Start from an empty directory so a stale file from another target never ships.
    shutil.rmtree(WHEEL_DATA, ignore_errors=True)
    scripts.mkdir(parents=True)
    dest = scripts / exe.name
    shutil.copy2(exe, dest)
    dest.chmod(0o755)


def _empty_data_dir() -> None:
    # maturin refuses to run when the configured data directory is missing, even for
    # metadata and the sdist, which must not carry a CLI built for this machine anyway.
    (WHEEL_DATA / "scripts").mkdir(parents=True, exist_ok=True)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    _empty_data_dir()
    return str(maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    _empty_data_dir()
    return str(maturin.prepare_metadata_for_build_editable(metadata_directory, config_settings))


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    _empty_data_dir()
    return str(maturin.build_sdist(sdist_directory, config_settings))


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _stage_cli()
    return str(maturin.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    _stage_cli()
    return str(maturin.build_editable(wheel_directory, config_settings, metadata_directory))
