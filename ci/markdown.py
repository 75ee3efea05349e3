"""The ONE reading of Markdown code blocks as shell commands (tool_guard, readme, action_surface).

The rule, the same for every gate and hook:

- A **fenced code block** opens with three or more backticks or tildes (at any indentation,
  so fences inside list items count) and closes with a fence of the same character, at least
  as long, with no info string; an unclosed block runs to the end of the document. A line
  like ```` ```x``` ```` (a backtick in the info string) is inline code, not a fence.
  Indented (four-space) code blocks are not read: they cannot say what language they hold.
- Its **language** is the first word of the info string, lower-cased (``bash title=x`` →
  ``bash``, ``{.sh}`` → ``sh``, ``sh,ignore`` → ``sh``).
- **POSIX shell** (:data:`SHELL_LANGUAGES`): ``sh``, ``bash``, ``shell``, ``zsh``, ``ksh``,
  ``console``, ``shell-session``, ``terminal`` — **and an unlabelled fence**. A README's
  unlabelled block is almost always commands someone will copy; label data (``text``,
  ``output``, ``tree``) to say it is not (markdownlint's MD040 asks for a label anyway).
- **PowerShell** (:data:`POWERSHELL_LANGUAGES`): ``powershell``, ``pwsh``, ``ps1``, ``posh``.
- Everything else (``python``, ``toml``, ``text``, ``cmd``, …) is not shell.
- **Prompts**: when any line of a shell block starts with a prompt (``$ `` or ``% ``;
  ``PS> `` / ``PS C:\\x> `` in PowerShell), only prompt lines and their continuations are
  commands and the other lines are output; otherwise every line is a command. The prompt is
  stripped; output lines are blanked, so line numbers stay those of the document.

Standard library only (the readme hook imports it).
"""

from __future__ import annotations

import re
from collections import namedtuple

Fence = namedtuple("Fence", "line lang lines")
Fence.__doc__ = (
    "A fenced code block: 0-based ``line`` of its first body line, ``lang``, body ``lines``."
)
Block = namedtuple("Block", "line lang script dialect")
Block.__doc__ = (
    "A shell code block: 0-based ``line`` of its first body line, ``lang``, ``script`` (one "
    'line per source line, prompts stripped, output blanked), ``dialect`` ("bash" / "powershell").'
)

SHELL_LANGUAGES = frozenset(
    {
        "",
        "sh",
        "bash",
        "shell",
        "zsh",
        "ksh",
        "console",
        "shell-session",
        "shellsession",
        "terminal",
    }
)
POWERSHELL_LANGUAGES = frozenset({"powershell", "pwsh", "ps1", "posh"})
_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})(.*)$")
_PROMPT = {"bash": re.compile(r"^\s*[$%](?: |$)"), "powershell": re.compile(r"^\s*PS[^>]*> ?")}
_CONTINUED = {"bash": "\\", "powershell": "`"}


def _language(info: str) -> str:
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    return re.split(r"[,{}]", word.lstrip("{").lstrip("."))[0].lower()


def fences(text: str) -> list[Fence]:
    """Every fenced code block of ``text``, in order (see the module docstring)."""
    out: list[Fence] = []
    fence, indent, lang, start, body = "", "", "", 0, []  # type: tuple[str, str, str, int, list[str]]
    for number, raw in enumerate(text.split("\n")):
        m = _FENCE.match(raw)
        if m and m.group(2)[0] == "`" and "`" in m.group(3):
            m = None  # ```inline``` code, not a fence
        if not fence:
            if m:
                indent, fence, lang, start, body = (
                    m.group(1),
                    m.group(2),
                    m.group(3),
                    number + 1,
                    [],
                )
            continue
        if (
            m
            and m.group(2)[0] == fence[0]
            and len(m.group(2)) >= len(fence)
            and not m.group(3).strip()
        ):
            out.append(Fence(start, _language(lang), body))
            fence = ""
            continue
        body.append(raw[len(indent) :] if raw.startswith(indent) else raw.lstrip())
    if fence:
        out.append(Fence(start, _language(lang), body))
    return out


def dialect_of(lang: str) -> str | None:
    """ "bash" or "powershell" for a shell block's language; None for anything else."""
    if lang in SHELL_LANGUAGES:
        return "bash"
    return "powershell" if lang in POWERSHELL_LANGUAGES else None


def shell_blocks(text: str) -> list[Block]:
    """The shell code blocks of Markdown ``text``, ready for :func:`ci.shell.commands`."""
    out: list[Block] = []
    for fence in fences(text):
        dialect = dialect_of(fence.lang)
        if dialect is not None:
            out.append(Block(fence.line, fence.lang, _script(fence.lines, dialect), dialect))
    return out


def _script(lines: list[str], dialect: str) -> str:
    prompt, more = _PROMPT[dialect], _CONTINUED[dialect]
    prompted = any(prompt.match(line) for line in lines)
    out, continued = [], False
    for line in lines:
        if prompt.match(line):
            line = prompt.sub("", line, count=1)
        elif prompted and not continued:
            line = ""  # command output
        out.append(line)
        continued = line.rstrip().endswith(more) and bool(line.strip())
    return "\n".join(out)
