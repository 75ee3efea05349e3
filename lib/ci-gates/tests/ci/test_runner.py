"""The runner: dependency order, "not run because X failed", could-not-run, crashes, saved JSON."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core import runner
from ci_gates.core.findings import CannotRun, Finding, cannot_run, rule
from ci_gates.core.registry import Gate, Registry

FakeRun = Callable[[str], object]


@rule("TST001", gate="a")
def _test_rule() -> None:
    """A rule declared for these tests."""


@pytest.fixture(autouse=True)
def _restore_pyo3_python(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYO3_PYTHON", raising=False)  # run_one sets it; undo after each test


@pytest.fixture
def fake_registry(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Install fake gates: ``install(Gate(...), run_function, ...)`` pairs as their modules."""

    def install(*pairs: tuple[Gate, FakeRun]) -> None:
        reg = Registry(g for g, _ in pairs)
        monkeypatch.setattr(runner, "load", lambda root, plugins=None: reg)
        for gate, run in pairs:
            module = types.ModuleType(gate.module)
            module.run = run  # type: ignore[attr-defined]
            monkeypatch.setitem(sys.modules, gate.module, module)

    return install


def passes(root: str) -> list[Finding]:
    return []


def fails(root: str) -> list[Finding]:
    return [
        Finding("TST001", "something is wrong", "src/x.py", 3, fix="fix it"),
        Finding("TST001", "another thing", "src/y.py", 4),
    ]


def crashes(root: str) -> list[Finding]:
    raise ValueError("boom")


def cannot(root: str) -> list[Finding]:
    return cannot_run("tool: not installed", "install it")


def status(results: list[runner.Result]) -> dict[str, tuple[str, str]]:
    return {r.gate: (r.status, r.reason) for r in results}


def test_dependents_of_a_failing_gate_are_not_run(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    ran: list[str] = []

    def track(root: str) -> list[Finding]:
        ran.append("c")
        return []

    fake_registry(
        (Gate("a", "A"), fails),
        (Gate("b", "B", requires=("a",)), passes),
        (Gate("c", "C", requires=("b",)), track),
        (Gate("d", "D"), passes),
    )
    results = runner.run_many(["a", "b", "c", "d"], str(tmp_path))
    got = status(results)
    assert got["a"] == (
        runner.FAILED,
        "src/x.py:3: something is wrong; fix it [TST001] (and 1 more)",
    )
    assert got["b"] == (runner.SKIPPED, "not run because a failed")
    assert got["c"] == (runner.SKIPPED, "not run because a failed")  # names the root cause
    assert got["d"] == (runner.PASSED, "")
    assert ran == []


def test_could_not_run_is_its_own_status(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A"), cannot), (Gate("b", "B", requires=("a",)), passes))
    got = status(runner.run_many(["a", "b"], str(tmp_path)))
    assert got["a"] == (runner.CANNOT_RUN, "tool: not installed; install it [GATE001]")
    assert got["b"] == (runner.SKIPPED, "not run because a could not run")


def test_a_crashing_gate_is_reported_not_raised(
    fake_registry: Callable[..., None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_registry((Gate("a", "A"), crashes), (Gate("b", "B"), passes))
    got = status(runner.run_many(["a", "b"], str(tmp_path)))
    assert got["a"] == (runner.CANNOT_RUN, "a: gate crashed: ValueError: boom [GATE002]")
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
    def exits(root: str) -> list[Finding]:
        sys.exit(1)

    fake_registry((Gate("a", "A"), exits), (Gate("b", "B"), passes))
    got = status(runner.run_many(["a", "b"], str(tmp_path)))
    assert got["a"][0] == runner.CANNOT_RUN and "sys.exit(1)" in got["a"][1]
    assert got["b"][0] == runner.PASSED


def test_missing_command_means_could_not_run(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A", commands=("no-such-tool-xyz",)), passes))
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.CANNOT_RUN
    assert "needs no-such-tool-xyz on PATH" in result.reason


def test_missing_gate_module_could_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate("no_such_gate_xyz", "missing")
    monkeypatch.setattr(runner, "load", lambda root, plugins=None: Registry((gate,)))
    (result,) = runner.run_many([gate.name], str(tmp_path))
    assert result.status == runner.CANNOT_RUN
    assert result.reason.startswith("ci_gates.gates.no_such_gate_xyz: no such gate module")


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
    from ci_gates.commands import run as cli

    fake_registry((Gate("a", "A"), fails), (Gate("b", "B"), cannot), (Gate("c", "C"), passes))
    monkeypatch.setattr(cli, "load", runner.load)
    monkeypatch.setattr(cli, "project_root", lambda: str(tmp_path))
    assert cli.main(["c"]) == 0
    assert cli.main(["a", "c"]) == 1
    assert cli.main(["--all"]) == 2
    assert cli.main(["nope"]) == 2
    assert cli.main(["--bogus", "a"]) == 2


def test_cli_with_requires_runs_prerequisites_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ci_gates.commands import run as cli

    seen: list[list[str]] = []
    monkeypatch.setattr(
        cli, "run_many", lambda names, root, use_cache, reg: seen.append(names) or []
    )
    monkeypatch.setattr(cli, "project_root", lambda: str(tmp_path))
    assert cli.main(["--with-requires", "clippy"]) == 0
    assert seen == [["fmt", "clippy"]]


def test_cannot_run_raised_deep_inside_a_gate(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    def deep(root: str) -> list[Finding]:
        raise CannotRun("pyproject.toml: invalid TOML", "fix the syntax", "pyproject.toml")

    fake_registry((Gate("a", "A"), deep))
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.CANNOT_RUN
    assert result.findings[0].path == "pyproject.toml" and result.findings[0].rule == "GATE001"


def test_an_undeclared_rule_is_a_gate_bug(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    fake_registry((Gate("a", "A"), lambda root: [Finding("NOPE999", "x")]))
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.CANNOT_RUN and "'NOPE999'" in result.reason


def test_warnings_do_not_fail(fake_registry: Callable[..., None], tmp_path: Path) -> None:
    warn = Finding("TST001", "big", "a.py", severity="warning")
    fake_registry((Gate("a", "A"), lambda root: [warn]))
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.PASSED and result.findings == (warn,)


def write_pyproject(root: Path, text: str) -> None:
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


def test_skip_in_config_skips_the_gate_and_its_dependents(
    fake_registry: Callable[..., None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    ran: list[str] = []
    fake_registry(
        (Gate("a", "A"), lambda root: ran.append("a") or []),
        (Gate("b", "B", requires=("a",)), lambda root: ran.append("b") or []),
        (Gate("c", "C"), passes),
    )
    write_pyproject(tmp_path, '[tool.ci-gates.skip]\na = "no composite action here"\n')
    got = status(runner.run_many(["a", "b", "c"], str(tmp_path)))
    assert got == {
        "a": (runner.CONFIG_SKIPPED, "no composite action here"),
        "b": (runner.CONFIG_SKIPPED, "skipped because a is skipped"),
        "c": (runner.PASSED, ""),
    }
    assert ran == []


def test_ignored_findings_stay_listed_but_do_not_fail(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    write_pyproject(tmp_path, '[tool.ci-gates.ignore]\nTST001 = "known; tracked in #12"\n')
    fake_registry((Gate("a", "A"), fails))
    (result,) = runner.run_many(["a"], str(tmp_path))
    assert result.status == runner.PASSED and result.reason == ""
    assert {f.ignored for f in result.findings} == {"known; tracked in #12"}
    saved = runner.load_saved(str(tmp_path))
    assert saved[0].findings == result.findings


def test_could_not_run_cannot_be_ignored(
    fake_registry: Callable[..., None], tmp_path: Path
) -> None:
    assert runner.ignore_reason(Finding("GATE001", "x"), {"GATE001": "why"}) == ""


def test_annotations_under_github_actions(
    fake_registry: Callable[..., None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    fake_registry((Gate("a", "A"), fails), (Gate("b", "B"), cannot))
    runner.run_many(["a", "b"], str(tmp_path))
    out = capsys.readouterr().out.splitlines()
    notes = [line for line in out if line.startswith("::")]
    assert notes == [
        "::error file=src/x.py,line=3,title=TST001::something is wrong (fix it)",
        "::error file=src/y.py,line=4,title=TST001::another thing",
    ]  # a finding without a path is not an annotation
    monkeypatch.delenv("GITHUB_ACTIONS")
    runner.run_many(["a"], str(tmp_path))
    assert "::error" not in capsys.readouterr().out
