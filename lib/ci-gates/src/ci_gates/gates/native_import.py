"""Gate ``native_import``: install the built wheel offline in a fresh venv, import it, run the CLI.

The venv is new on every run (a temp dir), the wheel comes from the build manifest and is
installed with ``--no-index --no-deps``: no network, no build from source, so what is checked
is exactly the file users download. Then: the extension module imports, the package's
``__version__`` equals the wheel's version (the bindings crate's), and the venv's CLI is a
native executable (not a ``#!`` launcher) that prints ``<cli> <version>`` with the CLI crate's
version (each crate has its own). Every name comes from the manifests (:func:`ci_gates.core.project.names`);
a project without a CLI gets a note, and the CLI checks are skipped. All of it under the oldest
and the newest supported CPython (:mod:`ci_gates.checks.interpreters`).
"""

from __future__ import annotations

import os

from ci_gates.checks import interpreters
from ci_gates.core import venvs
from ci_gates.core.findings import NOTE, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import FLOOR_ENV, FLOOR_MACHINE
from ci_gates.core.registry import Gate

GATE = Gate(
    "native_import",
    "Install the built wheel offline in a fresh venv; import it, run the CLI",
    requires=("build",),
    # Reads the artifacts (the build chain is in its digest) and the names the build hashed.
    inputs=(),
    config=("project",),  # names(): [tool.ci-gates.project] cli-crate
    machine=FLOOR_MACHINE,
    env=FLOOR_ENV,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.project import Names

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
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def wheel_script(wheel_dist: str, version: str, cli: str, windows: bool = False) -> str:
    """Path of the CLI inside the wheel (a wheel script, installed as is)."""
    return f"{wheel_dist}-{version}.data/scripts/{cli}{'.exe' if windows else ''}"


@rule("NI001")
def wheel_lacks_cli(wheel: str, script: str) -> Finding:
    """The wheel carries no CLI executable among its scripts.

    The build backend stages the CLI crate's binary as a wheel script
    (``<dist>-<version>.data/scripts/<cli>``); without it ``pip install`` gives users the
    library but not the command.
    """
    return finding_of(
        wheel_lacks_cli,
        f"{wheel}: no {script}: the CLI is missing from the wheel",
        fix=f"check that the build backend stages the CLI binary; {HINT}",
    )


@rule("NI002")
def import_failed(module: str, error: str) -> Finding:
    """The extension module does not import from the installed wheel."""
    return finding_of(
        import_failed,
        f"{module}: import from the installed wheel failed: {error}",
        fix=f"run the import in a venv with the wheel to see the traceback; {HINT}",
    )


@rule("NI003")
def version_mismatch(package: str, got: str, version: str) -> Finding:
    """The package's ``__version__`` is not the wheel's version (the bindings crate's).

    One version for the bindings crate and the wheel: ``__version__`` should come from the
    extension (``env!("CARGO_PKG_VERSION")``), never be written twice.
    """
    return finding_of(
        version_mismatch,
        f"{package}.__version__ is {got!r}, the wheel's version (bindings crate) is {version!r}",
        fix="derive __version__ from the extension's version",
    )


@rule("NI004")
def cli_not_installed(path: str, cli: str) -> Finding:
    """Installing the wheel put no CLI executable into the venv's scripts directory."""
    return finding_of(
        cli_not_installed, f"{path}: not installed: the wheel put no {cli} in the venv", fix=HINT
    )


@rule("NI005")
def cli_is_launcher(path: str, cli: str) -> Finding:
    """The installed CLI is a ``#!`` script (a console-script launcher), not the native binary.

    A ``[project.scripts]`` entry of the same name shadows the wheel script: users then get a
    Python start-up on every call instead of the Rust executable.
    """
    return finding_of(
        cli_is_launcher,
        f"{path}: is a script (#!), not the native {cli}: a console-script launcher shadows it",
        fix=f"drop the [project.scripts] entry; {HINT}",
    )


@rule("NI006")
def cli_not_native(path: str, head: bytes) -> Finding:
    """The installed CLI is neither ELF, Mach-O nor PE."""
    return finding_of(
        cli_not_native, f"{path}: not a native executable (first bytes {head!r})", fix=HINT
    )


@rule("NI007")
def cli_version_wrong(cli: str, printed: str, code: int, version: str) -> Finding:
    """``<cli> --version`` does not print ``<cli> <CLI crate version>`` (exit 0)."""
    return finding_of(
        cli_version_wrong,
        f"`{cli} --version` printed {printed!r} (exit {code}), expected '{cli} {version}'",
        fix="the CLI must report its crate's version (clap's `version` from Cargo)",
    )


@rule("NI008")
def install_failed(wheel: str, error: str) -> Finding:
    """The wheel does not install offline (``--no-index --no-deps``) into a fresh venv."""
    return finding_of(
        install_failed,
        f"{wheel}: offline install failed: {error}",
        fix="a wheel must install without network or build; check its tags and metadata",
    )


@rule("NI009", severity=NOTE)
def no_cli() -> Finding:
    """The project builds no CLI executable, so the CLI checks are skipped (a note).

    ``ci_gates.core.project.names`` finds the CLI as the one workspace crate with a binary target; set
    ``[tool.ci-gates.project] cli-crate`` when several have one.
    """
    return finding_of(
        no_cli, "skipped the CLI checks: this project has no CLI crate", severity=NOTE
    )


def check_wheel_has_cli(wheel: str, n: Names, version: str) -> list[Finding]:
    import zipfile

    if n.cli is None:
        return [no_cli()]
    with zipfile.ZipFile(wheel) as zf:
        members = set(zf.namelist())
    wanted = wheel_script(n.wheel_dist, version, n.cli)
    if members & {wanted, wheel_script(n.wheel_dist, version, n.cli, windows=True)}:
        return []
    return [wheel_lacks_cli(os.path.basename(wheel), wanted)]


def check_cli_file(path: str, cli: str, shown: str = "") -> list[Finding]:
    """Findings if ``path`` (the installed CLI, named ``shown`` in messages) is missing or not a
    native executable."""
    shown = shown or path
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return [cli_not_installed(shown, cli)]
    if head.startswith(b"#!"):
        return [cli_is_launcher(shown, cli)]
    if executable_kind(head) is None:
        return [cli_not_native(shown, head)]
    return []


def check_installed(venv: str, n: Names, version: str, cli_version: str = "") -> list[Finding]:
    """Import the extension from ``venv`` and run its CLI (which reports ``cli_version``)."""
    import subprocess

    from ci_gates.core.venvs import venv_python, venv_scripts

    code = (
        "import importlib, importlib.metadata as md, sys; "
        "ext = importlib.import_module(sys.argv[1]); pkg = importlib.import_module(sys.argv[2]); "
        # A package without __version__ (maturin new's) is judged by its installed metadata.
        "print(getattr(pkg, '__version__', None) or md.version(sys.argv[3])); print(ext.__file__)"
    )
    # Run in the venv: ``python -c`` puts its working directory first on ``sys.path``, where a
    # caller's source tree (``acme_wc/`` at the root) would be imported instead of the wheel.
    proc = subprocess.run(
        [venv_python(venv), "-c", code, n.extension, n.package, n.dist],
        capture_output=True,
        text=True,
        cwd=venv,
    )
    if proc.returncode != 0:
        return [import_failed(n.extension, (proc.stderr.strip().splitlines() or ["?"])[-1])]
    got, native_file = (proc.stdout.splitlines() + ["", ""])[:2]
    print(f"native_import: imported {native_file}", flush=True)
    found = [] if got == version else [version_mismatch(n.package, got, version)]
    cli_version = cli_version or version
    if n.cli is None:
        return found
    exe = os.path.join(venv_scripts(venv), n.cli + (".exe" if os.name == "nt" else ""))
    # Named relative to the venv: the same finding under every interpreter is one finding.
    shown = "<venv>/" + os.path.relpath(exe, venv).replace(os.sep, "/")
    bad_file = check_cli_file(exe, n.cli, shown)
    if bad_file:
        return found + bad_file
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, cwd=venv)
    except OSError as exc:  # e.g. built for another architecture
        why = f"cannot execute: {exc.strerror}"
        return [*found, cli_version_wrong(n.cli, why, -1, cli_version)]
    printed = proc.stdout.strip()
    if proc.returncode != 0 or printed != f"{n.cli} {cli_version}":
        found.append(cli_version_wrong(n.cli, printed, proc.returncode, cli_version))
    return found


def run(root: str | None = None) -> list[Finding]:
    import shutil
    import tempfile

    from ci_gates.checks import artifacts
    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names

    root, _ = config_for(root)
    root = os.path.abspath(root)
    try:
        n = names(root)
        manifest = artifacts.current_manifest(root)
        version = artifacts.workspace_version(root)
        cli_version = artifacts.cli_version(root)
    except (ProjectError, artifacts.ArtifactError) as exc:
        raise CannotRun(str(exc)) from None
    wheel = manifest["wheel"]
    found = check_wheel_has_cli(wheel, n, version)
    pythons, notes = interpreters.for_gate(root)
    per = []
    for it in pythons:  # the oldest and the newest supported CPython
        venv = tempfile.mkdtemp(prefix="ci-gates-native-import-")
        try:
            venvs.create_venv(venv, it.path)
            artifacts.install_wheel(venv, wheel)
            per.append((it, check_installed(venv, n, version, cli_version)))
        except artifacts.ArtifactError as exc:
            per.append((it, [install_failed(os.path.basename(wheel), str(exc))]))
        finally:
            shutil.rmtree(venv, ignore_errors=True)
    return [*found, *interpreters.merge(per), *notes]
