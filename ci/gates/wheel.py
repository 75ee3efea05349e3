"""Gate ``wheel``: what users download is complete, consistent and honestly tagged.

Reads the artifacts from the build manifest (never a glob) and checks: exactly one wheel and
one sdist for the version in the dist dir; an abi3 tag; the extension, ``_native.pyi``,
``py.typed`` and ``.data/scripts/template-cli`` (mode 755) in the wheel and no console-script
entry for the CLI; every RECORD hash and size; ``twine check --strict`` on both;
``abi3audit --strict``; ``auditwheel show`` consistent with the tag; every ELF file within
the tag's glibc floor (the bundled executable included, which auditwheel's repair would
never fix); and the wheel built from the sdist has the same files. The checks themselves
live in :mod:`ci.wheel_checks`.
"""

from __future__ import annotations

import os

from ci.gates import FAIL, cannot_run, note, problem, project_root, verdict


def _tool(module: str, exe: str) -> list[str] | None:
    """How to run a Python tool: from this interpreter if installed here, else from PATH."""
    import importlib.util
    import shutil
    import sys

    if importlib.util.find_spec(module) is not None:
        return [sys.executable, "-m", module]
    path = shutil.which(exe)
    return [path] if path else None


def _run_tool(cmd: list[str], what: str) -> list[str]:
    import subprocess

    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    if proc.returncode == 0:
        return []
    lines = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    detail = " | ".join(lines[-4:]) or f"exit {proc.returncode}"
    return [f"{what} failed: {detail}"]


def check_artifacts(root: str, manifest: dict[str, str], version: str) -> list[str]:
    """Every check that needs only the files (no external tools)."""
    import zipfile

    from ci import artifacts
    from ci import wheel_checks as wc

    wheel, sdist = manifest["wheel"], manifest["sdist"]
    name = os.path.basename(wheel)
    dist = os.path.join(root, artifacts.DIST_DIR)
    found = wc.check_dist_dir(os.listdir(dist), wheel, sdist, version, artifacts.DIST_DIR)
    found += wc.check_abi3(name)
    with zipfile.ZipFile(wheel) as zf:
        found += wc.check_contents(zf, name, version)
        found += wc.check_entry_points(zf, name)
        found += wc.check_record(zf, name)
        needs, unreadable = wc.elf_members(zf, name)
        found += unreadable + wc.check_glibc(name, needs)
        tree_files = wc.file_list(zf)
    sdist_wheel = manifest.get("sdist_wheel")
    if sdist_wheel is None:
        why = manifest.get("sdist_wheel_error", "the build manifest names none")
        found.append(
            f"{os.path.basename(sdist)}: no wheel could be built from the sdist ({why}); "
            "what `pip install` of the sdist needs must be in it ([tool.maturin] include, "
            "build_backend/)"
        )
    else:
        with zipfile.ZipFile(sdist_wheel) as zf:
            found += wc.compare_file_lists(tree_files, wc.file_list(zf), os.path.basename(sdist))
    return found


def check_tools(manifest: dict[str, str]) -> tuple[list[str], list[str]]:
    """twine, abi3audit, auditwheel: (problems, tools that are not installed)."""
    import json
    import subprocess
    import sys

    from ci import wheel_checks as wc

    wheel, sdist = manifest["wheel"], manifest["sdist"]
    name = os.path.basename(wheel)
    found: list[str] = []
    missing: list[str] = []
    twine = _tool("twine", "twine")
    abi3audit = _tool("abi3audit", "abi3audit")
    auditwheel = _tool("auditwheel", "auditwheel")
    if twine is None:
        missing.append("twine")
    else:
        found += _run_tool([*twine, "check", "--strict", wheel, sdist], "twine check --strict")
    if abi3audit is None:
        missing.append("abi3audit")
    else:
        found += _run_tool([*abi3audit, "--strict", wheel], f"{name}: abi3audit --strict")
    if not any(t.platform.startswith(("linux", "manylinux")) for t in wc.wheel_tags(name)):
        note(f"wheel: {name} is not a Linux wheel; auditwheel does not apply")
    elif auditwheel is None:
        missing.append("auditwheel")
    elif not sys.platform.startswith("linux"):
        note("wheel: auditwheel runs on Linux only; skipped the policy check here")
    else:
        proc = subprocess.run(
            [*auditwheel, "show", "--json", wheel], capture_output=True, text=True
        )
        try:
            overall = json.loads(proc.stdout)["overall_tag"]
        except (ValueError, KeyError, TypeError):
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            found.append(f"{name}: auditwheel show failed: {last}")
        else:
            note(f"wheel: auditwheel show: contents consistent with {overall}")
            found += wc.check_auditwheel_policy(name, overall)
    return found, missing


def run(root: str | None = None) -> int:
    from ci import artifacts

    root = os.path.abspath(root or project_root())
    try:
        manifest = artifacts.current_manifest(root)
        version = artifacts.workspace_version(root)
    except artifacts.ArtifactError as exc:
        problem(str(exc))
        return FAIL
    try:
        import elftools  # noqa: F401
        import packaging  # noqa: F401
    except ImportError as exc:
        return cannot_run(f"wheel: needs {exc.name}; `pip install packaging pyelftools`")
    found = check_artifacts(root, manifest, version)
    tool_problems, missing = check_tools(manifest)
    for msg in found + tool_problems:
        problem(msg)
    if missing:
        why = f"wheel: needs {', '.join(missing)}; `pip install {' '.join(missing)}`"
        if not found + tool_problems:
            return cannot_run(why)
        problem(why)
    if not found + tool_problems:
        note(f"wheel: {os.path.basename(manifest['wheel'])} and its sdist pass every check")
    return verdict(len(found + tool_problems))
