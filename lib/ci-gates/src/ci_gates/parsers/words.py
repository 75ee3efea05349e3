"""The word being read: the part the POSIX and PowerShell lexers share (hooks import it)."""

from __future__ import annotations


class WordLexer:
    """What both lexers (POSIX here, PowerShell in ci/powershell.py) share: the current word.

    ``add`` appends characters to the word being read (its command starts at the line where its
    first word does); ``take_word`` ends it, returning its text (None when no word was open).
    """

    line: int
    words: list[str]
    word: list[str] | None
    cmd_line: int

    def add(self, s: str) -> None:
        if self.word is None:
            self.word = []
            if not self.words:
                self.cmd_line = self.line
        self.word.append(s)

    def take_word(self) -> str | None:
        if self.word is None:
            return None
        word, self.word = "".join(self.word), None
        return word
