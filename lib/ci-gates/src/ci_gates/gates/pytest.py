"""Gate ``pytest``: the Python test suite against the INSTALLED wheel, never the source tree.

The suite runs from the directory of the project's pytest configuration (:mod:`ci_gates.checks.
suites`: the repository root, or the maturin project's directory in a workspace) with the
pytest of a venv holding the built wheel with its dependencies, what the project declares for
its tests (:mod:`ci_gates.checks.testdeps`: a dependency group, an extra, a requirements file
or ``[tool.ci-gates.pytest] test-deps``), pytest and pytest-xdist; the venv's scripts
directory leads PATH. It runs pytest's ``testpaths``, else ``tests/``. The Python source
directory is never on ``sys.path``: the gate checks that the package imports from the venv
before it starts, and bytecode goes under ``target/`` (the gates never write the maintainer's
tree). Tests run in parallel (pytest-xdist, ``-n auto``); "no tests ran" (pytest exit 5) is a
failure, not a pass. Each failing test is a finding at its file and line (from pytest's JUnit
XML) whose re-run command works as printed from the root. Then ``tests/package`` runs again
under the oldest and the newest CPython the project supports (:mod:`ci_gates.checks.
interpreters`), each in a wheel venv of its own, so the abi3 floor is proven, not promised.

``[tool.ci-gates.pytest] suites`` adds suites of their own (a library developed in the same
repository), run in the same venv with their declared test dependencies; the gate library's
own suite also gets the library and every gate's tools (it tests every gate).

Extra pytest arguments come from ``CI_GATES_PYTEST_ARGS`` (``nox -s pytest -- -m "not slow"``
sets it); a run with them is a partial run, and says so in a note. A path among them picks the
suite it lies in.

This module is ``ci_gates.gates.pytest``; it never imports the real ``pytest`` (it runs it in a
subprocess), and absolute imports elsewhere are unaffected by its name.
"""

from __future__ import annotations

import os

from ci_gates.checks import interpreters, suites
from ci_gates.core import venvs
from ci_gates.core.env import library_and_stamp
from ci_gates.core.findings import (
    NOTE,
    VARIANT_RULE,
    CannotRun,
    Finding,
    finding_of,
    labelled,
    rule,
)
from ci_gates.core.pins import EVERYTHING, FLOOR_ENV, FLOOR_MACHINE
from ci_gates.core.registry import Gate
from ci_gates.gates import pytest_select, pytest_side

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _applies(root: str) -> str:
    """Skipped until the project has tests (pytest's ``testpaths``, or a tests/ directory)."""
    from ci_gates.core.project import ProjectError, names

    try:
        main = suites.suite_dir(root, names(root).project)
    except ProjectError:
        return ""
    if suites.test_paths(root, main)[0]:
        return ""
    where = f"{main}/tests" if main else "tests"
    return f"no {where}/ directory (or pytest testpaths) yet; add tests and remove this skip"


GATE = Gate(
    "pytest",
    "Python tests against the installed wheel in a venv (not the source tree)",
    requires=("native_import",),
    # The gate's own, installed with the wheel and the project's test dependencies into the
    # suite's venv (checks/testdeps.py).
    packages=("pytest", "pytest-xdist"),
    # The suite tests the whole repository (gates, hooks, docs, workflows): every file.
    inputs=EVERYTHING,
    machine=("wc --version", "git --version", *FLOOR_MACHINE),
    # `nox -s pytest -- ARGS` passes ARGS through it (ci/gates/pytest.py).
    env=("CI_GATES_PYTEST_ARGS", *FLOOR_ENV),
    applies=_applies,
)

CACHE_DIR = "pytest-cache"  # inside the suite's venv
PYCACHE = "target/ci-gates/pycache"  # PYTHONPYCACHEPREFIX: bytecode never lands in the tree
LIBRARY = "ci-gates"  # a test requirement naming it gets the library that is running
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
    """A Python test fails (or errors in a fixture, or its file does not import); the finding is
    at the test's definition. ``nodeid`` is relative to the root, so the re-run works as printed."""
    import shlex

    return finding_of(
        failing_test,
        f"{nodeid} failed: {message}" if message else f"{nodeid} failed",
        path,
        line,
        fix=f"rerun it alone: `nox -s pytest -- {shlex.quote(nodeid)}`",
    )


@rule("PY002")
def no_tests_ran(where: str = "tests") -> Finding:
    """pytest collected nothing: a suite that tests nothing is a failure, not a pass."""
    return finding_of(
        no_tests_ran,
        "no tests ran: pytest collected nothing",
        where,
        fix="check testpaths and test file names (or the -m / -k of CI_GATES_PYTEST_ARGS)",
    )


@rule("PY003")
def pytest_error(returncode: int) -> Finding:
    """pytest stopped without a verdict: interrupted, an internal error or a usage error.

    Also a run that exits 1 without any failing test in its report (a crash in a plugin).
    """
    why = _EXIT.get(returncode, f"pytest exited {returncode} without a failing test (see above)")
    return finding_of(pytest_error, why, fix="fix what pytest's output above names")


@rule("PY004", severity=NOTE)
def partial_run(args: str) -> Finding:
    """The suite ran with extra arguments (``CI_GATES_PYTEST_ARGS``), maybe not all of it."""
    return finding_of(partial_run, f"ran with extra pytest arguments: {args}", severity=NOTE)


def command(
    python: str, args: list[str] | tuple[str, ...] = (), parallel: bool = True, junit: str = JUNIT
) -> list[str]:
    """The pytest command line the gate runs (from the repo root)."""
    workers = [*PARALLEL] if parallel else []
    report = ["-o", "junit_family=xunit1", f"--junitxml={junit}"]
    # pytest's own cache belongs to the venv it runs in, never shared with another one.
    cache = os.path.join(os.path.dirname(os.path.dirname(python)), CACHE_DIR)
    return [python, "-m", "pytest", "-o", f"cache_dir={cache}", *report, *workers, *args]


def failed_tests(xml_text: str, suite: str = "") -> list[Finding]:
    """One :func:`failing_test` per failed or erroring test case of a JUnit XML report of a
    suite run in ``suite`` (its paths and ids are made relative to the root)."""
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
        if module and name == module and not klass:  # the file itself: it did not import
            name = ""
        nodeid = "::".join(p for p in (path or classname, klass, name) if p)
        line = int(case.get("line") or -1) + 1  # JUnit's line is 0-based
        message = (bad.get("message") or "").strip().splitlines()
        if message == ["collection failure"]:  # the cause is the traceback's last `E` line
            cause = [ln[1:].strip() for ln in (bad.text or "").splitlines() if ln.startswith("E ")]
            message = [f"collection failure: {cause[-1]}"] if cause else message
        out.append(
            failing_test(
                suites.prefixed(suite, nodeid),
                suites.prefixed(suite, path),
                line,
                message[0][:200] if message else "",
            )
        )
    return out


def verdict(returncode: int, junit_xml: str, suite: str = "") -> list[Finding]:
    """The findings of one pytest run in ``suite``: its exit code and JUnit XML report."""
    if returncode == 0:
        return []
    if returncode == 5:
        return [no_tests_ran(suites.prefixed(suite, "tests") if suite else "tests")]
    failed = failed_tests(junit_xml, suite) if returncode == 1 else []
    return failed or [pytest_error(returncode)]


def suite_env(
    venv_scripts: str, environ: dict[str, str] | None = None, pycache: str = ""
) -> dict[str, str]:
    """The environment for the suite: the venv's scripts first on PATH, no PYTHONPATH, and
    bytecode under ``pycache`` (never beside the tests in the maintainer's tree)."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    env.pop(ARGS_ENV, None)
    env["PYTHONNOUSERSITE"] = "1"
    env["PATH"] = os.pathsep.join([venv_scripts, env.get("PATH", "")])
    env["VIRTUAL_ENV"] = os.path.dirname(venv_scripts)
    if pycache:
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def run_suite(
    python: str,
    root: str,
    env: dict[str, str],
    args: tuple[str, ...] = (),
    parallel: bool = True,
    junit: str = JUNIT,
    suite: str = "",
    out: Any = None,
) -> list[Finding]:
    """Run pytest in ``suite`` (relative to ``root``; output streamed to ours, or to the file
    ``out``) and return what it found, its paths and test ids relative to ``root``."""
    import subprocess
    import sys

    report = os.path.join(root, junit)
    if os.path.exists(report):
        os.remove(report)
    sys.stdout.flush()
    sys.stderr.flush()
    cwd = os.path.join(root, suite) if suite else root
    cmd = command(python, args, parallel, report)
    to = {"stdout": out, "stderr": subprocess.STDOUT} if out is not None else {}
    code = subprocess.run(cmd, cwd=cwd, env=env, **to).returncode
    try:
        with open(report, encoding="utf-8") as f:
            xml_text = f.read()
    except OSError:
        xml_text = ""
    return verdict(code, xml_text, suite)


def _venv_python(
    root: str,
    name: str,
    extra: list[str],
    package: str,
    python: str | None = None,
    stamp: str = "",
    with_deps: tuple[str, ...] | None = None,
) -> tuple[str, dict[str, str]]:
    """A wheel venv's python and the suite's environment; CannotRun unless the package imports
    from that venv (never from the source tree)."""
    import subprocess

    from ci_gates.checks import artifacts

    try:
        venv = artifacts.wheel_venv(
            root, name, extra=extra, python=python, stamp=stamp, with_deps=with_deps
        )
    except artifacts.ArtifactError as exc:
        raise CannotRun(str(exc)) from None
    exe = venvs.venv_python(venv)
    env = suite_env(venvs.venv_scripts(venv), pycache=os.path.join(root, PYCACHE))
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


def floor_jobs(
    root: str, package: str, suite: str = "", select: bool = True
) -> tuple[list[pytest_select.Job], list[interpreters.Interpreter], list[Finding]]:
    """The package tests' runs under each supported CPython other than the suite's own, those
    CPythons, and the notes on the ones this machine lacks."""
    import sys

    if not os.path.isdir(os.path.join(root, suites.prefixed(suite, PACKAGE_TESTS))):
        return [], [], []
    pythons, notes = interpreters.for_gate(root)
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    library, stamp = library_and_stamp()  # the package tests read the project's names with it
    deps = [*PACKAGE_TEST_DEPS, library]
    others = [it for it in pythons if it.version != here]  # the whole suite runs on `here`
    jobs = []
    for it in others:
        exe, env = _venv_python(root, f"pytest-py{it.version}", deps, package, it.path, stamp=stamp)
        junit = f"target/ci-gates/pytest-junit-py{it.version}.xml"
        label, tests = f"{suite or 'root'}-py{it.version}", (PACKAGE_TESTS,)
        jobs.append(
            pytest_select.prepare(exe, root, env, suite, label, tests, select, False, junit=junit)
        )
    return jobs, others, notes


def run(root: str | None = None) -> list[Finding]:
    import shlex

    from ci_gates.checks.testdeps import DepsError
    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names

    root, config = config_for(root)
    try:
        n = names(root)
    except ProjectError as exc:
        raise CannotRun(str(exc)) from None
    main = suites.suite_dir(root, n.project)
    extra_suites = [s.strip("/") for s in config["pytest"]["suites"]]
    try:
        extra, extras, stamp = requirements(root, n.dist, main, extra_suites, config)
    except DepsError as exc:
        raise CannotRun(str(exc), "fix [tool.ci-gates.pytest] test-deps") from None
    python, env = _venv_python(root, "pytest", extra, n.package, stamp=stamp, with_deps=extras)
    words = shlex.split(os.environ.get(ARGS_ENV, ""))
    select = pytest_select.NO_SELECT not in words  # `-- --no-select`: every test, recorded
    args = shlex.join(w for w in words if w != pytest_select.NO_SELECT)
    if args:  # a chosen subset: in the suite its first path names; no floor runs
        where, rest = suites.route(shlex.split(args), [main, *extra_suites], main)
        return [*run_suite(python, root, env, tuple(rest), suite=where), partial_run(args)]
    jobs = [
        pytest_select.prepare(
            python, root, env, suite, "", _default_args(root, suite), select, junit=junit
        )
        for i, suite in enumerate([main, *extra_suites])
        for junit in [f"{JUNIT[: -len('.xml')]}-{i - 1}.xml" if i else JUNIT]
    ]
    floors, others, notes = floor_jobs(root, n.package, main, select)
    results = pytest_side.run_all(run_suite, [*jobs, *floors])
    found = [f for got in results[: len(jobs)] for f in got]
    floor = []
    for it, got in zip(others, results[len(jobs) :]):
        floor += [
            *(labelled(f, [interpreters.label(it)]) for f in got),
            interpreters.checked_under(it),
        ]
    floor += notes
    if not any(f.rule == VARIANT_RULE for f in floor):
        return [*found, *floor]

    here = interpreters.current()
    mine = [labelled(f, [interpreters.label(here)]) for f in found]
    return [*mine, interpreters.checked_under(here), *floor]


def _default_args(root: str, suite: str) -> tuple[str, ...]:
    """What a whole-suite run names: nothing when pytest's testpaths do, else ``tests/``."""
    paths, configured = suites.test_paths(root, suite)
    return () if configured else tuple(paths)


def requirements(
    root: str, dist: str, main: str, extra_suites: list[str], config: dict[str, Any]
) -> tuple[list[str], tuple[str, ...], str]:
    """(what the suites' venv installs besides the wheel, the wheel's extras, a stamp).

    A requirement naming ``ci-gates`` is the library that is running (its source's digest is
    the stamp); the library's own suite also gets every gate's tools (it tests every gate).
    """
    from ci_gates.checks import testdeps
    from ci_gates.core.registry import load

    explicit = list(config["pytest"]["test-deps"])
    main_deps = testdeps.declared(root, main, explicit, dist)
    found = [main_deps]
    found += [testdeps.declared(root, s, [], "") for s in extra_suites]
    reqs = [r for deps in found for r in deps.requirements]
    for deps in found:
        print("pytest: test dependencies from " + (", ".join(deps.sources) or "none"), flush=True)
    if any(testdeps.project_name(root, s) == LIBRARY for s in extra_suites):
        reqs += [LIBRARY, *load(root).packages()]
    library, stamp = library_and_stamp()
    uses_library = any(testdeps.requirement_name(r) == LIBRARY for r in reqs)
    reqs = [r for r in reqs if testdeps.requirement_name(r) != LIBRARY]
    reqs = [*GATE.packages, *dict.fromkeys(reqs), *([library] if uses_library else [])]
    return reqs, main_deps.extras, stamp if uses_library else ""
