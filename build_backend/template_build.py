"""In-tree PEP 517 backend: maturin, plus the project's native CLI as a wheel script.

maturin puts one Rust artifact in a wheel (a PyO3 module *or* a binary, maturin issue
#368). Patching the wheel after ``maturin build`` breaks every install that builds from
source (``pip install .``, a git URL, a wheel built from the sdist), because those never
run the patch step. So the patch step moves into the backend itself: before maturin builds
a wheel, we build the CLI with cargo and place it in the wheel-data directory maturin is
configured to ship (``[tool.maturin] data``). maturin then writes it to
``<dist>-<ver>.data/scripts/`` with its mode and a correct RECORD hash, and installers copy
it to ``bin/`` untouched: a raw executable, no Python launcher. Every front end goes through
this module, so every front end gets the same wheel. See docs/packaging.md.

**Which CLI.** Nothing here names it: ``cargo metadata --no-deps`` lists the workspace
members, and the CLI is the one member other than the bindings crate (``[tool.maturin]
manifest-path``) with a binary target. When several have one, ``[tool.ci-gates.project]
cli-crate`` (a path like ``"crates/x"`` or a package name) picks it, the same key the gates
read. No such member: the wheel has no CLI, and the build says so.

**manylinux without a container.** The backend follows maturin's own build arguments
(``MATURIN_PEP517_ARGS``, or the ``maturin.build-args`` config setting). With ``--zig``
it builds the CLI with cargo-zigbuild for the target and glibc floor maturin gives the
extension (``--compatibility manylinux2014`` -> ``x86_64-unknown-linux-gnu.2.17``), and asks
the front end for ``ziglang`` and ``cargo-zigbuild``. This module runs inside the sdist
too, where nothing but itself and maturin exist: standard library and maturin only
(imported by the hooks, so the rules here can be tested without it).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, NoReturn

# Pinned: a release wheel's linker is part of what it is.
ZIG_REQUIREMENTS = ("ziglang==0.17.1", "cargo-zigbuild==0.24.1")
# maturin's --compatibility value -> the glibc version zig links the CLI against.
_LEGACY_GLIBC = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)$")
# maturin warns on every build that `build-backend` is not `maturin`; this backend wraps maturin
# on purpose (docs/packaging.md), so the warning would only be noise, three times per build.
os.environ.setdefault("MATURIN_NO_MISSING_BUILD_BACKEND_WARNING", "1")


def _say(msg: str) -> None:
    print(f"template_build: {msg}", file=sys.stderr, flush=True)


def _die(msg: str) -> NoReturn:
    sys.exit(f"template_build: {msg}")


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> str:
    """stdout of ``cmd``; exits with one line naming ``what`` when it cannot run or fails."""
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, check=False, text=True, env=env)
    except FileNotFoundError:
        _die(
            f"{cmd[0]} not found; install a Rust toolchain (https://rustup.rs) or a prebuilt wheel"
        )
    if proc.returncode != 0:
        _die(f"{what} failed ({Path(cmd[0]).name} exit {proc.returncode}); see the output above")
    return proc.stdout


def _pyproject() -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11: maturin depends on tomli there
        import tomli as tomllib  # type: ignore[no-redef]
    with open("pyproject.toml", "rb") as f:
        return tomllib.load(f)


def option(args: list[str], *names: str) -> str | None:
    """The value of the last ``--name value`` / ``--name=value`` in ``args``."""
    found = None
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                found = args[i + 1]
            elif arg.startswith(name + "="):
                found = arg.partition("=")[2]
    return found


def glibc_suffix(compatibility: str | None) -> str:
    """``.2.17`` for ``manylinux2014`` / ``manylinux_2_17``; ``""`` when no floor is asked."""
    if compatibility in (None, "", "off", "linux"):
        return ""
    if compatibility in _LEGACY_GLIBC:
        return "." + _LEGACY_GLIBC[compatibility]
    m = _MANYLINUX.match(compatibility)
    if m:
        return f".{m.group(1)}.{m.group(2)}"
    _die(
        f"--compatibility {compatibility}: cannot tell which glibc to link the CLI against; "
        "use manylinux2014 or manylinux_X_Y (musllinux_X_Y with a *-linux-musl --target)"
    )


def zig_target(args: list[str], host: str) -> str | None:
    """cargo-zigbuild's ``--target`` for the CLI (None: build it with plain cargo).

    The triple is maturin's ``--target`` (else ``CARGO_BUILD_TARGET``, else the host); for
    glibc targets the compatibility's floor is appended, as cargo-zigbuild spells it.
    """
    if "--zig" not in args:
        return None
    triple = option(args, "--target") or os.environ.get("CARGO_BUILD_TARGET") or host
    if "-linux-gnu" in triple and "." not in triple:
        return triple + glibc_suffix(option(args, "--compatibility", "--manylinux"))
    return triple


def _host() -> str:
    out = _run([os.environ.get("RUSTC", "rustc"), "-vV"], "rustc -vV")
    return next(
        (ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("host:")), ""
    )


def _require_std(triple: str) -> None:
    """One clear line when the Rust standard library for ``triple`` is not installed."""
    rust_triple = triple.split(".")[0]
    libdir = _run(
        [os.environ.get("RUSTC", "rustc"), "--print", "target-libdir", "--target", rust_triple],
        f"rustc --print target-libdir --target {rust_triple}",
    ).strip()
    if not os.path.isdir(libdir):
        _die(
            f"the Rust standard library for {rust_triple} is not installed ({libdir} is missing); "
            f"run `rustup target add {rust_triple}`"
        )


def find_cli(
    metadata: dict[str, Any], bindings_manifest: str, chosen: str = ""
) -> tuple[str, str] | None:
    """(package, binary) of the CLI among the workspace members of ``cargo metadata``.

    ``chosen`` is ``[tool.ci-gates.project] cli-crate`` (a member's directory relative to
    the workspace root, or its package name); empty means "the only candidate".
    """
    members = set(metadata.get("workspace_members", []))
    root = os.path.realpath(metadata.get("workspace_root", "."))
    bindings = os.path.realpath(bindings_manifest)
    candidates = []
    for pkg in metadata.get("packages", []):
        if pkg["id"] not in members or os.path.realpath(pkg["manifest_path"]) == bindings:
            continue
        bins = [t["name"] for t in pkg.get("targets", []) if "bin" in t.get("kind", [])]
        rel = os.path.relpath(os.path.dirname(pkg["manifest_path"]), root).replace(os.sep, "/")
        if chosen and chosen.strip("/") not in (pkg["name"], rel):
            continue
        if bins:
            candidates.append((pkg["name"], bins[0]))
        elif chosen:
            _die(f"cli-crate = {chosen!r} has no binary target; point it at the CLI crate")
    if chosen and not candidates:
        _die(f"cli-crate = {chosen!r} names no workspace member; use its path or package name")
    if len(candidates) > 1:
        names = ", ".join(sorted(name for name, _ in candidates))
        _die(
            f"several workspace members have a binary ({names}); pick the CLI with "
            '[tool.ci-gates.project] cli-crate = "<path or name>" in pyproject.toml'
        )
    return candidates[0] if candidates else None


@functools.cache
def _metadata() -> dict[str, Any]:
    """``cargo metadata --no-deps`` of the workspace (once per build)."""
    cmd = [os.environ.get("CARGO", "cargo"), "metadata", "--no-deps", "--format-version", "1"]
    return dict(json.loads(_run(cmd, "cargo metadata")))


def _cli(pyproject: dict[str, Any]) -> tuple[str, str] | None:
    tool = pyproject.get("tool", {})
    manifest = tool.get("maturin", {}).get("manifest-path", "Cargo.toml")
    chosen = tool.get("ci-gates", {}).get("project", {}).get("cli-crate", "")
    return find_cli(_metadata(), manifest, chosen if isinstance(chosen, str) else "")


def _stable_copy(exe: str, tools: Path) -> str:
    """``exe`` copied under ``tools/<digest>/``: a path that outlives the isolated build env."""
    with open(exe, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    dest = tools / digest / Path(exe).name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f"{dest.name}.{os.getpid()}.tmp")
        shutil.copy2(exe, tmp)
        os.replace(tmp, dest)
    return str(dest)


def _zig_setup() -> tuple[str, Path]:
    """cargo-zigbuild from a stable path, and the stable directory its linker wrappers go to.

    cargo fingerprints the linker's *path*, and cargo-zigbuild (maturin embeds it) writes its
    zig wrapper into a directory named after its own executable's path, which in a PEP 517
    build is a fresh temp dir each time: every build would recompile every crate. Run from a
    copy under the target dir with ``CARGO_ZIGBUILD_CACHE_DIR`` there too, the wrapper keeps
    one path, so zig builds are incremental and the wheel from the sdist reuses the tree's.
    """
    tools = Path(_metadata()["target_directory"]) / "zig-tools"
    exe = shutil.which("cargo-zigbuild")
    if exe is None:
        _die("--zig needs cargo-zigbuild in the build environment; `pip install cargo-zigbuild`")
    return _stable_copy(exe, tools), tools / "cache"


def share_linker(cache: Path, zig: str, environ: MutableMapping[str, str]) -> list[str]:
    """Point maturin at the wrappers the CLI build used (maturin keeps linker variables set).

    Two linker paths in one target dir would make the CLI build and maturin's build
    invalidate each other's build scripts and proc macros (host == target, so the target's
    linker applies to them) on every run. Returns the variables set in ``environ``.
    """
    triple = zig.split(".")[0].replace("-", "_")
    wanted = {
        f"CARGO_TARGET_{triple.upper()}_LINKER": f"zigcc-{zig}-*",
        f"CC_{triple}": f"zigcc-{zig}-*",
        f"CXX_{triple}": f"zigcxx-{zig}-*",
    }
    done = []
    for var, pattern in wanted.items():
        found = sorted(cache.rglob(pattern))
        if var not in environ and len(found) == 1:
            environ[var] = str(found[0])
            done.append(var)
    return done


def cli_command(package: str, binary: str, zig: str | None, zigbuild: str = "") -> list[str]:
    """The cargo (or cargo-zigbuild) command that builds the CLI in release mode."""
    if zig is None:
        cmd = [os.environ.get("CARGO", "cargo"), "build"]
    else:
        cmd = [zigbuild or "cargo-zigbuild", "zigbuild", "--target", zig]
    cmd += ["--release", "--package", package, "--bin", binary]
    cmd.append("--message-format=json-render-diagnostics")
    if Path("Cargo.lock").is_file():
        cmd.append("--locked")
    return cmd


def _build_cli(package: str, binary: str, zig: str | None) -> Path:
    """Build the CLI and return the path cargo reports for it.

    Asking cargo for the artifact path (instead of guessing ``target/release/...``) keeps
    ``CARGO_TARGET_DIR``, ``--target`` and the ``.exe`` suffix right without special cases.
    """
    zigbuild, cache = "", None
    if zig is not None:
        _require_std(zig)
        zigbuild, cache = _zig_setup()
    cmd = cli_command(package, binary, zig, zigbuild)
    _say(" ".join(shlex.quote(c) for c in cmd))
    env = None if cache is None else {**os.environ, "CARGO_ZIGBUILD_CACHE_DIR": str(cache)}
    exe = None
    for line in _run(cmd, f"building {binary}", env).splitlines():
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        if (
            msg.get("reason") == "compiler-artifact"
            and msg.get("target", {}).get("name") == binary
            and msg.get("executable")
        ):
            exe = Path(msg["executable"])
    if exe is None:
        _die(f"cargo built no {binary} executable")
    if zig is not None and cache is not None:
        shared = share_linker(cache, zig, os.environ)
        _say(f"maturin links with the CLI's zig wrapper ({', '.join(shared) or 'its own'})")
    return exe


def _wheel_data(pyproject: dict[str, Any]) -> Path | None:
    data = pyproject.get("tool", {}).get("maturin", {}).get("data")
    return Path(data) if isinstance(data, str) and data else None


def _stage_cli(config_settings: dict[str, Any] | None) -> None:
    pyproject = _pyproject()
    data = _wheel_data(pyproject)
    cli = _cli(pyproject)
    if data is None:
        if cli is not None:
            _die(
                f"found the CLI {cli[1]} but [tool.maturin] data is not set; set "
                'data = "target/wheel-data" so the wheel can ship it'
            )
        return
    # Start from an empty directory so a stale file from another target never ships.
    shutil.rmtree(data, ignore_errors=True)
    scripts = data / "scripts"
    scripts.mkdir(parents=True)
    if cli is None:
        _say("no workspace member besides the bindings has a binary: the wheel has no CLI")
        return
    import maturin

    args = maturin.get_maturin_pep517_args(config_settings)
    zig = zig_target(args, _host()) if "--zig" in args else None
    exe = _build_cli(*cli, zig)
    dest = scripts / exe.name
    shutil.copy2(exe, dest)
    dest.chmod(0o755)


def _empty_data_dir() -> None:
    # maturin refuses to run when the configured data directory is missing, even for
    # metadata and the sdist, which must not carry a CLI built for this machine anyway.
    data = _wheel_data(_pyproject())
    if data is not None:
        (data / "scripts").mkdir(parents=True, exist_ok=True)


def get_requires_for_build_sdist(config_settings: dict[str, Any] | None = None) -> list[str]:
    import maturin

    return list(maturin.get_requires_for_build_sdist(config_settings))


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    import maturin

    requires = list(maturin.get_requires_for_build_wheel(config_settings))
    if "--zig" in maturin.get_maturin_pep517_args(config_settings):
        requires += ZIG_REQUIREMENTS
    return requires


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    import maturin

    _empty_data_dir()
    return str(maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings))


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: dict[str, Any] | None = None
) -> str:
    import maturin

    _empty_data_dir()
    return str(maturin.prepare_metadata_for_build_editable(metadata_directory, config_settings))


def build_sdist(sdist_directory: str, config_settings: dict[str, Any] | None = None) -> str:
    import maturin

    _empty_data_dir()
    return str(maturin.build_sdist(sdist_directory, config_settings))


def build_wheel(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    import maturin

    _stage_cli(config_settings)
    return str(maturin.build_wheel(wheel_directory, config_settings, metadata_directory))


def build_editable(
    wheel_directory: str,
    config_settings: dict[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    import maturin

    _stage_cli(config_settings)
    return str(maturin.build_editable(wheel_directory, config_settings, metadata_directory))
