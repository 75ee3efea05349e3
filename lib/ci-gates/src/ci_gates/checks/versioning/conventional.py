"""Conventional Commits and the ``Release:`` trailer, parsed from a commit message.

One parser for the three readers: the ``commits`` gate and its hooks (is this message valid?),
the release plan (which bump does it call for?) and nothing else — git-cliff reads the same
convention through ``cliff.toml`` for the notes. Standard library only (``re``): the agent hook
imports this on every ``git commit -m``.

A message is ``type(scope)!: description``, a blank line, a body, and a last paragraph of
trailers (``Key: value`` lines, as ``git interpret-trailers`` reads them). ``!`` or a
``BREAKING CHANGE:`` / ``BREAKING-CHANGE:`` footer marks a breaking change. ``Release:``
(``major``, ``minor``, ``patch`` or ``skip``) overrides what the subject implies.
"""

from __future__ import annotations

import re
from collections import namedtuple

TYPES = (
    "feat",
    "fix",
    "perf",
    "refactor",
    "docs",
    "test",
    "build",
    "ci",
    "chore",
    "style",
    "revert",
)
RELEASE_VALUES = ("major", "minor", "patch", "skip")
RELEASE_KEY = "release"
EXAMPLE = "fix(core): count a final line without a newline"

_SUBJECT = re.compile(
    r"(?P<type>[A-Za-z]+)(?:\((?P<scope>[^()\n]*)\))?(?P<bang>!)?: (?P<description>\S.*)\Z"
)
_TRAILER = re.compile(r"(?P<key>[A-Za-z0-9][A-Za-z0-9-]*|BREAKING CHANGE)\s*: ?(?P<value>.*)\Z")
_BREAKING = re.compile(r"^BREAKING[ -]CHANGE: ", re.M)
# git's markers for commits meant to be folded into another by `git rebase --autosquash`.
AUTOSQUASH = ("fixup! ", "squash! ", "amend! ")
SCISSORS = "# ------------------------ >8 ------------------------"

Message = namedtuple("Message", "subject type scope breaking description trailers release")
Message.__doc__ = """A parsed commit message.

``type`` is "" when the subject is not Conventional; ``trailers`` is ``[(key, value)]`` of the
last paragraph; ``release`` the ``Release:`` value as written (lower-cased), "" when absent.
"""


def clean(message: str) -> str:
    """What git would store from an editor's file: no ``#`` lines, nothing past the scissors."""
    head, _, _ = message.partition(SCISSORS)
    lines = [line for line in head.split("\n") if not line.startswith("#")]
    return "\n".join(lines).strip("\n")


def trailers(message: str) -> list[tuple[str, str]]:
    """``(key, value)`` pairs of the trailer block: the last paragraph, if every line is one.

    A continuation line (starting with whitespace) extends the previous value, as in git.
    """
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", message.strip("\n")) if p.strip()]
    if len(paragraphs) < 2:  # the subject alone is never a trailer block
        return []
    found: list[tuple[str, str]] = []
    for line in paragraphs[-1].split("\n"):
        if line[:1] in (" ", "\t") and found:
            key, value = found[-1]
            found[-1] = (key, f"{value} {line.strip()}")
            continue
        m = _TRAILER.match(line.rstrip())
        if not m:
            return []
        found.append((m.group("key"), m.group("value").strip()))
    return found


def parse(message: str) -> Message:
    """Parse a commit message (as stored: comments already stripped)."""
    text = message.strip("\n")
    subject = text.split("\n", 1)[0].strip()
    block = trailers(text)
    release = next((v.lower() for k, v in block if k.lower() == RELEASE_KEY), "")
    m = _SUBJECT.match(subject)
    if not m:
        return Message(subject, "", "", False, "", block, release)
    breaking = bool(m.group("bang")) or bool(_BREAKING.search(text.partition("\n")[2]))
    return Message(
        subject,
        m.group("type"),
        m.group("scope") or "",
        breaking,
        m.group("description"),
        block,
        release,
    )


def bump_of(msg: Message) -> str:
    """The bump a commit calls for before the pre-1.0 rule: major, minor, patch or skip."""
    if msg.release in RELEASE_VALUES:
        return str(msg.release)
    if msg.breaking:
        return "major"
    return "minor" if msg.type == "feat" else "patch"
