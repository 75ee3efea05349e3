"""The readme part of the post-edit hook: after a write, what the readme gate will want, told to the agent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.hooks import readme as _readme
from tests.hooks.conftest import Result, decision, payload, text_of

Hook = Callable[..., Result]


def _write(project: Path, rel: str, text: str = "x = 1\n") -> dict[str, object]:
    (project / rel).parent.mkdir(parents=True, exist_ok=True)
    (project / rel).write_text(text, encoding="utf-8")  # PostToolUse: the write has happened
    return payload("claude_post_write", project, file_path=str(project / rel), content=text)


def test_new_crate_without_readme(hook: Hook, project: Path) -> None:
    result = hook("post_edit", _write(project, "crates/newcrate/src/lib.rs"))
    assert decision(result) == "context"
    reason = text_of(result)
    assert "crates/newcrate/README.md: missing" in reason and "5-300 lines" in reason


def test_fixture_as_recorded(hook: Hook, project: Path) -> None:
    _write(project, "crates/newcrate/src/lib.rs")
    assert decision(hook("post_edit", payload("claude_post_write", project))) == "context"
    codex = payload("codex_post_apply_patch", project)
    assert decision(hook("post_edit", codex, agent="codex")) == "context"


def test_covered_dir_with_good_readme_is_silent(hook: Hook, project: Path) -> None:
    assert decision(hook("post_edit", _write(project, "ci/hooks/x.py"))) == "allow"


def test_uncovered_dir_falls_back_to_root_readme(hook: Hook, project: Path) -> None:
    assert decision(hook("post_edit", _write(project, "docs/notes/a.py"))) == "allow"
    (project / "README.md").write_text("# too short\n")
    result = hook("post_edit", _write(project, "docs/notes/a.py"))
    assert decision(result) == "context" and "README.md: 1 line, under the 20-line" in text_of(
        result
    )


def test_readme_out_of_bounds(hook: Hook, project: Path) -> None:
    (project / "ci/hooks/README.md").write_text("one\n")
    result = hook("post_edit", _write(project, "ci/hooks/x.py"))
    assert decision(result) == "context" and "ci/hooks/README.md: 1 line" in text_of(result)


def test_readme_edit_checks_sessions(hook: Hook, project: Path) -> None:
    text = "# hooks\n\nRun:\n\n```sh\nnox -s no_such_session\nnox -s gates\n```\n"
    result = hook("post_edit", _write(project, "ci/hooks/README.md", text))
    assert decision(result) == "context"
    assert "ci/hooks/README.md:6: `nox -s no_such_session` names no nox session" in text_of(result)
    assert "nox -s gates`" not in text_of(result)


def test_readme_edit_that_is_fine(hook: Hook, project: Path) -> None:
    text = "# hooks\n\nRun:\n\n```sh\nnox -s gates\n```\n"
    assert decision(hook("post_edit", _write(project, "ci/hooks/README.md", text))) == "allow"


def test_readme_in_uncovered_dir_is_not_checked(hook: Hook, project: Path) -> None:
    result = hook("post_edit", _write(project, "docs/README.md", "x\n"))
    assert decision(result) == "allow"


def test_patch_with_readme_and_code_checks_readme_in_full(hook: Hook, project: Path) -> None:
    (project / "crates/c/README.md").parent.mkdir(parents=True)
    (project / "crates/c/README.md").write_text("a\nb\nc\nd\ne\n```sh\nnox -s nope\n```\n")
    (project / "crates/c/lib.rs").write_text("x\n")
    patch = (
        "*** Begin Patch\n*** Update File: crates/c/lib.rs\n@@\n-x\n+y\n"
        "*** Update File: crates/c/README.md\n@@\n-a\n+A\n*** End Patch\n"
    )
    data = payload("codex_post_apply_patch", project, command=patch)
    result = hook("post_edit", data, agent="codex")
    assert decision(result) == "context" and "nox -s nope" in text_of(result)


@pytest.mark.parametrize("tool", ["Bash", "Read", 7])
def test_other_tools_fail_open(hook: Hook, project: Path, tool: object) -> None:
    data = _write(project, "crates/newcrate/src/lib.rs")
    data["tool_name"] = tool
    assert decision(hook("post_edit", data)) == "allow"


def test_pre_tool_use_is_not_its_event(hook: Hook, project: Path) -> None:
    data = _write(project, "crates/newcrate/src/lib.rs")
    data["hook_event_name"] = "PreToolUse"
    assert decision(hook("post_edit", data)) == "allow"


def test_session_names_are_cached(project: Path) -> None:
    (project / "noxfile.py").write_text("import nox\n")
    names = _readme.sessions(str(project))
    cache = project / _readme.SESSIONS_CACHE
    assert "gates" in names and json.loads(cache.read_text())["sessions"] == names
    data = json.loads(cache.read_text())
    data["sessions"] = ["only_this"]
    cache.write_text(json.dumps(data))
    assert _readme.sessions(str(project)) == ["only_this"]  # served from the cache
    (project / "noxfile.py").write_text(
        "import nox\n\n@nox.session\ndef bench(session):\n    pass\n"
    )  # changed, so the key changes: the project's own session counts
    assert {"gates", "bench"} <= set(_readme.sessions(str(project)))
