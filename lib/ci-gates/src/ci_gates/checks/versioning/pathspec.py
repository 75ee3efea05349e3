"""git's ``:(glob)`` pathspecs in Python: which changed paths ``git log -- :(glob)P`` counts.

The rules, read from git's tree walk (``tree-walk.c``, ``wildmatch.c``) and checked against git
(tests/ci/test_release_history_scale.py):

- a path matches a pattern it equals, or lies under as a directory (``crates/core`` holds
  ``crates/core/src/lib.rs``), compared literally;
- a pattern with a wildcard (``*``, ``?``, ``[``) also matches when the path has its text up to
  the first wildcard, and the rest of the path matches the rest of the pattern with wildmatch's
  ``WM_PATHNAME`` rules: ``*``, ``?`` and ``[…]`` never match ``/``; ``**`` matches across
  directories where it stands between slashes, at an end, or right after the literal text
  (git compares that text first, so ``crates**`` is ``crates`` and anything after it); ``**/``
  also matches no directory at all. So ``crates/*`` holds ``crates/x`` but not
  ``crates/core/src/lib.rs``, while ``crates/**`` holds both.

Paths are bytes, as git stores them: a name that is not UTF-8 is compared byte by byte, and ``?``
is one byte. :func:`matcher` returns None for what it does not reproduce (a backslash, a
``[:class:]``, an unclosed ``[``, empty, ``.`` or ``..`` segments, a leading or trailing ``/``);
the caller asks git then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Callable

_WILDCARDS = b"*?[\\"
_SLASH, _STAR = ord("/"), ord("*")


def _bracket(rest: bytes, i: int) -> tuple[bytes, int] | None:
    """The regex for the ``[…]`` at ``rest[i]``, and the index after it (wildmatch's reading)."""
    n, i = len(rest), i + 1
    negated = i < n and rest[i] in b"!^"
    i += 1 if negated else 0
    members: set[int] = set()
    prev, first = 0, True
    while True:
        if i >= n:
            return None  # unclosed: wildmatch gives up on the whole pattern
        c = rest[i]
        if c == ord("]") and not first:
            break
        first = False
        if c == ord("\\") or (c == ord("[") and rest[i + 1 : i + 2] == b":"):
            return None
        if c == ord("-") and prev and i + 1 < n and rest[i + 1] != ord("]"):
            if rest[i + 1] == ord("\\"):
                return None
            members.update(range(prev, rest[i + 1] + 1))
            prev, i = 0, i + 2
            continue
        members.add(c)
        prev, i = c, i + 1
    allowed = (set(range(256)) - members if negated else members) - {_SLASH}
    if not allowed:
        return b"(?!)", i + 1
    return b"[" + b"".join(b"\\x%02x" % c for c in sorted(allowed)) + b"]", i + 1


def _wildmatch(rest: bytes) -> bytes | None:
    """The regex for wildmatch(``rest``, text, WM_PATHNAME); ``rest`` starts the comparison."""
    out: list[bytes] = []
    i, n = 0, len(rest)
    while i < n:
        c = rest[i]
        if c == _STAR:
            j = i
            while j < n and rest[j] == _STAR:
                j += 1
            alone = (i == 0 or rest[i - 1] == _SLASH) and (j == n or rest[j] == _SLASH)
            if j - i < 2 or not alone:
                out.append(b"[^/]*")
            elif j == n:
                out.append(b".*")
            else:
                out.append(b"(?:.*/)?")
                j += 1
            i = j
        elif c == ord("?"):
            out.append(b"[^/]")
            i += 1
        elif c == ord("["):
            got = _bracket(rest, i)
            if got is None:
                return None
            out.append(got[0])
            i = got[1]
        elif c == ord("\\"):
            return None
        else:
            out.append(re.escape(rest[i : i + 1]))
            i += 1
    return b"".join(out)


def _pattern(glob: str) -> bytes | None:
    """One glob as a regex over whole paths, or None when :func:`matcher` leaves it to git."""
    parts = glob.split("/")
    if "" in parts or "." in parts or ".." in parts:
        return None
    raw = glob.encode("utf-8")
    literal = next((i for i, c in enumerate(raw) if c in _WILDCARDS), len(raw))
    under = re.escape(raw) + b"(?:/.*)?"  # the path itself, or a path under it
    if literal == len(raw):
        return under
    rest = _wildmatch(raw[literal:])
    return None if rest is None else under + b"|" + re.escape(raw[:literal]) + rest


def matcher(globs: Iterable[str]) -> Callable[[bytes], bool] | None:
    """Does a changed path match one of ``globs`` as git's ``:(glob)`` pathspecs? None: ask git."""
    regexes = []
    for glob in globs:
        regex = _pattern(glob)
        if regex is None:
            return None
        regexes.append(b"(?:" + regex + b")")
    compiled = re.compile(b"|".join(regexes), re.DOTALL)
    return lambda path: compiled.fullmatch(path) is not None
