"""The pytest gate runs only the tests a change can reach, from what each test reached last time.

Every run of a suite records, per test, the files whose code ran, the modules imported, the
files read and directories listed, and where the processes it started were pointed
(:mod:`ci_gates.gates.pytest_recorder`, copied into the suite's venv with a ``.pth`` line so
the Python processes a test starts record too). The next run compares every file the data was
recorded against with now and runs the tests the difference reaches (:mod:`ci_gates.gates.
pytest_deps`), plus every test that failed last time and every test it has not seen; a note says
how many and why.

The whole suite runs (and records afresh) when the change is one it cannot map: no data yet; a
new environment (interpreter, installed distributions, the gates environment, the recorder) or a
new wheel (the data's key); a ``conftest.py``, a ``pyproject.toml``, a lock or requirements
file; a non-Python file under the suite's test paths (fixture data) or in an installed package
it tracks (package data); a module added to or removed from such a package. And always with
``--no-cache`` (``CI_GATES_NO_CACHE``), in CI on the default branch (``CI`` and ``GITHUB_REF``
naming it, or no ``GITHUB_REF``), with ``--no-select`` among the gate's pytest arguments, or
with other pytest arguments (the run is the one asked for).

The data lives in ``target/ci-gates/select/<suite>/<environment key>/data.json``, one per suite
and environment, never shared: another environment has another key and starts from a full run.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import subprocess
from typing import Any

from ci_gates.core.findings import NOTE, Finding, finding_of, rule
from ci_gates.gates import pytest_deps
from ci_gates.gates.pytest_deps import Change, Data

DATA_DIR = os.path.join("target", "ci-gates", "select")
MODULE = "ci_gates_select_recorder"
PTH = "ci_gates_select.pth"
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
    if ref.startswith("refs/heads/") and ref[len("refs/heads/") :] not in _defaults(env):
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


def site_packages(venv: str) -> str:
    found = sorted(glob.glob(os.path.join(venv, "lib", "python*", "site-packages")))
    found += [os.path.join(venv, "Lib", "site-packages")]
    return next((p for p in found if os.path.isdir(p)), "")


def tracked_packages(site: str) -> list[str]:
    """Top-level names of the distributions installed from a local directory (not editable):
    their installed copy is compared file by file; every other one is in the key by version."""
    names: set[str] = set()
    for info in glob.glob(os.path.join(site, "*.dist-info")):
        try:
            with open(os.path.join(info, "direct_url.json"), encoding="utf-8") as f:
                direct = json.load(f)
            with open(os.path.join(info, "RECORD"), encoding="utf-8") as f:
                record = f.read().splitlines()
        except (OSError, ValueError):
            continue
        if "dir_info" not in direct or direct["dir_info"].get("editable"):
            continue
        for line in record:
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and not top.endswith((".dist-info", ".pth", ".data")) and top != "..":
                names.add(top[:-3] if top.endswith(".py") else top)
    return sorted(names)


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def fingerprint(root: str, site: str, packages: list[str]) -> dict[str, str]:
    """Content hashes of every file git sees (tracked, or untracked and not ignored) and of
    the installed copies of ``packages`` (``site:``-prefixed)."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True
    ).stdout.decode("utf-8", "surrogateescape")
    files: dict[str, str] = {}
    for rel in filter(None, out.split("\0")):
        try:
            files[rel] = _sha(os.path.join(root, rel))
        except OSError:
            continue  # deleted, still in the index
    for top in packages:
        base = os.path.join(site, top)
        paths = [base + ".py"] if os.path.isfile(base + ".py") else []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            paths += [os.path.join(dirpath, n) for n in filenames if not n.endswith(".pyc")]
        for path in paths:
            files["site:" + os.path.relpath(path, site).replace(os.sep, "/")] = _sha(path)
    return files


def environment_key(venv: str, site: str) -> str:
    """The interpreter and distributions of the suite's venv and of the gates environment, the
    wheel, and the recorder: what the data holds only for."""
    from importlib import metadata

    h = hashlib.sha256()
    for name in ("pyvenv.cfg", ".ci-gates-wheel.json"):
        try:
            with open(os.path.join(venv, name), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            text = ""
        if name.endswith(".json") and text:  # the wheel and what came with it, not the stamp
            text = json.dumps({k: v for k, v in json.loads(text).items() if k != "stamp"})
        h.update(f"{name}\0{text}\0".encode())
    for info in sorted(os.path.basename(p) for p in glob.glob(os.path.join(site, "*.dist-info"))):
        h.update(f"suite {info}\0".encode())
    here = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    h.update("\0".join(here).encode())
    h.update(_sha(_recorder_source()).encode())
    h.update(str(Data.FORMAT).encode())
    return h.hexdigest()[:16]


def _recorder_source() -> str:
    from ci_gates.gates import pytest_recorder

    return pytest_recorder.__file__


def install_recorder(site: str) -> None:
    """The recorder as a module of the venv, and the ``.pth`` line that starts it in a child."""
    with open(_recorder_source(), encoding="utf-8") as f:
        source = f.read()
    line = f'import os; os.environ.get("CI_GATES_SELECT_KEY") and __import__("{MODULE}").child()\n'
    for name, text in ((f"{MODULE}.py", source), (PTH, line)):
        path = os.path.join(site, name)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def unmappable(change: Change, test_dirs: list[str]) -> str:
    """The first changed path selection cannot map to tests, with why ("" when none)."""
    for path in sorted(change.paths):
        name = path.rsplit("/", 1)[-1]
        if path.startswith("site:"):
            if not path.endswith(".py"):
                return f"{path[5:]} (package data) changed"
            if path not in change.changed:
                return f"{path[5:]} was added or removed"
        elif name in CONFIGS or name in LOCKS or name.startswith("requirements"):
            return f"{path} changed"
        elif not path.endswith(".py") and any(path.startswith(d + "/") for d in test_dirs):
            return f"{path} (test data) changed"
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
    new_files = [
        p[len(prefix) :]
        for p in sorted(change.added | change.changed)
        if p.startswith(prefix)
        and p.endswith(".py")
        and p.rsplit("/", 1)[-1].startswith("test")
        and any(p.startswith(d + "/") for d in test_dirs)
    ]
    out = Plan("", sorted(chosen))
    out.files = sorted({n.split("::")[0] for n in chosen} | set(new_files))
    out.seconds = sum(float(data.tests[n].get("seconds", 0.0)) for n in chosen)  # type: ignore[arg-type]
    out.total = len(data.tests)
    reasons = sorted(set(chosen.values()))
    out.why = "the change reaches them" + (f" ({reasons[0]}" if reasons else "")
    out.why += (
        f", and {len(reasons) - 1} more reasons)" if len(reasons) > 1 else ")" * bool(reasons)
    )
    return out


def data_path(root: str, label: str, key: str) -> str:
    return os.path.join(root, DATA_DIR, label.replace("/", "+") or "root", key, "data.json")


def prune(root: str, label: str, key: str) -> None:
    """Keep one environment's data per suite (another key is another environment)."""
    base = os.path.dirname(os.path.dirname(data_path(root, label, key)))
    for other in glob.glob(os.path.join(base, "*")):
        if os.path.basename(other) != key:
            shutil.rmtree(other, ignore_errors=True)


def run(
    run_suite: Any,
    python: str,
    root: str,
    env: dict[str, str],
    suite: str,
    label: str,
    whole: tuple[str, ...],
    select: bool = True,
    parallel: bool = True,
    junit: str = "",
) -> list[Finding]:
    """Run the suite in ``suite`` through ``run_suite`` (:func:`ci_gates.gates.pytest.run_suite`):
    the tests a change reaches, or ``whole`` (its whole-suite arguments); record what ran."""
    from ci_gates.checks import suites
    from ci_gates.gates.pytest_recorder import ONLY, OUT, ROOT, SITE

    label = label or suite or "root"
    test_dirs = [suites.prefixed(suite, p).rstrip("/") for p in suites.test_paths(root, suite)[0]]
    where_to = {"suite": suite, **({"junit": junit} if junit else {})}
    venv = os.path.dirname(os.path.dirname(python))
    site = site_packages(venv)
    if not site:  # not a venv this gate made: run it as before
        return list(run_suite(python, root, env, whole, parallel, **where_to))
    install_recorder(site)
    packages = tracked_packages(site)
    key = environment_key(venv, site)
    now = fingerprint(root, site, packages)
    where = Where(root, suite, site)
    path = data_path(root, label, key)
    why_all = disabled() or ("" if select else NO_SELECT)
    data = None if why_all else Data.load(path)
    chosen = Plan(why_all) if why_all else plan(data, key, now, where, test_dirs)
    out_dir = os.path.join(os.path.dirname(path), f"run-{os.getpid()}")
    shutil.rmtree(out_dir, ignore_errors=True)
    extra = {OUT: out_dir, ROOT: root, SITE: os.pathsep.join([site, *packages])}
    args: tuple[str, ...] = ("-p", MODULE)
    notes: list[Finding] = []
    if chosen.reason:
        print(f"pytest: {label}: every test runs ({chosen.reason})", flush=True)
        args += whole
    elif not chosen.files:
        found: list[Finding] = []
        notes.append(selected_run(label, 0, chosen.total, "nothing it reaches changed"))
    else:
        only = os.path.join(out_dir, "only.json")
        os.makedirs(out_dir, exist_ok=True)
        with open(only, "w", encoding="utf-8") as f:
            json.dump({"ids": chosen.ids, "known": sorted(data.tests) if data else []}, f)
        extra[ONLY] = only
        args += tuple(chosen.files)
        parallel = parallel and chosen.seconds >= PARALLEL_FROM
        notes.append(selected_run(label, len(chosen.ids), chosen.total, chosen.why))
    if chosen.reason or chosen.files:
        found = list(run_suite(python, root, {**env, **extra}, args, parallel, **where_to))
        if not chosen.reason:  # every selected test was removed: nothing is left to run
            found = [f for f in found if f.rule != "PY002"]
    if not any(f.rule == "PY003" for f in found):  # a complete run: keep what it recorded
        _keep(data if not chosen.reason else None, path, key, now, where, out_dir, test_dirs)
        prune(root, label, key)
    shutil.rmtree(out_dir, ignore_errors=True)
    return [*found, *notes]


def _keep(
    data: Data | None,
    path: str,
    key: str,
    now: dict[str, str],
    where: Where,
    out_dir: str,
    test_dirs: list[str],
) -> None:
    """Store the run's records: a whole run replaces the data, a selected one updates it."""
    tests, edges = pytest_deps.collect(out_dir)
    fresh = data is None
    data = Data(path) if data is None else data
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
