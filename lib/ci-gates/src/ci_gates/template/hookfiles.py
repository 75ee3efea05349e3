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

# (event, Claude matcher, Codex matcher, guard)
GUARDS = (
    ("PreToolUse", "Write|Edit|MultiEdit", "^apply_patch$", "loc_guard"),
    ("PreToolUse", "Bash|PowerShell", "^Bash$", "tool_guard"),
    ("PostToolUse", "Write|Edit|MultiEdit", "^apply_patch$", "readme_guard"),
)


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
    for event, claude_matcher, codex_matcher, guard in GUARDS:
        matcher = claude_matcher if agent == "claude" else codex_matcher
        command = _claude_command(guard) if agent == "claude" else _codex_command(guard)
        hook = {"type": "command", "command": command, "timeout": TIMEOUT}
        hooks.setdefault(event, []).append({"matcher": matcher, "hooks": [hook]})
    if agent == "claude":
        return {"$schema": "https://json.schemastore.org/claude-code-settings.json", "hooks": hooks}
    return {"hooks": hooks}


def files() -> dict[str, str]:
    """Repo-relative path -> text of every hook file a project carries."""
    return {
        ENTRY: entry_script(),
        CLAUDE: json.dumps(_settings("claude"), indent=2) + "\n",
        CODEX: json.dumps(_settings("codex"), indent=2) + "\n",
    }
