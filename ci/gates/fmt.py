"""Rust formatting: ``cargo fmt --all --check``.

Fails naming every file rustfmt would change (with the line of its first difference) and
says to run ``cargo fmt --all``. Exits 2 when cargo or rustfmt is missing.
"""

from __future__ import annotations

import os
import re

from ci.gates import cannot_run, problem, project_root, verdict

FIX = "cargo fmt --all"
_DIFF = re.compile(r"^Diff in (?P<path>.+?)(?::| at line )(?P<line>\d+):?\s*$")
_MISSING = ("no such command", "is not installed", "not found", "not installed")


def unformatted(output: str, root: str) -> list[tuple[str, int]]:
    """``(relative path, first line)`` per file in ``cargo fmt --check`` output, in order."""
    seen: dict[str, int] = {}
    for raw in output.splitlines():
        m = _DIFF.match(re.sub(r"\x1b\[[0-9;]*m|\x1b\(B", "", raw))
        if m:
            path = os.path.relpath(m["path"], root) if os.path.isabs(m["path"]) else m["path"]
            seen.setdefault(path, int(m["line"]))
    return list(seen.items())


def run(root: str | None = None) -> int:
    import shutil
    import subprocess

    root = root or project_root()
    if not os.path.isfile(os.path.join(root, "Cargo.toml")):
        return cannot_run(f"{root}/Cargo.toml: not found; the fmt gate needs a cargo workspace")
    if shutil.which("cargo") is None:
        return cannot_run("cargo: not on PATH; install Rust (rustup) with the rustfmt component")
    cmd = ["cargo", "fmt", "--all", "--check"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    print(proc.stdout, end="", flush=True)
    if proc.returncode == 0:
        return 0
    files = unformatted(proc.stdout, root)
    if not files:
        first = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[0]
        if any(word in proc.stderr for word in _MISSING):
            return cannot_run(f"`{' '.join(cmd)}`: {first}; run `rustup component add rustfmt`")
        print(proc.stderr, end="")
        problem(f"`{' '.join(cmd)}` failed: {first}; fix the error above, then run `{FIX}`")
        return 1
    for path, line in files:
        problem(f"{path}:{line}: not formatted the way rustfmt wants; run `{FIX}`")
    return verdict(len(files))
