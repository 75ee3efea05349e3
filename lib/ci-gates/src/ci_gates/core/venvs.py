"""Virtual environments: create one with uv (or the standard library), install into it.

Used by the gates environment (:mod:`ci_gates.core.env`) and by every gate that installs the
built wheel somewhere (:mod:`ci_gates.checks.artifacts`). ``uv`` is used when it is on PATH;
otherwise ``python -m venv`` and pip. A failed command is a :class:`VenvError`, which the
runner reports as "could not run".
"""

from __future__ import annotations

import os
import sys

from ci_gates.core.findings import CannotRun


class VenvError(CannotRun):
    """Creating a venv or installing into it failed; the message quotes the command."""


def venv_scripts(venv: str) -> str:
    return os.path.join(venv, "Scripts" if os.name == "nt" else "bin")


def venv_python(venv: str) -> str:
    return os.path.join(venv_scripts(venv), "python.exe" if os.name == "nt" else "python")


def _run(cmd: list[str]) -> None:
    import subprocess

    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise VenvError(f"`{' '.join(cmd)}` failed: {' | '.join(tail)}")


def create_venv(venv: str, python: str | None = None) -> None:
    """A new, empty venv at ``venv`` (removed first) of ``python`` (default: this interpreter).

    ``uv venv`` if uv is on PATH, else the standard library's venv.
    """
    import shutil

    python = python or sys.executable
    shutil.rmtree(venv, ignore_errors=True)
    uv = shutil.which("uv")
    if uv:
        _run([uv, "venv", "--quiet", "--python", python, venv])
    elif _outer_pip():
        _run([python, "-m", "venv", "--without-pip", venv])
    else:
        _run([python, "-m", "venv", venv])


def _outer_pip() -> bool:
    """True when this interpreter's pip can install into another venv (``pip --python``)."""
    import importlib.util

    return importlib.util.find_spec("pip") is not None


def pip_install(venv: str, args: list[str]) -> None:
    """``pip install args`` into ``venv`` (``uv pip install --python`` when uv is on PATH)."""
    import shutil

    uv = shutil.which("uv")
    if uv:
        _run([uv, "pip", "install", "--quiet", "--python", venv_python(venv), *args])
    elif _outer_pip() and not os.path.exists(os.path.join(venv_scripts(venv), "pip")):
        # Seeding pip into every venv costs seconds; pip >= 22.3 installs into another env.
        _run([sys.executable, "-m", "pip", "--python", venv_python(venv), "install", "-q", *args])
    else:
        _run([venv_python(venv), "-m", "pip", "install", "--quiet", *args])
