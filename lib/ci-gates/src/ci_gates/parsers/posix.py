"""A lexer for POSIX shell (bash) text: the simple commands it contains, with their lines.

:func:`lex` turns shell text into :class:`Command` records: argument words (quotes removed),
a 0-based line, the here-document or here-string fed to the command (``stdin``) and the
command piped into it (``pipe``). ``$( … )``, backticks and ``<( … )`` are lexed as commands
wherever they appear (in double quotes, in ``${…}``); quoted arguments, here-document bodies,
``[[ … ]]`` tests, ``(( … ))`` arithmetic, and ``for`` / ``case`` / function headers are not
commands. Launchers (``env``, ``sudo``, ``bash -c``) are seen through by :mod:`ci_gates.parsers.shell`.
Hand-written, not :mod:`shlex`, which cannot tell ``"$(uv run x)"`` from ``"uv run x"`` and
has no backticks, here-documents or lines. Never raises (an unbalanced quote runs to the end;
an internal error falls back to a whitespace split). Standard library only: the agent hook
imports it on every Bash call.
"""

from __future__ import annotations

import re

from ci_gates.core.records import record
from ci_gates.parsers.words import WordLexer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

    class Command(NamedTuple):
        """One simple command.

        ``words``: quotes removed; ``line``: 0-based; ``env``: ``(name, value)`` pairs exported
        to it (prefix assignments, ``env``, ``export``, ``$env:X``); ``stdin``: ``(line, text)``
        of the here-document / here-string it reads; ``pipe``: the command piped into it.
        """

        words: list[str]
        line: int
        env: tuple[tuple[str, str], ...] = ()
        stdin: tuple[int, str] | None = None
        pipe: Command | None = None

else:
    Command = record("Command", "words line env stdin pipe", ((), None, None))

MAX_DEPTH = 12  # nesting of $( ), backticks and bash -c strings followed before giving up
_PLAIN = re.compile(r"[^\s'\"\\`$<>|&;()#]+")
_FALLBACK = r"[;&|()\n]+"  # used off the hook's path: compiled on first use
_OPERATORS = "|&;<>()"
# Reserved words that may precede a command (``if a``, ``do b``, ``! c``); not commands.
RESERVED = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "{", "}", "esac"}
)


def _match(text: str, i: int) -> int:
    """Index just past the ``)`` matching a ``(`` before ``i`` (quotes skipped); len(text) if none."""
    depth, n = 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 1
        elif c == "'":
            end = text.find("'", i + 1)
            i = n if end < 0 else end
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "()":
            depth += 1 if c == "(" else -1
            if depth == 0:
                return i + 1
        i += 1
    return n


class _Lexer(WordLexer):
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
        self.stdin: tuple[int, str] | None = None  # a here-string fed to this command
        # Here-documents whose bodies start at the next line: [delimiter, strip, owner index].
        self.heredocs: list[list[object]] = []
        self.mine: list[list[object]] = []  # those opened by the command being read
        self.pipe: int | None = None  # index in ``out`` of the command piped into the next
        self.test = False  # inside [[ … ]]: operators are words
        self.cases = 0  # open case … esac
        self.pattern = False  # reading a case pattern, up to its ``)``

    def end_word(self) -> None:
        word = self.take_word()
        if word is None:
            return
        if self.pattern:  # a case pattern is not a command; ``esac`` may close the case
            if word == "esac":
                self.cases, self.pattern = self.cases - 1, False
            return
        if self.heredoc_next:
            self.heredocs.append([word.replace("'", "").replace('"', ""), self.heredoc_strip, -1])
            self.mine.append(self.heredocs[-1])
            self.heredoc_next = False
        elif self.skip_next:
            self.skip_next = False
        elif self.stdin == (-1, ""):
            self.stdin = (self.line, word)
        else:
            self.words.append(word)
            head = self.head()
            if head == ["[["]:
                self.test = True
            elif self.test and word == "]]":
                self.test = False
            elif head == ["esac"] and self.cases:
                self.cases -= 1
                del self.words[-1]
            elif len(head) == 3 and head[0] == "case" and word == "in":
                self.words, self.cases, self.pattern = [], self.cases + 1, True
            elif len(head) == 2 and head[0] == "function":
                self.words = []  # ``function name``: a header; a ``()`` may follow

    def last_word(self) -> str:
        return "".join(self.word) if self.word is not None else "".join(self.words[-1:])

    def head(self) -> list[str]:
        """The words of the command being read, after leading reserved words."""
        k = 0
        while k < len(self.words) and self.words[k] in RESERVED:
            k += 1
        return self.words[k:]

    def end_command(self, piped: bool = False) -> None:
        self.end_word()
        head = self.head()
        words, self.words, self.test = self.words, [], False
        if head and head[0] in ("for", "select"):
            words = []  # ``for NAME in WORDS``: a header (substitutions in it were lexed)
        owner = None
        if words:
            stdin = self.stdin if self.stdin != (-1, "") else None
            # ``pipe`` is an index into ``out`` until :func:`lex` resolves it (see there).
            self.out.append(Command(words, self.cmd_line, (), stdin, self.pipe))  # type: ignore[arg-type]
            owner = len(self.out) - 1
        for heredoc in self.mine:
            heredoc[2] = owner
        self.mine, self.skip_next, self.stdin = [], False, None
        self.pipe = owner if piped else None

    def substitution(self, i: int, close: str) -> int:
        """Lex the commands from ``i`` to the matching ``close``; return the index after it."""
        text, deeper, start = self.text, self.depth + 1, i
        if close == ")" and deeper <= MAX_DEPTH:  # the nested lexer finds its own end
            sub = _Lexer(text, self.line, deeper, self.out, stop=True)
            end, self.line = sub.run(i), sub.line
            return end
        if close == ")":
            end = _match(text, i)
        else:  # backticks do not nest (unescaped): the next unescaped one closes
            end = text.find("`", i)
            while end > 0 and text[end - 1] == "\\":
                end = text.find("`", end + 1)
            end = len(text) if end < 0 else end + 1
            if deeper <= MAX_DEPTH:
                inner = text[i : end - (text[end - 1 : end] == "`")].replace("\\`", "`")
                _Lexer(inner, self.line, deeper, self.out).run()
        self.line += text.count("\n", start, end)
        return end

    def braced(self, i: int) -> int:
        """At the ``{`` of ``${``: the index after the matching ``}``; substitutions inside
        (``${X:-$(cmd)}``) are lexed as commands."""
        text, n, depth = self.text, len(self.text), 1
        i += 1
        while i < n:
            c = text[i]
            if c == "\\":
                self.line += text[i + 1 : i + 2] == "\n"
                i += 2
            elif text.startswith("$(", i) and not text.startswith("$((", i):
                i = self.substitution(i + 2, ")")
            elif c == "`":
                i = self.substitution(i + 1, "`")
            elif text.startswith("${", i):
                depth, i = depth + 1, i + 2
            elif c == "}":
                depth, i = depth - 1, i + 1
                if depth == 0:
                    return i
            else:
                self.line += c == "\n"
                i += 1
        return n

    def dollar(self, i: int) -> int:
        """At ``$``: command substitution, arithmetic, ``${…}``, ``$'…'`` or a plain ``$``."""
        text, nxt = self.text, self.text[i + 1 : i + 2]
        if text.startswith("$((", i):
            end = _match(text, i + 2)
            self.line += text.count("\n", i, end)
        elif nxt == "(":
            end = self.substitution(i + 2, ")")
        elif nxt == "{":
            end = self.braced(i + 1)
        elif nxt == "'":
            return i + 1  # $'…': lexed as a single-quoted string (escapes aside)
        else:
            end = i + 1
        self.add(text[i:end])
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
                start, i = i, self.substitution(i + 1, "`")
                self.add(text[start:i])
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
        if text.startswith("<<<", i):  # a here-string: the next word is the command's stdin
            self.stdin = (-1, "")
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

    def read_heredocs(self, i: int) -> int:
        """At the start of a line following here-document operators: read their bodies into
        the ``stdin`` of the commands that opened them."""
        text, n = self.text, len(self.text)
        for delim, strip, owner in self.heredocs:
            first, body = self.line, []
            while i < n:
                end = text.find("\n", i)
                end = n if end < 0 else end
                line, i, self.line = text[i:end], end + 1, self.line + 1
                if (line.lstrip("\t") if strip else line).rstrip("\r") == delim:
                    break
                body.append(line.lstrip("\t") if strip else line)
            if isinstance(owner, int) and 0 <= owner < len(self.out):
                self.out[owner] = self.out[owner]._replace(stdin=(first, "\n".join(body)))
        self.heredocs = []
        return min(i, n)

    def operator(self, i: int) -> int:
        """At one of ``;&|()``: end the command (or skip a case pattern / function header)."""
        text, c = self.text, self.text[i]
        two = text[i : i + 2]
        if self.pattern:  # ``a|b)`` of a case: ``)`` ends the pattern
            self.end_word()
            self.pattern = c != ")"
            return i + 1
        if c == "(" and text[i + 1 :].lstrip(" \t").startswith(")"):
            words = self.words + ([] if self.word is None else ["".join(self.word)])
            if len(words) <= 1:  # ``name()`` (or the ``()`` after ``function name``)
                self.words, self.word = [], None
                return text.index(")", i) + 1
        if c == "(" and two == "((" and self.word is None and self.head() in ([], ["for"]):
            self.words = [w for w in self.words if w != "for"]  # (( arithmetic )): no command
            return _match(text, i + 2) + 1
        if two == ";;" or two == ";&":
            self.end_command()
            self.pattern = self.cases > 0
            return i + 3 if text.startswith(";;&", i) else i + 2
        piped = c == "|" and two != "||"
        self.end_command(piped)
        if c == ")" and self.stop and not self.parens:
            return -(i + 1)  # the end of this $( … ): the caller returns
        self.parens += (c == "(") - (c == ")" and self.parens > 0)
        return i + (2 if two in ("||", "&&", "|&") else 1)

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
                start, i = i, self.substitution(i + 1, "`")
                self.add(text[start:i])
            elif c == "#":  # a comment only at the start of a word
                end = text.find("\n", i) if self.word is None else i + 1
                if self.word is not None:
                    self.add("#")
                i = n if end < 0 else end
            elif c == "\n" and self.test and self.last_word() in ("||", "&&", "!", "("):
                self.end_word()  # [[ a ||<newline> b ]]: one test over two lines
                self.line += 1
                i += 1
            elif c == "\n":
                self.end_command()
                self.line += 1
                i = self.read_heredocs(i + 1) if self.heredocs else i + 1
            elif c in " \t\r\f\v":
                self.end_word()
                i += 1
            elif self.test and c in _OPERATORS and "".join(self.word or ()) != "]]":
                self.add(c)  # [[ a || b ]]: one test, not two commands
                i += 1
            elif c in "<>" and not self.pattern:
                if text[i + 1 : i + 2] == "(" and self.word is None:
                    start, i = i, self.substitution(i + 2, ")")  # process substitution
                    self.add(text[start:i])
                else:
                    i = self.redirection(i)
            elif c == "&" and text[i + 1 : i + 2] == ">":
                self.end_word()
                i = self.redirection(i + 1)
            elif c == "(" and self.word is not None and "".join(self.word).endswith("="):
                end = _match(text, i + 1)  # array assignment: data
                self.add(text[i:end])
                self.line += text.count("\n", i, end)
                i = end
            else:
                i = self.operator(i)
                if i < 0:
                    return -i
        self.end_command()
        return n


def lex(text: str, line: int = 0) -> list[Command]:
    """Every simple command in ``text`` as written (launchers kept); never raises."""
    out: list[Command] = []
    try:
        _Lexer(text, line, 0, out).run()
    except Exception:  # a lexer bug must never crash a hook: best-effort split instead
        parts = enumerate(text.split("\n"))
        pieces = [(k, p.split()) for k, part in parts for p in re.split(_FALLBACK, part)]
        return [Command([w.strip("'\"") for w in ws], line + k) for k, ws in pieces if ws]
    # ``pipe`` was an index while the piped-into command's here-document was still unread.
    for k, cmd in enumerate(out):
        feeder: Any = cmd.pipe
        if isinstance(feeder, int):
            out[k] = cmd._replace(pipe=out[feeder] if 0 <= feeder < k else None)
    return out
