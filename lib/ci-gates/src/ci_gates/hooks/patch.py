"""Codex ``apply_patch``: parse the patch and compute each written file's resulting text.

The format (Codex's ``codex-rs/apply-patch``)::

    *** Begin Patch
    *** Add File: path          then "+line" lines: the new file
    *** Delete File: path
    *** Update File: path
    *** Move to: new/path       optional rename
    @@ optional context line    then " ctx", "-old", "+new" lines; "*** End of File" anchors
    *** End Patch

Like Codex, the parser tolerates padding around markers and a ``<<'EOF'`` heredoc wrapper,
and applies an update chunk by finding its old lines (exactly, then ignoring trailing, then
surrounding whitespace) after the previous chunk. A patch Codex would reject yields no
result for that file, so the guard allows it (Codex will refuse it anyway).
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

# kind: "add" | "delete" | "update"; path: as written; move_to: new path or None;
# body: the new file's text (add) or a list of Chunk (update); None for delete.
FileOp = namedtuple("FileOp", "kind path move_to body")
Chunk = namedtuple("Chunk", "context old new eof")

BEGIN, END = "*** Begin Patch", "*** End Patch"
ADD, DELETE, UPDATE, MOVE = (
    "*** Add File: ",
    "*** Delete File: ",
    "*** Update File: ",
    "*** Move to: ",
)
EOF_MARK = "*** End of File"


class PatchError(ValueError):
    """The text is not an apply_patch patch Codex would accept."""


def _body(text: str) -> list[str]:
    lines = text.strip().splitlines()
    if lines and lines[0] in ("<<EOF", "<<'EOF'", '<<"EOF"') and lines[-1].endswith("EOF"):
        lines = lines[1:-1]
    if not lines or lines[0].strip() != BEGIN:
        raise PatchError("the first line of the patch must be '*** Begin Patch'")
    if lines[-1].strip() != END:
        raise PatchError("the last line of the patch must be '*** End Patch'")
    return lines[1:-1]


def parse(text: str) -> list[FileOp]:
    """The file operations of a patch, in order; PatchError if Codex would reject it."""
    lines, ops, i = _body(text), [], 0
    while i < len(lines):
        head = lines[i].strip()
        i += 1
        if head.startswith(ADD):
            added = []
            while i < len(lines) and lines[i].startswith("+"):
                added.append(lines[i][1:] + "\n")
                i += 1
            ops.append(FileOp("add", head[len(ADD) :], None, "".join(added)))
        elif head.startswith(DELETE):
            ops.append(FileOp("delete", head[len(DELETE) :], None, None))
        elif head.startswith(UPDATE):
            move = None
            if i < len(lines) and lines[i].startswith(MOVE):
                move, i = lines[i][len(MOVE) :], i + 1
            chunks: list[Chunk] = []
            while i < len(lines):
                if not lines[i].strip():
                    i += 1
                elif lines[i].startswith("*"):
                    break
                else:
                    chunk, i = _chunk(lines, i, first=not chunks)
                    chunks.append(chunk)
            if not chunks:
                raise PatchError(f"update of {head[len(UPDATE) :]!r} has no changes")
            ops.append(FileOp("update", head[len(UPDATE) :], move, chunks))
        else:
            raise PatchError(f"{head!r} is not a valid hunk header")
    return ops


def _chunk(lines: list[str], i: int, first: bool) -> tuple[Chunk, int]:
    context = None
    if lines[i] == "@@":
        i += 1
    elif lines[i].startswith("@@ "):
        context, i = lines[i][3:], i + 1
    elif not first:
        raise PatchError(f"expected an @@ line, got {lines[i]!r}")
    old: list[str] = []
    new: list[str] = []
    eof, n = False, 0
    while i < len(lines):
        line = lines[i]
        if line == EOF_MARK:
            if n == 0:
                raise PatchError("an update chunk has no lines")
            eof, i = True, i + 1
            break
        if line == "":
            old.append("")
            new.append("")
        elif line[0] == " ":
            old.append(line[1:])
            new.append(line[1:])
        elif line[0] == "+":
            new.append(line[1:])
        elif line[0] == "-":
            old.append(line[1:])
        elif n == 0:
            raise PatchError(f"unexpected line in an update chunk: {line!r}")
        else:
            break
        n, i = n + 1, i + 1
    if n == 0:
        raise PatchError("an update chunk has no lines")
    return Chunk(context, old, new, eof), i


_MATCHERS: tuple[Callable[[str], str], ...] = (
    lambda s: s,
    lambda s: s.rstrip(),
    lambda s: s.strip(),
)


def _seek(lines: list[str], pattern: list[str], start: int, eof: bool) -> int | None:
    """Index where ``pattern`` occurs in ``lines`` at or after ``start`` (at the end if eof)."""
    if not pattern:
        return start
    if len(pattern) > len(lines):
        return None
    last = len(lines) - len(pattern)
    begin = last if eof else start
    for norm in _MATCHERS:
        want = [norm(p) for p in pattern]
        for at in range(begin, last + 1):
            if all(norm(lines[at + k]) == want[k] for k in range(len(want))):
                return at
    return None


def apply(original: str, chunks: list[Chunk]) -> str:
    """The text after applying update ``chunks`` to ``original``; PatchError if one misses."""
    lines = original.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    edits: list[tuple[int, int, list[str]]] = []
    at = 0
    for chunk in chunks:
        if chunk.context is not None:
            found = _seek(lines, [chunk.context], at, False)
            if found is None:
                raise PatchError(f"context line not found: {chunk.context!r}")
            at = found + 1
        if not chunk.old:
            edits.append((len(lines), 0, chunk.new))
            continue
        old, new = chunk.old, chunk.new
        found = _seek(lines, old, at, chunk.eof)
        if found is None and old[-1] == "":
            old, new = old[:-1], new[:-1] if new and new[-1] == "" else new
            found = _seek(lines, old, at, chunk.eof)
        if found is None:
            raise PatchError("old lines of an update chunk not found")
        edits.append((found, len(old), new))
        at = found + len(old)
    for start, length, new in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start : start + length] = new
    return "\n".join(lines) + "\n"


def results(text: str, read: Callable[[str], str | None]) -> list[tuple[str, str | None]]:
    """``(path, resulting text)`` for every file the patch adds or updates (the move target
    for a rename). ``read(path)`` gives a file's current text (None if missing); the text is
    None where the patch cannot apply (missing file, chunk not found). PatchError if the patch
    itself does not parse.
    """
    out: list[tuple[str, str | None]] = []
    for op in parse(text):
        if op.kind == "add":
            out.append((op.path, op.body))
        elif op.kind == "update":
            current = read(op.path)
            try:
                new = apply(current, op.body) if current is not None else None
            except PatchError:
                new = None
            out.append((op.move_to or op.path, new))
    return out


def paths(text: str) -> list[str]:
    """Every path the patch writes (added, updated, rename targets), in order."""
    return [op.move_to or op.path for op in parse(text) if op.kind != "delete"]
