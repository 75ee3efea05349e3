"""``python -m ci_gates.commands.fix`` (``nox -s fix``): apply the mechanical fixes the gates ask for.

With the project's own ruff (its version and settings, as the ruff gate runs it): ``ruff check
--fix`` (safe fixes only) where the project lints with ruff, ``ruff format`` where it formats
with ruff (the ruff gate's RUFF001/RUFF002); configuration files are never rewritten (one a
fixer changed is restored). Then ``cargo fmt --all`` (fmt's FMT001), and
``cargo update --workspace --offline`` when cargo's ``--locked`` refuses Cargo.lock (clippy's
CLP003, cargo_test's CT003) — that updates only the workspace's own entries, never a
dependency. Steps whose tool the project does not use (no Cargo.toml) are skipped with a note.
What remains needs a hand: the gates name it. Exit status 0 when every step ran, 1 otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from ci_gates.core.context import project_root
from ci_gates.core.findings import CannotRun


def step(title: str, cmd: list[str], root: str, ok: tuple[int, ...] = (0,)) -> bool:
    """Run one fix command, showing it and its output; False when it failed."""
    print(f"fix: {title}: {' '.join(cmd)}", flush=True)
    proc = subprocess.run(cmd, cwd=root, check=False)
    if proc.returncode not in ok:
        print(f"fix: {title} failed (exit {proc.returncode}); see above", file=sys.stderr)
        return False
    return True


def lock_is_stale(root: str) -> bool:
    """Does cargo's ``--locked`` refuse Cargo.lock? (resolves offline; changes nothing)."""
    cmd = ["cargo", "metadata", "--format-version", "1", "--locked", "--offline"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    return "--locked was passed" in proc.stderr


# Configuration files a fixer must never rewrite (a newer ruff's fix for a rule on
# pyproject.toml would write settings the project's own ruff rejects).
CONFIG_FILES = ("pyproject.toml", "ruff.toml", ".ruff.toml", "setup.cfg", "tox.ini", "mypy.ini")


def _snapshot(root: str) -> dict[str, bytes]:
    out = {}
    for rel in CONFIG_FILES:
        try:
            with open(os.path.join(root, rel), "rb") as f:
                out[rel] = f.read()
        except OSError:
            continue
    return out


def _restore(root: str, before: dict[str, bytes]) -> list[str]:
    """Put back every configuration file a fixer changed; the ones restored."""
    changed = [rel for rel, data in before.items() if _snapshot(root).get(rel) != data]
    for rel in changed:
        with open(os.path.join(root, rel), "wb") as f:
            f.write(before[rel])
    return changed


def _version_at_least(version: str, floor: tuple[int, ...]) -> bool:
    import re

    parts = tuple(int(p) for p in re.findall(r"\d+", version)[:3])
    return bool(parts) and parts >= floor


def fix_python(root: str) -> bool:
    """The project's ruff, at its version and with its settings: safe fixes where it lints with
    ruff, formatting where it formats with ruff; configuration files are never changed."""
    from ci_gates.checks.projecttools import formats_with_ruff, uses
    from ci_gates.gates.ruff import ruff_command, settings

    lint, formats = uses(root, "ruff"), formats_with_ruff(root)
    if not lint and not formats:
        print("fix: the project does not use ruff; skipped it (the ruff gate names what to fix)")
        return True
    try:
        ruff, pin = ruff_command(root)
    except CannotRun as exc:
        print(f"fix: {exc.message}; {exc.fix}", file=sys.stderr)
        return False
    print(f"fix: ruff {pin.version or pin.requirement} (from {pin.source})", flush=True)
    before = _snapshot(root)
    ok = True
    if lint:
        # Never unsafe fixes, whatever a config says; `ruff check --fix` exits 1 while
        # violations without a safe fix remain: the ruff gate names them.
        safe = ["--no-unsafe-fixes"] if _version_at_least(pin.version or "0.1", (0, 1)) else []
        cmd = [*ruff, "check", "--fix", *safe, *settings(root), "."]
        ok = step("ruff (safe fixes)", cmd, root, ok=(0, 1))
    else:
        print("fix: the project lints with no ruff; skipped `ruff check --fix`", flush=True)
    if formats:
        ok = step("ruff format", [*ruff, "format", *settings(root), "."], root) and ok
    else:
        print("fix: the project does not format with ruff; skipped `ruff format`", flush=True)
    for rel in _restore(root, before):
        print(f"fix: ruff changed {rel}; restored it (fix never edits configuration)", flush=True)
    return ok


def fix_rust(root: str) -> bool:
    if not os.path.isfile(os.path.join(root, "Cargo.toml")):
        print("fix: no Cargo.toml; skipped cargo fmt and the lock update", flush=True)
        return True
    if shutil.which("cargo") is None:
        print("fix: cargo not on PATH; install Rust (rustup) for cargo fmt", file=sys.stderr)
        return False
    ok = step("rustfmt", ["cargo", "fmt", "--all"], root)
    if lock_is_stale(root):
        ok = step("Cargo.lock", ["cargo", "update", "--workspace", "--offline"], root) and ok
    else:
        print("fix: Cargo.lock is current; nothing to update", flush=True)
    return ok


def main(argv: list[str]) -> int:
    if argv:
        print(
            "usage: python -m ci_gates.commands.fix  (no arguments; run from the project)",
            file=sys.stderr,
        )
        return 2
    root = project_root()
    ok = fix_python(root)
    ok = fix_rust(root) and ok
    if shutil.which("git") and os.path.exists(os.path.join(root, ".git")):
        subprocess.run(["git", "--no-pager", "diff", "--stat"], cwd=root, check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
