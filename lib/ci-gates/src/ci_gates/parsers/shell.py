"""The commands a piece of shell text runs, launchers seen through.

:func:`commands` lexes text (an agent's Bash or PowerShell command, a ``run:`` step, a script,
a Markdown block) with :mod:`ci_gates.parsers.posix` or :mod:`ci_gates.parsers.powershell` and returns the simple
commands it runs: argument words (quotes removed), a 0-based line, and the environment
exported to each (prefix assignments, ``env``, ``export``, ``$env:X = …``, and what the
caller passes, e.g. a workflow's ``env:``). It sees through ``VAR=1``, ``env``, ``time``,
``nice``, ``command``, ``exec``, ``sudo``, ``timeout``, ``xargs``, ``eval``, ``find -exec``,
``bash -c '…'``, a shell reading a here-document, a here-string or ``echo … |``,
``pwsh -Command``, ``Invoke-Expression`` and ``cmd /c``. Never raises. Standard library only:
the agent hook imports this on every shell call.
"""

from __future__ import annotations

from ci_gates.parsers import posix
from ci_gates.parsers.posix import MAX_DEPTH, RESERVED, Command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    Env = dict[str, str]

__all__ = ["MAX_DEPTH", "Command", "basename", "commands", "lex", "unwrap"]

BASH, POWERSHELL = "bash", "powershell"
lex = posix.lex
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh", "wsl-bash"})
_PWSH = frozenset({"pwsh", "powershell", "pwsh-preview"})
_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})

# Launchers that run the command after their options: "names: options that take a value".
_LAUNCHERS = {
    name: frozenset(value_options.split())
    for names, _, value_options in (
        row.partition(":")
        for row in """time nohup builtin command:
env: -u --unset -C --chdir
doas: -u -C
exec: -a
nice: -n --adjustment
timeout: -s -k --signal --kill-after
stdbuf: -i -o -e --input --output --error
sudo: -u -g -h -C -D -p -r -t -U -T -R --user --group --host --prompt --chdir --role --type
xargs: -I -n -P -L -d -E -s -a --max-args --max-procs --max-lines --delimiter --arg-file
""".splitlines()
    )
    for name in names.split()
}


def is_assignment(word: str) -> bool:
    """``NAME=value``, ``NAME+=value``, ``NAME[i]=value`` (a shell variable assignment)."""
    name, eq, _ = word.partition("=")
    name = name[:-1] if name.endswith("+") else name
    if name.endswith("]") and "[" in name:
        name = name[: name.index("[")]
    return bool(eq) and name.isidentifier() and name.isascii()


def basename(word: str) -> str:
    """``/usr/bin/env`` -> ``env``; also for Windows paths and ``.exe``."""
    name = word.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".exe") else name


def _shell_script(words: list[str], i: int) -> tuple[str, str | None]:
    """For ``bash [opts] …``: ("c", STRING) for ``-c STRING``; ("stdin", None) when it reads
    its script from stdin (no operand, ``-s``, ``-``); ("file", None) for a script file."""
    has_c = has_s = False
    while i < len(words) and words[i].startswith(("-", "+")) and words[i] not in ("-", "+", "--"):
        w = words[i]
        short = w[1:] if not w.startswith("--") else ""
        has_c, has_s = has_c or "c" in short, has_s or "s" in short
        i += 2 if w in ("--rcfile", "--init-file") or short.endswith(("o", "O")) else 1
    i += i < len(words) and words[i] == "--"
    if has_c:
        return ("c", words[i]) if i < len(words) else ("file", None)
    return ("stdin", None) if has_s or i >= len(words) or words[i] == "-" else ("file", None)


def _pwsh_script(words: list[str], i: int) -> str | None:
    """For ``pwsh [opts] -Command …`` / ``-EncodedCommand B64``: the script; None for a file."""
    while i < len(words):
        w = words[i]
        key = w.lower().lstrip("-/")
        if not w.startswith(("-", "/")) or not key:
            return None  # a script file (pwsh) or an unquoted command (Windows PowerShell)
        if "command".startswith(key):
            return " ".join(words[i + 1 :])
        if "encodedcommand".startswith(key) or key == "ec":
            import base64  # rare: off the hook's usual path

            try:
                return base64.b64decode(words[i + 1]).decode("utf-16-le")
            except (ValueError, IndexError):
                return None
        if "file".startswith(key):
            return None
        values = ("executionpolicy", "workingdirectory", "outputformat", "inputformat", "ep")
        i += 2 if any(v.startswith(key) for v in values) and len(key) > 1 else 1
    return None


def _stdin_script(cmd: Command) -> tuple[int, str] | None:
    """The script a shell reads on stdin: a here-document, a here-string, ``echo … |``."""
    if cmd.stdin is not None:
        return cmd.stdin
    feeder = cmd.pipe
    if feeder is None or not feeder.words:
        return None
    name, args = basename(feeder.words[0]), feeder.words[1:]
    if name == "echo":
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            args = args[1:]
        return feeder.line, " ".join(args)
    if name == "printf" and args:
        text = args[0]
        for arg in args[1:]:
            k = min((i for i in (text.find("%s"), text.find("%b")) if i >= 0), default=-1)
            text = text if k < 0 else text[:k] + arg + text[k + 2 :]
        return feeder.line, text.replace("\\n", "\n")
    if name == "cat" and len(args) == 0 and feeder.stdin is not None:
        return feeder.stdin
    return None


def unwrap(cmd: Command, depth: int = 0, env: Env | None = None) -> Iterator[Command]:
    """The command(s) ``cmd`` runs once launchers and nested shells are seen through, each
    with the environment exported to it (``env`` plus prefix and ``env`` assignments)."""
    words, i, env = cmd.words, 0, dict(env or {})
    while i < len(words):
        w = words[i]
        name = basename(w)
        if w in RESERVED or is_assignment(w):
            if w not in RESERVED:
                key, _, value = w.partition("=")
                env[key.rstrip("+")] = value
            i += 1
        elif name in _LAUNCHERS and not (
            name == "command" and words[i + 1 : i + 2] in (["-v"], ["-V"])
        ):
            i += 1
            while i < len(words) and words[i].startswith("-") and words[i] != "-":
                opt, i = words[i], i + 1
                if opt == "--":
                    break
                if name == "env" and opt in ("-i", "--ignore-environment", "-"):
                    env = {}
                elif name == "env" and opt.startswith(("-S", "--split-string")):
                    split = opt.partition("=")[2] if opt.startswith("--") else opt[2:]
                    rest = words[i:] if split else words[i + 1 :]
                    split = split or " ".join(words[i : i + 1])
                    yield from _expand(" ".join([split, *rest]), cmd.line, depth, env, BASH)
                    return
                elif name == "env" and opt in ("-u", "--unset") and i < len(words):
                    env.pop(words[i], None)
                i += opt in _LAUNCHERS[name]
            i += name == "timeout"  # the duration
        else:
            yield from _run(cmd._replace(words=words[i:], env=tuple(env.items())), depth, env)
            return


def _run(cmd: Command, depth: int, env: Env) -> Iterator[Command]:
    """``cmd`` (launchers removed), and what it runs as a shell, ``find -exec`` or ``eval``."""
    words, name, line = cmd.words, basename(cmd.words[0]), cmd.line
    lower = name.lower()
    if name in _SHELLS:
        kind, script = _shell_script(words, 1)
        stdin = _stdin_script(cmd) if kind == "stdin" else None
        if script is not None:
            yield from _expand(script, line, depth, env, BASH)
        elif stdin is not None:
            yield from _expand(stdin[1], stdin[0], depth, env, BASH)
        return
    if lower in _PWSH:
        script = _pwsh_script(words, 1)
        if script == "-" or (script is None and len(words) == 1):
            stdin = _stdin_script(cmd)
            script, line = (stdin[1], stdin[0]) if stdin else (None, line)
        if script is not None:
            yield from _expand(script, line, depth, env, POWERSHELL)
        return
    if name == "eval" or lower in ("invoke-expression", "iex"):
        yield from _expand(
            " ".join(words[1:]), line, depth, env, BASH if name == "eval" else POWERSHELL
        )
        return
    if lower == "cmd" and len(words) > 2 and words[1].lower() in ("/c", "/k"):
        yield from _expand(" ".join(words[2:]), line, depth, env, BASH)  # close enough for cmd
        return
    yield cmd
    if name == "find":
        k = 1
        while k < len(words):
            if words[k] in _EXEC:
                end = k + 1
                while end < len(words) and words[end] not in (";", "+"):
                    end += 1
                if end > k + 1 and depth < MAX_DEPTH:
                    yield from unwrap(cmd._replace(words=words[k + 1 : end]), depth + 1, env)
                k = end
            k += 1


def _expand(text: str, line: int, depth: int, env: Env, dialect: str) -> Iterator[Command]:
    """The commands ``text`` runs; ``export`` / ``unset`` update the environment of those after."""
    if depth >= MAX_DEPTH:
        return
    env = dict(env)
    assigned: dict[str, str] = {}  # shell variables, for a later ``export NAME``
    lexed = posix.lex(text, line) if dialect != POWERSHELL else _lex_powershell(text, line)
    for raw in lexed:
        words = [w for w in raw.words if w not in RESERVED]
        if words and all(is_assignment(w) for w in words):
            assigned.update(w.partition("=")[::2] for w in words)  # shell variables
            continue
        yield from unwrap(raw, depth + 1, env)
        verb = words[0] if words else ""
        if verb in ("export", "declare", "typeset", "unset"):  # for the commands after it
            for w in words[1:]:
                key, eq, value = w.partition("=")
                if verb == "unset":
                    env.pop(w, None)
                elif eq or key in assigned:
                    env[key] = value if eq else assigned[key]


def _lex_powershell(text: str, line: int) -> list[Command]:
    from ci_gates.parsers import (
        powershell,  # only for PowerShell text: the Bash hook never loads it
    )

    return powershell.lex(text, line)


def commands(
    text: str, line: int = 0, dialect: str = BASH, env: Env | None = None
) -> list[Command]:
    """The simple commands ``text`` runs, launchers removed; ``line`` is added to each line.

    ``dialect`` is "bash" (POSIX shell) or "powershell"; ``env`` the environment the text
    starts with. A command seen twice on one line (``eval "$(x)"``: ``x`` runs once) is
    listed once.
    """
    out, seen = [], set()
    for cmd in _expand(text, line, 0, dict(env or {}), dialect):
        key = (tuple(cmd.words), cmd.line)
        if key not in seen:
            seen.add(key)
            out.append(cmd)
    return out


def markdown_blocks(text: str) -> list[tuple[int, str]]:
    """Deprecated: ``(line, script)`` of the POSIX shell blocks of Markdown; use :mod:`ci_gates.parsers.markdown`."""
    from ci_gates.parsers.markdown import shell_blocks

    return [(b.line, b.script) for b in shell_blocks(text) if b.dialect == BASH]
