"""post_edit: after a write, the file-level rules on the written files, told as additionalContext.

Table-driven over what was written (Python, Rust, text) and the findings expected, then the
payload shapes of both agents, the project's switches (``post-edit``, ``skip``, ``ignore``),
which ruff runs, and that files no tool covers start no process.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.hooks import tools
from tests.hooks.conftest import DIR_README, PYPROJECT, Result, decision, payload, text_of

Hook = Callable[..., Result]
CRATE = '[package]\nname = "c"\nversion = "0.1.0"\nedition = "2021"\n'
needs_rustfmt = pytest.mark.skipif(shutil.which("rustfmt") is None, reason="rustfmt not on PATH")


def _write(project: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text, encoding="utf-8")


def _claude(project: Path, rel: str) -> dict[str, object]:
    return payload("claude_post_write", project, file_path=str(project / rel), content="")


def _found(result: Result) -> list[tuple[str, str]]:
    """``(place, rule)`` of every finding line of a context answer."""
    lines = text_of(result).splitlines()[1:]
    return [
        (ln.split(": ", 1)[0].removeprefix("(warning) "), ln.rsplit("[", 1)[1][:-1]) for ln in lines
    ]


PY_CASES = [
    ("clean", "VALUE = 1\n", []),
    ("unused import", "import os\n\nVALUE = 1\n", [("ci/w.py:1:8", "RUFF001")]),
    ("unformatted", "VALUE=1\n", [("ci/w.py:1", "RUFF002")]),
    ("syntax error", "def f(:\n    pass\n", [("ci/w.py:1:7", "RUFF003")]),
    ("ignored by git", "import os\n", []),
    ("over the line budget", "VALUE = 1\n" * 601, [("ci/w.py", "LOC001")]),
    ("over the warn threshold", "VALUE = 1\n" * 401, [("ci/w.py", "LOC002")]),
]


@pytest.mark.parametrize(("text", "want"), [c[1:] for c in PY_CASES], ids=[c[0] for c in PY_CASES])
def test_python(hook: Hook, project: Path, text: str, want: list[tuple[str, str]]) -> None:
    _write(project, {"ci/w.py": text, ".gitignore": "" if want or "=" in text else "ci/w.py\n"})
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    result = hook("post_edit", _claude(project, "ci/w.py"))
    assert decision(result) == ("context" if want else "allow"), result
    assert set(want) <= set(_found(result))  # ruff's default rules vary by release: a subset


RS_CASES = [
    ("clean", "pub fn f() {}\n", []),
    ("edition 2021 syntax", "pub async fn f() {}\n", []),
    ("unformatted", "pub fn  f(){}\n", [("crates/c/src/lib.rs:1", "FMT001")]),
    ("unparsable", "pub fn f( {\n", [("crates/c/src/lib.rs:1:11", "FMT002")]),
]


@needs_rustfmt
@pytest.mark.parametrize(("text", "want"), [c[1:] for c in RS_CASES], ids=[c[0] for c in RS_CASES])
def test_rust(hook: Hook, project: Path, text: str, want: list[tuple[str, str]]) -> None:
    files = {"crates/c/Cargo.toml": CRATE, "crates/c/README.md": DIR_README}
    _write(project, {**files, "crates/c/src/lib.rs": text})
    result = hook("post_edit", _claude(project, "crates/c/src/lib.rs"))
    assert decision(result) == ("context" if want else "allow"), result
    assert [(p.rsplit(":", 1)[0] if r == "FMT002" else p, r) for p, r in _found(result)] == [
        (p.rsplit(":", 1)[0] if r == "FMT002" else p, r) for p, r in want
    ]


@needs_rustfmt
def test_rust_module_reports_only_the_written_file(hook: Hook, project: Path) -> None:
    files = {"crates/c/Cargo.toml": CRATE, "crates/c/README.md": DIR_README}
    lib, child = "mod child;\npub fn f() {}\n", "pub fn  g(){}\n"
    _write(project, {**files, "crates/c/src/lib.rs": lib, "crates/c/src/child.rs": child})
    assert decision(hook("post_edit", _claude(project, "crates/c/src/lib.rs"))) == "allow"
    result = hook("post_edit", _claude(project, "crates/c/src/child.rs"))
    assert _found(result) == [("crates/c/src/child.rs:1", "FMT001")]


WORKSPACE = '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nedition = "2024"\n'
EDITIONS = [
    ({"crates/c/Cargo.toml": CRATE}, "crates/c/src/lib.rs", "2021"),
    ({"crates/c/Cargo.toml": CRATE}, "crates/c/src/deep/er/mod.rs", "2021"),
    ({"crates/c/Cargo.toml": CRATE.replace('edition = "2021"\n', "")}, "crates/c/src/a.rs", "2015"),
    (
        {"Cargo.toml": WORKSPACE, "crates/c/Cargo.toml": "[package]\nedition.workspace = true\n"},
        "crates/c/src/lib.rs",
        "2024",
    ),
    (
        {
            "Cargo.toml": WORKSPACE,
            "crates/c/Cargo.toml": "[package]\nedition = { workspace = true }",
        },
        "crates/c/build.rs",
        "2024",
    ),
    ({"Cargo.toml": '[package]\nname = "r"\nedition = "2018" # old\n'}, "src/main.rs", "2018"),
    ({"Cargo.toml": WORKSPACE}, "scripts/x.rs", None),  # a virtual manifest is no crate
    ({}, "x.rs", None),
]


@pytest.mark.parametrize(("files", "rel", "want"), EDITIONS)
def test_edition(tmp_path: Path, files: dict[str, str], rel: str, want: str | None) -> None:
    _write(tmp_path, files)
    assert tools.edition(str(tmp_path), rel) == want


def test_ruff_reads_the_projects_config(hook: Hook, project: Path) -> None:
    text = 'VALUE = ["aaaaaaaaaaaa", "bbbbbbbbbbbbbb", "cccccccccccccc"]\n'
    _write(project, {"ci/w.py": text})
    assert decision(hook("post_edit", _claude(project, "ci/w.py"))) == "allow"
    _write(project, {"pyproject.toml": PYPROJECT + "\n[tool.ruff]\nline-length = 40\n"})
    assert _found(hook("post_edit", _claude(project, "ci/w.py"))) == [("ci/w.py:1", "RUFF002")]


def test_what_the_project_excludes_stays_excluded(hook: Hook, project: Path) -> None:
    _write(project, {"gen/a.py": "import os\n", "gen/b.py": "import os\n" * 700})
    _write(
        project, {"pyproject.toml": PYPROJECT + '\n[tool.ruff]\nextend-exclude = ["gen/a.py"]\n'}
    )
    assert decision(hook("post_edit", _claude(project, "gen/a.py"))) == "allow"
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    (project / ".gitignore").write_text("gen/b.py\n")  # no ruff, no line budget
    assert decision(hook("post_edit", _claude(project, "gen/b.py"))) == "allow"


@pytest.mark.parametrize(
    ("name", "agent"),
    [
        ("claude_post_edit", "claude"),
        ("claude_post_multiedit", "claude"),
        ("codex_post_apply_patch_update", "codex"),
    ],
)
def test_recorded_payloads(hook: Hook, project: Path, name: str, agent: str) -> None:
    """The files as the tool left them; the answer is additionalContext for both agents."""
    _write(project, {"ci/existing.py": "VALUE = 2\nname = 'y'\n", "ci/added.py": "print('hi')\n"})
    result = hook("post_edit", payload(name, project), agent=agent)
    assert decision(result) == "context"
    assert result.answer["hookSpecificOutput"]["hookEventName"] == "PostToolUse"
    want = [("ci/existing.py:2", "RUFF002")]
    if agent == "codex":  # the patch also added ci/added.py and deleted ci/gone.py
        want = [("ci/added.py:1", "RUFF002"), *want]
    assert sorted(_found(result)) == sorted(want)
    assert text_of(result).startswith("ci-gates post-edit check: the edit was applied")


def test_tool_response_path_is_the_fallback(hook: Hook, project: Path) -> None:
    data = payload("claude_post_edit", project)
    del data["tool_input"]["file_path"]
    _write(project, {"ci/existing.py": "import os\n"})
    assert _found(hook("post_edit", data)) == [("ci/existing.py:1:8", "RUFF001")]


def test_uncovered_files_start_no_process(
    hook: Hook, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    monkeypatch.setattr(subprocess, "run", no_process)
    _write(project, {"docs/notes.txt": "x\n", "ci/data.json": "{}\n", "ci/hooks/b.md": "# b\n"})
    for rel in ("docs/notes.txt", "ci/data.json", "ci/hooks/b.md", "README.md"):
        result = hook("post_edit", _claude(project, rel))
        assert decision(result) == "allow" and result.err == "", (rel, result)


@pytest.mark.parametrize(
    ("config", "want"),
    [
        ("", [("ci/w.py:1:8", "RUFF001"), ("ci/w.py:2", "RUFF002")]),
        ('\n[tool.ci-gates.skip]\nruff = "no Python here"\n', []),
        ('\n[tool.ci-gates.ignore]\nRUFF002 = "elsewhere"\n', [("ci/w.py:1:8", "RUFF001")]),
        (
            '\n[tool.ci-gates.ignore]\n"RUFF001:ci/*" = "scratch"\n',
            [("ci/w.py:2", "RUFF002")],
        ),
        ("\n[tool.ci-gates.hooks]\npost-edit = false\n", []),
    ],
    ids=["default", "skip", "ignore", "ignore-glob", "off"],
)
def test_project_switches(
    hook: Hook, project: Path, config: str, want: list[tuple[str, str]]
) -> None:
    _write(project, {"pyproject.toml": PYPROJECT + config, "ci/w.py": "import os\nx=1\n"})
    result = hook("post_edit", _claude(project, "ci/w.py"))
    if not want:
        assert decision(result) == "allow"
    rules = {r for _, r in _found(result)} if want else set()
    assert set(want) <= set(_found(result)) and rules == {r for _, r in want}


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_the_hook_runs_the_ruff_the_gate_plans(hook: Hook, project: Path) -> None:
    from ci_gates.gates.ruff import PLAN_CACHE

    _write(project, {"ci/w.py": "import os\n"})
    result = hook("post_edit", _claude(project, "ci/w.py"))
    assert ("ci/w.py:1:8", "RUFF001") in _found(result)
    plan = json.loads((project / PLAN_CACHE).read_text())
    assert plan["ruff"][1:] == ["-m", "ruff"] and plan["format"] and plan["fixer"]


def test_a_pinned_ruff_not_installed_yet_says_how_and_finds_nothing(
    hook: Hook, project: Path
) -> None:
    pinned = PYPROJECT + "\n[dependency-groups]\nlint = ['ruff==0.0.1']\n"
    _write(project, {"pyproject.toml": pinned, "ci/w.py": "import os\n"})
    result = hook("post_edit", _claude(project, "ci/w.py"))
    assert decision(result) == "allow"
    assert "ruff==0.0.1 is not installed yet; run `nox -s ruff`" in result.err


def test_findings_are_capped(hook: Hook, project: Path) -> None:
    _write(project, {"ci/w.py": "".join(f"import m{i}\n" for i in range(40))})
    result = hook("post_edit", _claude(project, "ci/w.py"))
    lines = text_of(result).splitlines()
    assert 10 < len(lines) <= 1 + 25 + 1 and len(text_of(result)) < 4000
    assert lines[-1] == f"... and {40 - len(lines) + 2} more (`nox -s gates` lists them all)"
