"""The apply_patch parser and applier (Codex's format and matching rules)."""

from __future__ import annotations

import pytest

from ci_gates.hooks import patch as _patch
from ci_gates.hooks.patch import Chunk, FileOp, PatchError


def _p(*lines: str) -> str:
    return "\n".join(("*** Begin Patch", *lines, "*** End Patch"))


def test_parse_every_operation() -> None:
    ops = _patch.parse(
        _p(
            "*** Add File: a.py",
            "+one",
            "+two",
            "*** Delete File: gone.py",
            "*** Update File: u.py",
            "*** Move to: v.py",
            "@@ def f():",
            "-    pass",
            "+    return 1",
            "@@",
            " ctx",
            "+new",
            "*** End of File",
        )
    )
    assert ops == [
        FileOp("add", "a.py", None, "one\ntwo\n"),
        FileOp("delete", "gone.py", None, None),
        FileOp(
            "update",
            "u.py",
            "v.py",
            [
                Chunk("def f():", ["    pass"], ["    return 1"], False),
                Chunk(None, ["ctx"], ["ctx", "new"], True),
            ],
        ),
    ]
    assert _patch.paths(_p("*** Add File: a", "+x", "*** Delete File: b")) == ["a"]


def test_lenient_forms() -> None:
    padded = "  *** Begin Patch  \n*** Add File: a\n+x\n  *** End Patch \n\n"
    assert _patch.parse(padded) == [FileOp("add", "a", None, "x\n")]
    heredoc = "<<'EOF'\n" + _p("*** Add File: a", "+x") + "\nEOF\n"
    assert _patch.parse(heredoc) == [FileOp("add", "a", None, "x\n")]
    # The first chunk may omit its @@ line; a blank line inside a chunk is an empty context line.
    (op,) = _patch.parse(_p("*** Update File: f", " import foo", "", "+bar"))
    assert op.body == [Chunk(None, ["import foo", ""], ["import foo", "", "bar"], False)]
    assert _patch.parse(_p()) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "bad",
        "*** Begin Patch\n*** Add File: a\n+x",
        _p("nonsense"),
        _p("*** Update File: f"),
        _p("*** Update File: f", "@@", "-a", "@@"),
        _p("*** Update File: f", "@@", "-a", "oops"),
        _p("*** Update File: f", "@@", "*** End of File"),
    ],
)
def test_rejected_like_codex(text: str) -> None:
    with pytest.raises(PatchError):
        _patch.parse(text)


def _apply(original: str, *lines: str) -> str:
    (op,) = _patch.parse(_p("*** Update File: f", *lines))
    return _patch.apply(original, op.body)


def test_apply_replace_insert_delete() -> None:
    src = "a\nb\nc\nd\n"
    assert _apply(src, "@@", " a", "-b", "+B") == "a\nB\nc\nd\n"
    assert _apply(src, "@@", "+z") == "a\nb\nc\nd\nz\n"
    assert _apply(src, "@@", "-c", "-d") == "a\nb\n"
    assert _apply("a\nb", "@@", "-b", "+c") == "a\nc\n"  # the result always ends with a newline


def test_apply_context_line_and_order() -> None:
    src = "def f():\n    x\ndef g():\n    x\n"
    assert _apply(src, "@@ def g():", "-    x", "+    y") == "def f():\n    x\ndef g():\n    y\n"
    with pytest.raises(PatchError):
        _apply(src, "@@ def h():", "-    x")
    # Chunks apply in order: the second one searches after the first.
    out = _apply("x\nx\n", "@@", "-x", "+1", "@@", "-x", "+2")
    assert out == "1\n2\n"


def test_apply_whitespace_tolerance_and_eof() -> None:
    assert _apply("a  \nb\n", "@@", "-a", "+A") == "A\nb\n"
    assert _apply("  a\nb\n", "@@", "-a", "+A") == "A\nb\n"
    assert _apply("x\ny\nx\n", "@@", "-x", "+END", "*** End of File") == "x\ny\nEND\n"
    # A trailing empty line in old lines that is not in the file is dropped, like Codex.
    assert _apply("a\nb\n", "@@", "-b", "-", "+c", "+") == "a\nc\n"
    with pytest.raises(PatchError):
        _apply("a\n", "@@", "-missing")


def test_results_uses_the_reader() -> None:
    files = {"u.py": "a\n", "missing.py": None}
    text = _p(
        "*** Add File: n.py",
        "+x",
        "*** Update File: u.py",
        "*** Move to: w.py",
        "@@",
        "-a",
        "+b",
        "*** Update File: missing.py",
        "@@",
        "+x",
        "*** Update File: u.py",
        "@@",
        "-nope",
    )
    assert _patch.results(text, files.get) == [
        ("n.py", "x\n"),
        ("w.py", "b\n"),
        ("missing.py", None),
        ("u.py", None),
    ]
