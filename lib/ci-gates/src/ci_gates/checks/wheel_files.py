"""The ``wheel`` gate's rules on the files themselves (``ci/gates/wheel.py`` runs them).

Each rule takes names, an open :class:`zipfile.ZipFile` or plain data and returns findings,
so tests feed it synthetic wheels made with :mod:`zipfile`. Tags come from
:func:`packaging.utils.parse_wheel_filename`, never from splitting the file name; RECORD is
validated by ``installer`` (pypa's reference installer), the ELF files by :mod:`ci_gates.checks.elf`.
The project's names come from :func:`ci_gates.core.project.names`, never from constants.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from ci_gates.core.findings import NOTE, Finding, finding_of, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packaging.tags import Tag

    from ci_gates.core.project import Names

HINT = "see docs/packaging.md"
BUILD = "run `nox -s build`"
# PEP 427: "sha256 or better"; shake_* are variable-length and crash installers' hashing.
STRONG_HASHES = frozenset(
    {"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"}
)


def wheel_tags(wheel_name: str) -> frozenset[Tag]:
    from packaging.utils import parse_wheel_filename

    return parse_wheel_filename(wheel_name)[3]


def platforms(wheel_name: str) -> list[str]:
    return sorted({t.platform for t in wheel_tags(wheel_name)})


def is_windows(wheel_name: str) -> bool:
    return any(p.startswith("win") for p in platforms(wheel_name))


def script_path(names: Names, version: str, windows: bool = False) -> str | None:
    """Where the CLI sits in the wheel, or None for a project without one."""
    if names.cli is None:
        return None
    return f"{names.wheel_dist}-{version}.data/scripts/{names.cli}{'.exe' if windows else ''}"


def _mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0o777


@rule("WHL001", gate="wheel")
def stray_files(entries: list[str], expected: set[str], where: str) -> list[Finding]:
    """The dist directory holds files besides the manifest's wheel and sdist, or lacks one.

    Release steps upload the directory; a stray or stale file would be published with it.
    """
    found = [
        finding_of(
            stray_files, f"{where}/{extra}: stray file next to the built wheel and sdist", fix=BUILD
        )
        for extra in sorted(set(entries) - expected)
    ]
    found += [
        finding_of(
            stray_files, f"{where}/{gone}: named in the build manifest but missing", fix=BUILD
        )
        for gone in sorted(expected - set(entries))
    ]
    return found


@rule("WHL002", gate="wheel")
def version_mismatch(artifact: str, got: str, version: str) -> Finding | None:
    """A wheel or sdist file name carries another version than the crates' manifests.

    Compared as PEP 440 versions: maturin writes cargo's ``1.0.0-alpha.1`` as ``1.0.0a1``.
    """
    from packaging.version import InvalidVersion, Version

    try:
        if Version(got) == Version(version):
            return None
    except InvalidVersion:
        if got == version:
            return None
    return finding_of(
        version_mismatch,
        f"{artifact}: version {got}, but Cargo.toml says {version}",
        "Cargo.toml",
        fix=BUILD,
    )


@rule("WHL003", gate="wheel")
def not_abi3(wheel_name: str, names: Names) -> Finding | None:
    """The bindings enable pyo3's ``abi3`` but a tag is not ``cp3X-abi3-<platform>``.

    One abi3 wheel serves every CPython from the floor on. A project that does not enable
    ``abi3`` builds one wheel per CPython, and its tags are not judged here.
    """
    if not names.abi3:
        return None
    bad = sorted(
        str(t)
        for t in wheel_tags(wheel_name)
        if t.abi != "abi3" or not t.interpreter.startswith("cp3") or t.platform == "any"
    )
    if not bad:
        return None
    crate = f"{names.bindings.path}/Cargo.toml" if names.bindings else "Cargo.toml"
    return finding_of(
        not_abi3,
        f"{wheel_name}: tag {', '.join(bad)} is not cp3X-abi3-<platform>",
        crate.lstrip("/"),
        fix="build the extension with pyo3's abi3-py39 feature (or the project's floor)",
    )


def _extension_present(names: set[str], ext_base: str, wheel_name: str, abi3: bool) -> bool:
    if is_windows(wheel_name):
        return any(n.startswith(ext_base + ".") and n.endswith(".pyd") for n in names)
    if abi3:
        return f"{ext_base}.abi3.so" in names
    return any(n.startswith(ext_base + ".") and n.endswith(".so") for n in names)


@rule("WHL004", gate="wheel")
def missing_members(
    names: set[str],
    wheel_name: str,
    project: Names,
    in_source: set[str] | frozenset[str] = frozenset(),
) -> list[Finding]:
    """The extension, or a file the package's sources hold (``__init__.py``, a type stub, the
    PEP 561 marker ``py.typed``), is not in the wheel.

    ``in_source`` are the package's files under the python source directory, relative to it.
    """
    ext_base = project.extension.replace(".", "/")
    # A module name without a dot (maturin's pure-Rust layout) lands inside a package of the
    # same name that maturin writes: `pkg/pkg.<tag>.so`.
    bases = [ext_base] if "." in project.extension else [ext_base, f"{ext_base}/{ext_base}"]
    found = []
    if not any(_extension_present(names, b, wheel_name, project.abi3) for b in bases):
        shown = f"{ext_base}.abi3.so" if project.abi3 and not is_windows(wheel_name) else ext_base
        found.append(
            finding_of(
                missing_members,
                f"{wheel_name}: {shown} is missing (the compiled extension)",
                fix=HINT,
            )
        )
    for path in sorted(in_source):
        if path.endswith((".py", ".pyi", "py.typed")) and path not in names:
            found.append(
                finding_of(
                    missing_members,
                    f"{wheel_name}: {path} is missing (it is in the sources)",
                    fix=HINT,
                )
            )
    return found


@rule("WHL005", gate="wheel")
def cli_missing_or_not_executable(
    zf: zipfile.ZipFile, wheel_name: str, script: str, cli: str
) -> Finding | None:
    """The native CLI is not in ``<dist>-<ver>.data/scripts/``, or not mode 755 there.

    Installers copy wheel scripts to ``bin/`` byte for byte with their mode: a missing file
    means the backend did not stage the CLI; mode 644 means users get a file they cannot run.
    """
    if script not in zf.namelist():
        return finding_of(
            cli_missing_or_not_executable,
            f"{wheel_name}: no {script}: the CLI {cli} is missing from the wheel "
            "(the build backend's _stage_cli step did not run?)",
            fix=HINT,
        )
    mode = _mode(zf.getinfo(script))
    if is_windows(wheel_name) or mode == 0o755:
        return None
    return finding_of(
        cli_missing_or_not_executable,
        f"{wheel_name}: {script} has mode {mode:o}, expected 755: installers would copy a "
        f"non-executable {cli}",
        fix=HINT,
    )


@rule("WHL006", gate="wheel")
def launcher_shadows_cli(zf: zipfile.ZipFile, wheel_name: str, cli: str) -> list[Finding]:
    """A console or GUI script named like the CLI: its Python launcher would replace the binary.

    The launcher starts an interpreter on every call just to run a program; remove the entry
    from ``[project.scripts]``. An unreadable ``entry_points.txt`` is reported here too.
    """
    import configparser

    found = []
    for path in zf.namelist():
        if not path.endswith(".dist-info/entry_points.txt"):
            continue
        parser = configparser.RawConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(zf.read(path).decode("utf-8"))
        except (configparser.Error, UnicodeDecodeError) as exc:
            found.append(
                finding_of(launcher_shadows_cli, f"{wheel_name}: {path} is unreadable ({exc})")
            )
            continue
        for section in ("console_scripts", "gui_scripts"):
            for key, target in parser.items(section) if parser.has_section(section) else []:
                if key.strip().lower().replace("_", "-") == cli.lower().replace("_", "-"):
                    found.append(
                        finding_of(
                            launcher_shadows_cli,
                            f"{wheel_name}: {path}: [{section}] {key} = {target}: a Python "
                            f"launcher would shadow the native {cli}",
                            "pyproject.toml",
                            fix="remove it from [project.scripts]",
                        )
                    )
    return found


@rule("WHL007", gate="wheel")
def weak_record_hashes(rows: list[tuple[str, str, str]], wheel_name: str) -> list[Finding]:
    """A RECORD row hashes with something weaker than sha256, or unusable (``shake_*``).

    PEP 427 requires sha256 or better; md5 and sha1 are refused, and the variable-length
    ``shake_128``/``shake_256`` make pip's and installer's hashing crash.
    """
    found = []
    for path, hash_, _size in rows:
        algo = hash_.partition("=")[0]
        if hash_ and algo not in STRONG_HASHES:
            found.append(
                finding_of(
                    weak_record_hashes,
                    f"{wheel_name}: RECORD hashes {path} with {algo!r}, not sha256 or stronger",
                    fix=BUILD,
                )
            )
    return found


@rule("WHL008", gate="wheel")
def record_mismatch(wheel_path: str, check_hashes: bool = True) -> list[Finding]:
    """RECORD does not match the wheel: a file missing from it, a hash or size that differs.

    Validated with ``installer``'s ``WheelFile.validate_record``, the check installers run.
    ``check_hashes`` is off when a RECORD hash is unusable (WHL007 reports those).
    """
    from installer.sources import WheelFile

    name = os.path.basename(wheel_path)
    try:
        with WheelFile.open(Path(wheel_path)) as source:
            source.validate_record(validate_contents=check_hashes)
    except Exception as exc:  # installer raises ValueError subclasses; anything else is news
        issues = getattr(exc, "issues", None) or [f"{type(exc).__name__}: {exc}"]
        prefix = f"In {wheel_path}, "
        return [
            finding_of(record_mismatch, f"{name}: {str(i).removeprefix(prefix)}", fix=BUILD)
            for i in issues
        ]
    return []


def record_rows(zf: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """RECORD's rows as installer parses them ([] when there is no single RECORD)."""
    from installer.records import parse_record_file

    records = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    if len(records) != 1:
        return []
    try:
        return list(parse_record_file(zf.read(records[0]).decode("utf-8").splitlines()))
    except (ValueError, UnicodeDecodeError):
        return []  # record_mismatch reports the unreadable RECORD


def file_list(zf: zipfile.ZipFile) -> set[str]:
    return {n for n in zf.namelist() if not n.endswith("/")}


@rule("WHL013", severity=NOTE, gate="wheel")
def no_cli(wheel_name: str) -> Finding:
    """The project has no CLI crate: the checks of the wheel's native script were skipped."""
    msg = f"{wheel_name}: skipped the CLI checks: the project has no CLI crate"
    return finding_of(no_cli, msg, severity=NOTE)
