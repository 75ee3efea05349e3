"""A pure-Python package of the release (kind ``python``): built once, checked, staged.

``python -m ci_gates.release stage NAME`` (``nox -s release_stage -- NAME``; the release
workflow's build row of the package) builds ``<path>`` with ``uv build``, a PEP 517 front end
with build isolation: the sdist first, then the wheel *from the sdist*, the path ``pip install
<sdist>`` takes, so a file missing from the sdist fails here. Then:

- exactly one sdist and one wheel, the wheel pure (``py3-none-any``: it serves every platform,
  so it is built once, not per target);
- the name and version in both file names and both metadata files are the package's
  (``[project]`` of its pyproject.toml);
- ``twine check --strict`` passes on both (the long description PyPI renders from the README,
  the metadata fields it refuses).

The two files are copied to :data:`ci_gates.release.dist.STAGE_DIR`, replacing that
distribution's files only, each with a receipt naming what it passed
(:data:`ci_gates.release.dist.PURE_GATES`), which ``publish`` verifies before any upload.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

from ci_gates.checks.versioning import versions
from ci_gates.checks.versioning.config import Package
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import dist

BUILDER = "uv build (the sdist, then the wheel from it)"


def _last_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith(("error", "×", "fail"))]
    return (errors or lines or [f"exit status {proc.returncode}"])[-1]


def build(root: str, pkg: Package, out: str) -> tuple[str, str]:
    """``(sdist, wheel)`` of ``pkg`` built into ``out`` with ``uv build`` (sdist, then the
    wheel from it)."""
    uv = shutil.which("uv")
    if uv is None:
        raise ReleaseError("uv: not found; `nox -s release_stage` installs it")
    source = os.path.join(root, pkg.path)
    # Neither --sdist nor --wheel: the sdist, then the wheel from the sdist.
    cmd = [uv, "build", "--no-progress", "--out-dir", out, source]
    print(f"{pkg.name}: {' '.join(cmd)}", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise ReleaseError(f"uv build of {pkg.name} ({pkg.path}) failed: {_last_line(proc)}")
    sdists = [f for f in os.listdir(out) if f.endswith(".tar.gz")]
    wheels = [f for f in os.listdir(out) if f.endswith(".whl")]
    if len(sdists) != 1 or len(wheels) != 1:
        raise ReleaseError(
            f"uv build of {pkg.name} made {sorted(sdists + wheels)}; expected one sdist and one wheel"
        )
    return os.path.join(out, sdists[0]), os.path.join(out, wheels[0])


def twine_check(paths: list[str]) -> None:
    """``twine check --strict`` on ``paths``; a ReleaseError quoting twine's complaint."""
    cmd = [sys.executable, "-m", "twine", "--no-color", "check", "--strict", *paths]
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    except OSError as exc:
        raise ReleaseError(f"twine check: cannot run ({exc})") from None
    if proc.returncode != 0:
        if "No module named twine" in proc.stderr:
            raise ReleaseError("twine: not installed; `nox -s release_stage` installs it")
        sys.stderr.write(proc.stdout + proc.stderr)
        names = ", ".join(os.path.basename(p) for p in paths)
        raise ReleaseError(f"twine check --strict refused {names}: {_last_line(proc)}")


def stage(root: str, pkg: Package) -> list[str]:
    """Build, check and stage ``pkg``'s sdist and wheel with receipts; their staged paths."""
    version = versions.read_version(root, pkg.manifest)
    out = os.path.join(root, dist.STAGE_DIR)
    with tempfile.TemporaryDirectory(prefix="ci-gates-purepy-") as tmp:
        sdist, wheel = build(root, pkg, tmp)
        twine_check([sdist, wheel])
        for path in (sdist, wheel):
            gates = dict.fromkeys(dist.PURE_GATES, "passed")
            dist.write_receipt(path, version, gates, builder=BUILDER)
        # names, versions (file names and metadata), one sdist and one pure wheel
        checked = dist.check(tmp, pkg.name, version, [], pure=True)
        dist.clear(out, dist.project_of(os.path.basename(wheel)))
        staged = []
        for artifact in checked:
            for src in (artifact.path, artifact.path + dist.RECEIPT):
                shutil.copy2(src, os.path.join(out, os.path.basename(src)))
            staged.append(os.path.join(out, os.path.basename(artifact.path)))
    return staged
