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

from ci_gates.core.findings import NOTE, Finding, cannot_run, finding_of, labelled, ran_as, rule

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
    """The path of a CPython ``version`` ("3.9") on this machine, or "" when there is none.

    ``uv python find`` runs while the candidate on PATH is asked its version (a pyenv shim
    for an unselected version takes a while to say no); the first candidate that is
    ``version`` wins, in the order of the module docstring.
    """
    import shutil
    import subprocess

    uv = shutil.which("uv")
    finding = None
    if uv:
        try:
            finding = subprocess.Popen(
                [uv, "python", "find", "--no-project", "--no-python-downloads", version],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                # A version asked by name is a machine fact: not the caller's directory's
                # project, ``.python-version`` or pyenv selection.
                cwd=os.sep,
            )
        except OSError:
            finding = None
    on_path = shutil.which(f"python{version}") or ""
    if on_path and _version_of(on_path) == version:
        if finding is not None:
            finding.kill()
            finding.communicate()
        return on_path
    candidates = []
    if finding is not None:
        try:
            out, _ = finding.communicate(timeout=60)
            candidates.append(out.strip() if finding.returncode == 0 else "")
        except subprocess.TimeoutExpired:
            finding.kill()
            finding.communicate()
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
    """Each supported version with its interpreter path ("" when this machine has none);
    the versions are looked for side by side (the result cache asks on every run)."""
    import threading

    versions = supported(_project_table(root))
    paths: dict[str, str] = {}

    def look(version: str) -> None:
        paths[version] = find(version)

    threads = [threading.Thread(target=look, args=(v,)) for v in versions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [Interpreter(v, paths.get(v, "")) for v in versions]


MEMO = os.path.join("target", "ci-gates", "interpreters.json")
MEMO_DAYS = 1


def _watched(root: str) -> list[str]:
    """Every file and directory whose change could change what :func:`find` finds: the PATH
    directories (a new ``pythonX.Y``), pyenv's builds and selection, uv's managed builds and
    configuration, and the ``.python-version`` / ``pyproject.toml`` / ``uv.toml`` files from
    ``root`` up (pyenv and uv read them)."""
    home = os.path.expanduser("~")
    pyenv = os.environ.get("PYENV_ROOT") or os.path.join(home, ".pyenv")
    data = os.environ.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    out = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    out += [os.path.join(pyenv, "versions"), os.path.join(pyenv, "version")]
    out += [os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.join(data, "uv", "python")]
    out += [os.path.join(config, "uv", "uv.toml"), "/etc/uv/uv.toml"]
    here = os.path.abspath(root)
    while True:
        names = (".python-version", ".python-versions", "uv.toml", "pyproject.toml")
        out += [os.path.join(here, n) for n in names]
        if os.path.dirname(here) == here:
            return out
        here = os.path.dirname(here)


def fingerprint(root: str) -> str:
    """A hash of the environment and of the size, mtime and inode of :func:`_watched`."""
    import hashlib

    names = ("PATH", "HOME", "VIRTUAL_ENV", "CONDA_PREFIX")
    env = sorted(
        (k, v)
        for k, v in os.environ.items()
        if k in names or k.startswith(("PYENV", "UV_", "XDG_"))
    )
    h = hashlib.sha256(repr(env).encode())
    for path in _watched(root):
        try:
            st = os.stat(path)
            h.update(f"{path}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_ino}\n".encode())
        except OSError:
            h.update(f"{path}\0-\n".encode())
    return h.hexdigest()


def remembered_matrix(root: str) -> list[Interpreter]:
    """:func:`matrix`, kept in :data:`MEMO` while its :func:`fingerprint` holds (a day at most).

    The result cache runs ``python -m ci_gates.checks.interpreters`` for every digest of a
    floor gate, and asking uv and pyenv's shims takes about a second of CPU; a new
    interpreter, a changed PATH or pyenv/uv selection changes the fingerprint.
    """
    import json
    import time

    key = fingerprint(root)  # before looking: what changes meanwhile counts next time
    path = os.path.join(root, MEMO)
    try:
        with open(path, encoding="utf-8") as f:
            memo = json.load(f)
        if memo["key"] == key and time.time() - float(memo["at"]) < MEMO_DAYS * 86400:
            found = [Interpreter(str(v), str(p)) for v, p in memo["matrix"]]
            if all(not it.path or os.path.isfile(it.path) for it in found):
                return found
    except (OSError, ValueError, KeyError, TypeError):
        pass
    found = matrix(root)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"key": key, "at": time.time(), "matrix": [list(it) for it in found]}, f)
        os.replace(tmp, path)
    except OSError:
        pass
    return found


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
    return finding_of(
        interpreter_missing,
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
    return finding_of(
        not_abi3,
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


if (
    __name__ == "__main__"
):  # `python -m ci_gates.checks.interpreters`: the matrix (the result cache reads it)
    for _it in remembered_matrix(os.getcwd()):
        print(_it.version, _it.path or "-")
