"""Gate ``build``: build the wheel and sdist once through PEP 517, reuse them while inputs match.

Front end: ``python -m build`` (pypa/build), the reference PEP 517 front end, which calls the
in-tree backend exactly as pip does (isolated env, ``build_sdist`` / ``build_wheel``); with uv
on PATH it installs the isolated env with uv, which only makes it faster.

Besides the wheel from the work tree, the gate builds a wheel *from the sdist* (unpacked into
an empty temp dir), the path ``pip install <sdist>`` takes, so the ``wheel`` gate can prove
the sdist complete: that wheel must equal the tree's byte for byte. It builds in the same
cargo target dir as the tree, so third-party crates compile once; every file of the sdist is
touched first, so cargo compiles the project's own crates again from the sdist's sources.

``[tool.ci-gates.build] compatibility`` (or ``CI_GATES_BUILD_COMPATIBILITY``) asks for a
portable wheel: ``manylinux2014`` / ``manylinux_X_Y`` / ``musllinux_X_Y`` build with zig as
the linker (maturin ``--zig``; the backend builds the CLI the same way), no container.

The project is the maturin project (:func:`ci_gates.core.project.names`: the root or a
sub-directory of a workspace); the artifacts go under the root's ``target/``. The gate never
writes the maintainer's tree: a ``Cargo.lock`` the build would rewrite is a finding (BLD003)
before anything builds, and a lock the build created (the project commits none) is removed
after it (:mod:`ci_gates.checks.cargolock`).

The manifest (:mod:`ci_gates.checks.artifacts`) is keyed by the hash of the build inputs plus the
environment that shapes the artifacts; with both unchanged and every artifact present, the
gate reuses the artifacts without running cargo at all.
"""

from __future__ import annotations

import os
import re

from ci_gates.checks.artifacts import inputs_hash
from ci_gates.core.findings import NOTE, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import BUILD_TOOLS
from ci_gates.core.registry import Gate

GATE = Gate(
    "build",
    "Build the wheel and sdist once through PEP 517; reuse them while inputs match",
    packages=BUILD_TOOLS,
    commands=("cargo",),
    fingerprint=inputs_hash,  # what goes into the wheel and sdist
    # PYO3_PYTHON, the platform setting, and ci_gates.checks.artifacts.BUILD_ENV_VARS (what the
    # manifest records as shaping the artifacts; a test keeps the two lists together).
    env=(
        "PYO3_PYTHON",
        "CI_GATES_BUILD_COMPATIBILITY",
        "MATURIN_PEP517_ARGS",
        "CARGO_BUILD_TARGET",
        "CARGO_PROFILE_RELEASE_LTO",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ),
    config=("build", "project"),
    # What goes into the artifacts is the build input hash (build_inputs), not a file list.
    inputs=(),
    # A cached pass stands only while the artifacts it built are still there.
    outputs=("target/ci-gates/build/manifest.json",),
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SDIST_WHEEL_DIR = "target/ci-gates/build/from-sdist"
LOCK = "target/ci-gates/build.lock"
COMPAT_ENV = "CI_GATES_BUILD_COMPATIBILITY"
FIX = "fix the build error shown above, then run `nox -s build`"
_PORTABLE = re.compile(r"^(manylinux(1|2010|2014|_\d+_\d+)|musllinux_\d+_\d+)$")
_CAUSE = ("error", "Caused by", "ERROR", "💥", "template_build:")


def maturin_args(compatibility: str, machine: str, current: str = "") -> str:
    """``MATURIN_PEP517_ARGS`` for a compatibility setting ("" or "native": ``current``)."""
    import shlex

    if compatibility in ("", "native"):
        return current
    if not _PORTABLE.match(compatibility):
        raise CannotRun(
            f"build: compatibility {compatibility!r} is not native, manylinux2014, "
            "manylinux_X_Y or musllinux_X_Y",
            f"fix [tool.ci-gates.build] compatibility or {COMPAT_ENV}",
            "pyproject.toml",
        )
    have = shlex.split(current)
    if any(a.startswith(("--compatibility", "--manylinux", "--zig")) for a in have):
        raise CannotRun(
            f"build: MATURIN_PEP517_ARGS ({current}) and compatibility {compatibility} both "
            "choose the platform",
            f"keep one: unset MATURIN_PEP517_ARGS or the compatibility setting ({COMPAT_ENV})",
        )
    args = [*have, "--zig", "--compatibility", compatibility]
    if compatibility.startswith("musllinux") and "--target" not in have:
        args += ["--target", f"{machine}-unknown-linux-musl"]
    return shlex.join(args)


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


def cause(lines: list[str]) -> str:
    """The most specific cause among a failed front-end run's lines, in one line.

    maturin chains causes outermost first ("Caused by: ... compliance", "Caused by: ...
    GLIBC_2.34"): the last is the specific one. cargo's first ``error`` is the real one; the
    backend's own ``template_build:`` line names what it could not do.
    """
    lines = [ln.strip() for ln in lines if ln.strip().startswith(_CAUSE)]
    caused = [ln for ln in lines if ln.startswith("Caused by")]
    errors = [ln for ln in lines if ln.startswith("error")]
    backend = [ln for ln in lines if ln.startswith("template_build:")]
    found = caused[-1] if caused else errors[0] if errors else backend[-1] if backend else ""
    found = found or "see the output above"
    return found if len(found) <= 300 else found[:297] + "..."


@rule("BLD001")
def frontend_failed(what: str, lines: list[str]) -> Finding:
    """``python -m build`` failed on the work tree: there is no wheel or sdist to check.

    The message carries the most specific cause from the output (cargo's first error,
    maturin's last "Caused by", the backend's own line); the full output is above it.
    """
    return finding_of(frontend_failed, f"`python -m build {what}` failed: {cause(lines)}", fix=FIX)


@rule("BLD002")
def unexpected_artifacts(dist: str, entries: list[str]) -> Finding | None:
    """The front end did not leave exactly one wheel and one sdist in the dist directory."""
    wheels = [e for e in entries if e.endswith(".whl")]
    sdists = [e for e in entries if e.endswith(".tar.gz")]
    if len(wheels) == 1 and len(sdists) == 1:
        return None
    return finding_of(
        unexpected_artifacts,
        f"{dist}: expected one wheel and one sdist, found {sorted(entries)}",
        fix=FIX,
    )


@rule("BLD003")
def stale_lock(lock: str, reason: str, workspace: str) -> Finding:
    """``Cargo.lock`` is out of date with the Cargo.toml files: building would rewrite it.

    cargo and maturin update a stale lock in place (maturin's sdist step cannot be told
    ``--locked``), so the gate does not build: the fix is the maintainer's to make and commit.
    """
    where = f"in {workspace} " if workspace else ""
    return finding_of(
        stale_lock,
        f"out of date with the Cargo.toml files; building would rewrite it ({reason})",
        lock,
        fix=f"run `cargo update --workspace` {where}(`nox -s fix` runs it) and commit {lock}",
    )


@rule("BLD004")
def lock_rewritten(lock: str) -> Finding:
    """The build changed ``Cargo.lock`` although cargo called it current; the gate put the
    committed one back, so the artifacts were built from another lock than the tree's."""
    return finding_of(
        lock_rewritten,
        "the build rewrote it; the gate restored the committed file",
        lock,
        fix=f"run `cargo update --workspace`, commit {lock}, then `nox -s build`",
    )


@rule("BLD005", severity=NOTE)
def no_lock(lock: str) -> Finding:
    """The project commits no ``Cargo.lock``: every build resolves its dependencies afresh, so
    two builds of one commit may differ (the lock the build wrote was removed again)."""
    return finding_of(
        no_lock,
        "no Cargo.lock: the build resolved the dependencies afresh (and left no lock behind)",
        lock,
        severity=NOTE,
        fix="for reproducible wheels: `cargo generate-lockfile` and commit it",
    )


def _frontend(
    outdir: str, srcdir: str, *kinds: str, env: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    """Run ``python -m build``; (exit code, the lines of its output)."""
    import shutil
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "build", *kinds, "--outdir", outdir]
    if shutil.which("uv"):
        cmd.append("--installer=uv")
    cmd.append(srcdir)
    print("build: " + " ".join(cmd), flush=True)
    # Output streams straight through (a cargo error is the user's best clue) and is kept
    # for the one-line cause.
    lines = []
    with subprocess.Popen(
        cmd, cwd=srcdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stderr.write(line)
            lines.append(line)
    sys.stderr.flush()
    return proc.returncode, lines


def _one(directory: str, suffix: str) -> str | None:
    found = [f for f in os.listdir(directory) if f.endswith(suffix)]
    return os.path.join(directory, found[0]) if len(found) == 1 else None


def target_dir(root: str) -> str:
    """The cargo target dir of the work tree (``CARGO_TARGET_DIR``, config, or ``target``)."""
    import json
    import subprocess

    cmd = ["cargo", "metadata", "--no-deps", "--format-version", "1"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    try:
        return str(json.loads(proc.stdout)["target_directory"])
    except (ValueError, KeyError, TypeError):
        return os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")


def _unpack_fresh(sdist: str, into: str) -> str | None:
    """Unpack ``sdist`` with every file's mtime set to now; its top directory (or None)."""
    import tarfile

    with tarfile.open(sdist) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python < 3.12 without the backported filter
            tar.extractall(into)  # our own sdist, just built
    # maturin stamps every sdist member with one fixed old mtime; cargo would then take the
    # tree build's artifacts for fresh and ship them. Touched, the project's crates always
    # compile from the sdist, while third-party crates (not in the sdist) stay compiled.
    for dirpath, _dirs, files in os.walk(into):
        for name in files:
            os.utime(os.path.join(dirpath, name))
    tops = os.listdir(into)
    return os.path.join(into, tops[0]) if len(tops) == 1 else None


def _wheel_from_sdist(
    root: str, srcdir: str, sdist: str, environ: dict[str, str]
) -> tuple[str | None, str]:
    """(the wheel built from the unpacked sdist, "") or (None, why it could not be built)."""
    import shutil
    import tempfile

    outdir = os.path.join(root, SDIST_WHEEL_DIR)
    shutil.rmtree(outdir, ignore_errors=True)
    os.makedirs(outdir)
    env = {**environ, "CARGO_TARGET_DIR": target_dir(srcdir)}
    with tempfile.TemporaryDirectory(prefix="ci-gates-sdist-") as tmp:
        top = _unpack_fresh(sdist, tmp)
        if top is None:
            return None, f"expected one top-level directory in the sdist, found {os.listdir(tmp)}"
        code, lines = _frontend(outdir, top, "--wheel", env=env)
        if code != 0:
            return None, f"`python -m build --wheel` on the unpacked sdist failed: {cause(lines)}"
    wheel = _one(outdir, ".whl")
    if wheel is None:
        return None, f"expected exactly one wheel in {SDIST_WHEEL_DIR}, found {os.listdir(outdir)}"
    return wheel, ""


def compatibility(config: dict[str, Any]) -> str:
    return os.environ.get(COMPAT_ENV) or str(config.get("build", {}).get("compatibility", ""))


def run(root: str | None = None) -> list[Finding]:
    import importlib.util
    import platform

    from ci_gates.checks import artifacts
    from ci_gates.core.context import config_for
    from ci_gates.core.project import names

    root, config = config_for(root)
    root = os.path.abspath(root)
    for module in ("build", "filelock"):
        if importlib.util.find_spec(module) is None:
            raise CannotRun(f"build: the `{module}` package is not installed", "run `nox -s build`")
    from filelock import FileLock, Timeout

    environ = dict(os.environ)
    args = maturin_args(
        compatibility(config), platform.machine(), environ.get("MATURIN_PEP517_ARGS", "")
    )
    if args:
        environ["MATURIN_PEP517_ARGS"] = args
    inputs = artifacts.inputs_hash(root)  # ArtifactError: could not run
    n = names(root)  # read by inputs_hash already
    # Gates run concurrently (two nox sessions, a hook, a second terminal) must not delete
    # each other's artifacts mid-build: one build at a time; the waiter then reuses.
    lock = FileLock(os.path.join(root, LOCK))
    os.makedirs(os.path.dirname(lock.lock_file), exist_ok=True)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print("build: another build of this checkout is running; waiting for it", flush=True)
        lock.acquire()
    try:
        return _guarded(root, n.project, n.cargo_root, inputs, environ)
    finally:
        lock.release()


def _guarded(
    root: str, project: str, workspace: str, inputs: str, environ: dict[str, str]
) -> list[Finding]:
    """The build, between a Cargo.lock check and putting back what it wrote to the lock."""
    from ci_gates.checks import artifacts, cargolock

    env = artifacts.build_env(environ)
    manifest = artifacts.load_manifest(root)
    if reusable(manifest, inputs, env):
        assert manifest is not None
        old = " and ".join(os.path.relpath(manifest[k], root) for k in ("wheel", "sdist"))
        print(f"build: inputs unchanged (hash {inputs[:12]}); reusing {old}")
        return []
    path = cargolock.lock_path(root, workspace)
    lock_rel = os.path.relpath(path, root).replace(os.sep, "/")
    kept = cargolock.Kept(path)
    if kept.before is not None:
        reason = cargolock.stale_reason(os.path.dirname(path))
        if reason:
            return [stale_lock(lock_rel, reason, workspace)]
    try:
        found = _build(root, os.path.join(root, project) if project else root, inputs, environ)
    finally:
        undone = kept.restore()
    if undone == "created":
        found.append(no_lock(lock_rel))
    elif undone == "changed":  # artifacts of another lock than the tree's: never reused
        os.remove(os.path.join(root, artifacts.MANIFEST))
        found.append(lock_rewritten(lock_rel))
    if not found and artifacts.inputs_hash(root) != inputs:
        print("build: inputs changed during the build; the next run will rebuild")
    return found


def _build(root: str, srcdir: str, inputs: str, environ: dict[str, str]) -> list[Finding]:
    import contextlib
    import shutil

    from ci_gates.checks import artifacts

    env = artifacts.build_env(environ)
    dist = os.path.join(root, artifacts.DIST_DIR)
    shutil.rmtree(dist, ignore_errors=True)
    os.makedirs(dist)
    # Invalidate first: a failed build must not leave an old manifest looking current.
    with contextlib.suppress(FileNotFoundError):
        os.remove(os.path.join(root, artifacts.MANIFEST))
    code, lines = _frontend(dist, srcdir, "--sdist", "--wheel", env=environ)
    if code != 0:
        return [frontend_failed("--sdist --wheel", lines)]
    odd = unexpected_artifacts(artifacts.DIST_DIR, os.listdir(dist))
    wheel, sdist = _one(dist, ".whl"), _one(dist, ".tar.gz")
    if odd is not None or wheel is None or sdist is None:
        return [odd] if odd else []
    # A sdist that does not build is the wheel gate's finding (it names the cause); the
    # artifacts above are still worth checking, so this gate records it and passes.
    sdist_wheel, sdist_error = _wheel_from_sdist(root, srcdir, sdist, environ)
    if sdist_error:
        print(f"build: no wheel from the sdist: {sdist_error}; the wheel gate reports it")
    artifacts.write_manifest(
        root,
        {
            "inputs_hash": inputs,
            "version": artifacts.workspace_version(root),
            "wheel": wheel,
            "sdist": sdist,
            "build_env": env,
            **({"sdist_wheel": sdist_wheel} if sdist_wheel else {}),
            **({"sdist_wheel_error": sdist_error} if sdist_error else {}),
        },
    )
    print(f"build: wrote {artifacts.MANIFEST} ({os.path.basename(wheel)})")
    return []
