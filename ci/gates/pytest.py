"""pytest: the Python test suite against the INSTALLED wheel, never the source tree.

The suite (``tests/``: ``tests/ci``, ``tests/hooks``, ``tests/package``) runs from the repo
root with the pytest of a venv holding the built wheel, every gate's tools (the suite tests
every gate) and the test libraries; the venv's scripts directory leads PATH so the tests
find ``template-cli``, ruff, check-jsonschema, ... there. ``python/`` is never on
``sys.path``: the gate checks that ``template_python_rust_cmd`` imports from the venv before
it starts. "No tests ran" (pytest exit 5) is a failure, not a pass.

This module is ``ci.gates.pytest``; it never imports the real ``pytest`` (it runs it in a
subprocess), and absolute imports elsewhere are unaffected by its name.
"""

from __future__ import annotations

import os
import sys

from ci.gates import cannot_run, note, problem, project_root, verdict

PACKAGE = "template_python_rust_cmd"
CACHE_DIR = "target/ci-gates/pytest-cache"

_EXIT = {
    1: "tests failed (see pytest's output above); fix the code or the test",
    2: "the run was interrupted (see pytest's output above; tests/package stops the run when "
    "the package is not the installed wheel)",
    3: "pytest hit an internal error (see the traceback above)",
    4: "pytest usage error: a bad option or ini setting (see above)",
    5: "no tests ran: pytest collected nothing under tests/; a suite that tests nothing is a "
    "failure (check testpaths and test file names)",
}


def command(python: str, args: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The pytest command line the gate runs (from the repo root)."""
    return [python, "-m", "pytest", "-o", f"cache_dir={CACHE_DIR}", *args]


def interpret(returncode: int) -> str | None:
    """None for a passing run, else the one-line reason for pytest's exit code."""
    if returncode == 0:
        return None
    return _EXIT.get(returncode, f"pytest exited {returncode} (see its output above)")


def test_env(venv_scripts: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the suite: the venv's scripts first on PATH, no PYTHONPATH."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env["PYTHONNOUSERSITE"] = "1"
    env["PATH"] = os.pathsep.join([venv_scripts, env.get("PATH", "")])
    env["VIRTUAL_ENV"] = os.path.dirname(venv_scripts)
    return env


def run_suite(python: str, root: str, env: dict[str, str], args: tuple[str, ...] = ()) -> int:
    """Run pytest (output streamed to ours) and report its outcome; returns 0 or 1."""
    import subprocess

    sys.stdout.flush()
    sys.stderr.flush()
    code = subprocess.run(command(python, args), cwd=root, env=env).returncode
    reason = interpret(code)
    if reason:
        problem(f"tests/: {reason} (pytest exit {code})")
        return verdict(1)
    return verdict(0)


def run(root: str | None = None) -> int:
    import subprocess

    from ci import artifacts
    from ci.registry import BY_NAME, packages_union

    root = root or project_root()
    extra = sorted(set(packages_union()) | set(BY_NAME["pytest"].packages))
    try:
        venv = artifacts.wheel_venv(root, "pytest", extra=extra)
    except artifacts.ArtifactError as exc:
        return cannot_run(f"pytest: {exc}")
    python = artifacts.venv_python(venv)
    env = test_env(artifacts.venv_scripts(venv))
    where = subprocess.run(
        [python, "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    location = os.path.realpath(where.stdout.strip()) if where.returncode == 0 else ""
    if not location.startswith(os.path.realpath(venv) + os.sep):
        return cannot_run(
            f"pytest: {PACKAGE} does not import from the wheel venv {venv} "
            f"(got {location or where.stderr.strip()[-200:]}); see the native_import gate"
        )
    note(f"pytest: {PACKAGE} from {location}")
    return run_suite(python, root, env)
