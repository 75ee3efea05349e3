"""Gate ``typecheck``: mypy at the project's version, with its settings, against its environment.

The version is the one the project pins (lock file, dependency group, the ``mirrors-mypy``
pre-commit hook with its ``additional_dependencies``, requirements:
:mod:`ci_gates.checks.projecttools`), else the library's; the settings are the project's
(``[tool.mypy]``, ``mypy.ini``, ``setup.cfg``), and so is what to check (``files``), else the
package's source directory. Third-party imports resolve in the environment the project's code
runs in (:func:`environment`): its ``.venv`` (or ``venv``) when that has the project installed
(mypy runs from there when it is installed there too), or what ``[tool.ci-gates.typecheck]
environment`` names (``"gates"``: the gates environment, for a project whose checked code is
tooling that runs there, like this template's). Without one, imports mypy cannot find are one
note (TYP002), not errors: they are missing here, not wrong in the project. A project that
checks types with another checker (pyright, ...) and not mypy skips this gate (adopt says so).
mypy reports JSON (``-O json``) where it can, text before 1.11; each error is a finding at
``path:line:column`` with mypy's error code.
"""

from __future__ import annotations

import os
import re

from ci_gates.core.findings import NOTE, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import MYPY, PY_INPUTS, PYYAML, TOMLKIT, TOOL_INPUTS
from ci_gates.core.registry import Gate


def _applies(root: str) -> str:
    """Skipped where the project checks types with another checker and not with mypy, or has
    no Python source to check (an extension module alone)."""
    from ci_gates.checks.projecttools import other_type_checker, uses

    other = other_type_checker(root)
    if other and not uses(root, "mypy"):
        return f"the project checks types with {other}, not mypy (this gate runs mypy)"
    try:
        nothing = not configured_files(root) and not targets(root)
    except CannotRun:
        nothing = False  # the gate itself says what is wrong with the manifests
    if nothing:
        return "no Python package source and no [tool.mypy] files: nothing for mypy to check"
    return ""


def _fingerprint(root: str) -> str:
    """The mypy that judges, and the environment its imports resolve in (its installed dists)."""
    from ci_gates.checks.projecttools import pinned
    from ci_gates.core.config import ConfigError, load

    pin = pinned(root, "mypy", MYPY)
    try:
        python, _ = environment(root, load(root))
        where = _relative(root, python)
    except (ConfigError, CannotRun) as exc:
        python = where = str(exc)
    return f"{pin.requirement} {pin.extra} from {pin.source}; env {where}: {_dists(python)}"


def _relative(root: str, path: str) -> str:
    """``path`` relative to the checkout when inside it: a digest never names where it lives."""
    top = os.path.abspath(root) + os.sep
    return os.path.relpath(path, root) if os.path.abspath(path).startswith(top) else path


GATE = Gate(
    "typecheck",
    "mypy at the project's version, with its settings, against its environment",
    requires=("ruff",),
    # Every third-party module this template's tooling imports, so `nox -s typecheck` in its
    # own venv sees what the `gates` venv (the union of all gates' packages) sees.
    packages=(
        MYPY,
        PYYAML,
        "types-PyYAML",
        "nox",
        "invoke",
        "rich",
        "pyelftools",
        "packaging>=24",
        "filelock>=3.12",
        "installer>=0.7",
        TOMLKIT,
    ),
    inputs=(*PY_INPUTS, *TOOL_INPUTS),
    config=("typecheck",),
    fingerprint=_fingerprint,
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MISSING_IMPORT = ("import-not-found", "import-untyped", "import")
ENV_DIRS = (".venv", "venv")


@rule("TYP001")
def type_error(path: str, line: int, column: int, code: str, message: str) -> Finding:
    """mypy reports a type error (the message ends with mypy's error code).

    Fix the annotation or the code. Where mypy is wrong for that line, ``# type: ignore[code]``
    with the code and a comment saying why.
    """
    tail = f"  [{code}]" if code else ""
    return finding_of(
        type_error, f"{message}{tail}", path, line, column, fix="fix the annotation or the code"
    )


@rule("TYP002", severity=NOTE)
def unresolved_imports(modules: list[str]) -> Finding:
    """mypy could not find some imports, and no environment of the project was there to look in.

    They are treated as ``Any``. Create the project's environment (``uv sync``, a ``.venv``
    with the project installed) and the gate resolves them there, or name one in
    ``[tool.ci-gates.typecheck] environment``.
    """
    shown = ", ".join(modules[:6]) + (f" and {len(modules) - 6} more" if len(modules) > 6 else "")
    return finding_of(
        unresolved_imports,
        f"{len(modules)} imports not resolved without the project's environment: {shown}",
        fix="`uv sync` (a .venv with the project installed), or [tool.ci-gates.typecheck] environment",
        severity=NOTE,
    )


def _finding(path: str, line: int, column: int, code: str, message: str) -> Finding:
    return type_error(path.replace(os.sep, "/"), line, column, code, message)


def parse(stdout: str) -> list[Finding]:
    """One :func:`type_error` per error line of mypy's ``-O json`` output (notes are context)."""
    import json

    out: list[Finding] = []
    for raw in stdout.splitlines():
        try:
            item: object = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(item, dict) or item.get("severity") != "error":
            continue
        message = str(item.get("message", ""))
        if item.get("hint"):
            message = f"{message} ({item['hint']})"
        column = int(item.get("column") or 0)
        line, code = int(item.get("line") or 0), str(item.get("code") or "")
        # mypy's JSON columns start at 0
        out.append(
            _finding(
                str(item.get("file", "")), line, column + 1 if column >= 0 else 0, code, message
            )
        )
    return out


TEXT = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? error: (?P<msg>.*?)(?:  \[(?P<code>[\w-]+)\])?$",
    re.M,
)


def parse_text(stdout: str) -> list[Finding]:
    """The same from mypy's text output (``--show-column-numbers --show-error-codes``)."""
    out = []
    for m in TEXT.finditer(stdout.replace("\r", "")):
        line, col = int(m["line"]), int(m["col"] or 0)
        out.append(_finding(m["path"], line, col, m["code"] or "", m["msg"]))
    return out if out else []


def targets(root: str) -> list[str]:
    """The package's source directory (``python-source``, else the package), when it exists."""
    from ci_gates.core.project import ProjectError, names

    try:
        n = names(root)
    except ProjectError as exc:
        raise CannotRun(str(exc), path="pyproject.toml") from None
    if n.python_source and n.python_source != n.project:
        source = n.python_source  # a declared python-source directory
    else:  # none declared: the package sits in the maturin project's directory, if anywhere
        source = f"{n.project}/{n.package}" if n.project else n.package
    return [source] if os.path.exists(os.path.join(root, source)) else []


def configured_files(root: str) -> bool:
    """Does the project's mypy configuration say what to check (``files``)?"""
    from ci_gates.checks.projecttools import _read, _toml

    mypy = (_toml(os.path.join(root, "pyproject.toml")).get("tool") or {}).get("mypy") or {}
    if isinstance(mypy, dict) and mypy.get("files"):
        return True
    for rel in ("mypy.ini", ".mypy.ini", "setup.cfg"):
        text = _read(os.path.join(root, rel))
        section = re.search(r"(?ms)^\[mypy\]\s*$(.*?)(?=^\[|\Z)", text)
        if section and re.search(r"(?m)^files\s*=", section.group(1)):
            return True
    return False


def _site_packages(python: str) -> list[str]:
    venv = os.path.dirname(os.path.dirname(python))
    import glob

    return glob.glob(os.path.join(venv, "lib", "python*", "site-packages")) + glob.glob(
        os.path.join(venv, "Lib", "site-packages")
    )


def _dists(python: str) -> str:
    """The distributions a venv holds (its ``*.dist-info`` names), for the result cache."""
    names = sorted(
        n for sp in _site_packages(python) for n in os.listdir(sp) if n.endswith(".dist-info")
    )
    return ",".join(names)


def _project_installed(python: str, root: str) -> bool:
    from ci_gates.checks.projecttools import _toml

    name = str((_toml(os.path.join(root, "pyproject.toml")).get("project") or {}).get("name", ""))
    wheel = re.sub(r"[-_.]+", "_", name).lower()
    return bool(wheel) and any(
        n.lower().startswith(f"{wheel}-") and n.endswith(".dist-info")
        for sp in _site_packages(python)
        for n in os.listdir(sp)
    )


def environment(root: str, config: dict[str, Any]) -> tuple[str, str]:
    """``(python, how it was chosen)`` of the environment imports resolve in; ``("", why not)``."""
    import sys

    from ci_gates.core.venvs import venv_python

    chosen = str((config.get("typecheck") or {}).get("environment", ""))
    if chosen == "gates":
        return sys.executable, "the gates environment ([tool.ci-gates.typecheck])"
    if chosen == "none":
        return "", "none ([tool.ci-gates.typecheck])"
    if chosen:
        python = venv_python(os.path.join(root, chosen))
        if not os.path.exists(python):
            raise CannotRun(f"[tool.ci-gates.typecheck] environment {chosen!r}: no {python}")
        return python, f"{chosen} ([tool.ci-gates.typecheck])"
    for rel in ENV_DIRS:
        python = venv_python(os.path.join(root, rel))
        if os.path.exists(python) and _project_installed(python, root):
            return python, f"{rel} (the project is installed there)"
    return "", "no environment with the project installed"


def mypy_command(root: str, python: str) -> tuple[list[str], str]:
    """The mypy to run (the environment's own when it has the pinned one), and its version."""
    from ci_gates.checks.projecttools import pinned
    from ci_gates.checks.toolenv import command, version_of

    pin = pinned(root, "mypy", MYPY)
    if python:
        here = version_of([python, "-m", "mypy"])
        if here and (here == pin.version or pin.source == "ci-gates"):
            return [python, "-m", "mypy"], here
    try:
        cmd = command(root, pin, "mypy")
    except CannotRun as exc:
        raise CannotRun(
            f"cannot install {pin.requirement} (from {pin.source}): {exc.message}"
        ) from None
    return cmd, version_of(cmd)


def _json_output(version: str) -> bool:
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] or [0]
    return tuple(parts) >= (1, 11)


def run(root: str | None = None) -> list[Finding]:
    import subprocess

    from ci_gates.core.context import config_for, note
    from ci_gates.core.env import tool_cache

    root, config = config_for(root)
    found_targets = [] if configured_files(root) else targets(root)
    if not found_targets and not configured_files(root):
        raise CannotRun("no package source directory and no [tool.mypy] files; nothing to check")
    python, why = environment(root, config)
    mypy, version = mypy_command(root, python)
    note(f"mypy {version}; imports resolve in {why}")
    # mypy's own cache is this environment's: a cache written where griffe is installed must
    # not hide a missing griffe in another environment.
    cache = ["--cache-dir", os.path.join(tool_cache("mypy"), version or "unknown")]
    where = ["--python-executable", python] if python and mypy[0] != python else []
    output = (
        ["-O", "json"]
        if _json_output(version)
        else ["--show-column-numbers", "--show-error-codes", "--no-pretty"]
    )
    cmd = [*mypy, "--no-color-output", *output, *cache, *where, *found_targets]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    found = parse(proc.stdout) if _json_output(version) else parse_text(proc.stdout)
    if proc.returncode != 0 and not found:
        first = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["?"])[0]
        raise CannotRun(f"mypy {version} did not finish (exit {proc.returncode}): {first}")
    if python:
        return found
    missing = [f for f in found if f.message.rpartition("[")[2].rstrip("]") in MISSING_IMPORT]
    if not missing:
        return found
    modules = sorted({m for f in missing for m in re.findall(r'"([\w.]+)"', f.message)[:1]})
    return [f for f in found if f not in missing] + [unresolved_imports(modules)]
