"""The commit messages a shell command gives ``git commit`` on its command line.

``git commit -m "feat: x"``, ``-m`` twice (paragraphs), ``--message=…``, ``-am …``, ``-m…``,
also through ``env``, ``&&``, ``bash -c`` (ci/shell.py sees through launchers), and the
``-m "$(cat <<'EOF' … EOF)"`` form agents use for long messages. A message read from a file
(``-F``, ``-C``, ``-c``, ``--template``), one git builds (``--fixup``, ``--squash``) or one that
depends on the shell (``$VAR``, ``$(…)``, backticks) is not returned: only what is certain is
judged. Standard library only: the agent hook calls :func:`messages` on every ``git commit``.
"""

from __future__ import annotations

import re

from ci_gates.parsers import shell

# git's own options before the subcommand that take a separate value.
_GIT_VALUE = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path"})
# commit options after which the message is not (only) the command line's.
_ELSEWHERE = (
    "-F",
    "--file",
    "-C",
    "--reuse-message",
    "-c",
    "--reedit-message",
    "-t",
    "--template",
    "--fixup",
    "--squash",
)
# commit options that take a separate value (so the value is not read as an option).
_VALUE = frozenset(
    {
        "-m",
        "--message",
        *_ELSEWHERE,
        "--author",
        "--date",
        "--cleanup",
        "--trailer",
        "--pathspec-from-file",
    }
)
# short options that take a value, as the last letter of a cluster (`-am msg`) or attached.
_SHORT_VALUE = "mFCct"
_HEREDOC = re.compile(
    r"\$\(\s*cat\s+<<-?\s*(['\"]?)(\w+)\1[ \t]*\n(.*?)\n[ \t]*\2[ \t]*\n?\s*\)\Z", re.S
)


def _literal(word: str) -> str | None:
    """The message a ``-m`` word stands for, or None when the shell would still change it."""
    m = _HEREDOC.match(word)
    if m:
        body, quoted = m.group(3), bool(m.group(1))
        return body if quoted or "$" not in body and "`" not in body else None
    return None if "$" in word or "`" in word else word


def _commit_args(words: list[str]) -> list[str] | None:
    """The arguments after ``git … commit``, or None when this is not a git commit."""
    if not words or shell.basename(words[0]) != "git":
        return None
    i = 1
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in _GIT_VALUE else 1
    if i < len(words) and words[i] == "commit":
        return words[i + 1 :]
    return None


def _from_args(args: list[str]) -> list[str] | None:
    """The ``-m`` values of one commit's arguments; None when the message comes from elsewhere."""
    values: list[str] = []
    i = 0
    while i < len(args):
        arg, i = args[i], i + 1
        if arg == "--":
            break
        name, eq, attached = arg.partition("=")
        if arg.startswith("--"):
            if name in _ELSEWHERE:
                return None
            if name == "--message":
                value = attached if eq else (args[i] if i < len(args) else "")
                i += 0 if eq else 1
                values.append(value)
            elif name in _VALUE and not eq:
                i += 1
            continue
        if not arg.startswith("-") or arg == "-":
            continue
        for k, letter in enumerate(arg[1:], start=1):
            if letter not in _SHORT_VALUE:
                continue
            if letter != "m":
                return None
            value = arg[k + 1 :] or (args[i] if i < len(args) else "")
            i += 0 if arg[k + 1 :] else 1
            values.append(value)
            break
    return values


def messages(command: str) -> list[str]:
    """Every certain ``git commit`` message in ``command`` (paragraphs joined as git does)."""
    found: list[str] = []
    for cmd in shell.commands(command):
        args = _commit_args(cmd.words)
        if args is None:
            continue
        values = _from_args(args)
        if not values:
            continue
        literal = [_literal(v) for v in values]
        if any(v is None for v in literal):
            continue
        found.append("\n\n".join(v.strip("\n") for v in literal if v is not None))
    return found
