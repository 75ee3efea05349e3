"""Gate ``typecheck``: mypy over ``ci/``, ``noxfile.py``, ``tasks.py`` and the Python package.

Settings live in ``[tool.mypy]``. mypy is the version pinned in ``ci/registry.py``; without it
the gate could not run, it never passes silently. mypy reports JSON (``-O json``), so each
error is a finding at ``path:line:column`` with mypy's error code.
"""

from __future__ import annotations

import os

from ci_gates.core.findings import CannotRun, Finding, rule
from ci_gates.core.pins import MYPY, PY_INPUTS, PYYAML, TOMLKIT
from ci_gates.core.registry import Gate

GATE = Gate(
    "typecheck",
    "mypy over ci/, noxfile.py, tasks.py and python/",
    requires=("ruff",),
    # Every third-party module ci/ imports, so `nox -s typecheck` in its own venv sees
    # what the `gates` venv (the union of all gates' packages) sees.
    packages=(
        MYPY,
        PYYAML,
        "types-PyYAML",
        "nox",
        "invoke",
        "rich",
        "pyelftools",
        "packaging>=24",
        "filelock>=3.12",
        "installer>=0.7",
        TOMLKIT,
    ),
    inputs=PY_INPUTS,
)

TOOLING = ("ci", "noxfile.py", "tasks.py")


@rule("TYP001")
def type_error(path: str, line: int, column: int, code: str, message: str) -> Finding:
    """mypy reports a type error (the message ends with mypy's error code).

    Fix the annotation or the code. Where mypy is wrong for that line, ``# type: ignore[code]``
    with the code (``ignore-without-code`` is enabled) and a comment saying why.
    """
    tail = f"  [{code}]" if code else ""
    return Finding(
        "TYP001", f"{message}{tail}", path, line, column, fix="fix the annotation or the code"
    )


def parse(stdout: str) -> list[Finding]:
    """One :func:`type_error` per error line of mypy's ``-O json`` output (notes are context)."""
    import json

    out: list[Finding] = []
    for raw in stdout.splitlines():
        try:
            item: object = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(item, dict) or item.get("severity") != "error":
            continue
        message = str(item.get("message", ""))
        if item.get("hint"):
            message = f"{message} ({item['hint']})"
        column = int(item.get("column") or 0)
        out.append(
            type_error(
                str(item.get("file", "")).replace(os.sep, "/"),
                int(item.get("line") or 0),
                column + 1 if column >= 0 else 0,  # mypy's JSON columns start at 0
                str(item.get("code") or ""),
                message,
            )
        )
    return out


def targets(root: str) -> list[str]:
    """What exists of the tooling and the package's source directory."""
    from ci_gates.core.project import ProjectError, names

    try:
        n = names(root)
    except ProjectError as exc:
        raise CannotRun(str(exc), path="pyproject.toml") from None
    package = n.python_source or n.package
    return [t for t in (*TOOLING, package) if os.path.exists(os.path.join(root, t))]


def _configured_files(root: str) -> list[str]:
    """``[tool.mypy] files`` of the project (its own choice of what to check), or []."""
    from ci_gates.core.project import ProjectError, _toml

    try:
        mypy = _toml(os.path.join(root, "pyproject.toml")).get("tool", {}).get("mypy", {})
    except ProjectError:
        return []
    files = mypy.get("files") if isinstance(mypy, dict) else None
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def pinned_mypy() -> list[str]:
    import subprocess

    from ci_gates.core.pins import MYPY
    from ci_gates.gates.ruff import find_tool

    mypy = find_tool("mypy")
    if mypy is None:
        raise CannotRun("mypy: not installed", f"run `nox -s typecheck` (it installs {MYPY})")
    version = subprocess.run([*mypy, "--version"], capture_output=True, text=True, check=False)
    found = (version.stdout.split() or ["", "unknown"])[1]
    if found != MYPY.partition("==")[2]:
        raise CannotRun(
            f"mypy {found} found but ci/pins.py pins {MYPY}",
            "run `nox -s typecheck` (it installs the pinned mypy)",
        )
    return mypy


def run(root: str | None = None) -> list[Finding]:
    import subprocess

    from ci_gates.core.context import config_for
    from ci_gates.core.env import tool_cache

    root, _ = config_for(root)
    # The project's [tool.mypy] files say what to check; without them, the tooling and package.
    found_targets = [] if _configured_files(root) else targets(root)
    if not found_targets and not _configured_files(root):
        raise CannotRun(f"none of {', '.join(TOOLING)} or the package exists; nothing to check")
    # mypy's own cache is this environment's: a cache written where griffe is installed must
    # not hide a missing griffe in another environment.
    cache = ["--cache-dir", tool_cache("mypy")]
    cmd = [*pinned_mypy(), "--no-color-output", "-O", "json", *cache, *found_targets]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    found = parse(proc.stdout)
    if proc.returncode != 0 and not found:
        first = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["?"])[0]
        raise CannotRun(f"mypy did not finish (exit {proc.returncode}): {first}")
    return found
