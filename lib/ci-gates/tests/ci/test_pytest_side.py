"""The pytest gate's suite runs side by side: which run together, and that nothing else changes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ci_gates.core.findings import Finding
from ci_gates.gates import pytest_side
from ci_gates.gates.pytest import failing_test
from ci_gates.gates.pytest_select import Job


def job(label: str, alone: bool = False, runs: bool = True) -> Job:
    made = Job(label, "/venv/bin/python", "/repo", {})
    made.parallel, made.runs = alone, runs
    made.where_to = {"suite": "", "junit": f"{label}.xml"}
    return made


class Suites:
    """A stand-in for ``run_suite``: prints, may wait for another suite, fails where told."""

    def __init__(self, meet: int = 0, failing: tuple[str, ...] = ()) -> None:
        self.barrier = threading.Barrier(meet, timeout=10) if meet else None
        self.failing = failing
        self.lock = threading.Lock()
        self.active = self.most = 0

    def __call__(
        self,
        python: str,
        root: str,
        env: dict[str, str],
        args: Any,
        parallel: bool,
        suite: str = "",
        junit: str = "",
        out: Any = None,
    ) -> list[Finding]:
        label = junit[: -len(".xml")]
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            if self.barrier is not None and not parallel:
                self.barrier.wait()  # raises when the other suite never runs beside this one
            text = f"output of {label}\n".encode()
            if out is None:
                print(text.decode(), end="", flush=True)
            else:
                out.write(text)
        finally:
            with self.lock:
                self.active -= 1
        return (
            [failing_test(f"{label}::t", f"{label}.py", 1, "boom")] if label in self.failing else []
        )


def test_a_run_that_starts_xdist_runs_alone_and_the_others_in_groups_between() -> None:
    jobs = [job("a"), job("b"), job("big", alone=True), job("c"), job("d", runs=False), job("e")]
    groups = [[j.label for j in group] for group in pytest_side.batches(jobs)]
    assert groups == [["a", "b"], ["big"], ["c", "d", "e"]]


def test_small_runs_run_together_their_output_and_findings_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    suites = Suites(meet=2, failing=("b",))
    results = pytest_side.run_all(suites, [job("a"), job("b")], cores=2)
    assert suites.most == 2
    assert [[f.rule for f in got] for got in results] == [[], ["PY001"]]
    out = capsys.readouterr().out
    assert out.index("output of a") < out.index("output of b")
    assert "pytest: a, b side by side" in out


def test_a_run_alone_never_has_a_neighbour_and_one_core_runs_one_at_a_time() -> None:
    suites = Suites()
    pytest_side.run_all(suites, [job("a"), job("big", alone=True), job("b")], cores=2)
    assert suites.most == 1  # "a" and "b" are in different groups: "big" is between them
    suites = Suites()
    assert pytest_side.run_all(suites, [job("a"), job("b")], cores=1) == [[], []]
    assert suites.most == 1


def test_a_run_with_nothing_to_run_starts_nothing() -> None:
    suites = Suites()
    results = pytest_side.run_all(suites, [job("a", runs=False), job("b", runs=False)], cores=2)
    assert results == [[], []] and suites.most == 0
