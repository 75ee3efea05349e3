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
_CONTINUED = {"bash": "\\", "powershell": "`"}


def _language(info: str) -> str:
    word = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    word = word.lstrip("{").lstrip(".")
    for stop in ",{}":
        word = word.partition(stop)[0]
    return word.lower()


def _fence(line: str) -> tuple[str, str, str] | None:
    """``(indent, fence, info)`` of a fence line (three or more ` or ~), else None."""
    body = line.lstrip()
    char = body[:1]
    if char not in ("`", "~"):
        return None
    n = len(body) - len(body.lstrip(char))
    if n < 3 or (char == "`" and "`" in body[n:]):
        return None  # too short, or ```inline``` code
    return line[: len(line) - len(body)], body[:n], body[n:]


def _prompt(line: str, dialect: str) -> int:
    """Length of the prompt starting ``line`` (``$ ``, ``% ``, ``PS C:\\x> ``); 0 if none."""
    body = line.lstrip()
    skip = len(line) - len(body)
    if dialect == "bash" and body[:1] in ("$", "%") and body[1:2] in ("", " "):
        return skip + len(body[:2])
    if dialect == "powershell" and body.startswith("PS") and ">" in body:
        end = body.index(">") + 1
        return skip + end + (body[end : end + 1] == " ")
    return 0


def fences(text: str) -> list[Fence]:
    """Every fenced code block of ``text``, in order (see the module docstring)."""
    out: list[Fence] = []
    fence, indent, lang, start, body = "", "", "", 0, []  # type: tuple[str, str, str, int, list[str]]
    for number, raw in enumerate(text.split("\n")):
        m = _fence(raw)
        if not fence:
            if m:
                (indent, fence, lang), start, body = m, number + 1, []
            continue
        if m and m[1][0] == fence[0] and len(m[1]) >= len(fence) and not m[2].strip():
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
    """The shell code blocks of Markdown ``text``, ready for :func:`ci_gates.parsers.shell.commands`."""
    out: list[Block] = []
    for fence in fences(text):
        dialect = dialect_of(fence.lang)
        if dialect is not None:
            out.append(Block(fence.line, fence.lang, _script(fence.lines, dialect), dialect))
    return out


def _script(lines: list[str], dialect: str) -> str:
    more = _CONTINUED[dialect]
    prompted = any(_prompt(line, dialect) for line in lines)
    out, continued = [], False
    for line in lines:
        cut = _prompt(line, dialect)
        if cut:
            line = line[cut:]
        elif prompted and not continued:
            line = ""  # command output
        out.append(line)
        continued = line.rstrip().endswith(more) and bool(line.strip())
    return "\n".join(out)
