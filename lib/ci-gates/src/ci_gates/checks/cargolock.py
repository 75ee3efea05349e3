"""The Cargo workspace's ``Cargo.lock``: is it current, and did a build leave it as it was?

cargo and maturin rewrite a stale ``Cargo.lock`` in place when they build without ``--locked``
(and maturin's sdist step cannot be given ``--locked``); without one they write a new one. A
gate never writes the maintainer's tree, so the build gate asks cargo first
(:func:`stale_reason`: ``cargo metadata --locked``, which resolves without writing) and keeps
what was there (:class:`Kept`): a lock the build created is removed, one it changed is put
back. Standard library only.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from ci_gates.core.findings import CannotRun

LOCKED = "--locked was passed"


def require_workspace(workspace: str, gate: str, component: str = "") -> None:
    """Refuse to run ``gate`` (CannotRun, with the fix) without a Cargo.toml or cargo."""
    if not os.path.isfile(os.path.join(workspace, "Cargo.toml")):
        raise CannotRun(
            f"Cargo.toml: not found; the {gate} gate needs a cargo workspace",
            f'add it, or skip the gate: [tool.ci-gates] skip = {{ {gate} = "why" }}',
        )
    if shutil.which("cargo") is None:
        with_component = f" with the {component} component" if component else ""
        raise CannotRun("cargo: not on PATH", f"install Rust (rustup){with_component}")


def lock_path(root: str, cargo_root: str) -> str:
    """The absolute path of the workspace's Cargo.lock."""
    return (
        os.path.join(root, *cargo_root.split("/"), "Cargo.lock")
        if cargo_root
        else (os.path.join(root, "Cargo.lock"))
    )


def stale_reason(workspace: str) -> str:
    """cargo's one-line reason when the Cargo.lock in ``workspace`` needs an update, else "".

    Anything else cargo cannot do here (no network for an uncached index, a broken manifest)
    is not a stale lock: the build that follows reports it.
    """
    cmd = ["cargo", "metadata", "--locked", "--format-version", "1"]
    try:
        proc = subprocess.run(
            cmd, cwd=workspace, capture_output=True, text=True, check=False, timeout=600
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if proc.returncode == 0 or LOCKED not in proc.stderr:
        return ""
    lines = [ln.strip() for ln in proc.stderr.splitlines() if LOCKED in ln]
    return lines[0].removeprefix("error: ") if lines else "cargo refuses it with --locked"


class Kept:
    """What a file held before a step that must not change it; :meth:`restore` puts it back."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.before: bytes | None = None
        if os.path.lexists(path):
            with open(path, "rb") as f:
                self.before = f.read()

    def restore(self) -> str:
        """ "created" (and removed), "changed" (and put back) or "" when the file is as it was."""
        if self.before is None:  # not read: what a build wrote is no input of anything
            if not os.path.lexists(self.path):
                return ""
            os.remove(self.path)
            return "created"
        try:
            with open(self.path, "rb") as f:
                now: bytes | None = f.read()
        except FileNotFoundError:
            now = None
        if now == self.before:
            return ""
        with open(self.path, "wb") as f:
            f.write(self.before)
        return "changed"
