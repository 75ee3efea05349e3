"""``ci-gates run --jobs=N``: gates side by side, the same verdicts, the output in order.

A fixture project's own gates (plugins) stand in for the real ones: two that can only pass when
they run at the same time (each waits for the other to start), one that fails, one blocked by
it, one that requires a slow one. Every run is compared with the one-at-a-time run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.core import parallel
from ci_gates.core.registry import Gate
from ci_gates.testing.plugin import MakeRepo

HEAD = """from __future__ import annotations

import os
import time

from ci_gates.core.findings import Finding, rule
from ci_gates.core.registry import Gate
"""
MEETS = (
    HEAD
    + '''
GATE = Gate("{name}", "waits for {other}", inputs=("src/**",))


def run(root: str) -> list[Finding]:
    print("{name}: started", flush=True)
    open(os.path.join(root, "target", "{name}.started"), "w").close()
    deadline = time.monotonic() + 60
    while not os.path.exists(os.path.join(root, "target", "{other}.started")):
        if time.monotonic() > deadline or os.environ.get("ALONE"):
            return [Finding("{rule}", "{other} never ran alongside")]
        time.sleep(0.02)
    print("{name}: met {other}", flush=True)
    return []


@rule("{rule}", gate="{name}")
def alone() -> None:
    """The other gate did not run alongside."""
'''
)
FAILS = (
    HEAD
    + '''
GATE = Gate("broken", "always fails", inputs=("src/**",))


@rule("BRK001", gate="broken")
def broken() -> None:
    """Always."""


def run(root: str) -> list[Finding]:
    print("broken: checking", flush=True)
    return [Finding("BRK001", "it is broken", "src/a.txt", 1)]
'''
)
AFTER = (
    HEAD
    + """
GATE = Gate("{name}", "after {req}", requires=("{req}",), inputs=("src/**",))


def run(root: str) -> list[Finding]:
    print("{name}: ran", flush=True)
    return []
"""
)
PLUGINS = ["left", "right", "broken", "blocked", "then"]
PYPROJECT = '[project]\nname = "x"\nversion = "0"\n\n[tool.ci-gates]\nplugins = [{}]\n'.format(
    ", ".join(f'"ci.gates.{p}"' for p in PLUGINS)
)


@pytest.fixture
def project(make_repo: MakeRepo) -> Path:
    files = {
        "pyproject.toml": PYPROJECT,
        "src/a.txt": "a\n",
        ".gitignore": "target/\n",
        "ci/__init__.py": "",
        "ci/gates/__init__.py": "",
        "ci/gates/left.py": MEETS.format(name="left", other="right", rule="LFT001"),
        "ci/gates/right.py": MEETS.format(name="right", other="left", rule="RGT001"),
        "ci/gates/broken.py": FAILS,
        "ci/gates/blocked.py": AFTER.format(name="blocked", req="broken"),
        "ci/gates/then.py": AFTER.format(name="then", req="right"),
    }
    root = make_repo(files)
    (root / "target").mkdir()
    return root


def run(root: Path, *args: str, **env: str) -> tuple[int, str, dict[str, str]]:
    for name in ("left", "right"):
        (root / "target" / f"{name}.started").unlink(missing_ok=True)
    environ = {**os.environ, "CI_GATES_NO_ENV": "1", **env}
    environ.pop("CI_GATES_JOBS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "ci_gates", "run", *args, *PLUGINS],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
    )
    statuses = {}
    for name in PLUGINS:
        with open(root / "target" / "ci-gates" / "results" / f"{name}.json") as f:
            data = json.load(f)
        statuses[name] = f"{data['status']}: {data['reason']}"
    return proc.returncode, proc.stdout + proc.stderr, statuses


def blocks(output: str) -> list[tuple[str, str]]:
    """(gate, its part of the output without timings) in the order printed."""
    parts = re.split(r"^=== gate (\w+): .*$", output, flags=re.M)[1:]
    return [
        (g, re.sub(r"\d+\.\d+s", "Ns", text.strip())) for g, text in zip(parts[::2], parts[1::2])
    ]


def test_independent_gates_run_at_once_and_verdicts_match_one_at_a_time(project: Path) -> None:
    code, out, together = run(project, "--jobs=2", "--no-cache")
    assert together["left"] == together["right"] == together["then"] == "passed: "
    assert together["broken"].startswith("failed: src/a.txt:1: it is broken")
    assert together["blocked"] == "not run: not run because broken failed"
    assert code == 1
    assert [g for g, _ in blocks(out)] == PLUGINS  # registry order, whatever finished first
    parts = dict(blocks(out))
    assert parts["left"].startswith("left: started") and "left: met right" in parts["left"]
    assert parts["then"] == "then: ran" and "broken: checking" in parts["broken"]
    # One at a time, left waits for right in vain: only that verdict may differ.
    code, out, alone = run(project, "--jobs=1", "--no-cache", ALONE="1")
    assert {k: v for k, v in alone.items() if k not in ("left", "right", "then")} == {
        k: v for k, v in together.items() if k not in ("left", "right", "then")
    }


def test_a_cached_pass_and_a_quick_gate_in_this_process_keep_the_order(project: Path) -> None:
    first = run(project, "--jobs=2")
    second = run(project, "--jobs=2")  # left, right, then: cached; broken: runs again in-process
    assert first[2] == second[2]
    assert [g for g, _ in blocks(second[1])] == PLUGINS
    parts = dict(blocks(second[1]))
    assert parts["left"].startswith("passed (cached; ran in")
    assert "broken: checking" in parts["broken"] and "it is broken" in parts["broken"]


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("3", 3)])
def test_jobs_from(value: str, expected: int) -> None:
    assert parallel.jobs_from(value) == expected
    assert 1 <= parallel.jobs_from("auto") <= parallel.MAX_AUTO
    with pytest.raises(ValueError):
        parallel.jobs_from("0")


def test_the_heaviest_chain_starts_first() -> None:
    gates = [
        Gate("lint", "x"),
        Gate("build", "x"),
        Gate("check", "x", requires=("build",)),
        Gate("tests", "x", requires=("check",)),
    ]
    weight = parallel.priorities(gates, {"lint": 5.0, "build": 3.0, "tests": 4.0})
    assert weight == {"tests": 4.0, "check": 5.0, "build": 8.0, "lint": 5.0}


def test_durations_come_from_the_cache_when_there_are_no_results(project: Path) -> None:
    run(project, "--jobs=2")
    gates = [Gate(name, "x") for name in PLUGINS]
    seconds = parallel.last_durations(gates, str(project))
    assert set(seconds) == set(PLUGINS)
    for name in PLUGINS:
        (project / "target" / "ci-gates" / "results" / f"{name}.json").unlink()
    assert set(parallel.last_durations(gates, str(project))) == {"left", "right", "then"}


def test_with_no_history_the_build_and_the_suite_head_the_order() -> None:
    from ci_gates.core.registry import builtin

    gates = parallel.Registry(builtin()).gates
    weight = parallel.priorities(gates, {})
    assert max(weight, key=lambda n: weight[n]) == "build"
    after_build = ["pytest", "stubs", "wheel", "action_surface", "cargo_test"]
    assert max(after_build, key=lambda n: weight[n]) == "pytest"


def test_gates_that_run_cargo_run_one_at_a_time() -> None:
    """A cargo build fills the cores: a second one beside it only slows the first."""
    build, clippy, lint = (
        Gate("b", "x", commands=("cargo",)),
        Gate("c", "x", commands=("cargo", "rustfmt")),
        Gate("l", "x", commands=("ruff",)),
    )
    state = parallel._Run.__new__(parallel._Run)  # only the running set matters here
    job = parallel._Job.__new__(parallel._Job)
    job.gate = build
    state.running = {"b": job}
    assert state.exclusive_busy(clippy) and not state.exclusive_busy(lint)
    state.running = {}
    assert not state.exclusive_busy(clippy)
