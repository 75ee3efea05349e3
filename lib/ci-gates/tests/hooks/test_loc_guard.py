"""loc_guard: the file as it would be after the call, measured with the loc gate's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from tests.hooks.conftest import Result, decision, payload, text_of

Hook = Callable[..., Result]
PY_2000 = "x = 1\n" * 2000


def _patch(*body: str) -> str:
    return "\n".join(("*** Begin Patch", *body, "*** End Patch")) + "\n"


# (name, fixture, tool_input overrides, expected decision, text the answer must contain)
CLAUDE: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("write 2000-line py", "claude_pre_write", {"content": PY_2000}, "deny", "600"),
    ("write 50-line py", "claude_pre_write", {"content": "x = 1\n" * 50}, "allow", ""),
    ("write 600 lines: at the limit", "claude_pre_write", {"content": "x\n" * 600}, "note", "400"),
    ("write 601 lines", "claude_pre_write", {"content": "x\n" * 601}, "deny", "601 lines"),
    ("write 450 lines: warn", "claude_pre_write", {"content": "x\n" * 450}, "note", "450 lines"),
    ("no final newline counts", "claude_pre_write", {"content": "x\n" * 600 + "y"}, "deny", ""),
    (
        "write 2000-line .md: not counted",
        "claude_pre_write",
        {"file_path": "{root}/docs/big.md", "content": PY_2000},
        "allow",
        "",
    ),
    (
        "write 2000 lines outside project",
        "claude_pre_write",
        {"file_path": "/tmp/elsewhere/big.py", "content": PY_2000},
        "allow",
        "",
    ),
    (
        "windows path",
        "claude_pre_write",
        {"file_path": "C:\\work\\main\\ci\\big.py", "content": PY_2000},
        "allow",
        "",
    ),
    (
        "relative path resolved from cwd",
        "claude_pre_write",
        {"file_path": "ci/rel.py", "content": PY_2000},
        "deny",
        "ci/rel.py",
    ),
    ("edit small file", "claude_pre_edit", {}, "allow", ""),
    (
        "edit grows past fail",
        "claude_pre_edit",
        {"new_string": "VALUE = 2\n" + "y = 2\n" * 700},
        "deny",
        "ci/existing.py: 702 lines",
    ),
    (
        "edit old_string missing: tool fails",
        "claude_pre_edit",
        {"old_string": "nope", "new_string": PY_2000},
        "allow",
        "",
    ),
    (
        "replace_all multiplies",
        "claude_pre_edit",
        {
            "file_path": "{root}/ci/big.py",
            "old_string": "x = 1\n",
            "new_string": "x = 1\n\n",
            "replace_all": True,
        },
        "deny",
        "1400 lines",
    ),
    (
        "replace first only",
        "claude_pre_edit",
        {"file_path": "{root}/ci/big.py", "old_string": "x = 1\n", "new_string": "x = 2\n"},
        "note",
        "does not grow",
    ),
    (
        "shrinking an over-budget file",
        "claude_pre_edit",
        {"file_path": "{root}/ci/big.py", "old_string": "x = 1\nx = 1\n", "new_string": ""},
        "note",
        "698 lines",
    ),
    (
        "edit creates a file (empty old_string)",
        "claude_pre_edit",
        {"file_path": "{root}/ci/created.py", "old_string": "", "new_string": PY_2000},
        "deny",
        "ci/created.py",
    ),
    ("multiedit applies in order", "claude_pre_multiedit", {}, "allow", ""),
    (
        "write that shrinks an over-budget file",
        "claude_pre_write",
        {"file_path": "{root}/ci/big.py", "content": "x\n" * 650},
        "note",
        "does not grow",
    ),
    (
        "write that grows an over-budget file",
        "claude_pre_write",
        {"file_path": "{root}/ci/big.py", "content": "x\n" * 701},
        "deny",
        "701 lines",
    ),
    (
        "multiedit grows past fail",
        "claude_pre_multiedit",
        {"edits": [{"old_string": "VALUE = 1\n", "new_string": PY_2000}]},
        "deny",
        "2001 lines",
    ),
    ("multiedit junk edits", "claude_pre_multiedit", {"edits": [1, None]}, "allow", ""),
]


@pytest.mark.parametrize(
    ("fixture", "overrides", "expected", "needle"),
    [c[1:] for c in CLAUDE],
    ids=[c[0] for c in CLAUDE],
)
def test_claude(
    hook: Hook, project: Path, fixture: str, overrides: dict[str, Any], expected: str, needle: str
) -> None:
    overrides = {
        k: v.replace("{root}", str(project)) if isinstance(v, str) else v
        for k, v in overrides.items()
    }
    result = hook("loc_guard", payload(fixture, project, **overrides))
    assert decision(result) == expected, result
    assert needle in text_of(result)


# (name, patch, expected decision, needle)
CODEX: list[tuple[str, str, str, str]] = [
    ("fixture patch", "", "allow", ""),
    (
        "add 2000-line file",
        _patch("*** Add File: ci/huge.py", *["+x = 1"] * 2000),
        "deny",
        "ci/huge.py: 2000 lines, over the 600-line budget",
    ),
    ("add 50-line file", _patch("*** Add File: ci/small.py", *["+x = 1"] * 50), "allow", ""),
    (
        "update grows existing past fail",
        _patch("*** Update File: ci/existing.py", "@@", " VALUE = 1", *["+y = 2"] * 700),
        "deny",
        "ci/existing.py: 702 lines",
    ),
    (
        "update of over-budget file that shrinks it",
        _patch("*** Update File: ci/big.py", "@@", "-x = 1", "-x = 1"),
        "note",
        "698 lines",
    ),
    (
        "move target is measured",
        _patch("*** Update File: ci/big.py", "*** Move to: ci/moved.py", "@@", " x = 1", "+x = 2"),
        "deny",
        "ci/moved.py: 701 lines",
    ),
    ("delete only", _patch("*** Delete File: ci/big.py"), "allow", ""),
    (
        "rename of an over-budget file that does not grow it",
        _patch("*** Update File: ci/big.py", "*** Move to: ci/moved.py", "@@", "-x = 1", "+x = 2"),
        "note",
        "",
    ),
    (
        "update that does not apply",
        _patch("*** Update File: ci/existing.py", "@@", "-nope", *["+y"] * 900),
        "allow",
        "",
    ),
    ("invalid patch", "*** Begin Patch\nnot a hunk\n*** End Patch\n", "allow", ""),
    (
        "heredoc wrapper",
        "<<'EOF'\n" + _patch("*** Add File: ci/h.py", *["+x"] * 700) + "EOF\n",
        "deny",
        "ci/h.py",
    ),
    (
        "one bad, one good file",
        _patch("*** Add File: ci/ok.py", "+x", "*** Add File: ci/bad.py", *["+x"] * 900),
        "deny",
        "ci/bad.py",
    ),
]


@pytest.mark.parametrize(
    ("patch", "expected", "needle"), [c[1:] for c in CODEX], ids=[c[0] for c in CODEX]
)
def test_codex_apply_patch(
    hook: Hook, project: Path, patch: str, expected: str, needle: str
) -> None:
    data = payload("codex_pre_apply_patch", project, **({"command": patch} if patch else {}))
    result = hook("loc_guard", data, agent="codex")
    got = decision(result)
    if expected == "note":  # Codex gets no notes: allowed silently
        assert got == "allow", result
    else:
        assert got == expected, result
        assert needle in text_of(result)


def test_codex_patch_relative_to_a_subdirectory_cwd(hook: Hook, project: Path) -> None:
    data = payload(
        "codex_pre_apply_patch", project, command=_patch("*** Add File: huge.py", *["+x"] * 700)
    )
    data["cwd"] = str(project / "ci")
    result = hook("loc_guard", data, agent="codex")
    assert decision(result) == "deny" and "ci/huge.py" in text_of(result)


def test_allowlisted_file_may_stay_over_budget(hook: Hook, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.ci-gates.loc.allow]\n"ci/big.py" = "generated table"\n'
    )
    data = payload(
        "claude_pre_write", project, file_path=str(project / "ci/big.py"), content=PY_2000
    )
    assert decision(hook("loc_guard", data)) == "allow"


def test_binary_file_edit_fails_open(hook: Hook, project: Path) -> None:
    (project / "ci/blob.py").write_bytes(b"\x00\x01binary\n")
    data = payload(
        "claude_pre_edit",
        project,
        file_path=str(project / "ci/blob.py"),
        old_string="binary",
        new_string=PY_2000,
    )
    result = hook("loc_guard", data)
    assert decision(result) == "allow" and "binary" in result.err


def test_unreadable_file_edit_fails_open(hook: Hook, project: Path) -> None:
    (project / "ci/dir.py").mkdir()  # reading a directory fails with an OSError
    data = payload("claude_pre_edit", project, file_path=str(project / "ci/dir.py"))
    result = hook("loc_guard", data)
    assert decision(result) == "allow" and "cannot read" in result.err


def test_wrong_event_and_tool_fail_open(hook: Hook, project: Path) -> None:
    data = payload("claude_pre_write", project, content=PY_2000)
    data["hook_event_name"] = "PostToolUse"
    assert decision(r := hook("loc_guard", data)) == "allow" and "loc_guard:" in r.err
    data = payload("claude_pre_write", project, content=PY_2000)
    data["tool_name"] = "NotebookEdit"
    assert decision(r := hook("loc_guard", data)) == "allow" and r.err.count("\n") == 1


def test_invalid_config_fails_open(hook: Hook, project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.ci-gates.loc]\nwarn = 'many'\n")
    result = hook("loc_guard", payload("claude_pre_write", project, content=PY_2000))
    assert decision(result) == "allow" and "config" in result.err
