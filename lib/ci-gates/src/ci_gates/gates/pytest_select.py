"""The pytest gate runs only the tests a change can reach, from what each test reached last time.

Every run of a suite records, per test, the files whose code ran, the modules imported, the
files read and directories listed, and where the processes it started were pointed
(:mod:`ci_gates.gates.pytest_recorder`, copied into the suite's venv with a ``.pth`` line so
the Python processes a test starts record too). The next run compares every file the data was
recorded against with now and runs the tests the difference reaches (:mod:`ci_gates.gates.
pytest_deps`), plus every test that failed last time and every test it has not seen; a note says
how many and why. Only a passing run moves the data on (:mod:`ci_gates.gates.pytest_select_env`
says what it is recorded against).

The whole suite runs (and records afresh) when the change is one it cannot map: no data yet; a
new environment (interpreter, installed distributions, the gates environment, the recorder) or a
new wheel (the data's key); a ``conftest.py``, a ``pyproject.toml``, a lock or requirements
file; a non-Python file under the suite's test paths (fixture data) or in an installed package
it tracks (package data); a file added or removed, other than a test module (a test may look
for a file without opening it). The first run in a checkout runs everything *unrecorded* (a
cold start, perhaps the clone's only run, pays nothing for the recorder); the next records. And
always, unrecorded (nothing will select from it), with ``--no-cache`` (``CI_GATES_NO_CACHE``),
in CI on the default branch (``CI`` and ``GITHUB_REF`` naming it, or no ``GITHUB_REF``), with
``--no-select`` among the gate's pytest arguments, or with other pytest arguments (the run is
the one asked for).

The data lives in ``target/ci-gates/select/<suite>/<environment key>/data-<time>.json``, the
last :data:`KEEP` passing runs' per suite and environment, never shared: another environment
has another key and starts from a full run. A run selects against the kept data closest to now.
"""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from ci_gates.core.findings import NOTE, Finding, finding_of, rule
from ci_gates.gates import pytest_deps
from ci_gates.gates.pytest_deps import Change, Data, data_path, prune, snapshots, suite_dir
from ci_gates.gates.pytest_select_env import (
    PLUGIN,
    environment_key,
    fingerprint,
    install_recorder,
    site_packages,
    tracked_packages,
)

NO_SELECT = "--no-select"
LOCKS = {"uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml", "pdm.toml"}
CONFIGS = {"conftest.py", "pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "pytest.ini"}
PARALLEL_FROM = 8.0  # seconds of selected tests (as last recorded) worth starting xdist for


@rule("PY005", severity=NOTE, gate="pytest")
def selected_run(suite: str, ran: int, total: int, why: str) -> Finding:
    """The suite ran only the tests the change can reach (recorded per test: the code it ran,
    the modules it imported, the files it read and the paths of the processes it started)."""
    return finding_of(
        selected_run,
        f"{suite}: ran {ran:,} of {total:,} tests: {why}; `nox -s pytest -- {NO_SELECT}` runs all",
        severity=NOTE,
    )


def disabled(environ: dict[str, str] | None = None) -> str:
    """Why every test runs whatever changed ("" when selection may be used)."""
    env = os.environ if environ is None else environ
    truthy = ("1", "true", "yes", "on")
    if env.get("CI_GATES_NO_CACHE", "").strip().lower() in truthy:
        return "--no-cache"
    if env.get("CI", "").strip().lower() not in truthy:
        return ""
    ref = env.get("GITHUB_REF", "")
    if ref.startswith("refs/pull/"):
        return ""
    if ref.startswith("refs/heads/") and ref[len("refs/heads/") :] not in _defaults(dict(env)):
        return ""
    return "CI on the default branch" if ref else "CI (no branch named)"


def _defaults(env: dict[str, str]) -> set[str]:
    """The default branch: from the GitHub event, else main or master."""
    try:
        with open(env.get("GITHUB_EVENT_PATH", ""), encoding="utf-8") as f:
            branch = json.load(f)["repository"]["default_branch"]
        return {str(branch)}
    except (OSError, ValueError, KeyError, TypeError):
        return {"main", "master"}


def unmappable(change: Change, test_dirs: list[str]) -> str:
    """The first changed path selection cannot map to tests, with why ("" when none)."""
    for path in sorted(change.paths):
        name = path.rsplit("/", 1)[-1]
        in_tests = any(path.startswith(d + "/") for d in test_dirs)
        if path.startswith("site:"):
            if not path.endswith(".py"):
                return f"{path[5:]} (package data) changed"
            if path not in change.changed:
                return f"{path[5:]} was added or removed"
        elif name in CONFIGS or name in LOCKS or name.startswith("requirements"):
            return f"{path} changed"
        elif not path.endswith(".py") and in_tests:
            return f"{path} (test data) changed"
        elif path not in change.changed and (not in_tests or name == "__init__.py"):
            # A test may look for a file without opening it (``os.path.exists``, a stat): no
            # record says who did. Only a test module added or removed is known to reach no
            # other test (a package marker changes the test modules' names).
            return f"{path} was added or removed"
    return ""


class Where:
    """Where a suite's files are: the root, the suite's directory, the venv's site-packages."""

    def __init__(self, root: str, suite: str, site: str) -> None:
        self.root, self.suite, self.site = root, suite, site

    def file(self, path: str) -> str:
        if path.startswith("site:"):
            return os.path.join(self.site, path[len("site:") :])
        return os.path.join(self.root, path)

    def skeleton(self, path: str) -> str:
        try:
            with open(self.file(path), "rb") as f:
                return pytest_deps.skeleton(f.read())
        except OSError:
            return ""


class Plan:
    def __init__(self, reason: str = "", ids: list[str] | None = None) -> None:
        self.reason = reason  # why everything runs ("" for a selection)
        self.ids = ids or []
        self.files: list[str] = []  # test files to collect, relative to the suite
        self.seconds = 0.0
        self.why = ""
        self.total = 0


def plan(
    data: Data | None, key: str, now: dict[str, str], where: Where, test_dirs: list[str]
) -> Plan:
    """Which tests to run: everything (with the reason) or the ones the change reaches."""
    if data is None:
        return Plan("no selection data yet")
    if data.key != key:
        return Plan("a new environment or wheel")
    if not data.tests:  # nothing recorded is no proof that nothing is reached
        return Plan("no test recorded yet")
    change = Change(data.files, now)
    why_all = unmappable(change, test_dirs)
    if why_all:
        return Plan(why_all)
    skeletons = {p: where.skeleton(p) for p in change.changed if p.endswith(".py")}
    suite = where.suite
    reach = pytest_deps.affected(change, data, skeletons)
    chosen = {}
    for nodeid, test in data.tests.items():
        why = pytest_deps.reached(test, change, reach)
        if why:
            chosen[nodeid] = why
    prefix = f"{suite}/" if suite else ""
    # A removed test file's tests are gone (naming its file to pytest would be a usage error).
    chosen = {n: w for n, w in chosen.items() if prefix + n.split("::")[0] not in change.removed}
    test_files = [
        p
        for p in sorted(change.added | change.changed)
        if p.startswith(prefix)
        and p.endswith(".py")
        and p.rsplit("/", 1)[-1].startswith("test")
        and any(p.startswith(d + "/") for d in test_dirs)
    ]
    out = Plan("", sorted(chosen))
    out.files = sorted({n.split("::")[0] for n in chosen} | {p[len(prefix) :] for p in test_files})
    out.seconds = sum(float(str(data.tests[n].get("seconds", 0.0))) for n in chosen)
    out.total = sum(1 for n in data.tests if prefix + n.split("::")[0] not in change.removed)
    reasons = sorted(set(chosen.values()))
    reasons += [f"{p} is a new test file" for p in test_files if p in change.added]
    out.why = "the change reaches them" + (f" ({reasons[0]}" if reasons else "")
    out.why += (
        f", and {len(reasons) - 1} more reasons)" if len(reasons) > 1 else ")" * bool(reasons)
    )
    return out


def _closest(
    paths: list[str], key: str, now: dict[str, str], where: Where, test_dirs: list[str]
) -> tuple[Plan, Data | None]:
    """The plan against the kept data whose state is closest to now (the fewest seconds of tests
    to run, each test's seconds as last recorded; then the fewest tests; the newest of equals):
    a run served from the result cache moves no data on, so after a change and its undoing the
    latest data is not the nearest; each is a passing run's, so each is safe."""
    kept = [d for d in map(Data.load, reversed(paths)) if d]  # newest first
    if not kept:
        return plan(None, key, now, where, test_dirs), None
    seconds: dict[str, float] = {}
    for data in reversed(kept):  # one table for every candidate: the newest figure wins
        seconds.update({n: float(str(t.get("seconds", 0.0))) for n, t in data.tests.items()})
    found = [(plan(d, key, now, where, test_dirs), d) for d in kept]
    return min(
        found,
        key=lambda p: (
            bool(p[0].reason),
            sum(seconds.get(n, 0.0) for n in p[0].ids),
            len(p[0].ids),
        ),
    )


class Job:
    """One suite's run, prepared (:func:`prepare`): what it runs, then how its data moves on."""

    def __init__(self, label: str, python: str, root: str, env: dict[str, str]) -> None:
        self.label, self.python, self.root, self.env = label, python, root, env
        self.args: tuple[str, ...] = ()
        self.parallel = False
        self.where_to: dict[str, str] = {}
        self.runs = True  # False: nothing the change reaches, no process to start
        self.recorded = False
        self.chosen = Plan()
        self.data: Data | None = None
        self.key = self.path = self.out_dir = ""
        self.now: dict[str, str] = {}
        self.where: Where | None = None

    @property
    def alone(self) -> bool:
        """It keeps every core busy itself (pytest-xdist): no other suite beside it."""
        return self.runs and self.parallel

    def execute(self, run_suite: Any, out: Any = None) -> list[Finding]:
        """Run it through ``run_suite`` (its output to ``out``, a file, or ours)."""
        if not self.runs:
            return []
        extra = {"out": out} if out is not None else {}
        found = list(
            run_suite(
                self.python, self.root, self.env, self.args, self.parallel, **self.where_to, **extra
            )
        )
        if self.recorded and not self.chosen.reason:  # every selected test was removed
            found = [f for f in found if f.rule != "PY002"]
        return found

    def finish(self, found: list[Finding]) -> list[Finding]:
        """The run's note, and its records kept when it passed."""
        if not self.recorded:
            return found
        tests, edges = pytest_deps.collect(self.out_dir)
        chosen, data, label = self.chosen, self.data, self.label
        notes: list[Finding] = []
        if not chosen.reason:  # counted from what ran: a new test file's tests were not known
            why = chosen.why if chosen.files else "nothing it reaches changed"
            total = chosen.total + len(set(tests) - set(data.tests if data else ()))
            notes.append(selected_run(label, len(tests), total, why))
        ran = _junit_cases(os.path.join(self.root, self.where_to["junit"])) if self.runs else 0
        if any(f.severity != NOTE for f in found):
            # A failing run never moves the data on: the next run compares with the last passing
            # one, so it reaches at least what this one did (and a file that failed to collect).
            print(f"pytest: {label}: selection data kept as of the last passing run", flush=True)
        elif ran > len(tests):  # a test ran unrecorded: it would never be selected again
            print(
                f"pytest: {label}: {ran - len(tests)} tests ran unrecorded; data kept", flush=True
            )
        elif self.where is not None:
            kept = data if not chosen.reason else None
            _keep(kept, self.path, self.key, self.now, self.where, tests, edges)
            prune(self.root, label, self.key)
        shutil.rmtree(self.out_dir, ignore_errors=True)
        return [*found, *notes]


def prepare(
    python: str,
    root: str,
    env: dict[str, str],
    suite: str,
    label: str,
    whole: tuple[str, ...],
    select: bool = True,
    parallel: bool = True,
    *,
    junit: str,
) -> Job:
    """The run of the suite in ``suite``: the tests a change reaches, or ``whole`` (its
    whole-suite arguments), recorded unless nothing will select from it."""
    from ci_gates.checks import suites
    from ci_gates.gates.pytest_recorder import ONLY, OURS, OUT, ROOT, SITE

    label = label or suite or "root"
    test_dirs = [suites.prefixed(suite, p).rstrip("/") for p in suites.test_paths(root, suite)[0]]
    job = Job(label, python, root, env)
    job.where_to = {"suite": suite, "junit": junit}
    job.args, job.parallel = whole, parallel
    venv = os.path.dirname(os.path.dirname(python))
    site = site_packages(venv)
    if not site:  # not a venv this gate made: run it as before
        return job
    job.env = env = {k: v for k, v in env.items() if k not in OURS}
    why_all = disabled() or ("" if select else NO_SELECT)
    here = suite_dir(root, label)
    if not why_all and not os.path.isdir(here):
        # A checkout's first run: nothing to select from yet, and a clone may never run again
        # (a cold start pays no recording); the next run records.
        os.makedirs(here, exist_ok=True)
        why_all = "the first run in this checkout; the next run records what each test reaches"
    if why_all:  # nothing will select from this run: no recording, no data moved on
        print(f"pytest: {label}: every test runs, unrecorded ({why_all})", flush=True)
        return job
    install_recorder(site)
    packages = tracked_packages(site)
    job.recorded = True
    job.key = environment_key(venv, site)
    job.now = fingerprint(root, site, packages)
    job.where = Where(root, suite, site)
    job.path = data_path(root, label, job.key)
    kept = snapshots(root, label, job.key)
    job.chosen, job.data = _closest(kept, job.key, job.now, job.where, test_dirs)
    chosen = job.chosen
    job.out_dir = os.path.join(os.path.dirname(job.path), f"run-{os.getpid()}")
    shutil.rmtree(job.out_dir, ignore_errors=True)
    # A suite run by a test of another one (a gate's own tests) records for itself, never
    # into that test's record nor with its list of tests to keep (``env`` lost OURS above).
    extra = {OUT: job.out_dir, ROOT: root, SITE: os.pathsep.join([site, *packages])}
    job.args = ("-p", PLUGIN)
    if chosen.reason:
        print(f"pytest: {label}: every test runs ({chosen.reason})", flush=True)
        job.args += whole
    elif chosen.files:
        only = os.path.join(job.out_dir, "only.json")
        os.makedirs(job.out_dir, exist_ok=True)
        with open(only, "w", encoding="utf-8") as f:
            known = sorted(job.data.tests) if job.data else []
            json.dump({"ids": chosen.ids, "known": known}, f)
        extra[ONLY] = only
        job.args += tuple(chosen.files)
        job.parallel = parallel and chosen.seconds >= PARALLEL_FROM
    job.runs = bool(chosen.reason or chosen.files)
    job.env = {**env, **extra}
    return job


def run(run_suite: Any, *args: Any, **kwargs: Any) -> list[Finding]:
    """:func:`prepare` the run (same arguments after ``run_suite``), run it, finish it."""
    job = prepare(*args, **kwargs)
    return job.finish(job.execute(run_suite))


def _junit_cases(report: str) -> int:
    """How many test cases a JUnit XML report of the run holds (0 when there is none)."""
    import xml.etree.ElementTree as ET

    try:
        return sum(1 for _ in ET.parse(report).iter("testcase"))
    except (OSError, ET.ParseError):
        return 0


def _keep(
    data: Data | None,
    path: str,
    key: str,
    now: dict[str, str],
    where: Where,
    tests: dict[str, dict[str, object]],
    edges: list[list[str]],
) -> None:
    """Store a passing run's records: a whole run replaces the data, a selected one updates it."""
    fresh = data is None
    data = Data(path) if data is None else data
    data.path = path  # a new file: the data it started from stays for a later run
    if not fresh:
        data.forget_files(set(data.files) - set(now), where.suite)
    data.update(tests, edges)
    old_files, old_skeletons = data.files, data.skeletons
    needed = {p for t in data.tests.values() for k in ("run", "imports") for p in t.get(k, ())}  # type: ignore[attr-defined]
    needed |= {p for e in data.edges for p in e[:2]}
    data.skeletons = {}
    for p in sorted(needed):
        if not p.endswith(".py") or p not in now:
            continue
        same = old_files.get(p) == now[p] and p in old_skeletons
        data.skeletons[p] = old_skeletons[p] if same else where.skeleton(p)
    data.key, data.files = key, now
    data.save()
