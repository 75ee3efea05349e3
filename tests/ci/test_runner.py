"""The runner: dependency order, "not run because X failed", could-not-run, crashes, saved JSON."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Callable

import pytest

from ci import gates, runner
from ci.registry import Gate, ordered

FakeRun = Callable[[str], int]


@pytest.fixture(autouse=True)
def _restore_pyo3_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYO3_PYTHON", raising=False)  # run_one sets it; undo after each test


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Install fake gates: ``install(Gate(...), run_function, ...)`` pairs as ci.gates.<name>."""

    def install(*pairs: tuple[Gate, FakeRun]) -> None:
        gate_list = ordered(tuple(g for g, _ in pairs))
        monkeypatch.setattr(runner, "ORDERED", gate_list)
        monkeypatch.setattr(runner, "BY_NAME", {g.name: g for g in gate_list})
        for gate, run in pairs:
            module = types.ModuleType(f"ci.gates.{gate.name}")
            module.run = run  # type: ignore[attr-defined]
            monkeypatch.setitem(sys.modules, f"ci.gates.{gate.name}", module)

    return install


def passes(root: str) -> int:
    return 0


def fails(root: str) -> int:
    gates.problem("src/x.py:3: something is wrong; fix it")
    gates.problem("src/y.py:4: another thing")
    return 1


def crashes(root: str) -> int:
    raise ValueError("boom")


def cannot(root: str) -> int:
    return gates.cannot_run("tool: not installed; install it")


def status(results: list[runner.Result]) -> dict[str, tuple[str, str]]:
    return {r.gate: (r.status, r.reason) for r in results}


def test_dependents_of_a_failing_gate_are_not_run(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    ran: list[str] = []

    def track(root: str) -> int:
        ran.append("c")
        return 0

    fake_registry(
        (Gate("a", "A"), fails),
        (Gate("b", "B", requires=("a",)), passes),
        (Gate("c", "C", requires=("b",)), track),
        (Gate("d", "D"), passes),
    )
    results = runner.run_many(["a", "b", "c", "d"], str(tmp_path))
    got = status(results)
    assert got["a"] == (runner.FAILED, "src/x.py:3: something is wrong; fix it (and 1 more)")
    assert got["b"] == (runner.SKIPPED, "not run because a failed")
    assert got["c"] == (runner.SKIPPED, "not run because a failed")  # names the root cause
    assert got["d"] == (runner.PASSED, "")
    assert ran == []


def test_could_not_run_is_its_own_status(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A"), cannot), (Gate("b", "B", requires=("a",)), passes))
    got = status(runner.run_many(["a", "b"], str(tmp_path)))
    assert got["a"] == (runner.CANNOT_RUN, "tool: not installed; install it")
    assert got["b"] == (runner.SKIPPED, "not run because a could not run")


def test_a_crashing_gate_is_reported_not_raised(
    fake_registry: Callable[..., None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_registry((Gate("a", "A"), crashes), (Gate("b", "B"), passes))
    got = status(runner.run_many(["a", "b"], str(tmp_path)))
    assert got["a"] == (runner.CANNOT_RUN, "a: gate crashed: ValueError: boom")
    assert got["b"][0] == runner.PASSED
    assert "Traceback" in capsys.readouterr().err


def test_a_bad_return_value_is_not_a_pass(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A"), lambda root: None))  # type: ignore[arg-type,return-value]
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.CANNOT_RUN
    assert "returned None" in result.reason


def test_sys_exit_in_a_gate_does_not_end_the_run(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    def exits(root: str) -> int:
        sys.exit(1)

    fake_registry((Gate("a", "A"), exits), (Gate("b", "B"), passes))
    got = status(runner.run_many(["a", "b"], str(tmp_path)))
    assert got["a"][0] == runner.FAILED and got["b"][0] == runner.PASSED


def test_missing_command_means_could_not_run(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A", commands=("no-such-tool-xyz",)), passes))
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.CANNOT_RUN
    assert "needs no-such-tool-xyz on PATH" in result.reason


def test_missing_gate_module_could_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate("no_such_gate_xyz", "missing")
    monkeypatch.setattr(runner, "ORDERED", [gate])
    monkeypatch.setattr(runner, "BY_NAME", {gate.name: gate})
    (result,) = runner.run_many([gate.name], str(tmp_path))
    assert result.status == runner.CANNOT_RUN
    assert result.reason.startswith("ci/gates/no_such_gate_xyz.py: no such gate module")


def test_only_the_named_gates_run_and_results_are_saved(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A"), fails), (Gate("b", "B", requires=("a",)), passes))
    results = runner.run_many(["b"], str(tmp_path))
    assert status(results) == {"b": (runner.PASSED, "")}  # prerequisites are nox's business
    assert runner.load_saved(str(tmp_path)) == results
    assert (tmp_path / runner.RESULTS_DIR / "b.json").is_file()


def test_cli_exit_codes(
    fake_registry: Callable[..., None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ci.gates import __main__ as cli

    fake_registry((Gate("a", "A"), fails), (Gate("b", "B"), cannot), (Gate("c", "C"), passes))
    monkeypatch.setattr(cli, "NAMES", ["a", "b", "c"])
    monkeypatch.setattr(cli, "project_root", lambda: str(tmp_path))
    assert cli.main(["c"]) == 0
    assert cli.main(["a", "c"]) == 1
    assert cli.main(["--all"]) == 2
    assert cli.main(["nope"]) == 2
    assert cli.main(["--bogus", "a"]) == 2


def test_cli_with_requires_runs_prerequisites_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ci.gates import __main__ as cli

    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "run_many", lambda names, root: seen.append(names) or [])
    monkeypatch.setattr(cli, "project_root", lambda: str(tmp_path))
    assert cli.main(["--with-requires", "clippy"]) == 0
    assert seen == [["fmt", "clippy"]]
