"""Rust lints: ``cargo clippy --workspace --all-targets --locked -- -D warnings``.

Every warning is an error. Each finding is reported as ``path:line: lint message``; run the
same cargo command for clippy's full explanation. Exits 2 when cargo or clippy is missing.
"""

from __future__ import annotations

import os
import re

from ci.gates import cannot_run, problem, project_root, verdict

COMMAND = ["cargo", "clippy", "--workspace", "--all-targets", "--locked"]
LINT_ARGS = ["--", "-D", "warnings"]
_SHORT = re.compile(
    r"^(?P<path>[^\s:][^:]*):(?P<line>\d+):\d+: (?:error|warning)(?:\[\w+\])?: (?P<msg>.+)$"
)


def findings(stderr: str) -> list[str]:
    """``path:line: message`` for each diagnostic in ``--message-format short`` output."""
    out: list[str] = []
    for line in stderr.splitlines():
        m = _SHORT.match(line.strip())
        if m and f"{m['path']}:{m['line']}: {m['msg']}" not in out:
            out.append(f"{m['path']}:{m['line']}: {m['msg']}")
    return out


def run(root: str | None = None) -> int:
    import shutil
    import subprocess

    root = root or project_root()
    if not os.path.isfile(os.path.join(root, "Cargo.toml")):
        return cannot_run(f"{root}/Cargo.toml: not found; the clippy gate needs a cargo workspace")
    if shutil.which("cargo") is None:
        return cannot_run("cargo: not on PATH; install Rust (rustup) with the clippy component")
    shown = " ".join([*COMMAND, *LINT_ARGS])
    cmd = [*COMMAND, "--message-format", "short", *LINT_ARGS]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    print(proc.stderr, end="", flush=True)
    if proc.returncode == 0:
        return 0
    if "no such command" in proc.stderr or "is not installed" in proc.stderr:
        return cannot_run(f"`{shown}`: clippy is missing; run `rustup component add clippy`")
    if "--locked was passed" in proc.stderr:
        problem(
            "Cargo.lock: out of date with Cargo.toml; run `cargo update --workspace` and commit it"
        )
        return 1
    found = findings(proc.stderr)
    for msg in found:
        problem(f"{msg}; fix it (details: `{shown}`)")
    if not found:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("error")]
        first = lines[0] if lines else f"exit code {proc.returncode}"
        problem(f"`{shown}` failed: {first}")
    return verdict(max(len(found), 1))
