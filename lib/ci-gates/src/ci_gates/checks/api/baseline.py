"""The baseline of a package: its last release tag, and that revision's sources on disk.

A release tag never moves (``{name}-v{version}``, annotated, made by ``release_bump``), so
everything derived from the commit it names is cached under :data:`WORK` by its sha: the
exported sources (``git archive``, no worktree to prune), the CLI's ``--dump-surface`` and
the rustdoc JSON (keyed by the toolchain too). A cold run builds each once per machine.
"""

from __future__ import annotations

import os
import subprocess
from collections import namedtuple

from ci_gates.checks.api import ApiError

WORK = os.path.join("target", "ci-gates", "api-compat")

Baseline = namedtuple("Baseline", "tag version sha")
Baseline.__doc__ = "The release a package is compared with: its tag, version and commit."


def work_dir(root: str, *parts: str) -> str:
    path = os.path.join(root, WORK, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def find(root: str, package: str) -> Baseline | None:
    """The package's highest ``{name}-v<semver>`` tag reachable from HEAD; None before a release."""
    from ci_gates.checks.versioning import history
    from ci_gates.checks.versioning.errors import ReleaseError

    try:
        last = history.last_tag(root, package)
        if last is None:
            if history.is_shallow(root):
                raise ApiError(
                    f"{package}: a shallow clone hides the release tags before HEAD",
                    "fetch the history: `git fetch --unshallow --tags` (actions/checkout: "
                    "`fetch-depth: 0`)",
                )
            return None
        sha = history.rev(root, last[0])
    except ReleaseError as exc:
        raise ApiError(
            str(exc), "run the gate in a git clone with its tags (`git fetch --tags`)"
        ) from None
    if sha is None:
        raise ApiError(f"tag {last[0]} names no commit", f"delete or fix tag {last[0]}")
    return Baseline(last[0], last[1], sha)


def export(root: str, sha: str) -> str:
    """The tree of commit ``sha``, extracted once under :data:`WORK` (``src/<sha>``)."""
    import shutil
    import tarfile
    import tempfile

    dest = os.path.join(work_dir(root, "src"), sha)
    if os.path.isfile(os.path.join(dest, ".api-compat-complete")):
        return dest
    tmp = tempfile.mkdtemp(prefix=f"{sha[:12]}-", dir=os.path.dirname(dest))
    archive = os.path.join(tmp, "tree.tar")
    proc = subprocess.run(
        ["git", "-C", root, "archive", "--format=tar", "-o", archive, sha],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ApiError(
            f"git archive {sha[:12]}: {proc.stderr.strip()[-200:]}",
            "run the gate in a full clone (not a shallow one)",
        )
    tree = os.path.join(tmp, "tree")
    with tarfile.open(archive) as tar:
        # The archive is our own repository's tree; the filter (3.12+) refuses odd members.
        if hasattr(tarfile, "data_filter"):
            tar.extractall(tree, filter="data")
        else:  # pragma: no cover - Python < 3.12
            tar.extractall(tree)
    with open(os.path.join(tree, ".api-compat-complete"), "w", encoding="utf-8") as f:
        f.write(sha + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tree, dest)
    shutil.rmtree(tmp, ignore_errors=True)
    return dest


def rustc_version() -> str:
    """``rustc -V``: rustdoc JSON depends on it, so it keys the cached JSON."""
    try:
        out = subprocess.run(["rustc", "-V"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        raise ApiError("rustc: not found", "install a Rust toolchain (rustup)") from None
    return out.strip()
