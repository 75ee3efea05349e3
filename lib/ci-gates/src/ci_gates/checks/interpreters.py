"""The CPython interpreters the abi3 wheel is proven on: the oldest and newest the project supports.

- the oldest is the floor of ``[project].requires-python`` (``>=3.9`` -> 3.9);
- the newest is the highest ``Programming Language :: Python :: 3.X`` classifier (the floor
  alone when there is none).

An interpreter is found the way nox and uv find one, then where pyenv keeps its builds, so
pyenv installs count without activating pyenv (its shims answer only for the selected
versions): ``pythonX.Y`` on PATH that really is X.Y, then ``uv python find X.Y``, then
``$PYENV_ROOT/versions/X.Y.*/bin/pythonX.Y`` (the newest patch release).

The gates that prove the floor (native_import, stubs, parity, pytest's package tests) run once
per interpreter. A supported interpreter that cannot be found could not run in CI (``CI`` set);
locally it is a note naming the version and how to get it.
"""

from __future__ import annotations

import os
import re
import sys

from ci_gates.core.findings import NOTE, Finding, cannot_run, labelled, ran_as, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    class Interpreter(NamedTuple):
        version: str  # "3.9"
        path: str  # "" when not found
else:
    from collections import namedtuple

    Interpreter = namedtuple("Interpreter", "version path")

_CLASSIFIER = re.compile(r"^Programming Language :: Python :: 3\.(\d+)$")
_FLOOR = re.compile(r">=\s*3\.(\d+)")


def supported(project: dict[str, object]) -> list[str]:
    """``["3.9", "3.13"]``: the floor of requires-python and the newest version classifier."""
    floor = _FLOOR.search(str(project.get("requires-python", "")))
    classifiers = project.get("classifiers")
    minors = [
        int(m.group(1))
        for c in (classifiers if isinstance(classifiers, list) else [])
        if (m := _CLASSIFIER.match(str(c)))
    ]
    low = int(floor.group(1)) if floor else min(minors, default=sys.version_info[1])
    high = max([low, *minors])
    return [f"3.{minor}" for minor in dict.fromkeys((low, high))]


def _version_of(python: str) -> str:
    import subprocess

    try:
        proc = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def _pyenv_candidates(version: str) -> list[str]:
    base = os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")
    versions = os.path.join(base, "versions")
    try:
        names = os.listdir(versions)
    except OSError:
        return []
    pattern = re.compile(rf"^{re.escape(version)}\.(\d+)$")  # CPython only: no "3.9.18t", no pypy
    found = sorted((int(m.group(1)), n) for n in names if (m := pattern.match(n)))
    exe = "python.exe" if os.name == "nt" else f"python{version}"
    return [os.path.join(versions, n, "bin", exe) for _, n in reversed(found)]


def find(version: str) -> str:
    """The path of a CPython ``version`` ("3.9") on this machine, or "" when there is none."""
    import shutil
    import subprocess

    candidates = [shutil.which(f"python{version}") or ""]
    uv = shutil.which("uv")
    if uv:
        try:
            proc = subprocess.run(
                [uv, "python", "find", "--no-python-downloads", version],
                capture_output=True,
                text=True,
                timeout=60,
            )
            candidates.append(proc.stdout.strip() if proc.returncode == 0 else "")
        except (OSError, subprocess.SubprocessError):
            pass
    candidates += _pyenv_candidates(version)
    return next((c for c in candidates if c and _version_of(c) == version), "")


def _project_table(root: str) -> dict[str, object]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(os.path.join(root, "pyproject.toml"), "rb") as f:
            project = tomllib.load(f).get("project", {})
    except (OSError, ValueError):
        return {}  # the gates report an unreadable pyproject.toml through ci_gates.core.project
    return project if isinstance(project, dict) else {}


def matrix(root: str) -> list[Interpreter]:
    """Each supported version with its interpreter path ("" when this machine has none)."""
    return [Interpreter(v, find(v)) for v in supported(_project_table(root))]


def in_ci() -> bool:
    """True under CI (``CI=true``, as GitHub Actions and .ci/run set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@rule("PYV001", severity=NOTE, gate="")
def interpreter_missing(version: str) -> Finding:
    """A supported CPython is not on this machine, so the floor/newest proof skipped it (a note).

    The gates that prove the abi3 wheel (native_import, stubs, parity, pytest's package tests)
    run under the oldest and the newest CPython the project supports. Locally a missing one is
    this note; in CI (``CI`` set) the gate could not run instead.
    """
    return Finding(
        "PYV001",
        f"CPython {version} not found: not checked on it (CI requires it)",
        fix=f"install it (`uv python install {version}`, pyenv, or your OS's python{version})",
        severity=NOTE,
    )


@rule("PYV002", severity=NOTE, gate="")
def not_abi3(wheel: str, version: str) -> Finding:
    """The built wheel is not abi3, so it runs only on the CPython it was built for (a note).

    The floor/newest proof applies to abi3 (and pure) wheels; a version-specific wheel is
    checked on the interpreter running the gates, which built it.
    """
    return Finding(
        "PYV002",
        f"{wheel} is not an abi3 wheel: checked on CPython {version} only",
        fix="build with pyo3's abi3-py3X feature to support every version from the floor on",
        severity=NOTE,
    )


def _wheel_abi(root: str) -> tuple[str, str]:
    """The current build's wheel file name and its ABI tag (``abi3``, ``none``, ``cp311``), or
    ``("", "")`` without a current build (the gate reports that itself)."""
    from ci_gates.checks.artifacts import ArtifactError, current_manifest

    try:
        wheel = os.path.basename(str(current_manifest(root)["wheel"]))
    except (ArtifactError, KeyError, OSError):
        return "", ""
    parts = wheel[: -len(".whl")].split("-")
    return wheel, parts[-2] if len(parts) >= 5 else ""


def current() -> Interpreter:
    """The interpreter running the gates."""
    return Interpreter(f"{sys.version_info[0]}.{sys.version_info[1]}", sys.executable)


def for_gate(root: str) -> tuple[list[Interpreter], list[Finding]]:
    """The interpreters a floor-proving gate runs under, and the findings about missing ones.

    Missing in CI: a ``GATE001`` finding (could not run). Locally: a :func:`interpreter_missing`
    note. When none is found locally, the interpreter running the gate stands in, so the gate
    still checks something. A wheel that is not abi3 is checked on the running interpreter.
    """
    wheel, abi = _wheel_abi(root)
    if abi and abi not in ("abi3", "none"):
        return [current()], [not_abi3(wheel, current().version)]
    found: list[Interpreter] = []
    missing: list[Interpreter] = []
    for it in matrix(root):
        (found if it.path else missing).append(it)
    if missing and in_ci():
        names = ", ".join(f"CPython {it.version}" for it in missing)
        fix = "install it on the CI machine (actions/setup-python or uv python install)"
        return found, cannot_run(f"{names}: not found; the abi3 floor cannot be proven", fix)
    notes = [interpreter_missing(it.version) for it in missing]
    return found or [current()], notes


LABEL = "CPython "


def label(it: Interpreter) -> str:
    return f"{LABEL}{it.version}"


def checked_under(it: Interpreter) -> Finding:
    """The variant note of a run under ``it`` (one table row; :func:`findings.ran_as`)."""
    return ran_as(label(it), it.path or sys.executable)


def merge(per: list[tuple[Interpreter, list[Finding]]]) -> list[Finding]:
    """The findings of one check run under several interpreters, in order, then one
    :func:`checked_under` note per interpreter.

    A finding every interpreter reports is one finding; one that only some report says which:
    ``on CPython 3.9: <message>`` (:func:`findings.labelled`).
    """
    first: dict[tuple[object, ...], Finding] = {}
    who: dict[tuple[object, ...], list[str]] = {}
    for it, found in per:
        for f in found:
            key: tuple[object, ...] = (f.rule, f.path, f.line, f.column, f.message)
            first.setdefault(key, f)
            who.setdefault(key, [])
            if label(it) not in who[key]:
                who[key].append(label(it))
    out = []
    for key, f in first.items():
        if len(who[key]) < len(per):
            f = labelled(f, who[key])
        out.append(f)
    return out + [checked_under(it) for it, _ in per]


if __name__ == "__main__":  # `python -m ci_gates.checks.interpreters`: the result cache reads it
    from ci_gates.checks.discovery import cached_output

    def _lines(root: str) -> str:
        return "".join(f"{it.version} {it.path or '-'}\n" for it in matrix(root))

    print(cached_output(os.getcwd(), _lines), end="")
