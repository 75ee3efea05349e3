"""Type check: mypy over ``ci/``, ``noxfile.py``, ``tasks.py`` and ``python/``.

Settings live in ``[tool.mypy]`` (strict, ``python_version = "3.9"``). mypy is the version
pinned in ``ci/registry.py``; without it the gate exits 2, it never passes silently.
"""

from __future__ import annotations

import os
import re

from ci.gates import cannot_run, problem, project_root, verdict

TARGETS = ("ci", "noxfile.py", "tasks.py", "python")
_ERROR = re.compile(r"^(?P<path>[^:\s][^:]*):(?P<line>\d+): error: (?P<msg>.+)$")


def errors(output: str) -> list[tuple[str, str, str]]:
    """``(path, line, message)`` per ``error:`` line of mypy's output."""
    return [(m["path"], m["line"], m["msg"]) for m in map(_ERROR.match, output.splitlines()) if m]


def run(root: str | None = None) -> int:
    import subprocess

    from ci.gates.ruff import find_tool
    from ci.registry import MYPY

    root = root or project_root()
    targets = [t for t in TARGETS if os.path.exists(os.path.join(root, t))]
    if not targets:
        return cannot_run(f"{root}: none of {', '.join(TARGETS)} exists; nothing to type check")
    mypy = find_tool("mypy")
    if mypy is None:
        return cannot_run(f"mypy: not installed; run `nox -s typecheck` (installs {MYPY})")
    version = subprocess.run([*mypy, "--version"], capture_output=True, text=True, check=False)
    found = (version.stdout.split() or ["", "unknown"])[1]
    pinned = MYPY.partition("==")[2]
    if found != pinned:
        return cannot_run(
            f"mypy {found} found but ci/registry.py pins {MYPY}; run `nox -s typecheck`"
        )
    cmd = [*mypy, "--no-color-output", "--show-error-codes", *targets]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    print(proc.stdout, end="", flush=True)
    print(proc.stderr, end="", flush=True)
    if proc.returncode == 0:
        return 0
    found_errors = errors(proc.stdout)
    if proc.returncode != 1 or not found_errors:
        first = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["?"])[0]
        return cannot_run(f"mypy did not finish (exit {proc.returncode}): {first}")
    for path, line, msg in found_errors:
        problem(f"{path}:{line}: {msg}; fix the annotation or the code")
    return verdict(len(found_errors))
