"""Area 6: what a developer waits for after a change: nothing changed, one test file, one gate module.

After a passing ``nox -s gates``: the warm no-change run, interleaved with its two parts (nox's
own start-up, measured as an empty session of a throwaway noxfile, and ``ci-gates run --all
--report`` started directly in the gates environment); then one line appended to a test file
of the library's suite, and one to a gate module of the library, each followed by ``nox -s
gates`` (naming the gates that ran and how many tests the pytest gate selected) and restored;
the gate module's selection is judged against the tests that ran or imported it.
The test file is ``test_loc.py``: 50 tests, 1.5 s of test time, the median of the suite's test
files; the heaviest (``test_cache.py``, 37 s of tests) cannot run in 10 s on 2 cores whatever
is selected. Selection needs a recorded run: without selection data the area first makes one
(an edit, a run, the restore, a run), which it does not time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time

from ci.bench.common import Row, interleave, run_cmd, verdict
from ci_gates.gates import pytest_deps

WARM_RUNS = 10
TEST_FILE = os.path.join("lib", "ci-gates", "tests", "ci", "test_loc.py")
GATE_MODULE = os.path.join("lib", "ci-gates", "src", "ci_gates", "gates", "loc.py")
EMPTY_NOXFILE = "import nox\n\n\n@nox.session(venv_backend='none')\ndef empty(session):\n    pass\n"


def nox(root: str, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        ["nox", "--non-interactive", *args], cwd=root, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"bench: `nox {' '.join(args)}` failed:\n{proc.stdout[-1500:]}")
    return took, proc.stdout + proc.stderr


def ran(root: str) -> list[str]:
    """Gates of the last run that ran (not served from the cache)."""
    with open(os.path.join(root, "target", "ci-gates", "report.json"), encoding="utf-8") as f:
        results = json.load(f)["results"]
    return [r["gate"] for r in results if r["status"] == "passed" and not r.get("cached")]


def expected(root: str, rel: str) -> set[str]:
    """Gates whose declared inputs match ``rel``, the uncacheable ones, and their artifact chain."""
    from ci_gates.core.cache import _glob_regex, artifact_chain
    from ci_gates.core.env import source_dir
    from ci_gates.core.registry import load

    reg = load(root)
    # The bench runs in the gates environment, whose library is an installed copy of this
    # checkout's lib/ci-gates (an edit there reinstalls it).
    top = source_dir() or os.path.join(os.path.abspath(root), "lib", "ci-gates")
    library = os.path.join(top, "src", "")
    if os.path.abspath(os.path.join(root, rel)).startswith(library):
        return set(reg.names)  # the library that runs is in every gate's digest
    out = {
        g.name
        for g in reg.gates
        if not g.cacheable or any(_glob_regex(p).match(rel) for p in g.inputs)
    }
    for g in reg.gates:  # registry order: prerequisites first
        if any(r in out and artifact_chain(reg[r], reg.by_name) for r in g.requires):
            out.add(g.name)
    return out


def _direct(root: str) -> list[str]:
    """``ci-gates run --all --report`` as the session starts it, in the gates environment."""
    from ci_gates.core import env

    python = env.ensure(root)
    return [
        "env",
        f"PATH={os.path.dirname(python)}{os.pathsep}{os.environ.get('PATH', '')}",
        f"VIRTUAL_ENV={env.env_dir(root)}",
        f"PYTHONPATH={os.path.join(root, 'lib', 'ci-gates', 'src')}",
        python,
        "-m",
        "ci_gates",
        "run",
        "--all",
        "--report",
        "--jobs=auto",
    ]


def warm(root: str) -> list[Row]:
    nox(root, "-s", "gates")  # settle: everything passed and cached
    with tempfile.TemporaryDirectory(prefix="bench-nox-") as empty:
        with open(os.path.join(empty, "noxfile.py"), "w", encoding="utf-8") as f:
            f.write(EMPTY_NOXFILE)
        med = interleave(
            {
                "gates": run_cmd(["nox", "-s", "gates"], cwd=root),
                "empty": run_cmd(["nox", "-s", "empty"], cwd=empty),
                "direct": run_cmd(_direct(root), cwd=root),
            },
            runs=WARM_RUNS,
        )
    if set(ran(root)) - {"commits"}:
        raise RuntimeError(f"bench: the warm run ran {ran(root)}; it should serve every pass")
    g = med["gates"]
    return [
        Row(
            "cached",
            f"warm no-change `nox -s gates` (median of {WARM_RUNS}, interleaved)",
            f"{g:.2f} s",
            "≤ 1.0 s (aim 0.5 s)",
            verdict(g <= 1.0),
        ),
        Row(
            "cached",
            "of it: nox's start-up (an empty session)",
            f"{med['empty']:.2f} s",
            "",
            "info",
        ),
        Row(
            "cached",
            "of it: `ci-gates run --all --report` started in the gates environment",
            f"{med['direct']:.2f} s",
            "",
            "info",
        ),
    ]


def selected(root: str) -> tuple[str, float]:
    """The pytest gate's notes of the last run (how many tests each suite ran) and its seconds."""
    with open(os.path.join(root, "target", "ci-gates", "report.json"), encoding="utf-8") as f:
        results = [r for r in json.load(f)["results"] if r["gate"] == "pytest"]
    notes = [
        f["message"].split(": the change")[0].split("on CPython ")[-1]
        for r in results
        for f in r.get("findings", ())
        if f.get("rule") == "PY005"
    ]
    return "; ".join(notes), sum(float(r["seconds"]) for r in results)


def recorded(root: str) -> bool:
    """Has the pytest gate selection data to select from?"""
    import glob

    return bool(
        glob.glob(os.path.join(root, "target", "ci-gates", "select", "*", "*", "data*.json"))
    )


def importers(root: str, rel: str) -> int:
    """How many tests of the library's suite ran or imported the installed copy of ``rel``
    (a module under ``lib/ci-gates/src``), in the suite's latest kept selection data."""
    import glob

    found = glob.glob(os.path.join(root, pytest_deps.DATA_DIR, "lib+ci-gates", "*", "data*.json"))
    data = pytest_deps.Data.load(max(found, key=os.path.getmtime)) if found else None
    site = os.path.relpath(rel, os.path.join("lib", "ci-gates", "src")).replace(os.sep, "/")
    tests = data.tests.values() if data else ()
    uses = [{*t.get("run", ()), *t.get("imports", ())} for t in tests]  # type: ignore[misc]
    return sum(1 for files in uses if f"site:{site}" in files)


def edited(root: str, rel: str, what: str, target: str, limit: float) -> Row:
    """``nox -s gates`` after one line appended to ``rel`` (restored after, and re-run).
    A ``limit`` of 0 judges the library suite's selection against the tests that import
    ``rel`` (the issue's "only the tests that import it"), not a time."""
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        original = f.read()
    tests, pytest_took = "", 0.0
    try:
        with open(path, "a", encoding="utf-8") as f:
            # As `ruff format` would leave it; a new line each time, or the cache would serve
            # the gates from an earlier run of the bench (it keeps passes by digest).
            f.write(f"\n\n# bench: one edited line ({time.time_ns()})\n")
        took, _ = nox(root, "-s", "gates")
        names = ran(root)
        tests, pytest_took = selected(root)
        users = importers(root, rel) if limit == 0 else 0
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
    nox(root, "-s", "gates")  # back to the committed state's passes
    want = expected(root, rel.replace(os.sep, "/"))
    extra = "" if set(names) == want else f" (expected {', '.join(sorted(want))})"
    # The target is the pytest gate's (the "the pytest gate ≤ 10 s"); the whole run
    # is shown beside it: the other gates the file is an input of run too.
    judged = "info" if limit >= 1e9 else verdict(pytest_took <= limit)
    if limit == 0:
        lib = re.search(r"lib/ci-gates: ran ([\d,]+) of", tests)
        chosen = int(lib.group(1).replace(",", "")) if lib else -1
        judged, target = verdict(0 <= chosen <= users), f"{target} ({users:,} import it)"
    return Row(
        "cached",
        f"`nox -s gates` after editing one {what} (`{rel}`)",
        f"the pytest gate {pytest_took:.1f} s, `nox -s gates` {took:.1f} s; ran {len(names)}: "
        f"{', '.join(names)}{extra}" + (f"; pytest ran {tests}" if tests else ""),
        target,
        judged if set(names) == want else "missed",
    )


def measure(root: str) -> list[Row]:
    rows = warm(root)
    if not recorded(root):  # a first edit records (untimed): the rows measure selection
        edited(root, TEST_FILE, "test file", "", 1e9)
    return [
        *rows,
        edited(root, TEST_FILE, "test file", "the pytest gate ≤ 10 s", 10.0),
        edited(root, GATE_MODULE, "gate module of the library", "only the tests that import it", 0),
    ]


if __name__ == "__main__":
    for row in measure(os.getcwd()):
        print(row, file=sys.stderr)
