"""Gate ``native_import``: install the built wheel offline in a fresh venv, import it, run the CLI.

The venv is new on every run (a temp dir), the wheel comes from the build manifest and is
installed with ``--no-index --no-deps``: no network, no build from source, so what is
checked is exactly the file users download. Then: ``template_python_rust_cmd._native``
imports, ``__version__`` equals the wheel's version (the bindings crate's), and the venv's
``template-cli`` is a native executable (not a ``#!`` launcher) that prints
``template-cli <version>`` with the CLI crate's version (each crate has its own).
"""

from __future__ import annotations

import os

from ci.gates import FAIL, note, problem, project_root, verdict

PACKAGE = "template_python_rust_cmd"
CLI = "template-cli"
HINT = "see docs/packaging.md"

# First bytes of native executables: ELF, Mach-O (32/64 bit, both byte orders, fat), PE.
_MAGIC = (
    (b"\x7fELF", "ELF"),
    (b"\xfe\xed\xfa\xce", "Mach-O"),
    (b"\xfe\xed\xfa\xcf", "Mach-O"),
    (b"\xce\xfa\xed\xfe", "Mach-O"),
    (b"\xcf\xfa\xed\xfe", "Mach-O"),
    (b"\xca\xfe\xba\xbe", "Mach-O"),
    (b"MZ", "PE"),
)


def executable_kind(head: bytes) -> str | None:
    """``"ELF"``, ``"Mach-O"`` or ``"PE"`` for a native executable's first bytes, else None."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def wheel_script(version: str, windows: bool = False) -> str:
    """Path of the CLI inside the wheel."""
    return f"{PACKAGE}-{version}.data/scripts/{CLI}{'.exe' if windows else ''}"


def check_wheel_has_cli(wheel: str, version: str) -> list[str]:
    """Problems if the wheel does not carry the CLI as a wheel script."""
    import zipfile

    name = os.path.basename(wheel)
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    wanted = {wheel_script(version), wheel_script(version, windows=True)}
    if names & wanted:
        return []
    return [
        f"{name}: wheel has no {wheel_script(version)}: the CLI is missing from the wheel "
        f"(the backend's _stage_cli step did not run?); {HINT}"
    ]


def check_cli_file(path: str) -> list[str]:
    """Problems if ``path`` (the installed CLI) is missing or not a native executable."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return [f"{path}: not installed: the wheel put no {CLI} in the venv's scripts dir; {HINT}"]
    if head.startswith(b"#!"):
        return [
            f"{path}: is a script (#!), not the native {CLI}: a console-script launcher "
            f"shadows the wheel script; drop the entry point, {HINT}"
        ]
    if executable_kind(head) is None:
        return [f"{path}: not a native executable (first bytes {head!r}); {HINT}"]
    return []


def _check_installed(venv: str, version: str, cli_version: str | None = None) -> list[str]:
    import subprocess

    from ci.artifacts import venv_python, venv_scripts

    cli_version = cli_version or version
    found: list[str] = []
    code = (
        f"import {PACKAGE}._native, {PACKAGE} as m; print(m.__version__); print(m._native.__file__)"
    )
    proc = subprocess.run([venv_python(venv), "-c", code], capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return [f"{PACKAGE}._native: import from the installed wheel failed: {last}"]
    got, native_file = (proc.stdout.splitlines() + ["", ""])[:2]
    note(f"native_import: imported {native_file}")
    if got != version:
        found.append(
            f"{PACKAGE}.__version__ is {got!r}, the wheel's version (bindings crate) is "
            f"{version!r}; derive __version__ from the extension's version"
        )
    cli = os.path.join(venv_scripts(venv), CLI + (".exe" if os.name == "nt" else ""))
    cli_problems = check_cli_file(cli)
    if cli_problems:
        return found + cli_problems
    proc = subprocess.run([cli, "--version"], capture_output=True, text=True)
    out = proc.stdout.strip()
    if proc.returncode != 0 or out != f"{CLI} {cli_version}":
        found.append(
            f"{cli}: `{CLI} --version` printed {out!r} (exit {proc.returncode}), expected "
            f"'{CLI} {cli_version}'; the CLI must report its crate's version"
        )
    return found


def run(root: str | None = None) -> int:
    import shutil
    import tempfile

    from ci import artifacts

    root = os.path.abspath(root or project_root())
    try:
        manifest = artifacts.current_manifest(root)
        version = artifacts.workspace_version(root)
        cli_version = artifacts.cli_version(root)
    except artifacts.ArtifactError as exc:
        problem(str(exc))
        return FAIL
    wheel = manifest["wheel"]
    found = check_wheel_has_cli(wheel, version)
    venv = tempfile.mkdtemp(prefix="ci-gates-native-import-")
    try:
        artifacts.create_venv(venv)
        artifacts.install_wheel(venv, wheel)
        found += _check_installed(venv, version, cli_version)
    except artifacts.ArtifactError as exc:
        found.append(f"{os.path.basename(wheel)}: offline install failed: {exc}")
    finally:
        shutil.rmtree(venv, ignore_errors=True)
    for msg in dict.fromkeys(found):
        problem(msg)
    if not found:
        note(f"native_import: {os.path.basename(wheel)} imports and runs {CLI} {version}")
    return verdict(len(found))
