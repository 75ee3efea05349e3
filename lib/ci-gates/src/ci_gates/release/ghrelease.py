"""``publish github``: one GitHub Release per package tag at HEAD, with its git-cliff notes.

A Python package's release (the maturin package's, a pure-Python package's) also carries the
checked sdist and wheels (the files the publish jobs uploaded, with their receipts verified
again) and ``SHA256SUMS`` over them. Notes come
from CHANGELOG.md (what ``nox -s release_bump`` wrote; ``nox -s release_notes -- NAME`` prints
the same). A release that exists is left as it is, saying so, so a re-run is harmless. Uses
the ``gh`` CLI (on every hosted runner) with ``GH_TOKEN`` and ``GH_REPO`` from the workflow.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from ci_gates.checks.versioning import history
from ci_gates.checks.versioning.config import PYTHON_KINDS, load
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import notes
from ci_gates.release.plan import tagged
from ci_gates.release.publish import artifacts


def _gh(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["gh", *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ReleaseError("gh: not found; the GitHub Release needs the GitHub CLI") from None


def sha256sums(paths: list[str]) -> str:
    """``sha256sum``'s format: ``<hex>  <file name>`` per line, sorted by name."""
    from ci_gates.checks.artifacts import file_sha256

    lines = sorted(f"{file_sha256(p)}  {os.path.basename(p)}" for p in paths)
    return "\n".join(lines) + "\n"


def release(root: str, directory: str) -> list[str]:
    """Create the missing releases; the tags released (created now or before)."""
    entries = [e for e in tagged(root).entries if e.tag in history.tags_at(root)]
    if not entries:
        raise ReleaseError(
            "no package tag points at HEAD; the GitHub Release is made from a release commit's tags"
        )
    python = [p.name for p in load(root) if p.kind in PYTHON_KINDS]
    done = []
    with tempfile.TemporaryDirectory(prefix="ci-release-gh-") as tmp:
        for e in entries:
            if _gh("release", "view", e.tag, "--json", "tagName").returncode == 0:
                print(f"{e.tag}: GitHub Release exists; left as it is")
                done.append(e.tag)
                continue
            notes_file = os.path.join(tmp, f"{e.tag}.md")
            with open(notes_file, "w", encoding="utf-8") as f:
                f.write(notes.from_changelog(root, e.tag))
            assets: list[str] = []
            if e.package.kind in PYTHON_KINDS:
                assets = [a.path for a in artifacts(root, directory, e, python)]
                sums = os.path.join(tmp, "SHA256SUMS")
                with open(sums, "w", encoding="utf-8") as f:
                    f.write(sha256sums(assets))
                assets.append(sums)
            title = f"{e.name} {e.version}"
            proc = _gh(
                "release",
                "create",
                e.tag,
                "--verify-tag",
                "--title",
                title,
                "--notes-file",
                notes_file,
                *assets,
            )
            if proc.returncode != 0:
                why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise ReleaseError(f"gh release create {e.tag} failed: {why}")
            print(f"{e.tag}: GitHub Release created with {len(assets)} asset(s)")
            done.append(e.tag)
    return done
