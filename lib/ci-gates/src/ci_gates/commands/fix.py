"""``python -m ci_gates.commands.fix`` (``nox -s fix``): apply the mechanical fixes the gates ask for.

With the pinned tools, from the project root: ``ruff check --fix`` (safe fixes only) and
``ruff format`` (the ruff gate's RUFF001/RUFF002), ``cargo fmt --all`` (fmt's FMT001), and
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


def fix_python(root: str) -> bool:
    from ci_gates.gates.ruff import pinned_ruff

    try:
        ruff = pinned_ruff()
    except CannotRun as exc:
        print(f"fix: {exc.message}; {exc.fix}", file=sys.stderr)
        return False
    # `ruff check --fix` exits 1 while violations without a safe fix remain: the ruff gate
    # names them; that is not a failure of this step.
    fixed = step("ruff (safe fixes)", [*ruff, "check", "--fix", "."], root, ok=(0, 1))
    return step("ruff format", [*ruff, "format", "."], root) and fixed


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
