"""Gate ``cargo_test``: ``cargo test --workspace --locked``, failing tests named one per line.

``--no-fail-fast`` is added so one run names every failing test in every crate instead of
stopping at the first failing test binary. Output streams through unchanged; afterwards each
failing test is reported as ``file:line: test <name> failed; rerun with ...`` (the location
from its panic message when there is one).
"""

from __future__ import annotations

import re

from ci.gates import FAIL, PASS, cannot_run, note, problem, project_root

COMMAND = ("cargo", "test", "--workspace", "--locked", "--no-fail-fast")

_FAILED = re.compile(r"^test (.+?) \.\.\. FAILED$")
_PANIC = re.compile(r"^thread '(.+?)' (?:\(\d+\) )?panicked at (\S+?:\d+):\d+:?")
_RERUN = re.compile(r"^error: (?:doc)?test failed, to rerun pass `(.+?)`")
_COMPILE = re.compile(r"^error(\[E\d+\])?: (.+)$")
_LOCATION = re.compile(r"^\s*--> (\S+:\d+):\d+")
_LOCKED = "needs to be updated but --locked was passed"


def failures(lines: list[str]) -> list[str]:
    """Problem messages for the output of ``cargo test`` (pure; the tests feed it text)."""
    failed: list[str] = []  # failing tests of the binary whose summary comes next
    where: dict[str, str] = {}
    found: list[str] = []
    compile_error: str | None = None
    for i, line in enumerate(lines):
        line = line.rstrip("\n")
        m = _FAILED.match(line)
        if m:
            failed.append(m.group(1))
            continue
        m = _PANIC.match(line)
        if m:
            where.setdefault(m.group(1), m.group(2))
            continue
        m = _RERUN.match(line)
        if m:
            for name in dict.fromkeys(failed):
                loc = where.get(name, "cargo test")
                found.append(f"{loc}: test {name} failed; rerun: cargo test {m.group(1)} {name}")
            if not failed:
                found.append(f"cargo test {m.group(1)}: the test binary failed (output above)")
            failed = []
            continue
        if _LOCKED in line:
            found.append(
                "Cargo.lock: out of date with the Cargo.toml files; run `cargo update --workspace` "
                "and commit Cargo.lock"
            )
            continue
        m = _COMPILE.match(line)
        if m and compile_error is None:
            # A compiler diagnostic has a `--> file:line:col` right below; cargo's own
            # summaries ("1 target failed", "could not compile") do not.
            locs = [lm.group(1) for lm in map(_LOCATION.match, lines[i + 1 : i + 4]) if lm]
            if locs:
                compile_error = f"{locs[0]}: does not compile: {m.group(2)}; fix it"
    for name in dict.fromkeys(failed):  # no rerun line seen (output cut short)
        found.append(f"{where.get(name, 'cargo test')}: test {name} failed")
    if compile_error:
        found.insert(0, compile_error)
    return found


def run(root: str | None = None) -> int:
    import os
    import shutil
    import subprocess
    import sys

    root = os.path.abspath(root or project_root())
    if shutil.which("cargo") is None:
        return cannot_run("cargo_test: cargo not found; install Rust (https://rustup.rs)")
    if not os.path.isfile(os.path.join(root, "Cargo.toml")):
        return cannot_run(f"{root}/Cargo.toml: not found; run from the project root")
    env = {**os.environ, "CARGO_TERM_COLOR": "never"}
    note("cargo_test: " + " ".join(COMMAND))
    proc = subprocess.Popen(
        COMMAND, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        lines.append(line)
    code = proc.wait()
    found = failures(lines)
    if code != 0 and not found:
        found.append(f"cargo test failed (exit {code}); see the output above")
    for msg in found:
        problem(msg)
    return FAIL if code != 0 or found else PASS
