"""``nox -s dev`` (``python -m ci_gates.commands.dev [--release] [--python PY]``): a development venv in ``.venv``.

What ``maturin develop`` does for a mixed project, plus the CLI: one ``cargo build`` of the
bindings crate and the CLI crate (debug unless ``--release``; cargo rebuilds only what changed),
the extension copied next to the Python sources (``python/<package>/_native.abi3.so``, ignored
by git and by maturin's wheel builds), a ``.pth`` file putting the python source directory on
``sys.path`` (edits to ``.py`` files are live), and the CLI executable copied into
``.venv/bin``. The digest of the Rust inputs at build time is recorded in
``.venv/ci-gates-dev.json``; the package tests refuse to run against a dev venv whose
extension is older than the Rust sources (:func:`stale`), saying to run ``nox -s dev``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

from ci_gates.core.project import Names, names
from ci_gates.core.venvs import venv_python, venv_scripts

VENV = ".venv"
RECORD = "ci-gates-dev.json"
TEST_REQUIREMENTS = ("pytest", "hypothesis", "tomli>=2; python_version < '3.11'")


class DevError(Exception):
    """One line saying what failed and what to do."""


def rust_digest(root: str) -> str:
    """A digest of every file that shapes the Rust build (the registry's Rust input globs)."""
    import hashlib

    from ci_gates.core.cache import Digester, _glob_regex
    from ci_gates.core.pins import RUST_INPUTS

    digester = Digester(root)
    regexes = [_glob_regex(p) for p in RUST_INPUTS]
    h = hashlib.sha256()
    for rel in digester.files():
        if any(r.match(rel) for r in regexes):
            h.update(f"{rel}\0{digester.file_hash(rel)}\0".encode("utf-8", "surrogateescape"))
    digester.save()  # the stat cache: unchanged files are not read again next time
    return h.hexdigest()


def stale(root: str, prefix: str) -> str | None:
    """Why the dev install in venv ``prefix`` is out of date, or None when it is current."""
    try:
        with open(os.path.join(prefix, RECORD), encoding="utf-8") as f:
            record = json.load(f)
    except (OSError, ValueError):
        return f"{prefix} has no dev build record; run `nox -s dev`"
    if record.get("rust") != rust_digest(root):
        return (
            "the extension and CLI in the dev venv are older than the Rust sources "
            "(crates/ or Cargo files changed since the last build); run `nox -s dev`"
        )
    return None


def _extension_target(n: Names, root: str) -> tuple[str, str]:
    """(built library under target/<profile>, destination next to the Python sources)."""
    if n.bindings is None or not n.bindings.lib:
        raise DevError("no bindings crate with a [lib] target; check [tool.maturin] manifest-path")
    lib = n.bindings.lib
    built = {"nt": f"{lib}.dll", "darwin": f"lib{lib}.dylib"}.get(
        "nt" if os.name == "nt" else sys.platform, f"lib{lib}.so"
    )
    suffix = ".pyd" if os.name == "nt" else ".abi3.so"
    *package, module = n.extension.split(".")
    dest = os.path.join(root, n.python_source, *package, module + suffix)
    return built, dest


def _cargo_build(root: str, n: Names, release: bool) -> str:
    crates = [c.name for c in (n.bindings, n.cli_crate) if c is not None]
    cmd = ["cargo", "build", "--locked", *(f"-p={c}" for c in crates)]
    env = dict(os.environ)
    if sys.platform == "darwin":  # what maturin adds for an extension module on macOS
        env["RUSTFLAGS"] = (
            env.get("RUSTFLAGS", "") + " -C link-arg=-undefined -C link-arg=dynamic_lookup"
        )
    if release:
        cmd.append("--release")
    proc = subprocess.run(cmd, cwd=root, env=env, check=False)
    if proc.returncode != 0:
        raise DevError(
            f"`{' '.join(cmd)}` failed (exit {proc.returncode}); see cargo's output above"
        )
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(root, "target")
    return os.path.join(target, "release" if release else "debug")


def _ensure_venv(root: str, python: str) -> str:
    venv = os.path.join(root, VENV)
    if os.path.exists(venv_python(venv)):
        return venv
    uv = shutil.which("uv")
    cmd = [uv, "venv", "--quiet", "--python", python, venv] if uv else [python, "-m", "venv", venv]
    if subprocess.run(cmd, check=False).returncode != 0:
        raise DevError(f"cannot create {venv} with {python}; pass --python /path/to/python3")
    pip = (
        [uv, "pip", "install", "--quiet", "--python", venv_python(venv)]
        if uv
        else [venv_python(venv), "-m", "pip", "install", "--quiet"]
    )
    if subprocess.run([*pip, *TEST_REQUIREMENTS], check=False).returncode != 0:
        raise DevError(f"cannot install {', '.join(TEST_REQUIREMENTS)} into {venv}")
    return venv


def _site_packages(venv: str) -> str:
    """The venv's purelib, from its layout (asking its interpreter costs a start-up)."""
    import glob

    found = glob.glob(
        os.path.join(venv, "Lib" if os.name == "nt" else "lib*/python3*", "site-packages")
    )
    if not found:
        code = "import sysconfig; print(sysconfig.get_path('purelib'))"
        out = subprocess.run([venv_python(venv), "-c", code], capture_output=True, text=True)
        return out.stdout.strip()
    return found[0]


def _replace(src: str, dest: str) -> None:
    """Copy via a temp file and rename: a running process keeps its old mapping intact."""
    tmp = f"{dest}.{os.getpid()}.tmp"
    shutil.copy2(src, tmp)
    os.replace(tmp, dest)


def develop(root: str, release: bool = False, python: str = sys.executable) -> str:
    n = names(root)
    from ci_gates.core.runner import stable_cargo_env

    stable_cargo_env()  # the same PYO3_PYTHON as the gates: switching never recompiles pyo3
    digest = rust_digest(root)
    venv = _ensure_venv(root, python)
    out_dir = _cargo_build(root, n, release)
    built, dest = _extension_target(n, root)
    _replace(os.path.join(out_dir, built), dest)
    with open(os.path.join(_site_packages(venv), f"_{n.package}_dev.pth"), "w") as f:
        f.write(os.path.join(root, n.python_source) + "\n")
    if n.cli is not None:
        exe = n.cli + (".exe" if os.name == "nt" else "")
        _replace(os.path.join(out_dir, exe), os.path.join(venv_scripts(venv), exe))
    with open(os.path.join(venv, RECORD), "w", encoding="utf-8") as f:
        json.dump({"rust": digest, "profile": "release" if release else "debug"}, f)
    return venv


USAGE = "usage: python -m ci_gates.commands.dev [--release] [--python PATH]"


def main(argv: list[str]) -> int:
    from ci_gates.core.context import project_root

    release, python, rest = False, sys.executable, list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--release":
            release = True
        elif arg == "--python" and rest:
            python = rest.pop(0)
        else:
            print(f"ci_gates.commands.dev: unknown argument {arg!r}\n{USAGE}", file=sys.stderr)
            return 2
    root = project_root()
    try:
        venv = develop(root, release, python)
    except DevError as exc:
        print(f"ci_gates.commands.dev: {exc}", file=sys.stderr)
        return 1
    rel = os.path.relpath(venv, root)
    print(f"dev venv ready: {rel} (activate: source {rel}/bin/activate)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
