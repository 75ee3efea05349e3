"""Find the commands a piece of shell text runs: a lexer that sees through launchers.

:func:`commands` turns shell text (an agent's Bash command, a ``run:`` block, a script, a
Markdown block) into simple commands: argument words (quotes removed) and a 0-based line.
It sees through ``VAR=1``, ``env``, ``time``, ``nice``, ``command``, ``exec``, ``sudo``,
``timeout``, ``xargs``, ``eval`` and ``bash -c '…'``, and lexes ``$( … )``, backticks and
``<( … )`` (also inside double quotes) as commands. Quoted arguments of other commands and
here-document bodies are data. Hand-written, not :mod:`shlex`, which cannot tell
``"$(uv run x)"`` from ``"uv run x"`` and has no backticks, here-documents or lines. Never
raises (an unbalanced quote runs to the end; an internal error falls back to a whitespace
split). Standard library only: the agent hook imports this on every Bash call.
"""

from __future__ import annotations

import re
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

Command = namedtuple("Command", "words line")
Command.__doc__ = "One simple command: ``words`` (list[str], quotes removed), 0-based ``line``."

MAX_DEPTH = 12  # nesting of $( ), backticks and bash -c strings followed before giving up
_PLAIN = re.compile(r"[^\s'\"\\`$<>|&;()#]+")
_ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_RESERVED = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}"})
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"})
_FALLBACK = r"[;&|()\n]+"  # patterns used off the hook's path compile on first use


def basename(word: str) -> str:
    """``/usr/bin/env`` -> ``env``; also for Windows paths and ``.exe``."""
    name = word.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".exe") else name


def _match(text: str, i: int, open_: str, close: str) -> int:
    """Index just past the ``close`` matching the ``open_`` before ``i``; len(text) if none."""
    depth, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and open_ == "(":
            end = text.find("'", i + 1)
            i = n if end < 0 else end + 1
            continue
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


class _Lexer:
    """One pass over shell text; appends every simple command (and nested ones) to ``out``."""

    def __init__(
        self, text: str, line: int, depth: int, out: list[Command], stop: bool = False
    ) -> None:
        self.text, self.line, self.depth, self.out = text, line, depth, out
        self.stop, self.parens = stop, 0  # stop: at the ``)`` closing a ``$(`` / ``<(``
        self.words: list[str] = []
        self.word: list[str] | None = None
        self.cmd_line = line
        # The next word is a redirection target / a here-document delimiter (<<- strips tabs).
        self.skip_next = self.heredoc_next = self.heredoc_strip = False
        self.heredocs: list[tuple[str, bool]] = []

    def add(self, s: str) -> None:
        if self.word is None:
            self.word = []
            if not self.words:
                self.cmd_line = self.line
        self.word.append(s)

    def end_word(self) -> None:
        if self.word is None:
            return
        word, self.word = "".join(self.word), None
        if self.heredoc_next:
            self.heredocs.append((word, self.heredoc_strip))
            self.heredoc_next = False
        elif self.skip_next:
            self.skip_next = False
        else:
            self.words.append(word)

    def end_command(self) -> None:
        self.end_word()
        if self.words:
            self.out.append(Command(self.words, self.cmd_line))
        self.words, self.skip_next = [], False

    def substitution(self, i: int, start: int, close: str) -> int:
        """Lex the commands from ``i`` to the matching ``close``; add the raw text to the word."""
        text, deeper, line = self.text, self.depth + 1, self.line
        if close == ")" and deeper <= MAX_DEPTH:  # the nested lexer finds its own end
            sub = _Lexer(text, line, deeper, self.out, stop=True)
            end, self.line = sub.run(i), sub.line
        elif close == ")":
            end = _match(text, i, "(", ")")
            self.line += text.count("\n", start, end)
        else:  # backticks do not nest (unescaped): the next unescaped one closes
            end = text.find("`", i)
            while end > 0 and text[end - 1] == "\\":
                end = text.find("`", end + 1)
            end = len(text) if end < 0 else end + 1
            if deeper <= MAX_DEPTH:
                inner = text[i : end - (text[end - 1 : end] == "`")].replace("\\`", "`")
                _Lexer(inner, line, deeper, self.out).run()
            self.line += text.count("\n", start, end)
        self.add(text[start:end])
        return end

    def dollar(self, i: int) -> int:
        """At ``$``: command substitution, arithmetic, ``${…}``, ``$'…'`` or a plain ``$``."""
        text, nxt = self.text, self.text[i + 1 : i + 2]
        if text.startswith("$((", i):
            end = _match(text, i + 2, "(", ")")
        elif nxt == "(":
            return self.substitution(i + 2, i, ")")
        elif nxt == "{":
            end = _match(text, i + 2, "{", "}")
        elif nxt == "'":
            return i + 1  # $'…': lexed as a single-quoted string (escapes aside)
        else:
            end = i + 1
        self.add(text[i:end])
        self.line += text.count("\n", i, end)
        return end

    def double_quoted(self, i: int) -> int:
        """At the character after an opening ``"``; returns the index after the closing one."""
        text, n = self.text, len(self.text)
        self.add("")
        while i < n:
            c = text[i]
            if c == '"':
                return i + 1
            if c == "\\" and text[i + 1 : i + 2] in ('"', "\\", "$", "`", "\n"):
                self.line += text[i + 1] == "\n"
                self.add(text[i + 1] if text[i + 1] != "\n" else "")
                i += 2
            elif c == "$":
                i = self.dollar(i)
            elif c == "`":
                i = self.substitution(i + 1, i, "`")
            else:
                self.line += c == "\n"
                self.add(c)
                i += 1
        return n

    def redirection(self, i: int) -> int:
        """At ``<`` or ``>``: drop an fd number before it, note what the next word is."""
        text = self.text
        self.word = None if "".join(self.word or "x").isdigit() else self.word
        self.end_word()
        if text.startswith("<<<", i):  # a here-string: the next word is data
            self.skip_next = True
            return i + 3
        if text.startswith("<<", i):
            self.heredoc_next, self.heredoc_strip = True, text.startswith("<<-", i)
            return i + (3 if self.heredoc_strip else 2)
        j = i + 1
        if text[j : j + 1] in (">", "|", "&"):
            j += 1
        if text[j - 1] == "&" and text[j : j + 1] == "-":
            return j + 1
        self.skip_next = True
        return j

    def skip_heredocs(self, i: int) -> int:
        """At the start of a line following here-document operators: skip their bodies."""
        text, n = self.text, len(self.text)
        for delim, strip in self.heredocs:
            while i < n:
                end = text.find("\n", i)
                end = n if end < 0 else end
                line, i, self.line = text[i:end], end + 1, self.line + 1
                if (line.lstrip("\t") if strip else line) == delim:
                    break
        self.heredocs = []
        return min(i, n)

    def run(self, i: int = 0) -> int:
        """Lex from ``i`` to the end (or, with ``stop``, past the closing ``)``); return where."""
        text, n = self.text, len(self.text)
        while i < n:
            m = _PLAIN.match(text, i)
            if m:
                self.add(m.group())
                i = m.end()
                continue
            c = text[i]
            if c == "\\":
                if text[i + 1 : i + 2] == "\n":
                    self.line += 1
                elif i + 1 < n:
                    self.add(text[i + 1])
                i += 2
            elif c == "'":
                end = text.find("'", i + 1)
                end = n if end < 0 else end
                self.add(text[i + 1 : end])
                self.line += text.count("\n", i, end)
                i = end + 1
            elif c == '"':
                i = self.double_quoted(i + 1)
            elif c == "$":
                i = self.dollar(i)
            elif c == "`":
                i = self.substitution(i + 1, i, "`")
            elif c == "#":  # a comment only at the start of a word
                end = text.find("\n", i) if self.word is None else i + 1
                if self.word is not None:
                    self.add("#")
                i = n if end < 0 else end
            elif c == "\n":
                self.end_command()
                self.line += 1
                i = self.skip_heredocs(i + 1) if self.heredocs else i + 1
            elif c in " \t\r\f\v":
                self.end_word()
                i += 1
            elif c in "<>":
                if text[i + 1 : i + 2] == "(" and self.word is None:
                    i = self.substitution(i + 2, i, ")")  # process substitution
                else:
                    i = self.redirection(i)
            elif c == "&" and text[i + 1 : i + 2] == ">":
                self.end_word()
                i = self.redirection(i + 1)
            elif c == "(" and self.word is not None and "".join(self.word).endswith("="):
                end = _match(text, i + 1, "(", ")")  # array assignment: data
                self.add(text[i:end])
                self.line += text.count("\n", i, end)
                i = end
            else:  # ; & | ( ) and anything else that ends a command
                self.end_command()
                if c == ")" and self.stop and not self.parens:
                    return i + 1
                self.parens += (c == "(") - (c == ")" and self.parens > 0)
                i += 1
        self.end_command()
        return n


def lex(text: str, line: int = 0) -> list[Command]:
    """Every simple command in ``text`` as written (wrappers not removed); never raises."""
    out: list[Command] = []
    try:
        _Lexer(text, line, 0, out).run()
    except Exception:  # a lexer bug must never crash a hook: best-effort split instead
        parts = enumerate(text.split("\n"))
        pieces = [(k, p.split()) for k, part in parts for p in re.split(_FALLBACK, part)]
        return [Command([w.strip("'\"") for w in ws], line + k) for k, ws in pieces if ws]
    return out


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
xargs: -I -i -n -P -L -l -d -E -e -s -a --max-args --max-procs --max-lines --delimiter --eof
""".splitlines()
    )
    for name in names.split()
}


def _shell_string(words: list[str], i: int) -> str | None:
    """For ``bash [opts] -c STRING``: STRING, else None (a script file or stdin)."""
    has_c = False
    while i < len(words) and words[i].startswith(("-", "+")) and words[i] not in ("-", "+", "--"):
        w = words[i]
        has_c = has_c or ("c" in w[1:] and not w.startswith("--"))
        i += 2 if w in ("--rcfile", "--init-file") or w[1:].endswith(("o", "O")) else 1
    i += i < len(words) and words[i] == "--"
    return words[i] if has_c and i < len(words) else None


def _unwrap(cmd: Command, depth: int) -> Iterator[Command]:
    """The command(s) ``cmd`` runs once launchers and ``sh -c`` are seen through."""
    words, i = cmd.words, 0
    while i < len(words):
        w = words[i]
        name = basename(w)
        if w in _RESERVED or _ASSIGN.match(w):
            i += 1
        elif name in _LAUNCHERS and not (
            name == "command" and words[i + 1 : i + 2] in (["-v"], ["-V"])
        ):
            i += 1
            while i < len(words) and words[i].startswith("-") and words[i] != "-":
                opt, i = words[i], i + 1
                if opt == "--":
                    break
                if name == "env" and opt.startswith(("-S", "--split-string")):
                    split = opt.partition("=")[2] if opt.startswith("--") else opt[2:]
                    rest = words[i:] if split else words[i + 1 :]
                    split = split or " ".join(words[i : i + 1])
                    yield from _expand(" ".join([split, *rest]), cmd.line, depth)
                    return
                i += opt in _LAUNCHERS[name]
            i += name == "timeout"  # the duration
        elif name in _SHELLS:
            script = _shell_string(words, i + 1)
            if script is not None:
                yield from _expand(script, cmd.line, depth)
            return
        elif name == "eval":
            yield from _expand(" ".join(words[i + 1 :]), cmd.line, depth)
            return
        else:
            yield Command(words[i:], cmd.line) if i else cmd
            return


def _expand(text: str, line: int, depth: int) -> Iterator[Command]:
    if depth >= MAX_DEPTH:
        return
    for cmd in lex(text, line):
        yield from _unwrap(cmd, depth + 1)


def commands(text: str, line: int = 0) -> list[Command]:
    """The simple commands ``text`` runs, launchers removed; ``line`` is added to each line."""
    return list(_expand(text, line, 0))


# --- Markdown -------------------------------------------------------------------------------

SHELL_FENCES = frozenset({"sh", "bash", "shell", "console", "zsh", "shell-session"})
_FENCE = r"^(\s*)(`{3,}|~{3,})\s*([^\s`{,]*)"
_PROMPT = r"^\s*\$( |$)"


def markdown_blocks(text: str) -> list[tuple[int, str]]:
    """``(first_line, script)`` (0-based) of each shell code block, one line per source line.

    In ``console`` blocks only ``$ `` prompt lines and their continuations are commands
    (every line if there is no prompt); a leading ``$ `` prompt is stripped in every block.
    """
    blocks: list[tuple[int, str]] = []
    fence, lang, indent, start, body = "", "", "", 0, []  # type: tuple[str, str, str, int, list[str]]
    for number, raw in enumerate([*text.split("\n"), None]):
        m = re.match(_FENCE, raw) if raw is not None else None
        if not fence:
            if m:
                indent, fence, lang, start, body = *m.groups(), number + 1, []
                lang = lang.lower()
            continue
        if raw is None or (
            m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence) and not m.group(3)
        ):  # a closing fence, or the end of the text
            if lang in SHELL_FENCES:
                blocks.append((start, _script(body, lang in ("console", "shell-session"))))
            fence = ""
            continue
        body.append(raw[len(indent) :] if raw.startswith(indent) else raw.lstrip())
    return blocks


def _script(lines: list[str], console: bool) -> str:
    prompted = console and any(re.match(_PROMPT, line) for line in lines)
    out, continued = [], False
    for line in lines:
        if re.match(_PROMPT, line):
            line = re.sub(_PROMPT, "", line, count=1)
        elif prompted and not continued:
            line = ""  # command output
        out.append(line)
        continued = line.endswith("\\")
    return "\n".join(out)
