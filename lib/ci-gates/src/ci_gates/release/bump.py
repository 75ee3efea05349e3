"""Apply the plan locally: versions, Cargo.lock, CHANGELOG.md, one commit, annotated tags.

Never pushes: the maintainer reads the commit and the tags, then pushes them
(``git push --atomic origin HEAD <tags>``), and the release workflow publishes. Refuses a
dirty tree (the commit must hold exactly the release). Right after, the plan is empty: every
released package's tag points at the release commit, and the commit carries ``Release: skip``
so it never counts towards a later release.
"""

from __future__ import annotations

import os
import subprocess

from ci_gates.checks.versioning import history, versions
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import notes
from ci_gates.release.plan import Plan, make_plan


def _manifests(root: str) -> list[str]:
    """Every Cargo.toml of the workspace (the root's and the members')."""
    from ci_gates.core.project import names

    found = ["Cargo.toml"] if os.path.isfile(os.path.join(root, "Cargo.toml")) else []
    found += [f"{c.path}/Cargo.toml" for c in names(root).crates if c.path]
    return found


def _refresh_lock(root: str) -> None:
    """Rewrite the workspace members' versions in Cargo.lock, offline (nothing else moves)."""
    if not os.path.isfile(os.path.join(root, "Cargo.lock")):
        return
    try:
        proc = subprocess.run(
            ["cargo", "update", "--workspace", "--offline"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise ReleaseError("cargo: not found; Cargo.lock needs it (install Rust)") from None
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ReleaseError(f"cargo update --workspace --offline failed: {why}")


def subject(plan: Plan) -> str:
    return "chore(release): " + ", ".join(f"{e.name} {e.version}" for e in plan.entries)


def apply(root: str, api: bool = False) -> Plan:
    """Bump, commit and tag what :func:`make_plan` says; the plan applied (may be empty).

    With ``api``, the plan's API check (:func:`ci_gates.release.plan.check_api`) runs first.
    """
    changes = history.dirty(root)
    if changes:
        raise ReleaseError(
            f"working tree has {len(changes)} uncommitted change(s) (first: {changes[0].strip()}); "
            "commit or stash them first: the release commit holds only the release"
        )
    plan = make_plan(root, api=api)
    if not plan.entries:
        return plan
    sections = [notes.render(root, e) for e in plan.entries]  # before any file changes
    manifests = _manifests(root)
    touched = {"CHANGELOG.md"}
    for e in plan.entries:
        versions.write_version(root, e.package.manifest, e.version)
        touched.add(e.package.manifest)
        if e.package.kind == "crates":
            touched.update(versions.write_requirements(root, manifests, e.name, e.version))
    _refresh_lock(root)
    if os.path.isfile(os.path.join(root, "Cargo.lock")):
        touched.add("Cargo.lock")
    notes.prepend(root, sections)
    body = "\n".join(
        f"- {e.name} {e.previous or '(first)'} -> {e.version}: {e.reason}" for e in plan.entries
    )
    history.git(root, "add", "--", *sorted(touched))
    history.git(root, "commit", "-q", "-m", subject(plan), "-m", body, "-m", "Release: skip")
    for e, section in zip(plan.entries, sections):
        message = f"{e.name} {e.version}\n\n{section}"
        history.git(root, "tag", "-a", "--cleanup=verbatim", e.tag, "-m", message)
    return plan
