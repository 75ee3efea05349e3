"""Gate ``wheel``: what users download is complete, consistent and honestly tagged.

Reads the artifacts from the build manifest (never a glob) and checks: exactly one wheel and
one sdist for the version in the dist dir; an abi3 tag; the extension, its stub, ``py.typed``
and the CLI in ``.data/scripts`` (mode 755) with no console-script shadowing it; RECORD
(``installer``'s validation); ``twine check --strict``; ``abi3audit --strict``; ``auditwheel
show`` consistent with the tag and every ELF file within the tag's glibc floor (the bundled
executable included); and the wheel built from the sdist equal to the tree wheel, file by
file. The rules live in :mod:`ci_gates.checks.wheel_files` and :mod:`ci_gates.checks.elf`; the names (package,
extension, CLI) come from :func:`ci_gates.core.project.names`.
"""

from __future__ import annotations

import os

from ci_gates.checks import elf, wheel_files, wheel_sdist  # noqa: F401  (their rules are this gate's)
from ci_gates.core.findings import WARNING, CannotRun, Finding, finding_of, rule
from ci_gates.core.registry import Gate

GATE = Gate(
    "wheel",
    "Wheel and sdist contents, RECORD, twine, abi3audit, auditwheel, glibc floor",
    requires=("build",),
    # Reads the artifacts (the build chain is in its digest) and the names the build hashed.
    inputs=(),
    config=("project",),  # names(): [tool.ci-gates.project] cli-crate
    # twine >= 6.1 reads metadata 2.4 (License-Expression); auditwheel 6.8 is the tested
    # floor (the gate parses `show --json`); pyelftools reads each ELF's GLIBC versions;
    # installer validates RECORD as installers do.
    packages=(
        "twine>=6.1",
        "abi3audit",
        "auditwheel>=6.8",
        "pyelftools",
        "packaging>=24",
        "installer>=0.7",
    ),
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.project import Names

FIX = "run `nox -s wheel`"


def _tool(module: str, exe: str) -> list[str] | None:
    """How to run a Python tool: from this interpreter if installed here, else from PATH."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    path = shutil.which(exe)
    return [path] if path else None


@rule("WHL018")
def tool_failed(cmd: list[str], returncode: int, output: str, wheel_name: str) -> Finding | None:
    """``twine check --strict`` or ``abi3audit --strict`` rejects the artifacts.

    twine checks the metadata PyPI renders (a broken README or license field is refused at
    upload time); abi3audit checks the extension uses only the stable ABI its tag claims.
    """
    if returncode == 0:
        return None
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    detail = " | ".join(lines[-4:]) or f"exit {returncode}"
    what = " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd[:3]))
    return finding_of(
        tool_failed, f"{wheel_name}: {what} failed: {detail}", fix="see the tool's output"
    )


def _run_tool(cmd: list[str], wheel_name: str) -> Finding | None:
    import subprocess

    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    return tool_failed(cmd, proc.returncode, proc.stdout + proc.stderr, wheel_name)


def check_artifacts(
    root: str, manifest: dict[str, Any], version: str, n: Names
) -> tuple[list[Finding], dict[str, Any]]:
    """Every check that needs only the files (no external tools), and the ELF files' needs."""
    import zipfile

    from ci_gates.checks import artifacts
    from ci_gates.checks import wheel_files as wc

    wheel, sdist = manifest["wheel"], manifest["sdist"]
    name, sdist_name = os.path.basename(wheel), os.path.basename(sdist)
    found = wc.stray_files(
        os.listdir(os.path.join(root, artifacts.DIST_DIR)), {name, sdist_name}, artifacts.DIST_DIR
    )
    found += _versions(name, sdist_name, version)
    found += [f for f in [wc.not_abi3(name, n)] if f]
    with zipfile.ZipFile(wheel) as zf:
        found += wc.missing_members(set(zf.namelist()), name, n, _package_sources(root, n))
        script = wc.script_path(n, version, wc.is_windows(name))
        if script is None or n.cli is None:
            found.append(wc.no_cli(name))
        else:
            found += [f for f in [wc.cli_missing_or_not_executable(zf, name, script, n.cli)] if f]
            found += wc.launcher_shadows_cli(zf, name, n.cli)
        rows = wc.record_rows(zf)
        weak = wc.weak_record_hashes(rows, name)
        needs, unreadable = elf.elf_members(zf, name)
        found += weak + unreadable + elf.glibc_too_new(name, wc.platforms(name), needs)
        sdist_wheel = manifest.get("sdist_wheel")
        if sdist_wheel is None:
            why = manifest.get("sdist_wheel_error", "the build manifest names none")
            found.append(wheel_sdist.no_wheel_from_sdist(sdist_name, why))
        else:
            with zipfile.ZipFile(sdist_wheel) as other:
                found += wheel_sdist.compare_contents(zf, other, sdist_name)
    # installer's hashing crashes on shake_*: then only names and sizes are compared.
    hashable = not any(h.startswith("shake_") for _path, h, _size in rows)
    found += wc.record_mismatch(wheel, check_hashes=hashable)
    return found, needs


def _package_sources(root: str, n: Names) -> set[str]:
    """The package's files in the python source directory, as the wheel names them."""
    base = os.path.join(root, n.python_source)
    out: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(os.path.join(base, n.package)):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
        out.update(f"{rel}/{f}" for f in filenames if f.endswith((".py", ".pyi", "py.typed")))
    return out


def _versions(wheel: str, sdist: str, version: str) -> list[Finding]:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    from ci_gates.checks import wheel_files as wc

    try:
        got = {
            wheel: str(parse_wheel_filename(wheel)[1]),
            sdist: str(parse_sdist_filename(sdist)[1]),
        }
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        return [Finding("WHL002", f"{wheel}, {sdist}: {exc}", fix="run `nox -s build`")]
    return [f for f in (wc.version_mismatch(a, v, version) for a, v in got.items()) if f]


def check_tools(manifest: dict[str, Any], needs: dict[str, Any]) -> list[Finding]:
    """twine, abi3audit, auditwheel (a missing tool is a could-not-run finding)."""
    import sys

    from ci_gates.checks import wheel_files as wc

    wheel, sdist = manifest["wheel"], manifest["sdist"]
    name = os.path.basename(wheel)
    found: list[Finding] = []
    missing = []
    twine, abi3audit = _tool("twine", "twine"), _tool("abi3audit", "abi3audit")
    if twine is None:
        missing.append("twine")
    else:
        empty = no_long_description(wheel, name)
        # twine --strict fails on the missing description alone; WHL020 says that once.
        strict = [] if empty else ["--strict"]
        found += [
            f for f in [empty, _run_tool([*twine, "check", *strict, wheel, sdist], name)] if f
        ]
    if "abi3" not in name:
        print(f"wheel: {name} is not an abi3 wheel; abi3audit does not apply")
    elif abi3audit is None:
        missing.append("abi3audit")
    else:
        found += [f for f in [_run_tool([*abi3audit, "--strict", wheel], name)] if f]
    if not any(p.startswith(("linux", "manylinux", "musllinux")) for p in wc.platforms(name)):
        print(f"wheel: {name} is not a Linux wheel; auditwheel does not apply")
    elif not sys.platform.startswith("linux"):
        print("wheel: auditwheel runs on Linux only; skipped the policy check here")
    else:
        auditwheel = _tool("auditwheel", "auditwheel")
        if auditwheel is None:
            missing.append("auditwheel")
        else:
            found += _auditwheel(auditwheel, wheel, needs)
    if missing:
        found.append(
            CannotRun(f"wheel: needs {', '.join(missing)}", "run `nox -s wheel`").finding()
        )
    return found


@rule("WHL020", severity=WARNING, gate="wheel")
def no_long_description(wheel: str, name: str) -> Finding | None:
    """The wheel's metadata has no long description: its PyPI page would be empty (a warning:
    the package works, and ``maturin new`` writes none).

    Set ``[project] readme`` in pyproject.toml. (``twine check --strict`` refuses such a wheel;
    with this finding reported, twine runs without ``--strict`` so its other checks still run.)
    """
    import email
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        meta = next((m for m in zf.namelist() if m.endswith(".dist-info/METADATA")), None)
        if meta is None:
            return None  # installer's RECORD check reports a wheel without metadata
        message = email.message_from_bytes(zf.read(meta))
    if str(message.get_payload() or "").strip() or message.get("Description"):
        return None
    return finding_of(
        no_long_description,
        f"{name}: no long description (its PyPI page would be empty)",
        "pyproject.toml",
        severity=WARNING,
        fix='set `readme = "README.md"` in [project]',
    )


@rule("WHL019")
def auditwheel_failed(wheel_name: str, detail: str) -> Finding:
    """``auditwheel show`` could not analyse the wheel (its last line says why)."""
    return finding_of(
        auditwheel_failed, f"{wheel_name}: auditwheel show failed: {detail}", fix="see its output"
    )


def _auditwheel(cmd: list[str], wheel: str, needs: dict[str, Any]) -> list[Finding]:
    import json
    import subprocess

    from ci_gates.checks import wheel_files as wc

    name = os.path.basename(wheel)
    proc = subprocess.run(
        [*cmd, "show", "--json", wheel], capture_output=True, text=True, check=False
    )
    try:
        overall = json.loads(proc.stdout)["overall_tag"]
    except (ValueError, KeyError, TypeError):
        return [auditwheel_failed(name, (proc.stderr.strip().splitlines() or ["no output"])[-1])]
    print(f"wheel: auditwheel show: contents consistent with {overall}")
    plats = wc.platforms(name)
    found = [f for f in [elf.auditwheel_disagrees(name, plats, overall)] if f]
    note = elf.tag_confirmed(name, plats, overall, needs)
    return found + ([note] if note else [])


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.checks import artifacts
    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names

    root, _config = config_for(root)
    root = os.path.abspath(root)
    try:
        n = names(root)
    except ProjectError as exc:
        raise CannotRun(str(exc), path="pyproject.toml") from None
    manifest = dict(artifacts.current_manifest(root))  # ArtifactError: could not run
    version = artifacts.workspace_version(root)  # [project].version, else the bindings crate's
    import importlib.util

    for module, package in (
        ("elftools", "pyelftools"),
        ("packaging", "packaging"),
        ("installer", "installer"),
    ):
        if importlib.util.find_spec(module) is None:
            raise CannotRun(f"wheel: needs {package}", FIX)
    found, needs = check_artifacts(root, manifest, version, n)
    found += check_tools(manifest, needs)
    if n.project:  # the project's manifest, not the root's (which holds only the config)
        mine = f"{n.project}/pyproject.toml"
        found = [f._replace(path=mine) if f.path == "pyproject.toml" else f for f in found]
    if not [f for f in found if f.severity == "error"]:
        print(f"wheel: {os.path.basename(manifest['wheel'])} and its sdist pass every check")
    return found
