"""A CLI's surface from its ``--dump-surface`` JSON, and the calls of a CLI in shell text.

:func:`from_dump` turns the document the CLI prints (``format`` 1: per command ``name``,
``aliases``, ``flags``, ``positionals``, ``subcommands``, recursively; see the CLI crate's
``surface.rs``) into :class:`Cmd` trees the ``action_surface`` gate walks a call through.
:func:`calls` finds the calls of given program names in a shell script through
:mod:`ci_gates.parsers.shell`, also through a variable that holds the program's path. Standard library only.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ci_gates.parsers import shell

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = 1

# kind: "none" (a plain flag), "required" or "optional" (a value); choices: possible values.
# stops: clap prints something and exits (help, version): the rest of the call is not parsed.
Option = namedtuple("Option", "kind choices stops")
# name: canonical name; options: "--long" / "-s" (aliases too) -> Option; commands: name or
# alias -> Cmd; positionals: whether the command takes any; visible: names of its
# subcommands that are not hidden, for messages.
Cmd = namedtuple("Cmd", "name options commands positionals visible")
# A call: 1-based line, the program name it calls, the words after the program.
Invocation = namedtuple("Invocation", "line program args")


class SurfaceError(ValueError):
    """The document is not a surface this module reads; the message says what is wrong."""


def _option(flag: dict[str, Any]) -> Option:
    if not flag.get("takes_value"):
        kind = "none"
    else:
        minimum = (flag.get("num_args") or {}).get("min", 1)
        kind = "optional" if minimum == 0 else "required"
    stops = flag.get("action") in {"help", "help_short", "help_long", "version"}
    return Option(kind, tuple(flag.get("possible_values") or ()), stops)


def _spellings(flag: dict[str, Any]) -> list[str]:
    longs = [flag.get("long"), *(flag.get("aliases") or ())]
    shorts = [flag.get("short"), *(flag.get("short_aliases") or ())]
    return [f"--{n}" for n in longs if n] + [f"-{c}" for c in shorts if c]


def _command(data: dict[str, Any]) -> Cmd:
    options = {s: _option(f) for f in data.get("flags", []) for s in _spellings(f)}
    commands: dict[str, Cmd] = {}
    visible = []
    for sub in data.get("subcommands", []):
        cmd = _command(sub)
        for name in (sub["name"], *(sub.get("aliases") or ())):
            commands[name] = cmd
        if not sub.get("hidden"):
            visible.append(sub["name"])
    return Cmd(data["name"], options, commands, bool(data.get("positionals")), tuple(visible))


def from_dump(data: object) -> Cmd:
    """The command tree of a ``--dump-surface`` document; :class:`SurfaceError` if unreadable."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise SurfaceError(f"expected a surface document with format {FORMAT}, got {found!r}")
    try:
        return _command(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise SurfaceError(f"malformed surface document ({type(exc).__name__}: {exc})") from None


# --- calls in shell text ---------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"([A-Za-z_]\w*)=(.*)", re.S)
_VAR_SUFFIX = re.compile(r"(\$\{?\w+\}?)+$")  # acme-cli$exe, acme-cli${EXE}
_DECLARE = frozenset({"export", "local", "readonly", "declare", "typeset"})


def program_of(word: str, programs: set[str] | frozenset[str]) -> str | None:
    """Which of ``programs`` the command word ``word`` runs (a path, ``.exe``, ``$exe``)."""
    name = shell.basename(word)
    for candidate in (name, _VAR_SUFFIX.sub("", name)):
        if candidate in programs:
            return candidate
    return None


def path_variables(script: str, programs: set[str] | frozenset[str]) -> dict[str, str]:
    """Shell variables assigned a program's path (``binary="$bin/acme-cli$exe"``) -> program."""
    found = {}
    for cmd in shell.lex(script):
        words = cmd.words
        if words and words[0] in _DECLARE:
            words = [w for w in words[1:] if not w.startswith("-")]
        for word in words:
            m = _ASSIGNMENT.fullmatch(word)
            if not m:
                break  # past the assignments: a command, not an assignment
            program = program_of(m.group(2), programs)
            if program:
                found[m.group(1)] = program
    return found


def calls(
    script: str, programs: set[str] | frozenset[str], first_line: int = 1
) -> list[Invocation]:
    """Every call of one of ``programs`` in a shell script whose first line is ``first_line``.

    :mod:`ci_gates.parsers.shell` finds the commands (through ``env``, ``bash -c``, ``$( )``, pipes and line
    continuations; quoted text of other commands, comments and here-documents are data). A
    call through a variable holding a program's path (``"$binary" --version``) counts too.
    """
    variables = path_variables(script, programs)
    by_word = {f"${v}": p for v, p in variables.items()}
    by_word.update({f"${{{v}}}": p for v, p in variables.items()})
    found = []
    for cmd in shell.commands(script):
        if not cmd.words:
            continue
        program = program_of(cmd.words[0], programs) or by_word.get(cmd.words[0])
        if program:
            found.append(Invocation(first_line + cmd.line, program, cmd.words[1:]))
    return found


def is_dynamic(word: str) -> bool:
    """A word whose value is known only at run time (``$X``, ``${{ inputs.x }}``, backticks)."""
    return "$" in word or "`" in word
