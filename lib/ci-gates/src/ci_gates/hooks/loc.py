"""PreToolUse guard: refuse a write that would push a source file over the ``loc`` gate's budget.

Claude Code: ``Write`` (the new content), ``Edit`` / ``MultiEdit`` (``old_string`` ->
``new_string`` applied to the current file, honouring ``replace_all``). Codex: ``apply_patch``
(every added or updated file of the patch). The file as it would be after the call is measured
with the gate's own ``count_lines`` / ``is_counted`` / ``budget_findings`` (rules LOC001-3):

- over the fail threshold and growing -> deny, naming the file, its size and the limit;
- over the fail threshold but not growing (an edit that shrinks an over-budget file) -> a note;
- over the warn threshold -> allowed with a note (Claude; Codex gets no notes).

The agent runs it as ``python3 -I -S ci/hooks/loc_guard.py [codex]`` (README.md here).
"""

from __future__ import annotations

from ci_gates.hooks.protocol import DENY, NOTE, Call, Skip, config, entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.hooks.protocol import Answer

WRITE_TOOLS = ("Write", "Edit", "MultiEdit")


def _edit(text: str | None, edits: list[Any]) -> str | None:
    """Claude's Edit semantics; None where the tool itself would fail (nothing to measure)."""
    for edit in edits:
        if not isinstance(edit, dict):
            return None
        old, new = edit.get("old_string"), edit.get("new_string")
        if not isinstance(old, str) or not isinstance(new, str):
            return None
        if old == "":  # creates the file; an existing one makes the tool fail
            if text is not None:
                return None
            text = new
            continue
        if text is None or old not in text:
            return None
        text = (
            text.replace(old, new) if edit.get("replace_all") is True else text.replace(old, new, 1)
        )
    return text


def planned_writes(call: Call) -> list[tuple[str, str | None, str | None]]:
    """``(repo-relative path, text before, text after)`` for each project file the call writes.

    ``text before`` is the file the call edits (the source of a rename); None for a Write or an
    added file, whose current text (if any) is read only when it matters. ``text after`` is None
    where the call would fail anyway. Files outside the project are left out; files that cannot
    be read are left out with a warning on stderr.
    """
    if call.tool == "apply_patch":
        from ci_gates.hooks import patch as _patch

        try:
            ops = _patch.parse(call.text("command"))
        except _patch.PatchError as exc:
            raise Skip(f"apply_patch: {exc}") from None
        out: list[tuple[str, str | None, str | None]] = []
        for op in ops:
            src = call.path(op.path)
            dst = call.path(op.move_to) if op.move_to else src
            if op.kind == "delete" or dst is None:
                continue
            try:
                before = call.read(src) if op.kind == "update" and src is not None else None
            except Skip as exc:
                call.warnings.append(str(exc))
                continue
            after: str | None = op.body
            if op.kind == "update":
                try:
                    after = _patch.apply(before, op.body) if before is not None else None
                except _patch.PatchError:
                    after = None
            out.append((dst, before, after))
        return out
    rel = call.path(call.text("file_path"))
    if rel is None:
        return []
    if call.tool == "Write":
        return [(rel, None, call.text("content"))]
    edits = call.input.get("edits") if call.tool == "MultiEdit" else [call.input]
    before = call.read(rel)
    return [(rel, before, _edit(before, edits if isinstance(edits, list) else []))]


def check(call: Call) -> Answer:
    call.expect("PreToolUse", (*WRITE_TOOLS, "apply_patch"))
    from ci_gates.gates.loc import budget_findings, count_lines, is_counted

    writes = [w for w in planned_writes(call) if w[2] is not None]
    if not writes:
        return None
    cfg = config(call.root)
    denied: list[str] = []
    notes: list[str] = []
    for rel, before, after in writes:
        if not is_counted(rel, cfg):
            continue
        lines = count_lines(after or "")
        for found in budget_findings(rel, lines, cfg):
            msg = f"{found.path}: {found.message}; {found.fix} [{found.rule}]"
            if found.rule != "LOC001":  # a warning, or a stale allow entry: never blocks
                notes.append(msg)
                continue
            if before is None:  # a new file, or one the call overwrites whole
                try:
                    before = call.read(rel)
                except Skip:
                    before = None
            if before is None or lines > count_lines(before):
                denied.append(msg)
            else:
                notes.append(f"{msg} (this edit does not grow it, so it is allowed)")
    if denied:
        limit = cfg["loc"]["fail"]
        return DENY, (
            f"Blocked by the loc gate (fail threshold {limit} lines, [tool.ci-gates.loc] in "
            f"pyproject.toml): " + " | ".join(denied)
        )
    if notes:
        return NOTE, "loc gate: " + " | ".join(notes)
    return None


main = entry("loc_guard", check)
