"""Python lint and format: ``ruff check`` and ``ruff format --check`` over the repository.

ruff is the version pinned in ``ci/registry.py`` (a different ruff formats differently, so
any other version is "could not run", never a silent pass). Settings: ``[tool.ruff]``.
"""

from __future__ import annotations

import re

from ci.gates import cannot_run, problem, project_root, verdict

_CONCISE = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+):\d+: (?P<msg>.+)$")


def findings(output: str) -> list[tuple[str, str, str]]:
    """``(path, line, message)`` per line of ruff's ``--output-format concise``."""
    matches = [m for m in map(_CONCISE.match, output.splitlines()) if m]
    return [(m["path"], m["line"], m["msg"].replace(" [*]", "")) for m in matches]


def find_tool(module: str) -> list[str] | None:
    """``python -m <module>`` for this interpreter, else the executable on PATH, else None."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    exe = shutil.which(module)
    return [exe] if exe else None


def run(root: str | None = None) -> int:
    import subprocess

    from ci.registry import RUFF

    root = root or project_root()
    pinned = RUFF.partition("==")[2]
    ruff = find_tool("ruff")
    if ruff is None:
        return cannot_run(f"ruff: not installed; run `nox -s ruff` (installs {RUFF})")
    version = subprocess.run([*ruff, "--version"], capture_output=True, text=True, check=False)
    found = version.stdout.split()[-1] if version.stdout.split() else "unknown"
    if found != pinned:
        return cannot_run(
            f"ruff {found} found but ci/registry.py pins {RUFF}; run `nox -s ruff` "
            f"or `pip install {RUFF}`"
        )
    n = 0
    steps = (
        (
            ["check", "--no-fix", "--output-format", "concise", "."],
            "run `ruff check --fix` or fix by hand",
        ),
        (["format", "--check", "--output-format", "concise", "."], "run `ruff format`"),
    )
    for args, fix in steps:
        proc = subprocess.run([*ruff, *args], cwd=root, capture_output=True, text=True, check=False)
        print(proc.stdout, end="", flush=True)
        if proc.returncode == 0:
            continue
        found_here = findings(proc.stdout)
        if proc.returncode != 1 or not found_here:
            first = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[0]
            return cannot_run(f"`ruff {' '.join(args[:2])}` did not run: {first}")
        for path, line, msg in found_here:
            if args[0] == "format":
                msg = "not formatted the way `ruff format` wants"
                fix = f"run `ruff format {path}`"
            problem(f"{path}:{line}: {msg}; {fix}")
        n += len(found_here)
    return verdict(n)
