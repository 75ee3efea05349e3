"""Gate ``cargo_test``: ``cargo test --workspace --locked --no-fail-fast``.

It runs in the project's Cargo workspace (``names().cargo_root``: the root, or a sub-directory).
``--no-fail-fast`` makes one run name every failing test in every crate instead of stopping at
the first failing test binary. A project that commits no ``Cargo.lock`` is tested without
``--locked``, and the lock cargo writes is removed again (a gate never writes the tree). Output streams through unchanged; afterwards each failing test
is a finding at the location of its panic (when it has one) with the command that reruns it.
"""

from __future__ import annotations

import re

from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import RUST_INPUTS
from ci_gates.core.registry import Gate

GATE = Gate(
    "cargo_test",
    "cargo test --workspace --locked --no-fail-fast",
    requires=("clippy",),
    commands=("cargo",),
    inputs=(*RUST_INPUTS, "**/Cargo.lock", "crates/**"),
    env=("PYO3_PYTHON",),
)

COMMAND = ("cargo", "test", "--workspace", "--locked", "--no-fail-fast")

_FAILED = re.compile(r"^test (.+?) \.\.\. FAILED$")
_PANIC = re.compile(r"^thread '(.+?)' (?:\(\d+\) )?panicked at (\S+?):(\d+):(\d+):?")
_RERUN = re.compile(r"^error: (?:doc)?test failed, to rerun pass `(.+?)`")
_COMPILE = re.compile(r"^error(\[E\d+\])?: (.+)$")
_LOCATION = re.compile(r"^\s*--> (\S+):(\d+):(\d+)")
_LOCKED = "needs to be updated but --locked was passed"


@rule("CT001")
def failing_test(name: str, rerun: str, where: tuple[str, int, int] = ("", 0, 0)) -> Finding:
    """A Rust test fails; the finding is at its panic's location and says how to rerun it alone."""
    import shlex

    alone = f"rerun it alone: `cargo test {rerun} -- --exact {shlex.quote(name)}`"
    fix = alone if rerun else "see the output above"
    return finding_of(failing_test, f"test {name} failed", *where, fix=fix)


@rule("CT002")
def does_not_compile(path: str, line: int, column: int, message: str) -> Finding:
    """The tests do not compile (the first compiler error, at its location)."""
    return finding_of(
        does_not_compile, f"does not compile: {message}", path, line, column, fix="fix it"
    )


@rule("CT003")
def stale_lock() -> Finding:
    """Cargo.lock is out of date with the Cargo.toml files (``--locked`` refuses it).

    ``nox -s fix`` runs ``cargo update --workspace --offline``, which updates only the
    workspace's own entries; commit the result.
    """
    return finding_of(
        stale_lock,
        "out of date with the Cargo.toml files (cargo's --locked refuses it)",
        "Cargo.lock",
        fix="run `nox -s fix` (it runs `cargo update --workspace --offline`) and commit Cargo.lock",
    )


@rule("CT004")
def binary_failed(rerun: str) -> Finding:
    """A test binary fails without naming a failing test (it crashed, or a doctest harness failed)."""
    return finding_of(
        binary_failed,
        f"the test binary `{rerun}` failed without naming a test",
        fix=f"see the output above; rerun: `cargo test {rerun}`",
    )


def failures(lines: list[str]) -> list[Finding]:
    """The findings of ``cargo test`` output (pure; the tests feed it text)."""
    failed: list[str] = []  # failing tests of the binary whose summary comes next
    where: dict[str, tuple[str, int, int]] = {}
    found: list[Finding] = []
    compile_error: Finding | None = None
    for i, line in enumerate(lines):
        line = line.rstrip("\n")
        if m := _FAILED.match(line):
            failed.append(m.group(1))
        elif m := _PANIC.match(line):
            where.setdefault(m.group(1), (m.group(2), int(m.group(3)), int(m.group(4))))
        elif m := _RERUN.match(line):
            found += [
                failing_test(name, m.group(1), where.get(name, ("", 0, 0)))
                for name in dict.fromkeys(failed)
            ]
            if not failed:
                found.append(binary_failed(m.group(1)))
            failed = []
        elif _LOCKED in line:
            found.append(stale_lock())
        elif (m := _COMPILE.match(line)) and compile_error is None:
            # A compiler diagnostic has a `--> file:line:col` right below; cargo's own
            # summaries ("1 target failed", "could not compile") do not.
            locs = [lm for lm in map(_LOCATION.match, lines[i + 1 : i + 4]) if lm]
            if locs:
                path, ln, col = locs[0].group(1), int(locs[0].group(2)), int(locs[0].group(3))
                compile_error = does_not_compile(path, ln, col, m.group(2))
    # No rerun line seen (output cut short): still name the failing tests.
    found += [failing_test(name, "", where.get(name, ("", 0, 0))) for name in dict.fromkeys(failed)]
    return [compile_error, *found] if compile_error else found


def run(root: str | None = None) -> list[Finding]:
    import os
    import subprocess
    import sys

    from ci_gates.checks.cargolock import Kept, require_workspace
    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names

    root, _ = config_for(root)
    root = os.path.abspath(root)
    try:
        workspace = os.path.join(root, names(root).cargo_root)
    except ProjectError:
        workspace = root
    require_workspace(workspace, "cargo_test")
    env = {**os.environ, "CARGO_TERM_COLOR": "never"}
    kept = Kept(os.path.join(workspace, "Cargo.lock"))
    command = [a for a in COMMAND if a != "--locked" or kept.before is not None]
    print("cargo_test: " + " ".join(command), flush=True)
    lines = []
    try:
        with subprocess.Popen(
            command,
            cwd=workspace,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:
                sys.stdout.write(line)
                lines.append(line)
    finally:
        kept.restore()  # only a lock cargo created: --locked never rewrites one
    code = proc.returncode
    found = failures(lines)
    if code != 0 and not found:
        raise CannotRun(
            f"cargo test failed (exit {code}) without naming a test; see the output above"
        )
    return found
