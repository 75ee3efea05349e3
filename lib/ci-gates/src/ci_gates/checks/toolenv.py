"""A venv per tool version the project pins, under ``target/ci-gates/tools/``; made once, reused.

:func:`command` answers with the command that runs a :class:`ci_gates.checks.projecttools.Pin`:
the gates environment's own tool when it is that version (the library's pin), else the tool in
``target/ci-gates/tools/<name>-<version>`` (``<name>-<hash>`` for a range or extra packages),
made with uv (:mod:`ci_gates.core.venvs`) the first time and whenever what it should hold
changes (a marker records it). The result cache keys on the pin (the gates' ``fingerprint``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from ci_gates.checks.projecttools import Pin

TOOLS_DIR = os.path.join("target", "ci-gates", "tools")
MARKER = "ci-gates-tool.json"


def version_of(cmd: list[str]) -> str:
    """The version ``cmd --version`` prints (its last word for ruff, second for mypy), or ""."""
    try:
        out = subprocess.run([*cmd, "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return ""
    words = out.stdout.split()
    if not words:
        return ""
    return words[1] if words[0] == "mypy" and len(words) > 1 else words[-1]


def in_gates_env(module: str, python: str = "") -> list[str] | None:
    """``python -m <module>`` for the gates environment's interpreter (default: this one) when
    it has the module, else None."""
    import importlib.util

    return [python or sys.executable, "-m", module] if importlib.util.find_spec(module) else None


def installed_version(name: str) -> str:
    """The version of distribution ``name`` importable here ("" when none), without running it."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def venv_dir(root: str, pin: Pin) -> str:
    if pin.version and not pin.extra:
        label = pin.version
    else:
        label = hashlib.sha256("\0".join((pin.requirement, *pin.extra)).encode()).hexdigest()[:12]
    return os.path.join(os.path.abspath(root), TOOLS_DIR, f"{pin.name}-{label}")


def command(root: str, pin: Pin, module: str, python: str = "", install: bool = True) -> list[str]:
    """The command that runs ``pin``; raises ``CannotRun`` (a ``VenvError``) when uv/pip fails.

    ``python`` is the gates environment's interpreter when the caller runs elsewhere (an agent
    hook reads the same answer); ``install=False`` raises instead of making a missing tool venv.
    """
    from ci_gates.core.findings import CannotRun

    here = in_gates_env(module, python)
    if here is not None and not pin.extra and pin.version:
        if installed_version(pin.name) == pin.version:
            return here
    from ci_gates.core import venvs

    venv = venv_dir(root, pin)
    tool_python = venvs.venv_python(venv)
    base = os.path.realpath(python or sys.executable)
    want = {"python": base, "install": [pin.requirement, *pin.extra]}
    try:
        with open(os.path.join(venv, MARKER), encoding="utf-8") as f:
            have = json.load(f)
    except (OSError, ValueError):
        have = {}
    if have != want or not os.path.exists(tool_python):
        if not install:
            raise CannotRun(f"{pin.requirement} is not installed yet", f"run `nox -s {pin.name}`")
        print(f"ci-gates: installing {' '.join(want['install'])} ({pin.source})", flush=True)
        venvs.create_venv(venv)
        venvs.pip_install(venv, list(want["install"]))
        with open(os.path.join(venv, MARKER), "w", encoding="utf-8") as f:
            json.dump(want, f)
    return [tool_python, "-m", module]
