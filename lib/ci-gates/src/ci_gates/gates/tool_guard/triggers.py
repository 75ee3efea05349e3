"""Words a command must contain for any tool_guard rule to apply (quotes and escapes removed).

The agent hook tests them before it imports the rules: most commands an agent runs (``git``,
``ls``, ``rg``) contain none, and then the hook costs little more than Python's start-up.
:func:`ci_gates.gates.tool_guard.rules.findings` tests them too, so the two cannot drift apart.
"""

from __future__ import annotations

TRIGGERS = (
    "uv",
    "publish",
    "upload",
    "cargo",
    "py",
    "ruff",
    "maturin",
    "pip",
    "build",
    "nox",
    "pwsh",
    "powershell",  # -EncodedCommand hides the words
)
_UNQUOTE = str.maketrans("", "", "'\"\\`")


def worth_checking(text: str) -> bool:
    """Could any tool_guard rule apply to ``text``? (False: certainly not.)"""
    plain = text.translate(_UNQUOTE).lower()
    return any(word in plain for word in TRIGGERS)
