"""What each side is made of: the CLI's ``--dump-surface`` and rustdoc JSON, at HEAD or a tag.

The builds use cargo target directories of their own under ``target/ci-gates/api-compat/
cargo``, so the other gates' ``target/`` is never touched and ``RUSTC_BOOTSTRAP=1`` (rustdoc
JSON on a stable toolchain) never reaches their fingerprints. The working tree builds in
``head``, every baseline in ``base``: cargo names a workspace member's artifacts by its path
*relative to the workspace*, so two checkouts of one layout share artifact names, and a
baseline built after HEAD in one directory would pass for fresh. Between baselines the
same holds, so the exported tree is touched before each build (it is ours; the user's files
are never touched). A baseline's results are cached by its sha (a tag does not move).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from typing import Any

from ci_gates.checks.api import ApiError, Incomparable
from ci_gates.checks.api.baseline import Baseline, export, rustc_version, work_dir
from ci_gates.checks.api.rustdoc import RUSTDOC_FLAGS
from ci_gates.core.memo import Memo

# Within one run, the working tree's results are computed once (two packages expose the CLI).
_HEAD: Memo[tuple[str, str], Any] = Memo()


def reset() -> None:
    """Forget the working tree's results (the gate calls this at the start of a run)."""
    _HEAD.clear()


def _target(root: str, base: Baseline | None) -> str:
    return work_dir(root, "cargo", "base" if base else "head")


def locked(workspace: str) -> list[str]:
    """``--locked`` when the tree has a Cargo.lock (a release's exact dependencies)."""
    return ["--locked"] if os.path.isfile(os.path.join(workspace, "Cargo.lock")) else []


def _workspace(root: str, base: Baseline | None) -> str:
    """The tree to build: the working tree, or the baseline's export made newer than any output."""
    if base is None:
        return root
    tree = export(root, base.sha)
    for dirpath, _, filenames in os.walk(tree):
        for name in filenames:
            os.utime(os.path.join(dirpath, name))
    return tree


def _names(workspace: str) -> Any:
    from ci_gates.core.project import ProjectError, names

    try:
        return names(workspace)
    except ProjectError as exc:
        raise ApiError(str(exc), "fix the manifest") from None


def _cached(root: str, base: Baseline | None, name: str) -> str | None:
    return os.path.join(work_dir(root, "out", base.sha), name) if base else None


def cli_dump(root: str, base: Baseline | None) -> dict[str, Any] | None:
    """The CLI's ``--dump-surface`` document at ``base`` (None: the working tree).

    None when that side builds no CLI. :class:`ApiError` when the build fails or the CLI
    prints no surface document (a release from before ``--dump-surface``): the message says so.
    """
    if base is None and (root, "cli") in _HEAD:
        return _HEAD[(root, "cli")]  # type: ignore[no-any-return]
    cache = _cached(root, base, "cli-surface.json")
    if cache and os.path.isfile(cache):
        with open(cache, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else None
    workspace = _workspace(root, base)
    project = _names(workspace)
    if project.cli is None or project.cli_crate is None:
        return None
    target = _target(root, base)
    cmd = [
        "cargo",
        "build",
        *locked(workspace),
        "--quiet",
        "-p",
        project.cli_crate.name,
        "--bin",
        project.cli,
    ]
    env = {**os.environ, "RUSTC_BOOTSTRAP": "1", "CARGO_TARGET_DIR": target}
    proc = subprocess.run(cmd, cwd=workspace, env=env, capture_output=True, text=True)
    where = base.tag if base else "the working tree"
    if proc.returncode != 0:
        tail = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][-3:]
        raise ApiError(
            f"cli: `cargo build -p {project.cli_crate.name}` failed for {where}: {' / '.join(tail)}",
            f"make `cargo build -p {project.cli_crate.name}` pass, then re-run",
        )
    exe = os.path.join(target, "debug", project.cli + (".exe" if os.name == "nt" else ""))
    # Copied out at once: the next side's build writes the same path.
    copy = os.path.join(work_dir(root, "bin"), f"{project.cli}-{base.sha[:12] if base else 'head'}")
    shutil.copy2(exe, copy)
    try:
        run = subprocess.run(
            [copy, "--dump-surface"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=os.path.dirname(copy),  # the surface is the binary's, wherever it is asked
        )
    finally:
        os.remove(copy)  # the dump is what is kept
    try:
        data = json.loads(run.stdout) if run.returncode == 0 else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        error = Incomparable if base else ApiError
        raise error(
            f"cli: `{project.cli} --dump-surface` at {where} printed no surface document "
            f"(exit {run.returncode})",
            "give the CLI the hidden --dump-surface flag (see the template's surface.rs)",
        )
    if cache:
        with open(cache, "w", encoding="utf-8") as f:
            json.dump(data, f)
    else:
        _HEAD[(root, "cli")] = data
    return data


def rustdoc_json(root: str, crate: str, base: Baseline | None) -> str | None:
    """Path of rustdoc JSON for library crate ``crate`` at ``base`` (None: the working tree).

    None when that side has no such library crate (it was added after the release).
    """
    from ci_gates.checks.api.rustdoc import generate

    key = hashlib.sha256(f"{rustc_version()}\0{RUSTDOC_FLAGS}".encode()).hexdigest()[:12]
    cache = _cached(root, base, f"rustdoc-{crate}-{key}.json")
    if cache and os.path.isfile(cache):
        return cache
    if base is None and (root, crate) in _HEAD:
        return _HEAD[(root, crate)]  # type: ignore[no-any-return]
    workspace = _workspace(root, base)
    found = _names(workspace).crate(crate)
    if found is None or not found.lib:
        return None
    out = cache or os.path.join(work_dir(root, "head"), f"rustdoc-{crate}.json")
    made = generate(workspace, found.path, crate, found.lib, _target(root, base), out)
    if base is None:
        _HEAD[(root, crate)] = made
    return made
