"""Gate ``fmt``: Rust formatting, ``cargo fmt --all --check``.

One finding per file rustfmt would change (with the line of its first difference); ``nox -s
fix`` runs ``cargo fmt --all``. A file rustfmt cannot parse is a finding of its own, at the
compiler's location. Without cargo or rustfmt the gate could not run.
"""

from __future__ import annotations

import os
import re

from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import RUST_INPUTS
from ci_gates.core.registry import Gate

GATE = Gate(
    "fmt",
    "Rust formatting: cargo fmt --all --check",
    commands=("cargo", "rustfmt"),
    inputs=RUST_INPUTS,
)

COMMAND = ("cargo", "fmt", "--all", "--check")
FIX = "run `nox -s fix` (it runs `cargo fmt --all`)"
_ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\(B")
_DIFF = re.compile(r"^Diff in (?P<path>.+?)(?::| at line )(?P<line>\d+):?\s*$")
_ERROR = re.compile(r"^error(?:\[\w+\])?: (?P<msg>.+)$")
_AT = re.compile(r"^\s*--> (?P<path>.+?):(?P<line>\d+):(?P<col>\d+)\s*$")
_MISSING = ("no such command", "is not installed", "not installed for the toolchain")


def _rel(path: str, root: str) -> str:
    return (os.path.relpath(path, root) if os.path.isabs(path) else path).replace(os.sep, "/")


@rule("FMT001")
def unformatted(path: str, line: int) -> Finding:
    """A Rust file is not formatted the way rustfmt wants.

    One formatting for the whole workspace keeps diffs about behaviour. ``nox -s fix`` runs
    ``cargo fmt --all``; settings live in ``rustfmt.toml`` when the project has one.
    """
    return finding_of(unformatted, "not formatted the way rustfmt wants", path, line, fix=FIX)


@rule("FMT002")
def unparsable(path: str, line: int, column: int, message: str) -> Finding:
    """rustfmt cannot parse a Rust file, so it cannot check its formatting.

    The compiler's message names the syntax error; fix it, then run ``nox -s fix``.
    """
    return finding_of(
        unparsable,
        f"rustfmt cannot parse it: {message}",
        path,
        line,
        column,
        fix="fix the syntax error, then run `nox -s fix`",
    )


def unformatted_files(output: str, root: str) -> list[tuple[str, int]]:
    """``(relative path, first line)`` per file in ``cargo fmt --check`` output, in order."""
    seen: dict[str, int] = {}
    for raw in output.splitlines():
        m = _DIFF.match(_ANSI.sub("", raw))
        if m:
            seen.setdefault(_rel(m["path"], root), int(m["line"]))
    return list(seen.items())


def parse_errors(stderr: str, root: str) -> list[Finding]:
    """One :func:`unparsable` finding per compiler error with a ``--> file:line:col``."""
    out: list[Finding] = []
    lines = [_ANSI.sub("", ln) for ln in stderr.splitlines()]
    for i, line in enumerate(lines):
        err = _ERROR.match(line)
        at = next((m for m in map(_AT.match, lines[i + 1 : i + 3]) if m), None)
        if err and at:
            path = _rel(at["path"], root)
            out.append(unparsable(path, int(at["line"]), int(at["col"]), err["msg"]))
    return out


def findings(stdout: str, stderr: str, returncode: int, root: str) -> list[Finding]:
    """The findings of one ``cargo fmt --all --check`` run (pure: tests feed it text)."""
    if returncode == 0:
        return []
    found = [unformatted(path, line) for path, line in unformatted_files(stdout, root)]
    found += parse_errors(stderr, root)
    if found:
        return found
    first = (stderr.strip().splitlines() or [f"exit code {returncode}"])[0]
    if any(word in stderr for word in _MISSING):
        raise CannotRun(f"`{' '.join(COMMAND)}`: {first}", "run `rustup component add rustfmt`")
    raise CannotRun(f"`{' '.join(COMMAND)}` failed without naming a file: {first}")


def run(root: str | None = None) -> list[Finding]:
    import subprocess

    from ci_gates.checks.cargolock import require_workspace
    from ci_gates.core.context import config_for

    root, _ = config_for(root)
    require_workspace(root, "fmt", "rustfmt")
    proc = subprocess.run(COMMAND, cwd=root, capture_output=True, text=True, check=False)
    return findings(proc.stdout, proc.stderr, proc.returncode, root)
