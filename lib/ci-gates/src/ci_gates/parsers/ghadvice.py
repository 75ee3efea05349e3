"""How to take a ``${{ … }}`` out of a ``run:`` script without changing what the step does.

The usual advice, "move it into ``env:`` and write ``"$NAME"``", is wrong in as many places
as it is right: inside single quotes ``$NAME`` is not expanded; in a quoted here-document the
text is another program's source; a value such as ``$HOME/.cargo`` or ``~/bin`` was written for
the shell to expand, which a variable's value never is; several words were meant to be split;
PowerShell spells it ``$env:NAME``, and ``cmd`` expands ``%NAME%`` before it parses the line
(so ``env:`` alone does not help there). :func:`quote_context` finds where in the script the
expression stands, and :func:`rewrite` words the fix for that place, that shell and, where
the file shows them, those values.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False

# Variables the runner sets for these expressions; not used in container jobs, where the
# host path of `${{ github.workspace }}` and the container's `$GITHUB_WORKSPACE` differ.
RUNNER_VARIABLES = {
    "github.workspace": "GITHUB_WORKSPACE",
    "github.action_path": "GITHUB_ACTION_PATH",
    "github.sha": "GITHUB_SHA",
    "github.ref": "GITHUB_REF",
    "github.ref_name": "GITHUB_REF_NAME",
    "github.ref_type": "GITHUB_REF_TYPE",
    "github.head_ref": "GITHUB_HEAD_REF",
    "github.base_ref": "GITHUB_BASE_REF",
    "github.event_name": "GITHUB_EVENT_NAME",
    "github.event_path": "GITHUB_EVENT_PATH",
    "github.repository": "GITHUB_REPOSITORY",
    "github.repository_owner": "GITHUB_REPOSITORY_OWNER",
    "github.run_id": "GITHUB_RUN_ID",
    "github.run_number": "GITHUB_RUN_NUMBER",
    "github.run_attempt": "GITHUB_RUN_ATTEMPT",
    "github.actor": "GITHUB_ACTOR",
    "github.job": "GITHUB_JOB",
    "github.workflow": "GITHUB_WORKFLOW",
    "github.server_url": "GITHUB_SERVER_URL",
    "github.api_url": "GITHUB_API_URL",
    "runner.os": "RUNNER_OS",
    "runner.arch": "RUNNER_ARCH",
    "runner.temp": "RUNNER_TEMP",
    "runner.tool_cache": "RUNNER_TOOL_CACHE",
    "runner.name": "RUNNER_NAME",
}
PATH_VALUED = frozenset(
    {
        "github.workspace",
        "github.action_path",
        "github.event_path",
        "runner.temp",
        "runner.tool_cache",
    }
)
# What may stand right before a command: the expression there names the program to run.
_COMMAND_START = (";", "&", "|", "(", "{", "!", " then", " do", " else", "\tthen", "\tdo")
# `<<WORD`, `<<-'WORD'`, `<< "WORD"`; not a here-string (`<<<`) nor a shift (`$((1 << 2))`).
_HEREDOC = re.compile(
    r"<<(?!<)(-?)[ \t]*(?:'([^'\n]+)'|\"([^\"\n]+)\"|\\?([A-Za-z_][A-Za-z0-9_.-]*))"
)
# What a value needs a shell for: a parameter or command expansion, a leading tilde, quoting.
_SHELL_SYNTAX = re.compile(r"\$[A-Za-z_{(]|`|^~|[:=]~|['\"\\]")


def env_name(expression: str) -> str:
    """A variable name for the ``env:`` suggestion: the expression's last identifier."""
    code = re.sub(r"'(?:[^']|'')*'", " ", expression)  # string literals name nothing
    names = re.findall(r"[A-Za-z_][A-Za-z0-9_-]*(?![A-Za-z0-9_-])(?!\s*\()", code)
    names = [n for n in names if n not in ("true", "false", "null")]
    return names[-1].replace("-", "_").upper() if names else "VALUE"


def shell_family(shell: str | None) -> str:
    """``posix``, ``pwsh``, ``cmd``, ``python``, ``nu`` or ``other`` for a step's ``shell:``."""
    program = (shell or "bash").strip().split()[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
    program = program[:-4] if program.endswith(".exe") else program
    if program in ("bash", "sh", "dash", "zsh", "ksh", "ash"):
        return "posix"
    if program in ("pwsh", "powershell"):
        return "pwsh"
    if program == "cmd":
        return "cmd"
    if program.startswith("python"):
        return "python"
    if program == "nu":
        return "nu"
    return "other"


def _mask(script: str) -> str:
    """The script with each ``${{ … }}`` blanked out, so quotes inside it do not count."""
    return re.sub(r"\$\{\{.*?\}\}", lambda m: "x" * len(m.group(0)), script, flags=re.DOTALL)


def quote_context(script: str, offset: int) -> tuple[str, str]:
    """Where ``offset`` stands in a shell script: ``(kind, detail)``.

    ``kind`` is ``script`` (the expression is the whole script), ``command`` (it names the
    program of a command), ``unquoted``, ``double``,
    ``single``, ``comment``, ``heredoc`` or ``heredoc-quoted`` (``detail`` is the command
    line that opened the here-document).
    """
    text = _mask(script)
    if not text[:offset].strip() and not text[offset:].lstrip("x").strip():
        return "script", ""
    state, at, pending = "", 0, []  # pending: (delimiter, quoted, strip_tabs, command line)
    while at < offset:
        c = text[at]
        if state == "'":
            state = "" if c == "'" else state
        elif state == '"':
            if c == "\\":
                at += 1
            elif c == '"':
                state = ""
        elif state == "#":
            state = "" if c == "\n" else state
        elif c == "\\":
            at += 1
        elif c in "'\"":
            state = c
        elif c == "#" and (at == 0 or text[at - 1] in " \t\n;&|("):
            state = "#"
        elif c == "<" and text[at - 1 : at] != "<" and (m := _HEREDOC.match(text, at)):
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            command = text[start : end if end >= 0 else len(text)].strip()
            pending.append(
                (m.group(2) or m.group(3) or m.group(4), not m.group(4), m.group(1), command)
            )
            at = m.end() - 1
        elif c == "\n" and pending:
            start = at + 1
            for delimiter, quoted, strip_tabs, command in pending:
                while start <= len(text):
                    end = text.find("\n", start)
                    end = len(text) if end < 0 else end
                    current = text[start:end]
                    ended = (current.lstrip("\t") if strip_tabs else current).rstrip() == delimiter
                    if not ended and start <= offset <= end:
                        return ("heredoc-quoted" if quoted else "heredoc"), command
                    start = end + 1
                    if ended:
                        break
            pending = []
            at = start - 1
        at += 1
    if state:
        return {"'": "single", '"': "double", "#": "comment"}[state], ""
    before = text[text.rfind("\n", 0, offset) + 1 : offset].rstrip()
    if not before or before.endswith(_COMMAND_START):
        return "command", ""
    return "unquoted", ""


def _reference(family: str, name: str) -> str:
    return {
        "posix": f"${name}",
        "pwsh": f"${{env:{name}}}",
        "cmd": f"%{name}%",
        "python": f'os.environ["{name}"]',
        "nu": f"$env.{name}",
    }.get(family, f"the environment variable {name}")


def _needs_shell(values: list[str] | None) -> list[str]:
    return [v for v in values or [] if _SHELL_SYNTAX.search(v)]


def rewrite(
    expression: str,
    kind: str,
    detail: str,
    shell: str | None,
    *,
    values: list[str] | None = None,
    existing: str | None = None,
    container: bool = False,
) -> str:
    """The fix for one ``${{ expression }}`` in a ``run:`` script, worded for where it stands.

    ``values`` are the values the file shows for it (matrix entries, an input's default),
    ``existing`` the name of a step ``env:`` entry already holding exactly this expression,
    ``container`` whether the job runs in a container (runner paths differ there).
    """
    expr = expression.strip()
    family = shell_family(shell)
    if existing:
        name, lead = existing, f"the step's env: already has `{existing}: ${{{{ {expr} }}}}`: "
    elif re.fullmatch(r"env\.[A-Za-z_][A-Za-z0-9_]*", expr):
        name, lead = expr[4:], f"{expr[4:]} is already in the environment: "
    elif expr in RUNNER_VARIABLES and not (container and expr in PATH_VALUED):
        name, lead = RUNNER_VARIABLES[expr], f"the runner already sets {RUNNER_VARIABLES[expr]}: "
    else:
        name = env_name(expr)
        lead = f"move it into the step's env: (`{name}: ${{{{ {expr} }}}}`), then "
    ref = _reference(family, name)
    if kind == "script":
        return (
            "the step runs the value as its whole script: if running code the caller supplies "
            "is the purpose, ignore this rule for this file with a reason in [tool.ci-gates] "
            "ignore; otherwise pass data, not code, through env:"
        )
    if kind == "comment":
        return "delete it from the comment (GitHub substitutes it there too)"
    if family == "cmd":
        return (
            f"cmd expands {ref} before it parses the line, so env: alone does not help: "
            f"use `shell: pwsh` (and $env:{name}) or bash"
        )
    return lead + _where(kind, detail, family, name, ref, expr, values or [])


def _where(
    kind: str, detail: str, family: str, name: str, ref: str, expr: str, values: list[str]
) -> str:
    """What to write in the script, for where the expression stands and what it holds."""
    if kind == "heredoc-quoted" or (family == "posix" and kind == "heredoc"):
        data = "" if kind == "heredoc-quoted" else f"write {ref} if the text is data; "
        return (
            f"{data}the here-document is read by `{detail}`: if that program runs it as code, "
            f'read {name} from its environment there (os.environ["{name}"] in Python, '
            f"process.env.{name} in Node, ${name} in a shell)"
        )
    if kind == "single":
        return (
            f"end the single quotes around it ('…'\"{ref}\"'…', since {ref} is not expanded "
            f"inside them), or, if the quoted text is a script for another program (bash -c, "
            f"python -c, a container), read {name} from the environment there"
        )
    if family == "pwsh" and kind == "command":
        return f'write & "{ref}…" here (PowerShell runs a path held in a variable only with &)'
    if family != "posix":
        return f"write {ref} here"
    shelly = _needs_shell(values)
    if shelly:
        how = (
            "give the input an empty default and write"
            if expr.startswith("inputs.")
            else "compute it in the script instead, e.g."
        )
        return (
            f"but its value {shelly[0]!r} relies on the shell to interpret it ($, ~, quotes), "
            f'which a variable\'s value never gets: {how} "${{{name}:-{shelly[0]}}}" here'
        )
    if kind in ("unquoted", "command") and any(len(v.split()) != 1 for v in values):
        return (
            f"write {ref} unquoted here: the value can be empty or several words, which the shell "
            "still drops or splits (and globs) but never runs as code"
        )
    if kind == "double":
        return f"write ${{{name}}} here (inside the double quotes)"
    if values or not re.match(r"(steps|needs|inputs|env|matrix|vars)\.", expr):
        return f'write "{ref}" here'
    return f'write "{ref}" here ({ref} unquoted if the value is several words meant to be split)'
