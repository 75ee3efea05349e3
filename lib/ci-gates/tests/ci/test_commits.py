"""The commits gate, its message check, the agent hook on `git commit -m`, the commit-msg hook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.checks.versioning import conventional as cc
from ci_gates.gates import commits
from ci_gates.testing import run_gate
from tests.ci.releasing import ReleaseRepo
from tests.hooks.conftest import decision, payload, run_hook, text_of


@pytest.mark.parametrize(
    ("message", "rules"),
    [
        ("feat: add x", []),
        ("fix(core): off by one", []),
        ("feat(cli)!: drop --old", []),
        ("refactor: move\n\nBody text.\n\nBREAKING CHANGE: gone", []),
        ("chore(release): a 1.0.0\n\n- list\n\nRelease: skip", []),
        ("fix: x\n\nRelease: Major", []),  # values are case-insensitive, as git's keys are
        ("fix: x\n\nRelease: huge", ["CMT003"]),
        ("fix: x\n\nSigned-off-by: a <a@b>\nRelease: later", ["CMT003"]),
        ("fix: x\n\nA body line that says Release: huge in prose.", []),
        ("Fix the thing", ["CMT001"]),
        ("", ["CMT001"]),
        ("feat:missing space", ["CMT001"]),
        ("feat: ", ["CMT001"]),
        ("feature: add", ["CMT002"]),
        ("Feat: add", ["CMT002"]),
        ("fixup! feat: add x", ["CMT004"]),
        ("Merge branch 'x'", ["CMT001"]),
    ],
)
def test_check_message(message: str, rules: list[str]) -> None:
    found = commits.check_message(message)
    assert [f.rule for f in found] == rules
    assert all(f.fix for f in found)


def test_rule_functions_say_what_and_how() -> None:
    f = commits.not_conventional(cc.parse("wip"))
    assert f is not None and f.rule == "CMT001" and cc.EXAMPLE in f.fix
    f = commits.bad_release_trailer(cc.parse("fix: a\n\nRelease: huge"))
    assert f is not None and "`Release: huge`" in f.message and "major|minor|patch|skip" in f.fix
    assert commits.unknown_type(cc.parse("fix: a")) is None
    assert commits.check_message("fixup! feat: x", branch=False) == []  # folding comes later


def test_parse_reads_type_scope_breaking_trailers() -> None:
    msg = cc.parse("feat(core)!: add\n\nbody\n\nRelease: minor\nRefs: #1")
    assert (msg.type, msg.scope, msg.breaking, msg.release) == ("feat", "core", True, "minor")
    assert msg.trailers == [("Release", "minor"), ("Refs", "#1")]
    assert (
        cc.clean("fix: a\n# comment\n# ------------------------ >8 ------------------------\ndiff")
        == "fix: a"
    )


def branch_repo(tmp_path: Path, *branch_messages: str, since: str = "") -> ReleaseRepo:
    repo = ReleaseRepo.create(tmp_path / "r")
    if since:
        pyproject = repo.root / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text() + f'\n[tool.ci-gates.commits]\nsince = "{since}"\n'
        )
        repo.git("commit", "-qam", "chore: config")
    repo.commit("old style subject on main", "a.txt")
    repo.git("checkout", "-q", "-b", "topic")
    for message in branch_messages:
        repo.commit(message, "b.txt")
    return repo


def test_good_branch_passes_and_main_history_is_not_judged(tmp_path: Path) -> None:
    repo = branch_repo(tmp_path, "feat: one", "fix(core): two\n\nRelease: patch")
    repo.git("checkout", "-q", "-b", "side", "main")
    repo.commit("docs: side", "c.txt")
    repo.git("checkout", "-q", "topic")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'side' into topic", "side")
    assert run_gate("commits", repo.root).status == "passed"  # the merge commit is ignored


def test_bad_branch_names_commit_subject_and_rule(tmp_path: Path) -> None:
    repo = branch_repo(tmp_path, "feat: fine", "WIP stuff", "fix: x\n\nRelease: huge")
    outcome = run_gate("commits", repo.root)
    assert outcome.status == "failed" and outcome.rules == ["CMT003", "CMT001"]
    wip = repo.git("log", "-1", "--format=%H", "--grep=WIP").strip()
    assert f"commit {wip[:10]} 'WIP stuff': subject is not" in outcome.text
    assert "[CMT001]" in outcome.text and "`Release: huge`" in outcome.text


def test_without_default_branch_newest_tag_then_since(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r")
    repo.git("branch", "-m", "trunk")  # no `main`: the newest tag starts the range
    repo.commit("bad old subject", "a.txt")
    repo.tag("v0")
    repo.commit("feat: after the tag", "a.txt")
    assert run_gate("commits", repo.root).status == "passed"
    repo.git("tag", "-d", "v0")
    assert run_gate("commits", repo.root).rules == ["CMT001"]
    old = repo.git("rev-parse", "HEAD~1").strip()
    pyproject = repo.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.ci-gates.commits]\nsince = "{old}"\n')
    repo.git("commit", "-qam", "chore: judge from here")
    assert run_gate("commits", repo.root).status == "passed"


def test_outside_git_cannot_run(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    outcome = run_gate("commits", tmp_path)
    assert outcome.status == "could not run" and "not a git repository" in outcome.text


def test_unknown_since_commit_cannot_run(tmp_path: Path) -> None:
    repo = branch_repo(tmp_path, "feat: x", since="0" * 40)
    outcome = run_gate("commits", repo.root)
    assert outcome.status == "could not run" and "no such commit" in outcome.text


# The agent-side twin: tool_guard refuses `git commit -m` with a message the gate rejects.
HOOK_COMMANDS = [
    ('git commit -m "fix stuff"', "deny"),
    ("git commit -am 'wip'", "deny"),
    ("env GIT_AUTHOR_NAME=x git commit -m 'Update files'", "deny"),
    ("git add -A && git commit -m 'more changes'", "deny"),
    ("bash -c 'git commit -m \"oops\"'", "deny"),
    ("git commit --message='feature: x'", "deny"),
    ('git commit -m "feat: x" -m "Release: huge"', "deny"),
    ("git commit -m \"$(cat <<'EOF'\nupdate things\n\nmore\nEOF\n)\"", "deny"),
    ('git commit -m "feat(core): add x"', "allow"),
    ("git add -A && git commit -m 'fix: y' -m 'Release: skip'", "allow"),
    ("git commit -m \"$(cat <<'EOF'\nfeat: z\n\nbody\nEOF\n)\"", "allow"),
    ('git commit -m "$MESSAGE"', "allow"),  # decided by the shell: not judged
    ("git commit -F msg.txt", "allow"),
    ("git commit", "allow"),  # the editor: git's commit-msg hook judges it
    ("git commit --fixup HEAD", "allow"),
    ("git log --grep 'commit -m wip'", "allow"),
]


@pytest.mark.parametrize(("command", "expected"), HOOK_COMMANDS)
def test_hook_on_git_commit(tmp_path: Path, command: str, expected: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    result = run_hook("tool_guard", payload("claude_pre_bash", tmp_path, command=command), tmp_path)
    assert decision(result) == expected, result
    if expected == "deny":
        assert "commits gate" in text_of(result) and cc.EXAMPLE in text_of(result)


# The developer-side twin: git's commit-msg hook, installed without pre-commit.
def test_installed_commit_msg_hook_rejects_a_bad_message(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r")
    # The hook runs the gates environment's python, else python3: here, this interpreter.
    env = repo.root / "target/ci-gates/env/bin"
    env.mkdir(parents=True)
    (env / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (env / "python").chmod(0o755)
    proc = subprocess.run(
        [sys.executable, "-m", "ci_gates", "release", "install-hooks"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    hook = repo.root / ".git" / "hooks" / "commit-msg"
    assert os.access(hook, os.X_OK)
    (repo.root / "x.txt").write_text("x\n")
    repo.git("add", "x.txt")
    with pytest.raises(subprocess.CalledProcessError) as err:
        repo.git("commit", "-q", "-m", "added x")
    assert "CMT001" in err.value.stderr
    repo.git("commit", "-q", "-m", "feat: add x")
    assert repo.git("log", "-1", "--format=%s").strip() == "feat: add x"
