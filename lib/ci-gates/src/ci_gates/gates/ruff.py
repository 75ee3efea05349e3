"""Gate ``ruff``: ``ruff check`` and ``ruff format --check`` over the repository.

ruff is the version pinned in ``ci/pins.py`` (a different ruff formats differently, so
any other version could not run, never a silent pass). Settings: ``[tool.ruff]``. Both
commands report JSON, so each diagnostic is a finding at ``path:line:column``; ``nox -s fix``
applies ruff's safe fixes and formats.
"""

from __future__ import annotations

import os

from ci_gates.core.findings import CannotRun, Finding, rule
from ci_gates.core.pins import PY_INPUTS, RUFF
from ci_gates.core.registry import Gate

GATE = Gate(
    "ruff",
    "Python lint and format check (ruff check, ruff format --check)",
    packages=(RUFF,),
    inputs=PY_INPUTS,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CHECK = ("check", "--no-fix", "--output-format", "json", ".")
FORMAT = ("format", "--check", "--output-format", "json", ".")


@rule("RUFF001")
def violation(path: str, line: int, column: int, code: str, message: str, fix: str) -> Finding:
    """``ruff check`` reports a lint violation (the message starts with ruff's own code).

    The rules in force are ``[tool.ruff.lint] select``; ruff's documentation explains each
    code. A violation ruff can fix safely is fixed by ``nox -s fix``; the others by hand, or,
    where the rule is wrong for that line, ``# noqa: CODE`` with a reason.
    """
    return Finding("RUFF001", f"{code} {message}", path, line, column, fix=fix)


@rule("RUFF002")
def unformatted(path: str, line: int) -> Finding:
    """A Python file is not formatted the way ``ruff format`` wants."""
    return Finding(
        "RUFF002",
        "not formatted the way `ruff format` wants",
        path,
        line,
        fix="run `nox -s fix` (it runs the pinned `ruff format`)",
    )


@rule("RUFF003")
def syntax_error(path: str, line: int, column: int, message: str) -> Finding:
    """ruff cannot parse a Python file: a syntax error (for ruff's target version)."""
    return Finding("RUFF003", f"syntax error: {message}", path, line, column, fix="fix the syntax")


def _rel(path: str, root: str) -> str:
    return (os.path.relpath(path, root) if os.path.isabs(path) else path).replace(os.sep, "/")


def diagnostic(item: dict[str, Any], root: str) -> Finding:
    """The finding for one entry of ruff's ``--output-format json``."""
    path = _rel(str(item.get("filename", "")), root)
    where = item.get("location") or {}
    line, column = int(where.get("row") or 0), int(where.get("column") or 0)
    code, message = str(item.get("code") or ""), str(item.get("message", ""))
    if code == "unformatted":
        return unformatted(path, line)
    if code in ("invalid-syntax", ""):
        return syntax_error(path, line, column, message)
    fixable = (item.get("fix") or {}).get("applicability") == "safe"
    fix = "run `nox -s fix` (it runs `ruff check --fix`)" if fixable else "fix it by hand"
    url = item.get("url")
    return violation(path, line, column, code, message, f"{fix}; see {url}" if url else fix)


def parse(stdout: str, root: str) -> list[Finding] | None:
    """The findings of one ruff JSON report; None when ``stdout`` is not one."""
    import json

    try:
        items = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    return [diagnostic(item, root) for item in items if isinstance(item, dict)]


def find_tool(module: str) -> list[str] | None:
    """``python -m <module>`` for this interpreter, else the executable on PATH, else None."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    exe = shutil.which(module)
    return [exe] if exe else None


def pinned_ruff() -> list[str]:
    """The command of the pinned ruff; :class:`CannotRun` when ruff is missing or another version."""
    import subprocess

    from ci_gates.core.pins import RUFF

    ruff = find_tool("ruff")
    if ruff is None:
        raise CannotRun("ruff: not installed", f"run `nox -s ruff` (it installs {RUFF})")
    version = subprocess.run([*ruff, "--version"], capture_output=True, text=True, check=False)
    found = version.stdout.split()[-1] if version.stdout.split() else "unknown"
    if found != RUFF.partition("==")[2]:
        raise CannotRun(
            f"ruff {found} found but ci/pins.py pins {RUFF}",
            "run `nox -s ruff` (it installs the pinned ruff)",
        )
    return ruff


def run(root: str | None = None) -> list[Finding]:
    import subprocess

    from ci_gates.core.context import config_for
    from ci_gates.core.env import tool_cache

    root, _ = config_for(root)
    ruff = pinned_ruff()
    cache = ["--cache-dir", tool_cache("ruff")]  # ruff's own cache: this environment's
    out: dict[tuple[object, ...], Finding] = {}
    for args in (CHECK, FORMAT):
        cmd = [*ruff, args[0], *cache, *args[1:]]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
        found = parse(proc.stdout, root)
        if found is None or (proc.returncode not in (0, 1) and not found):
            first = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[0]
            raise CannotRun(f"`ruff {args[0]}` did not run: {first}", "fix the ruff settings")
        for f in found:  # check and format both report a syntax error: once is enough
            out.setdefault((f.rule, f.path, f.line, f.column, f.message), f)
    return list(out.values())
