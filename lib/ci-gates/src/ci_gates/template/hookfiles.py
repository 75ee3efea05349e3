"""The agent hook files a project carries: the entry script and both agents' settings.

``ci/hooks/guard.py`` (a copy of ``files/guard.py``) finds the installed library and runs one
guard; ``.claude/settings.json`` and ``.codex/hooks.json`` call it. :func:`files` returns them
as text, exactly as ``ci-gates adopt`` writes them and as this template carries them.
"""

from __future__ import annotations

import json
import os

ENTRY = "ci/hooks/guard.py"
CLAUDE = ".claude/settings.json"
CODEX = ".codex/hooks.json"
TIMEOUT = 30
# The Stop hook's own deadline is [tool.ci-gates.hooks] stop-budget (default 60 s); the agent's
# timeout leaves it a margin to answer. A larger budget needs a larger timeout here.
STOP_TIMEOUT = 90

# (event, Claude matcher, Codex matcher, guard, timeout): None = not wired for that agent;
# "" = no matcher (Stop takes none; SubagentStop's would match agent types: the hook filters).
GUARDS: tuple[tuple[str, str | None, str | None, str, int], ...] = (
    ("PreToolUse", "Write|Edit|MultiEdit", "^apply_patch$", "loc_guard", TIMEOUT),
    ("PreToolUse", "Bash|PowerShell", "^Bash$", "tool_guard", TIMEOUT),
    ("PostToolUse", "Write|Edit|MultiEdit", "^apply_patch$", "post_edit", TIMEOUT),
    ("Stop", "", "", "stop", STOP_TIMEOUT),
    ("SubagentStop", "", None, "stop", STOP_TIMEOUT),
)
# Guards older settings may still call; ``ci-gates adopt`` drops their groups when it merges.
RETIRED = ("readme_guard",)
STATUS = {"stop": "Checking the project's gates (ci-gates)"}


def entry_script() -> str:
    with open(os.path.join(os.path.dirname(__file__), "files", "guard.py"), encoding="utf-8") as f:
        return f.read()


def _claude_command(guard: str) -> str:
    # `|| true`: a missing or broken script must never exit 2 (which would block the agent).
    return f'python3 -I -S "$CLAUDE_PROJECT_DIR/{ENTRY}" {guard} || true'


def _codex_command(guard: str) -> str:
    # Codex gives no project directory: walk up from the working directory to the script.
    find = f'r=$PWD; until [ -f "$r/{ENTRY}" ] || [ -z "$r" ]; do r=${{r%/*}}; done'
    return f'{find}; python3 -I -S "$r/{ENTRY}" {guard} codex || true'


def _settings(agent: str) -> dict[str, object]:
    hooks: dict[str, list[dict[str, object]]] = {}
    for event, claude_matcher, codex_matcher, guard, timeout in GUARDS:
        matcher = claude_matcher if agent == "claude" else codex_matcher
        if matcher is None:
            continue
        command = _claude_command(guard) if agent == "claude" else _codex_command(guard)
        hook: dict[str, object] = {"type": "command", "command": command, "timeout": timeout}
        if guard in STATUS:
            hook["statusMessage"] = STATUS[guard]
        group: dict[str, object] = {"matcher": matcher} if matcher else {}
        hooks.setdefault(event, []).append({**group, "hooks": [hook]})
    if agent == "claude":
        return {"$schema": "https://json.schemastore.org/claude-code-settings.json", "hooks": hooks}
    return {"hooks": hooks}


def retired(command: object) -> bool:
    """Does ``command`` run a guard this library no longer configures?"""
    return isinstance(command, str) and any(f'{ENTRY}" {g}' in command for g in RETIRED)


def files() -> dict[str, str]:
    """Repo-relative path -> text of every hook file a project carries."""
    return {
        ENTRY: entry_script(),
        CLAUDE: json.dumps(_settings("claude"), indent=2) + "\n",
        CODEX: json.dumps(_settings("codex"), indent=2) + "\n",
    }
