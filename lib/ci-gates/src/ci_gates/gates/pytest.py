"""Gate ``pytest``: the Python test suite against the INSTALLED wheel, never the source tree.

The suite (``tests/``) runs from the repo root with the pytest of a venv holding the built
wheel, every gate's tools (the suite tests every gate) and the test libraries; the venv's
scripts directory leads PATH so the tests find the CLI, ruff, check-jsonschema, ... there. The
Python source directory is never on ``sys.path``: the gate checks that the package imports from
the venv before it starts. Tests run in parallel (pytest-xdist, ``-n auto``); "no tests ran"
(pytest exit 5) is a failure, not a pass. Each failing test is a finding at its file and line
(from pytest's JUnit XML). Then ``tests/package`` runs again under the oldest and the newest
CPython the project supports (:mod:`ci_gates.checks.interpreters`), each in a wheel venv of its own, so the
abi3 floor is proven, not promised.

Extra pytest arguments come from ``CI_GATES_PYTEST_ARGS`` (``nox -s pytest -- -m "not slow"``
sets it); a run with them is a partial run, and says so in a note.

This module is ``ci_gates.gates.pytest``; it never imports the real ``pytest`` (it runs it in a
subprocess), and absolute imports elsewhere are unaffected by its name.
"""

from __future__ import annotations

import os

from ci_gates.checks import interpreters
from ci_gates.core import venvs
from ci_gates.core.findings import NOTE, VARIANT_RULE, CannotRun, Finding, labelled, rule
from ci_gates.core.pins import (
    CIBUILDWHEEL,
    EVERYTHING,
    FLOOR_ENV,
    FLOOR_MACHINE,
    GIT_CLIFF,
    PYYAML,
    REHEARSAL_TOOLS,
    TOMLI,
    TOMLKIT,
    UPLOAD_TOOLS,
)
from ci_gates.core.registry import Gate


def _applies(root: str) -> str:
    """Skipped until the project has a tests/ directory."""
    import os

    if os.path.isdir(os.path.join(root, "tests")):
        return ""
    return "no tests/ directory yet; add tests and remove this skip"


GATE = Gate(
    "pytest",
    "Python tests against the installed wheel in a venv (not the source tree)",
    requires=("native_import",),
    # Installed with the wheel into the suite's venv, plus every gate's packages: the
    # suite tests every gate (ci/gates/pytest.py).
    packages=(
        "pytest",
        "pytest-xdist",
        "hypothesis",
        PYYAML,
        TOMLI,
        "nox",
        "invoke",
        "rich",
        GIT_CLIFF,
        TOMLKIT,
        *REHEARSAL_TOOLS,
        CIBUILDWHEEL,
        *UPLOAD_TOOLS,
        "import-linter>=2.1",  # the library's layers (tests/ci/test_layers.py)
    ),
    # The suite tests the whole repository (gates, hooks, docs, workflows): every file.
    inputs=EVERYTHING,
    machine=("wc --version", "git --version", *FLOOR_MACHINE),
    # `nox -s pytest -- ARGS` passes ARGS through it (ci/gates/pytest.py).
    env=("CI_GATES_PYTEST_ARGS", *FLOOR_ENV),
    applies=_applies,
)

CACHE_DIR = "pytest-cache"  # inside the suite's venv
JUNIT = "target/ci-gates/pytest-junit.xml"
# The package tests again under the oldest and newest supported CPython (the abi3 floor).
PACKAGE_TESTS = "tests/package"
PACKAGE_TEST_DEPS = ("pytest", "tomli>=2; python_version < '3.11'")
ARGS_ENV = "CI_GATES_PYTEST_ARGS"
PARALLEL = ("-n", "auto")

_EXIT = {
    2: "the run was interrupted (see pytest's output above; tests/package stops the run when "
    "the package is not the installed wheel)",
    3: "pytest hit an internal error (see the traceback above)",
    4: "pytest usage error: a bad option or ini setting (see above)",
}


@rule("PY001")
def failing_test(nodeid: str, path: str, line: int, message: str) -> Finding:
    """A Python test fails (or errors in a fixture); the finding is at the test's definition."""
    return Finding(
        "PY001",
        f"{nodeid} failed: {message}" if message else f"{nodeid} failed",
        path,
        line,
        fix=f"rerun it alone: `nox -s pytest -- {nodeid}`",
    )


@rule("PY002")
def no_tests_ran() -> Finding:
    """pytest collected nothing: a suite that tests nothing is a failure, not a pass."""
    return Finding(
        "PY002",
        "no tests ran: pytest collected nothing",
        "tests",
        fix="check testpaths and test file names (or the -m / -k of CI_GATES_PYTEST_ARGS)",
    )


@rule("PY003")
def pytest_error(returncode: int) -> Finding:
    """pytest stopped without a verdict: interrupted, an internal error or a usage error.

    Also a run that exits 1 without any failing test in its report (a crash in a plugin).
    """
    why = _EXIT.get(returncode, f"pytest exited {returncode} without a failing test (see above)")
    return Finding("PY003", why, fix="fix what pytest's output above names")


@rule("PY004", severity=NOTE)
def partial_run(args: str) -> Finding:
    """The suite ran with extra arguments (``CI_GATES_PYTEST_ARGS``), maybe not all of it."""
    return Finding("PY004", f"ran with extra pytest arguments: {args}", severity=NOTE)


def command(
    python: str, args: list[str] | tuple[str, ...] = (), parallel: bool = True, junit: str = JUNIT
) -> list[str]:
    """The pytest command line the gate runs (from the repo root)."""
    workers = [*PARALLEL] if parallel else []
    report = ["-o", "junit_family=xunit1", f"--junitxml={junit}"]
    # pytest's own cache belongs to the venv it runs in, never shared with another one.
    cache = os.path.join(os.path.dirname(os.path.dirname(python)), CACHE_DIR)
    return [python, "-m", "pytest", "-o", f"cache_dir={cache}", *report, *workers, *args]


def failed_tests(xml_text: str) -> list[Finding]:
    """One :func:`failing_test` per failed or erroring test case of a JUnit XML report."""
    import xml.etree.ElementTree as ET

    try:
        tree = ET.fromstring(xml_text)
    except ET.ParseError:
        return []
    out: list[Finding] = []
    for case in tree.iter("testcase"):
        bad = case.find("failure")
        bad = bad if bad is not None else case.find("error")
        if bad is None:
            continue
        path = case.get("file", "").replace(os.sep, "/")
        module = path[: -len(".py")].replace("/", ".") if path.endswith(".py") else ""
        classname, name = case.get("classname", ""), case.get("name", "")
        klass = (
            classname[len(module) + 1 :] if module and classname.startswith(module + ".") else ""
        )
        nodeid = "::".join(p for p in (path or classname, klass, name) if p)
        line = int(case.get("line") or -1) + 1  # JUnit's line is 0-based
        message = (bad.get("message") or "").strip().splitlines()
        out.append(failing_test(nodeid, path, line, message[0][:200] if message else ""))
    return out


def verdict(returncode: int, junit_xml: str) -> list[Finding]:
    """The findings of one pytest run: its exit code and JUnit XML report."""
    if returncode == 0:
        return []
    if returncode == 5:
        return [no_tests_ran()]
    failed = failed_tests(junit_xml) if returncode == 1 else []
    return failed or [pytest_error(returncode)]


def suite_env(venv_scripts: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the suite: the venv's scripts first on PATH, no PYTHONPATH."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env.pop(ARGS_ENV, None)
    env["PYTHONNOUSERSITE"] = "1"
    env["PATH"] = os.pathsep.join([venv_scripts, env.get("PATH", "")])
    env["VIRTUAL_ENV"] = os.path.dirname(venv_scripts)
    return env


def run_suite(
    python: str,
    root: str,
    env: dict[str, str],
    args: tuple[str, ...] = (),
    parallel: bool = True,
    junit: str = JUNIT,
) -> list[Finding]:
    """Run pytest (output streamed to ours) and return what it found."""
    import subprocess
    import sys

    report = os.path.join(root, junit)
    if os.path.exists(report):
        os.remove(report)
    sys.stdout.flush()
    sys.stderr.flush()
    code = subprocess.run(command(python, args, parallel, junit), cwd=root, env=env).returncode
    try:
        with open(report, encoding="utf-8") as f:
            xml_text = f.read()
    except OSError:
        xml_text = ""
    return verdict(code, xml_text)


def _venv_python(
    root: str,
    name: str,
    extra: list[str],
    package: str,
    python: str | None = None,
    stamp: str = "",
) -> tuple[str, dict[str, str]]:
    """A wheel venv's python and the suite's environment; CannotRun unless the package imports
    from that venv (never from the source tree)."""
    import subprocess

    from ci_gates.checks import artifacts

    try:
        venv = artifacts.wheel_venv(root, name, extra=extra, python=python, stamp=stamp)
    except artifacts.ArtifactError as exc:
        raise CannotRun(str(exc)) from None
    exe = venvs.venv_python(venv)
    env = suite_env(venvs.venv_scripts(venv))
    code = "import importlib, sys; print(importlib.import_module(sys.argv[1]).__file__)"
    where = subprocess.run(
        [exe, "-c", code, package], cwd=root, env=env, capture_output=True, text=True
    )
    location = os.path.realpath(where.stdout.strip()) if where.returncode == 0 else ""
    if not location.startswith(os.path.realpath(venv) + os.sep):
        raise CannotRun(
            f"{package} does not import from the wheel venv {venv} "
            f"(got {location or where.stderr.strip()[-200:]})",
            "see the native_import gate",
        )
    print(f"pytest: {package} from {location}", flush=True)
    return exe, env


def _library() -> tuple[str, str]:
    """The gate library as the suite's venv installs it (the tests import it), and a stamp
    that changes when a local source of it changes."""
    from ci_gates.core.env import library_requirement, source_digest, source_dir

    requirement, source = library_requirement(), source_dir()
    return requirement, (source_digest(source) if source else "")


def _suite_of(args: list[str], suites: list[str]) -> tuple[str, list[str]]:
    """The suite directory the first path argument lies in ("" for the project's own), and
    the arguments relative to it."""
    for suite in suites:
        prefix = suite.rstrip("/") + "/"
        if any(a.startswith(prefix) for a in args if not a.startswith("-")):
            return suite, [a[len(prefix) :] if a.startswith(prefix) else a for a in args]
    return "", args


def _under(suite: str, found: list[Finding]) -> list[Finding]:
    """Findings of a suite run in ``suite``, their paths made relative to the project root."""
    if not suite:
        return found
    prefix = suite.rstrip("/") + "/"
    return [f._replace(path=prefix + f.path) if f.path else f for f in found]


def floor_runs(root: str, package: str) -> list[Finding]:
    """The package tests under each supported CPython other than the suite's own."""
    import sys

    if not os.path.isdir(os.path.join(root, PACKAGE_TESTS)):
        return []
    pythons, notes = interpreters.for_gate(root)
    found: list[Finding] = []
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    library, stamp = _library()  # the package tests read the project's names with it
    deps = [*PACKAGE_TEST_DEPS, library]
    for it in pythons:
        if it.version == here:
            continue  # the whole suite runs on this version
        name = f"pytest-py{it.version}"
        exe, env = _venv_python(root, name, deps, package, it.path, stamp=stamp)
        junit = f"target/ci-gates/pytest-junit-py{it.version}.xml"
        got = run_suite(exe, root, env, (PACKAGE_TESTS,), parallel=False, junit=junit)
        found += [labelled(f, [interpreters.label(it)]) for f in got]
        found.append(interpreters.checked_under(it))
    return found + notes


def run(root: str | None = None) -> list[Finding]:
    import shlex

    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names
    from ci_gates.core.registry import load

    root, config = config_for(root)
    library, stamp = _library()
    extra = sorted({*load(root).packages(), *GATE.packages, library})
    try:
        package = names(root).package
    except ProjectError as exc:
        raise CannotRun(str(exc)) from None
    python, env = _venv_python(root, "pytest", extra, package, stamp=stamp)
    args = os.environ.get(ARGS_ENV, "").strip()
    suites = list(config["pytest"]["suites"])
    if args:  # a chosen subset: in the suite its first path names; no floor runs
        where, rest = _suite_of(shlex.split(args), suites)
        found = run_suite(python, os.path.join(root, where), env, tuple(rest))
        return [*_under(where, found), partial_run(args)]
    found = run_suite(python, root, env)
    for suite in suites:
        junit = f"{JUNIT[: -len('.xml')]}-{len(found)}.xml"
        found += _under(suite, run_suite(python, os.path.join(root, suite), env, junit=junit))
    floor = floor_runs(root, package)
    if not any(f.rule == VARIANT_RULE for f in floor):
        return [*found, *floor]

    here = interpreters.current()
    mine = [labelled(f, [interpreters.label(here)]) for f in found]
    return [*mine, interpreters.checked_under(here), *floor]
