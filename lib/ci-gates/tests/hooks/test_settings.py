"""The hook files ``ci-gates adopt`` writes follow the agents' formats and the safety rules.

Claude Code: the hook rules of the settings schema (SchemaStore ``claude-code-settings.json``:
``hooks`` allows only known event names; a matcher group has only ``matcher`` and ``hooks``; a
command handler only ``type``, ``command``, ``timeout`` and the few optional keys listed below).
Codex: the ``hooks.json`` layout of its hooks documentation. Both: every command is the
fail-safe shape ``python3 -I -S "<root>/ci/hooks/guard.py" GUARD [codex] || true``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ci_gates.core.config import DEFAULTS
from ci_gates.hooks.entry import GUARDS
from ci_gates.template.hookfiles import STOP_TIMEOUT, files

CLAUDE_EVENTS = {
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "PermissionRequest",
    "PermissionDenied",
    "Notification",
    "UserPromptSubmit",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "PostCompact",
    "Elicitation",
    "ElicitationResult",
    "TeammateIdle",
    "TaskCompleted",
    "Setup",
    "InstructionsLoaded",
    "SessionStart",
    "SessionEnd",
}
CLAUDE_HANDLER_KEYS = {
    "type",
    "command",
    "timeout",
    "async",
    "asyncRewake",
    "shell",
    "if",
    "statusMessage",
    "args",
}
# Tool names of the schema's permission-rule pattern that these hooks match on.
CLAUDE_TOOLS = {"Write", "Edit", "MultiEdit", "Bash", "PowerShell"}
CODEX_EVENTS = {
    "PreToolUse",
    "PostToolUse",
    "PermissionRequest",
    "SessionStart",
    "UserPromptSubmit",
    "Stop",
    "PreCompact",
    "PostCompact",
    "SubagentStart",
    "SubagentStop",
    "StopFailure",
}
CODEX_HANDLER_KEYS = {"type", "command", "timeout", "statusMessage"}
CODEX_TOOLS = {"Bash", "apply_patch"}
# Codex has no project-dir variable: walk up from cwd to the directory holding the script,
# with shell builtins only (no git process on the hot path).
CODEX_ROOT = re.escape(
    'r=$PWD; until [ -f "$r/ci/hooks/guard.py" ] || [ -z "$r" ]; do r=${r%/*}; done; '
)


def _load(rel: str) -> Any:
    raw = files()[rel].encode()
    assert b"\r" not in raw and raw.endswith(b"\n"), rel
    return json.loads(raw)


def _groups(settings: Any, events: set[str]) -> list[tuple[str, dict[str, Any]]]:
    assert isinstance(settings, dict) and isinstance(settings.get("hooks"), dict)
    out = []
    for event, groups in settings["hooks"].items():
        assert event in events, f"unknown hook event {event!r}"
        assert isinstance(groups, list) and groups
        for group in groups:
            assert isinstance(group, dict) and set(group) <= {"matcher", "hooks"}, group
            assert isinstance(group.get("matcher", ""), str)
            assert isinstance(group["hooks"], list) and group["hooks"]
            out.append((event, group))
    return out


def _check_handler(
    handler: Any, keys: set[str], prefix: str, script_root: str, agent_arg: str
) -> str:
    assert isinstance(handler, dict) and set(handler) <= keys, handler
    assert handler["type"] == "command"
    command = handler["command"]
    assert isinstance(command, str) and command
    timeout = handler.get("timeout", 1)
    assert isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0
    m = re.fullmatch(
        prefix
        + r'python3 -I -S "'
        + re.escape(script_root)
        + r'/ci/hooks/guard\.py" (?P<guard>\w+)'
        + agent_arg
        + r" \|\| true",
        command,
    )
    assert m, f"not the fail-safe command shape: {command}"
    guard = m["guard"]
    assert guard in GUARDS
    return guard


STOPS = ("Stop", "SubagentStop")


def _tools(event: str, group: dict[str, Any], known: set[str]) -> set[str]:
    """The tools a tool event's group matches (all known); a stop's group has no matcher."""
    if event in STOPS:
        assert "matcher" not in group, group  # Stop ignores it; SubagentStop's is agent types
        return {""}
    matcher = group["matcher"]
    re.compile(matcher)
    tools = set(matcher.strip("^$").split("|"))
    assert tools <= known, matcher
    return tools


def test_claude_settings() -> None:
    settings = _load(".claude/settings.json")
    assert settings.get("$schema", "").endswith("claude-code-settings.json")
    wired = set()
    for event, group in _groups(settings, CLAUDE_EVENTS):
        tools = _tools(event, group, CLAUDE_TOOLS)
        for handler in group["hooks"]:
            guard = _check_handler(handler, CLAUDE_HANDLER_KEYS, "", "$CLAUDE_PROJECT_DIR", "")
            wired |= {(event, tool, guard, handler["timeout"]) for tool in tools}
    assert wired == {
        ("PreToolUse", "Write", "loc_guard", 30),
        ("PreToolUse", "Edit", "loc_guard", 30),
        ("PreToolUse", "MultiEdit", "loc_guard", 30),
        ("PreToolUse", "Bash", "tool_guard", 30),
        ("PreToolUse", "PowerShell", "tool_guard", 30),
        ("PostToolUse", "Write", "post_edit", 30),
        ("PostToolUse", "Edit", "post_edit", 30),
        ("PostToolUse", "MultiEdit", "post_edit", 30),
        ("Stop", "", "stop", STOP_TIMEOUT),
        ("SubagentStop", "", "stop", STOP_TIMEOUT),
    }


def test_codex_hooks() -> None:
    hooks = _load(".codex/hooks.json")
    assert set(hooks) == {"hooks"}
    wired = set()
    for event, group in _groups(hooks, CODEX_EVENTS):
        tools = _tools(event, group, CODEX_TOOLS)
        for handler in group["hooks"]:
            guard = _check_handler(handler, CODEX_HANDLER_KEYS, CODEX_ROOT, "$r", " codex")
            wired |= {(event, tool, guard, handler["timeout"]) for tool in tools}
    assert wired == {
        ("PreToolUse", "apply_patch", "loc_guard", 30),
        ("PreToolUse", "Bash", "tool_guard", 30),
        ("PostToolUse", "apply_patch", "post_edit", 30),
        ("Stop", "", "stop", STOP_TIMEOUT),
    }


def test_stop_timeout_leaves_the_budget_a_margin() -> None:
    """The agent's timeout discards the hook's answer: the default budget must end first."""
    budget = DEFAULTS["hooks"]["stop-budget"]
    assert budget + 20 <= STOP_TIMEOUT <= budget + 60


def test_the_entry_script_stays_thin() -> None:
    """A script is compiled on every run (modules load from cached bytecode): keep it tiny."""
    import ast

    text = files()["ci/hooks/guard.py"]
    doc = ast.get_docstring(ast.parse(text), clean=False) or ""
    lines = text.replace(doc, "").splitlines()
    code = [ln for ln in lines if ln.strip() and not ln.lstrip().startswith(('"""', "#"))]
    assert len(code) <= 30, len(code)


def test_schema_check_rejects_bad_settings(tmp_path: Path) -> None:
    bad = {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Bash",
                    "hooks": [{"type": "command", "command": "python3 x.py", "timeout": 5}],
                }
            ]
        }
    }
    with pytest.raises(AssertionError):
        _check_handler(bad["hooks"]["PreToolUse"][0]["hooks"][0], CLAUDE_HANDLER_KEYS, "", "$X", "")
    with pytest.raises(AssertionError):
        _groups({"hooks": {"PreToolUses": []}}, CLAUDE_EVENTS)
    with pytest.raises(AssertionError):
        _groups({"hooks": {"PreToolUse": [{"matcher": "Bash", "hook": []}]}}, CLAUDE_EVENTS)
