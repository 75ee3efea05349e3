"""The tool-guard rules' findings: each rule's message, line and fix, the sessions they name,
the file contexts, and the rules only the gate reports."""

from __future__ import annotations

import re

import pytest

from ci_gates.core.findings import NOTE, RULES
from ci_gates.gates.tool_guard import rules as tool_guard
from ci_gates.gates.tool_guard.rules import context_for, evaluate

S, CI, REL = "shell", "ci", "release"


@pytest.mark.parametrize(
    ("command", "instead"),
    [
        ("uv run pytest", "run `nox -s pytest` instead"),
        ("uv run ruff check", "run `nox -s ruff` instead"),
        ("uv run mypy ci", "run `nox -s typecheck` instead"),
        ("uv run nox -s gates", "run `nox -s gates` directly"),
        ("uv run python x.py", "run `uv run --no-project python x.py`"),
        ("uv run bash -c 'cd .. && make'", "run `uv run --no-project bash -c 'cd .. && make'`"),
        ("cargo clippy", "run `nox -s clippy`"),
        ("cargo test", "run `nox -s cargo_test`"),
    ],
)
def test_fix_names_the_command_to_use(command: str, instead: str) -> None:
    assert any(f.fix.startswith(instead) for f in evaluate(command)), evaluate(command)


def test_ci_direct_names_the_matching_session() -> None:
    assert evaluate("cargo clippy --workspace", CI)[0].fix.startswith("run `nox -s clippy`")
    assert evaluate("python -m pytest", CI)[0].fix.startswith("run `nox -s pytest`")


def test_every_session_named_by_the_rules_exists() -> None:
    from ci_gates.core.registry import builtin
    from ci_gates.core.sessions import EXTRA_SESSIONS

    SESSIONS = {g.name for g in builtin()} | set(EXTRA_SESSIONS)

    texts = list(tool_guard.SESSIONS.values())
    texts += [RULES[r].help for r in RULES if RULES[r].gate == "tool_guard"]
    named = {m for t in texts for m in re.findall(r"nox -s (\w+)", t)}
    assert named and named <= set(SESSIONS), named - set(SESSIONS)


def test_context_for() -> None:
    config = {
        "tool-guard": {
            "release-files": [".github/workflows/release.yml"],
            "ci-file": ".github/workflows/ci.yml",
        }
    }
    assert context_for(".github/workflows/release.yml", config) == "release"
    assert context_for("./.github/workflows/ci.yml", config) == "ci"
    assert context_for(".github\\workflows\\ci.yml", config) == "ci"
    assert context_for("README.md", config) == "shell"
    assert context_for(".github/workflows/ci.yml", config["tool-guard"]) == "ci"
    assert context_for(".github/workflows/ci.yml", {}) == "ci"  # defaults


# (text, context, rule, 1-based line in the file, message part, fix part): each rule's finding
RULE_FINDINGS: list[tuple[str, str, str, int, str, str]] = [
    (
        "echo hi\nuv run pytest",
        S,
        "TG001",
        12,
        "`uv run pytest` syncs this project first",
        "run `nox -s pytest` instead",
    ),
    (
        "uv run --frozen x.py",
        S,
        "TG006",
        11,
        "may sync and build this project: x.py is not a file",
        "add `--no-project`",
    ),
    (
        "cargo publish -p core",
        S,
        "TG002",
        11,
        "`cargo publish -p core` publishes a release",
        "publish from the release workflow",
    ),
    (
        "\n\ncargo build",
        CI,
        "TG003",
        13,
        "`cargo build` calls the tool directly in the CI workflow",
        "run `nox -s build`",
    ),
    (
        "cargo clippy",
        S,
        "TG010",
        11,
        "`cargo clippy` differs from CI: CI runs clippy",
        "run `nox -s clippy`",
    ),
    (
        "cargo test -p core",
        S,
        "TG011",
        11,
        "`cargo test -p core` differs from CI",
        "run `nox -s cargo_test`",
    ),
    ("python -m pytest -x", S, "TG012", 11, "`pytest -x` differs from CI", "run `nox -s pytest`"),
    ("ruff check ci", REL, "TG013", 11, "`ruff check ci` differs from CI", "run `nox -s ruff`"),
    ("mypy ci", S, "TG014", 11, "`mypy ci` differs from CI", "run `nox -s typecheck`"),
    (
        "maturin develop -r",
        S,
        "TG015",
        11,
        "`maturin develop -r` differs from CI",
        "run `nox -s build`",
    ),
]


@pytest.mark.parametrize(("text", "context", "rule", "line", "message", "fix"), RULE_FINDINGS)
def test_each_rule_finding(
    text: str, context: str, rule: str, line: int, message: str, fix: str
) -> None:
    (found,) = tool_guard.findings(text, tool_guard.Scope(context), line=10, path="docs/x.md")
    assert (found.rule, found.path, found.line) == (rule, "docs/x.md", line)
    assert message in found.message and found.fix.startswith(fix)
    assert found.severity == RULES[rule].severity
    assert found.text().startswith(f"docs/x.md:{line}: ") and found.text().endswith(f"[{rule}]")


def test_every_tool_guard_rule_is_tested_and_explained() -> None:

    ids = {r for r in RULES if RULES[r].gate == "tool_guard"}
    assert ids == {f"TG00{k}" for k in range(1, 7)} | {f"TG01{k}" for k in range(6)}
    assert {row[2] for row in RULE_FINDINGS} == ids - {"TG004", "TG005"}  # those: gate tests
    for rule_id in ids:
        assert len(RULES[rule_id].help.splitlines()) >= 1 and RULES[rule_id].summary


def test_gate_only_rules() -> None:
    import yaml

    from ci_gates.gates.tool_guard.rules import invalid_yaml, step_not_checked

    try:
        yaml.safe_load("a: [\n")
    except yaml.YAMLError as exc:
        found = invalid_yaml(".github/workflows/x.yml", exc)
    assert (found.rule, found.path, found.line) == ("TG004", ".github/workflows/x.yml", 2)
    assert found.message.startswith("invalid YAML (") and found.fix.startswith("fix the syntax")
    note = step_not_checked("action.yml", 9, "cmd")
    assert (note.rule, note.line, note.severity) == ("TG005", 9, NOTE)
    assert "`shell: cmd` step not checked" in note.message and "shell: bash" in note.fix
