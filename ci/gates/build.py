"""Gate ``build``: build the wheel and sdist once through PEP 517, reuse them while inputs match.

Front end: ``python -m build`` (pypa/build), the reference PEP 517 front end the packaging
guides tell users to run, and the one that calls our in-tree backend exactly as pip does
(isolated env, ``build_sdist`` / ``build_wheel`` hooks). ``uv build`` would do too, but pypa/build
is what the registry installs and what most downstream release workflows run; when uv is on
PATH we let build use it as the installer for its isolated env, which only makes it faster.

Besides the wheel from the work tree, the gate builds a wheel *from the sdist* (unpacked into
an empty temp dir), the path ``pip install <sdist>`` takes, so the ``wheel`` gate can prove the
sdist is complete. That build compiles every crate from scratch in a new directory; its cargo
target dir is kept under ``target/ci-gates/`` so third-party crates stay compiled across runs.

The manifest (:mod:`ci.artifacts`) is keyed by the hash of the build inputs plus the
environment variables that change what the backend produces; with both unchanged and every
artifact present, the gate reuses the artifacts without running cargo at all.
"""

from __future__ import annotations

import contextlib
import os

from ci.gates import FAIL, PASS, cannot_run, note, problem, project_root

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

SDIST_WHEEL_DIR = "target/ci-gates/build/from-sdist"
SDIST_TARGET_DIR = "target/ci-gates/build/sdist-cargo-target"
LOCK = "target/ci-gates/build.lock"
# Variables that change the wheel the backend builds (tag, target, flags, features).
BUILD_ENV_VARS = (
    "MATURIN_PEP517_ARGS",
    "CARGO_BUILD_TARGET",
    "CARGO_PROFILE_RELEASE_LTO",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
)


def build_env() -> dict[str, str]:
    """The subset of the environment that shapes the artifacts (recorded in the manifest)."""
    return {k: os.environ[k] for k in BUILD_ENV_VARS if k in os.environ}


def reusable(manifest: dict[str, Any] | None, inputs: str, env: dict[str, str]) -> bool:
    """True when ``manifest`` was built from ``inputs`` in ``env`` and its artifacts exist.

    A manifest whose sdist did not build into a wheel is never reused: the next run retries
    (the failure may have been the network or the disk, and the retry is incremental).
    """
    if manifest is None or manifest.get("inputs_hash") != inputs:
        return False
    if manifest.get("build_env", {}) != env:
        return False
    paths = [manifest.get(k) for k in ("wheel", "sdist", "sdist_wheel")]
    return all(isinstance(p, str) and os.path.isfile(p) for p in paths)


# The last lines of the most recent front-end run that name a cause (for one-line messages).
last_error: list[str] = []
_CAUSE = ("error", "Caused by", "ERROR", "💥")


def _frontend(outdir: str, srcdir: str, *kinds: str, env: dict[str, str] | None = None) -> int:
    import shutil
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "build", *kinds, "--outdir", outdir]
    if shutil.which("uv"):
        cmd.append("--installer=uv")
    cmd.append(srcdir)
    note("build: " + " ".join(cmd))
    # Output streams straight through (a cargo error is the user's best clue); lines naming a
    # cause are kept for the one-line message.
    last_error.clear()
    proc = subprocess.Popen(
        cmd, cwd=srcdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stderr.write(line)
        if line.strip().startswith(_CAUSE):
            last_error.append(line.strip())
    sys.stderr.flush()
    return proc.wait()


def _cause() -> str:
    """The most specific cause of the last failed front-end run, in one line.

    maturin chains causes outermost first ("Caused by: ... compliance", "Caused by: ...
    GLIBC_2.34"): the last is the specific one. cargo's first ``error`` is the real one.
    """
    caused = [ln for ln in last_error if ln.startswith("Caused by")]
    errors = [ln for ln in last_error if ln.startswith("error")]
    cause = caused[-1] if caused else errors[0] if errors else "see the output above"
    return cause if len(cause) <= 300 else cause[:297] + "..."


def _one(directory: str, suffix: str) -> str | None:
    found = [f for f in os.listdir(directory) if f.endswith(suffix)]
    return os.path.join(directory, found[0]) if len(found) == 1 else None


def _wheel_from_sdist(root: str, sdist: str) -> tuple[str | None, str]:
    """(the wheel built from the unpacked sdist, "") or (None, why it could not be built)."""
    import shutil
    import tarfile
    import tempfile

    outdir = os.path.join(root, SDIST_WHEEL_DIR)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    env = {**os.environ, "CARGO_TARGET_DIR": os.path.join(root, SDIST_TARGET_DIR)}
    with tempfile.TemporaryDirectory(prefix="ci-gates-sdist-") as tmp:
        with tarfile.open(sdist) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(tmp, filter="data")
            else:  # Python < 3.12 without the backported filter
                tar.extractall(tmp)  # our own sdist, just built
        # maturin stamps every sdist member with one fixed old mtime; cargo would then take
        # the warm target dir's crates for fresh and ship stale code. Touch everything so
        # our crates always recompile while third-party crates stay cached.
        for dirpath, _dirs, files in os.walk(tmp):
            for name in files:
                os.utime(os.path.join(dirpath, name))
        tops = os.listdir(tmp)
        if len(tops) != 1:
            return None, f"expected one top-level directory in the sdist, found {sorted(tops)}"
        if _frontend(outdir, os.path.join(tmp, tops[0]), "--wheel", env=env) != 0:
            return None, f"`python -m build --wheel` on the unpacked sdist failed: {_cause()}"
    wheel = _one(outdir, ".whl")
    if wheel is None:
        return None, f"expected exactly one wheel in {SDIST_WHEEL_DIR}, found {os.listdir(outdir)}"
    return wheel, ""


@contextlib.contextmanager
def _lock(path: str) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX ``flock``; elsewhere none: one build at a time)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        try:
            import fcntl
        except ImportError:  # Windows
            yield
            return
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            note("build: another build of this checkout is running; waiting for it")
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run(root: str | None = None) -> int:
    import importlib.util

    from ci import artifacts

    root = os.path.abspath(root or project_root())
    if importlib.util.find_spec("build") is None:
        return cannot_run("build: the `build` package is not installed; `pip install build`")
    try:
        inputs = artifacts.inputs_hash(root)
        version = artifacts.workspace_version(root)
    except artifacts.ArtifactError as exc:
        return cannot_run(str(exc))
    env = build_env()
    # Gates run concurrently (two nox sessions, a hook, a second terminal) must not delete
    # each other's artifacts mid-build: one build at a time; the waiter then reuses.
    with _lock(os.path.join(root, LOCK)):
        return _build(root, inputs, version, env)


def _build(root: str, inputs: str, version: str, env: dict[str, str]) -> int:
    import shutil

    from ci import artifacts

    manifest = artifacts.load_manifest(root)
    if reusable(manifest, inputs, env):
        assert manifest is not None
        note(
            f"build: inputs unchanged (hash {inputs[:12]}); reusing "
            f"{os.path.relpath(manifest['wheel'], root)} and "
            f"{os.path.relpath(manifest['sdist'], root)}"
        )
        return PASS
    dist = os.path.join(root, artifacts.DIST_DIR)
    shutil.rmtree(dist, ignore_errors=True)
    os.makedirs(dist)
    # Invalidate first: a failed build must not leave an old manifest looking current.
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(root, artifacts.MANIFEST))
    if _frontend(dist, root, "--sdist", "--wheel") != 0:
        problem(f"build: `python -m build --sdist --wheel` failed: {_cause()}; fix the build")
        return FAIL
    wheel, sdist = _one(dist, ".whl"), _one(dist, ".tar.gz")
    if wheel is None or sdist is None:
        problem(f"{artifacts.DIST_DIR}: expected one wheel and one sdist, found {os.listdir(dist)}")
        return FAIL
    # A sdist that does not build is the wheel gate's finding (it names the cause); the
    # artifacts above are still worth checking, so this gate records it and passes.
    sdist_wheel, sdist_error = _wheel_from_sdist(root, sdist)
    if sdist_error:
        note(f"build: no wheel from the sdist: {sdist_error}; the wheel gate reports it")
    if artifacts.inputs_hash(root) != inputs:
        note("build: inputs changed during the build; the next run will rebuild")
    artifacts.write_manifest(
        root,
        {
            "inputs_hash": inputs,
            "version": version,
            "wheel": wheel,
            "sdist": sdist,
            "build_env": env,
            **({"sdist_wheel": sdist_wheel} if sdist_wheel else {}),
            **({"sdist_wheel_error": sdist_error} if sdist_error else {}),
        },
    )
    note(f"build: wrote {artifacts.MANIFEST} ({os.path.basename(wheel)})")
    return PASS
