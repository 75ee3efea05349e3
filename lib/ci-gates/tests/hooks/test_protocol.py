"""The shared protocol: garbage in never blocks; answers are one minimal JSON object."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.hooks import loc as _loc
from ci_gates.hooks import protocol as _protocol
from ci_gates.hooks.protocol import Call
from tests.hooks.conftest import GUARDS, Result, decision, payload, text_of

Hook = Callable[..., Result]

GARBAGE = [
    b"",
    b"   \n",
    b"not json",
    b"\xff\xfe\x00garbage",
    b"[1, 2, 3]",
    b"null",
    b'"a string"',
    b"{",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"hook_event_name": 5, "tool_name": [], "tool_input": "x"}',
    b'{"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": null}',
    b'{"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": {"file_path": 1}}',
    b'{"hook_event_name": "PreToolUse", "tool_name": "Unknown", "tool_input": {}}',
    b'{"hook_event_name": "Stop", "stop_hook_active": false}',
    b'{"hook_event_name": "PreToolUse", "tool_name": "apply_patch", "tool_input": {}}',
    b'{"hook_event_name": "PostToolUse", "tool_name": "apply_patch", "tool_input": '
    b'{"command": "garbage"}}',
]


@pytest.mark.parametrize("guard", sorted(GUARDS))
@pytest.mark.parametrize("raw", GARBAGE, ids=range(len(GARBAGE)))
@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_garbage_is_allowed_with_one_stderr_line(
    hook: Hook, guard: str, raw: bytes, agent: str
) -> None:
    result = hook(guard, None, agent=agent, raw=raw)
    if guard == "stop" and b'"Stop"' in raw:  # a real (minimal) Stop; no gates env here
        assert decision(result) == "message" and result.err == ""
        return
    assert decision(result) == "allow"
    assert result.err.count("\n") <= 1 and result.err.startswith(f"{guard}: ")


def test_50mb_write_is_parsed_once_and_denied(hook: Hook, project: Path) -> None:
    content = "x = 1\n" * (50 * 1024 * 1024 // 6)
    result = hook("loc_guard", payload("claude_pre_write", project, content=content))
    assert decision(result) == "deny" and "over the 600-line budget" in text_of(result)


def test_payload_over_the_cap_is_allowed(
    hook: Hook, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_protocol, "MAX_PAYLOAD", 10_000)
    result = hook("loc_guard", payload("claude_pre_write", project, content="x\n" * 20_000))
    assert decision(result) == "allow" and "payload over" in result.err


@pytest.mark.parametrize(
    "exc", [RuntimeError("bug"), SystemExit(2), KeyboardInterrupt(), MemoryError()]
)
def test_a_crashing_gate_never_blocks(
    hook: Hook, project: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    def boom(*args: object) -> None:
        raise exc

    monkeypatch.setattr("ci_gates.gates.loc.budget_findings", boom)
    result = hook("loc_guard", payload("claude_pre_write", project, content="x\n" * 2000))
    assert decision(result) == "allow"
    assert (
        result.err.startswith("loc_guard: internal error, allowed") and result.err.count("\n") == 1
    )


def test_a_broken_stdout_is_survived(project: Path) -> None:
    class Broken(io.BytesIO):
        def write(self, data: object) -> int:
            raise BrokenPipeError

    stdin = io.BytesIO(
        json.dumps(payload("claude_pre_write", project, content="x\n" * 700)).encode()
    )
    code = _protocol.run(
        "loc_guard", _loc.check, [], stdin, Broken(), io.BytesIO(), root=str(project)
    )
    assert code == 0


def test_answers_are_exact(project: Path) -> None:
    call = Call({"hook_event_name": "PreToolUse"}, "claude", str(project))
    deny = _protocol.render(("deny", " why \n"), call)
    assert deny == (
        b'{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny",'
        b'"permissionDecisionReason":"why"}}\n'
    )
    assert _protocol.render(("deny", ""), call).count(b"no reason given") == 1
    note = _protocol.render(("note", "n"), call)
    assert json.loads(note) == {
        "hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": "n"}
    }
    assert _protocol.render(("feedback", "f"), call) == b""  # feedback is PostToolUse only
    long = json.loads(_protocol.render(("deny", "é" * 10_000), call))
    assert len(long["hookSpecificOutput"]["permissionDecisionReason"]) == _protocol.MAX_TEXT
    codex = Call({"hook_event_name": "PreToolUse"}, "codex", str(project))
    assert _protocol.render(("note", "n"), codex) == b""
    post = Call({"hook_event_name": "PostToolUse"}, "codex", str(project))
    assert _protocol.render(("feedback", "f"), post) == b'{"decision":"block","reason":"f"}\n'
    assert _protocol.render(("deny", "d"), post) == b""


def test_agent_from_argv() -> None:
    assert _protocol.agent_of(["codex"]) == "codex"
    assert _protocol.agent_of(["--codex"]) == "codex"
    assert _protocol.agent_of([]) == "claude"


def test_paths(project: Path, tmp_path: Path) -> None:
    call = Call({"cwd": str(project / "ci")}, "claude", str(project))
    assert call.path(str(project / "ci" / "x.py")) == "ci/x.py"
    assert call.path("x.py") == "ci/x.py"
    assert call.path("../README.md") == "README.md"
    assert call.path("ci\\hooks\\x.py") == "ci/ci/hooks/x.py"
    for outside in [
        "../../x.py",
        "/etc/passwd",
        str(project),
        "",
        "a\0b",
        "C:\\x\\y.py",
        "c:/y.py",
        3,
    ]:
        assert call.path(outside) is None, outside
    link = tmp_path / "link"
    os.symlink(project, link)
    assert call.path(str(link / "ci" / "y.py")) == "ci/y.py"
    relative_cwd = Call({"cwd": "relative/dir"}, "claude", str(project))
    assert relative_cwd.cwd == os.getcwd()


def test_config_without_tomllib_enables_site_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Python < 3.11 a stale cache needs tomli from site-packages, which -S leaves out."""
    import site

    import ci_gates.core.config

    calls: list[str] = []
    real = ci_gates.core.config.load

    def load(root: str) -> object:
        if not calls or calls[-1] != "site":
            calls.append("load")
            raise ModuleNotFoundError("No module named 'tomli'")
        return real(root)

    monkeypatch.setattr(ci_gates.core.config, "load", load)
    monkeypatch.setattr(site, "main", lambda: calls.append("site"))
    assert _protocol.config(str(project))["loc"]["fail"] == 600
    assert calls == ["load", "site"]
    monkeypatch.setattr(site, "main", lambda: None)
    calls.clear()
    with pytest.raises(_protocol.Skip, match="cannot read pyproject.toml"):
        _protocol.config(str(project))
