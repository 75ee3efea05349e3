"""stop: the gates before "done" — block once on a failure, let through on budget, never loop.

The fixture project (tests/hooks/stopfixture.py) has plugin gates a test can make fail or
wait; the hook runs them with this interpreter (``CI_GATES_HOOK_PYTHON``), as it would run them
with the gates environment's. How fast a cached Stop is, is the benchmark's business.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ci_gates.hooks import stop as _stop
from tests.hooks import stopfixture
from tests.hooks.conftest import Result, copy_project, decision, payload, run_hook, text_of
from tests.hooks.stopfixture import BUILTIN
from tests.hooks.test_e2e import run_as_agent, verdict


@pytest.fixture
def gates_python(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setenv("CI_GATES_HOOK_PYTHON", sys.executable)


@pytest.fixture
def root(tmp_path: Path, gates_python: None) -> Path:
    return stopfixture.make(tmp_path / "proj")


def _stop_hook(
    root: Path, name: str = "claude_stop", active: object = False, **fields: object
) -> Result:
    data = payload(name, root)
    data["stop_hook_active"] = active
    data.update(fields)
    return run_hook("stop", data, root, agent="codex" if name.startswith("codex") else "claude")


def _results(root: Path) -> dict[str, dict[str, object]]:
    out = {}
    for path in (root / "target/ci-gates/results").glob("*.json"):
        data = json.loads(path.read_text())
        out[data["gate"]] = data
    return out


@pytest.mark.parametrize("name", ["claude_stop", "codex_stop", "claude_subagent_stop"])
def test_a_failing_gate_blocks_once_with_the_reason(root: Path, name: str) -> None:
    (root / "probe.txt").write_text("OK\nFAIL\n")
    result = _stop_hook(root, name)
    assert decision(result) == "block"
    reason = text_of(result)
    assert "- probe: re-run with `nox -s probe`" in reason
    assert "probe.txt:2: probe.txt says FAIL; write OK instead [PRB001]" in reason
    assert "Not checked: needs (not run because probe failed)" in reason
    assert "slow" not in reason and "local_only" not in reason  # slow passed; CI skips local_only
    again = _stop_hook(root, name)  # the same failures, not active: told already, let through
    assert decision(again) == "message" and "still failing: probe" in text_of(again)


def test_stop_hook_active_never_blocks(root: Path) -> None:
    (root / "probe.txt").write_text("FAIL\n")
    result = _stop_hook(root, active=True)
    assert decision(result) == "message" and "PRB001" in text_of(result)
    assert decision(_stop_hook(root)) == "block"  # nothing was remembered: blocked once now
    assert decision(_stop_hook(root, active=True)) == "message"


def test_other_failures_block_again_and_a_pass_forgets(root: Path) -> None:
    (root / "probe.txt").write_text("FAIL\n")
    assert decision(_stop_hook(root)) == "block"
    (root / "probe.txt").write_text("OK\nFAIL\n")  # another state: the agent is told again
    assert decision(_stop_hook(root)) == "block"
    (root / "probe.txt").write_text("OK\n")
    assert decision(_stop_hook(root)) == "allow"
    assert not (root / _stop.STATE).exists()
    (root / "probe.txt").write_text("OK\nFAIL\n")  # the earlier failure, after a pass: new again
    assert decision(_stop_hook(root)) == "block"


@pytest.mark.parametrize(
    ("probe", "hook", "code"),
    [("OK\n", "allow", 0), ("FAIL\n", "block", 1), ("OK\nOK\n", "allow", 0)],
)
def test_a_pass_is_a_ci_gates_run_pass(root: Path, probe: str, hook: str, code: int) -> None:
    """Same runner, same verdicts: the hook passes exactly when ``ci-gates run`` does."""
    (root / "probe.txt").write_text(probe)
    assert decision(_stop_hook(root)) == hook
    assert stopfixture.ci_gates_run(root, "probe", "needs", "slow") == code


def test_nothing_changed_is_served_from_the_cache(root: Path) -> None:
    assert decision(_stop_hook(root)) == "allow"
    first = _results(root)
    assert decision(_stop_hook(root)) == "allow"
    second = _results(root)
    assert set(second) == {"probe", "needs", "slow"} | set(BUILTIN)
    assert [g for g in ("probe", "needs", "slow") if second[g].get("cached")] == [
        "probe",
        "needs",
        "slow",
    ]
    assert not any(first[g].get("cached") for g in ("probe", "needs", "slow"))
    # What the digests ask the machine, asked first next time; the skipped gates' tools not at all.
    assert json.loads((root / "target/ci-gates/hook-probes.json").read_text()) == []


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc to see the sleep is gone")
def test_over_budget_lets_through_naming_what_was_not_checked(
    tmp_path: Path, gates_python: None
) -> None:
    root = stopfixture.make(tmp_path / "proj", hooks="stop-budget = 2", slow="60\n")
    start = time.monotonic()
    result = _stop_hook(root)
    assert time.monotonic() - start < 20
    assert decision(result) == "message"
    assert "not checked: slow (the 2 s stop-budget ran out)" in text_of(result)
    assert "needs" not in text_of(result) and "probe" not in text_of(result)  # those passed
    pid = int((root / "slow.pid").read_text())
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid), "the gate's sleep outlived the budget"


def test_over_budget_with_a_failure_still_blocks(tmp_path: Path, gates_python: None) -> None:
    hooks = 'stop-budget = 2\nstop-gates = ["probe", "slow"]'
    root = stopfixture.make(tmp_path / "proj", hooks=hooks, probe="FAIL\n", slow="60\n")
    result = _stop_hook(root)
    assert decision(result) == "block"
    assert "PRB001" in text_of(result) and "slow (the 2 s stop-budget ran out)" in text_of(result)


@pytest.mark.parametrize(
    ("hooks", "want", "words"),
    [
        ('stop-gates = ["needs"]', "allow", ""),  # with its prerequisite, probe
        ('stop-gates = ["local_only"]', "block", "LCL001"),  # named: run, though not in CI
        ('stop-gates = ["nope"]', "message", "unknown gate 'nope'"),
        ("stop = false", "allow", ""),
        ('stop-budget = "60"', "allow", ""),  # a config error: let through, said on stderr
    ],
)
def test_config(tmp_path: Path, gates_python: None, hooks: str, want: str, words: str) -> None:
    root = stopfixture.make(tmp_path / "proj", hooks=hooks)
    result = _stop_hook(root)
    assert decision(result) == want and words in text_of(result)
    if hooks == "stop = false":
        assert not (root / "target/ci-gates/results").exists()
    if '"60"' in hooks:
        assert "expected an integer" in result.err


def test_read_only_subagents_run_nothing(root: Path) -> None:
    (root / "probe.txt").write_text("FAIL\n")
    result = _stop_hook(root, "claude_subagent_stop", agent_type="Explore")
    assert decision(result) == "allow" and not (root / "target/ci-gates/results").exists()
    assert decision(_stop_hook(root, "claude_subagent_stop", agent_type="custom")) == "block"


def test_no_gates_environment_lets_through_saying_how(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI_GATES_HOOK_PYTHON")
    result = _stop_hook(root)
    assert decision(result) == "message" and "`nox -s gates`" in text_of(result)


def test_its_own_errors_let_the_stop_through(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_GATES_HOOK_PYTHON", "/bin/false")  # a gate run that says nothing
    result = _stop_hook(root)
    assert decision(result) == "message" and "ended without a plan" in text_of(result)

    def boom(*args: object) -> None:
        raise OSError("no such interpreter")

    monkeypatch.setattr(_stop, "run_gates", boom)
    result = _stop_hook(root)
    assert decision(result) == "allow" and result.err.startswith("stop: internal error, allowed")


@pytest.mark.parametrize(
    "raw",
    [b'{"hook_event_name": "Stop", "stop_hook_', b"", b"Stop", b'{"hook_event_name": 7}'],
)
def test_truncated_and_garbage_payloads(root: Path, raw: bytes) -> None:
    result = run_hook("stop", None, root, raw=raw)
    assert decision(result) == "allow" and result.err.startswith("stop: ")
    assert result.err.count("\n") == 1 and not (root / "target/ci-gates/results").exists()


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_as_the_agents_run_it(tmp_path: Path, gates_python: None, agent: str) -> None:
    """Through the configured command (``sh -c``, from a subdirectory): block, then let through."""
    root = copy_project(tmp_path / "proj")
    stopfixture.make(root, probe="FAIL\n")
    kind, reason = verdict(run_as_agent(root, agent, payload(f"{agent}_stop", root)))
    assert kind == "block" and "PRB001" in reason
    data = {**payload(f"{agent}_stop", root), "stop_hook_active": True}
    assert verdict(run_as_agent(root, agent, data))[0] == "message"
