"""Gate ``clippy``: ``cargo clippy --workspace --all-targets --locked -- -D warnings``.

Every warning is an error. cargo's JSON messages give each diagnostic's lint name and primary
location, so each one is a finding at ``path:line:column``; the compiler's rendered text is
printed as well, for the full explanation. A lock file that ``--locked`` rejects is one finding
on Cargo.lock. Without cargo or clippy the gate could not run.
"""

from __future__ import annotations

import os

from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import RUST_INPUTS
from ci_gates.core.registry import Gate

GATE = Gate(
    "clippy",
    "Rust lints: cargo clippy --workspace --all-targets --locked -D warnings",
    requires=("fmt",),
    commands=("cargo",),
    inputs=RUST_INPUTS,
    env=("PYO3_PYTHON",),
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

COMMAND = ("cargo", "clippy", "--workspace", "--all-targets", "--locked")
LINT_ARGS = ("--", "-D", "warnings")
SHOWN = " ".join((*COMMAND, *LINT_ARGS))


@rule("CLP001")
def lint(path: str, line: int, column: int, name: str, message: str) -> Finding:
    """A clippy or rustc lint fires (every warning is an error here).

    The message starts with the lint's name (``clippy::ptr_arg``, ``unused_variables``); the
    lint's page in the clippy or rustc book explains it. Fix the code, or, where the lint is
    wrong for this spot, ``#[allow(lint)]`` it there with a comment saying why.
    """
    allow = f"#[allow({name})]"
    fix = f"fix it (or `{allow}` there, with a comment saying why); rerun `nox -s clippy`"
    return finding_of(lint, f"{name}: {message}", path, line, column, fix=fix)


@rule("CLP002")
def compile_error(path: str, line: int, column: int, code: str, message: str) -> Finding:
    """The workspace does not compile, so clippy cannot lint it."""
    label = f"{code}: " if code else ""
    return finding_of(
        compile_error,
        f"does not compile: {label}{message}",
        path,
        line,
        column,
        fix="fix it (the compiler's message is printed above); rerun `nox -s clippy`",
    )


@rule("CLP003")
def stale_lock() -> Finding:
    """Cargo.lock is out of date with the Cargo.toml files (``--locked`` refuses it).

    CI builds with ``--locked`` so that what it tests is what the lock pins. ``nox -s fix`` runs
    ``cargo update --workspace --offline``, which updates only the workspace's own entries;
    commit the result.
    """
    return finding_of(
        stale_lock,
        "out of date with the Cargo.toml files (cargo's --locked refuses it)",
        "Cargo.lock",
        fix="run `nox -s fix` (it runs `cargo update --workspace --offline`) and commit Cargo.lock",
    )


def _rel(path: str, root: str) -> str:
    return (os.path.relpath(path, root) if os.path.isabs(path) else path).replace(os.sep, "/")


def diagnostic(message: dict[str, Any], root: str) -> Finding | None:
    """The finding for one rustc/clippy diagnostic of cargo's JSON output, or None (a summary)."""
    if message.get("level") not in ("error", "warning"):
        return None
    spans = message.get("spans") or []
    primary = next((s for s in spans if s.get("is_primary")), spans[0] if spans else None)
    if primary is None:
        return None  # "aborting due to N previous errors" and friends
    path = _rel(str(primary.get("file_name", "")), root)
    line, column = int(primary.get("line_start", 0)), int(primary.get("column_start", 0))
    code = str((message.get("code") or {}).get("code") or "")
    text = str(message.get("message", "")).splitlines()[0]
    if code and not code.startswith("E"):
        return lint(path, line, column, code, text)
    return compile_error(path, line, column, code, text)


def findings(stdout: str, stderr: str, returncode: int, root: str) -> list[Finding]:
    """The findings of one clippy run: ``stdout`` is cargo's ``--message-format json``."""
    import json

    if returncode == 0:
        return []
    if "no such command" in stderr or "is not installed" in stderr:
        raise CannotRun(f"`{SHOWN}`: clippy is missing", "run `rustup component add clippy`")
    if "--locked was passed" in stderr:
        return [stale_lock()]
    out: dict[tuple[object, ...], Finding] = {}
    for raw in stdout.splitlines():
        try:
            item = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(item, dict) or item.get("reason") != "compiler-message":
            continue
        found = diagnostic(item.get("message") or {}, root)
        if found is not None:  # lib and lib-test targets report the same diagnostic twice
            out.setdefault((found.path, found.line, found.column, found.message), found)
    if out:
        return list(out.values())
    lines = [ln for ln in stderr.splitlines() if ln.startswith("error")]
    first = lines[0] if lines else f"exit code {returncode}"
    raise CannotRun(f"`{SHOWN}` failed without a diagnostic: {first}")


def run(root: str | None = None) -> list[Finding]:
    import json
    import subprocess
    import sys

    from ci_gates.checks.cargolock import require_workspace
    from ci_gates.core.context import config_for

    root, _ = config_for(root)
    require_workspace(root, "clippy", "clippy")
    cmd = [*COMMAND, "--message-format", "json", *LINT_ARGS]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    shown: set[str] = set()
    for raw in proc.stdout.splitlines():  # the compiler's own text, for the full explanation
        if '"compiler-message"' in raw:
            rendered = json.loads(raw).get("message", {}).get("rendered")
            if rendered and rendered not in shown:
                shown.add(rendered)
                sys.stderr.write(rendered)
    return findings(proc.stdout, proc.stderr, proc.returncode, root)
