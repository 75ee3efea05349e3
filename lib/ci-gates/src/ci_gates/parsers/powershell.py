"""A lexer for PowerShell text: the commands it runs, with their lines.

The counterpart of :mod:`ci_gates.parsers.posix` for the agent's ``PowerShell`` tool and workflow steps with
``shell: pwsh`` / ``powershell`` (and Windows runners' default shell). A statement is a command
only when it starts with a bare word (``uv run x``) or the call operator (``& "uv" run x``,
``. ./x.ps1``); one that starts with a string, a number, a variable or a parenthesis is an
expression (``"uv run x"`` prints a string). Commands inside ``( … )``, ``$( … )``,
``@( … )`` and script blocks ``{ … }`` are lexed too; ``@{ … }`` hash tables, here-strings
and comments (``#``, ``<# … #>``) are data. Statements end at ``;``, a newline, ``&&``,
``||`` and a trailing ``&``; ``|`` starts the next command of a pipeline. A backtick escapes
the next character (a backtick before a newline continues the line). ``$env:NAME = value``
is reported as ``export NAME=value`` (names upper-cased, as Windows treats them). Never
raises; standard library only.
"""

from __future__ import annotations

from ci_gates.parsers.posix import MAX_DEPTH, Command
from ci_gates.parsers.words import WordLexer

KEYWORDS = frozenset(
    "if elseif else foreach for while do until switch try catch finally trap function filter "
    "workflow param begin process end clean return throw exit break continue data "
    "dynamicparam class enum using configuration".split()
)
_ENDS = " \t\r\n;|&(){}\"'#`<>"  # characters that end a bare word
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "e": "\x1b"}
_SUFFIXES = ("kb", "mb", "gb", "tb", "pb", "ul", "us", "uy", "un", "u", "l", "d", "s", "y", "n")


def _variable(text: str, i: int) -> str:
    """The variable at ``text[i] == "$"``: ``$name``, ``$env:NAME``, ``${any name}``."""
    if text.startswith("${", i):
        end = text.find("}", i)
        return text[i : end + 1] if end > 0 else text[i:]
    j = i + 1
    while j < len(text) and (text[j].isalnum() or text[j] in "_:?^$"):
        j += 1
    return text[i:j]


def _assignment(text: str, i: int) -> int:
    """Index after ``=`` (``+=``, ``??=``, …) when an assignment follows ``i``; 0 if not."""
    while i < len(text) and text[i] in " \t":
        i += 1
    if text.startswith("??", i):
        i += 2
    elif text[i : i + 1] in ("-", "+", "*", "/", "%"):
        i += 1
    return i + 1 if text[i : i + 1] == "=" and text[i + 1 : i + 2] != "=" else 0


def _is_number(word: str) -> bool:
    """``1``, ``2.5e3``, ``0x1F``, ``10kb``, ``5L`` (PowerShell numeric literals)."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) and not word.startswith("0x"):
            word = word[: -len(suffix)]
            break
    try:
        int(word, 16) if word.startswith("0x") else float(word)
    except ValueError:
        return False
    return word[:1].isdigit()


class _Lexer(WordLexer):
    def __init__(self, text: str, line: int, depth: int, out: list[Command], stop: str) -> None:
        self.text, self.line, self.depth, self.out, self.stop = text, line, depth, out, stop
        self.words: list[str] = []
        self.word: list[str] | None = None
        self.cmd_line = line
        self.mode = "start"  # start of a statement / "command" / "pipe" (next is one) / "skip"
        self.skip_next = False  # the next word is a redirection target

    def end_word(self) -> None:
        word = self.take_word()
        if word is None:
            return
        if self.mode == "skip" and word.lower() == "in":
            self.mode = "start"  # ``foreach ($x in <pipeline>)``: a statement follows
        elif self.skip_next:
            self.skip_next = False
        elif self.mode == "command":
            self.words.append(word)

    def end(self, pipe: bool = False) -> None:
        """End the command; ``pipe``: what follows is the next command of the pipeline."""
        self.end_word()
        if self.words:
            self.out.append(Command(self.words, self.cmd_line))
        self.words, self.skip_next = [], False
        self.mode = "pipe" if pipe else "start"

    def nested(self, i: int, stop: str) -> int:
        """Lex the statements from ``i`` to the matching ``stop``; the index after it."""
        if self.depth + 1 > MAX_DEPTH:
            return _skip(self.text, i, stop)
        sub = _Lexer(self.text, self.line, self.depth + 1, self.out, stop)
        end = sub.run(i)
        self.line = sub.line
        return end

    def quoted(self, i: int) -> int:
        """At an opening quote or ``@"``/``@'``: add the string's text; the index after it."""
        text, n = self.text, len(self.text)
        if text[i] == "@":  # a here-string: from the next line to a line starting "@ / '@
            close = "\n" + text[i + 1] + "@"
            end = text.find(close, i + 2)
            end = n if end < 0 else end
            self.add(text[text.find("\n", i) + 1 : end])
            self.line += text.count("\n", i, end + 1)
            return min(n, end + 3)
        q, i = text[i], i + 1
        self.add("")
        while i < n:
            c = text[i]
            if c == q and text[i + 1 : i + 2] == q:  # '' or "" inside: one quote
                self.add(q)
                i += 2
            elif c == q:
                return i + 1
            elif q == '"' and c == "`" and i + 1 < n:
                self.line += text[i + 1] == "\n"
                self.add(_ESCAPES.get(text[i + 1], text[i + 1]))
                i += 2
            elif q == '"' and text.startswith("$(", i):
                end = self.nested(i + 2, ")")
                self.add(text[i:end])
                i = end
            else:
                self.line += c == "\n"
                self.add(c)
                i += 1
        return n

    def statement_start(self, i: int) -> int:
        """At the first character of a statement (or pipeline element): decide its kind.

        Sets ``mode`` to "command" or "skip" (an expression), or leaves "start" after an
        assignment prefix (``$x = …``: the right side is a statement); returns where to go on.
        """
        text, c = self.text, self.text[i]
        call = c in "&." and text[i + 1 : i + 2] in (" ", "\t", '"', "'", "$")
        if self.mode == "pipe" or call:
            self.mode = "command"
            return i + 1 if call else i
        if c == "$":
            var = _variable(text, i)
            eq = _assignment(text, i + len(var))
            if eq and var[:5].lower() == "$env:":
                return self.env_assignment(var[5:].upper(), eq)
            if eq:
                return eq
            self.mode = "skip"
            return i
        j = i
        while j < len(text) and text[j] not in _ENDS:
            j += 1
        first = text[i:j]
        # A string, a number, a parenthesis, a type: an expression (commands nested in it are
        # still lexed); a keyword: its parts are lexed as statements.
        expression = c in "\"'@([-+!," or _is_number(first)
        self.mode = "skip" if expression or first.lower() in KEYWORDS else "command"
        return i

    def env_assignment(self, name: str, i: int) -> int:
        """``$env:NAME = value``: the command ``export NAME=value``; the index after it."""
        text = self.text
        while i < len(text) and text[i] in " \t":
            i += 1
        self.mode, self.cmd_line, self.words = "command", self.line, ["export"]
        end = self.word_at(i)
        value = "".join(self.word or [])
        self.word = [f"{name}={'true' if value.lower() == '$true' else value}"]
        return end

    def word_at(self, i: int) -> int:
        """Read one argument word from ``i`` (quotes, escapes, ``$( … )``); the index after."""
        text, n = self.text, len(self.text)
        while i < n:
            c = text[i]
            if c in "\"'" or text.startswith(('@"', "@'"), i):
                i = self.quoted(i)
            elif text.startswith("${", i):  # ${braced variable} or a GitHub ${{ expression }}
                end = text.find("}}" if text.startswith("${{", i) else "}", i)
                end = n if end < 0 else end + 1 + text.startswith("${{", i)
                self.add(text[i:end])
                i = end
            elif c == "`" and i + 1 < n and text[i + 1] not in "\r\n":
                self.add(_ESCAPES.get(text[i + 1], text[i + 1]))
                i += 2
            elif text.startswith(("$(", "@("), i):
                end = self.nested(i + 2, ")")
                self.add(text[i:end])
                i = end
            elif c in _ENDS:
                return i
            else:
                j = i + 1
                while j < n and text[j] not in _ENDS and text[j] != "$":
                    j += 1
                self.add(text[i:j])
                i = j
        return n

    def run(self, i: int = 0) -> int:
        """Lex from ``i`` to the end (or past the ``stop`` character); return where."""
        text, n = self.text, len(self.text)
        while i < n:
            c = text[i]
            if c in " \t\r\f\v":
                self.end_word()
                i += 1
            elif c == "`" and text[i + 1 : i + 2] in ("\n", "\r"):
                self.end_word()  # a line continuation
                i = text.find("\n", i) + 1 or n
                self.line += 1
            elif c == "#" or text.startswith("<#", i):
                end = text.find("\n", i) if c == "#" else text.find("#>", i)
                end = n if end < 0 else end + (2 if c == "<" else 0)
                self.line += text.count("\n", i, end) if c == "<" else 0
                i = end
            elif c in "\n;" or text.startswith(("&&", "||"), i):
                self.end()
                self.line += c == "\n"
                i += 2 if c in "&|" else 1
            elif c == "|":
                self.end(pipe=True)
                i += 1
            elif c == self.stop:
                self.end()
                return i + 1
            elif c in ")}":
                i += 1  # unbalanced: ignored
            elif self.mode in ("start", "pipe"):
                i = self.statement_start(i)
            elif c in "({":
                self.end_word()
                end = self.nested(i + 1, ")" if c == "(" else "}")
                if self.mode == "command":
                    self.add(text[i:end])
                i = end
            elif text.startswith("@{", i):
                self.end_word()
                i = _skip(text, i + 2, "}")
            elif c == "&":  # a trailing & (a background job) ends the statement
                self.end()
                i += 1
            elif c in "<>":
                target = "".join(self.word or "x")
                self.word = None if target.isdigit() or target == "*" else self.word
                self.end_word()
                j = i + 1 + (text[i + 1 : i + 2] == ">")
                self.skip_next = text[j : j + 1] != "&"
                i = j + 2 * (not self.skip_next)  # 2>&1: no target word
            elif text.startswith("--%", i) and self.word is None:
                end = text.find("\n", i)
                end = n if end < 0 else end
                if self.mode == "command":
                    self.words.extend(text[i + 3 : end].split())
                i = end
            else:
                end = self.word_at(i)
                i = end if end > i else i + 1  # a lone backtick at the end: skipped
        self.end()
        return n


def _skip(text: str, i: int, close: str) -> int:
    """Index after the ``close`` matching an opener before ``i`` (strings skipped)."""
    opener, depth, n = "(" if close == ")" else "{", 1, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            end = text.find(c, i + 1)
            i = n if end < 0 else end + 1
            continue
        depth += (c == opener) - (c == close)
        i += 1
        if depth == 0:
            return i
    return n


def lex(text: str, line: int = 0) -> list[Command]:
    """Every command in PowerShell ``text`` (launchers kept); never raises."""
    out: list[Command] = []
    try:
        _Lexer(text, line, 0, out, "").run()
    except Exception:  # a lexer bug must never crash a hook: best-effort split instead
        pieces = [
            (k, p.split()) for k, part in enumerate(text.split("\n")) for p in part.split(";")
        ]
        return [Command([w.strip("'\"") for w in ws], line + k) for k, ws in pieces if ws]
    return out
