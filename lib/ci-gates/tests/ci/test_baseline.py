"""``[[tool.ci-gates.baseline]]``: recorded findings become notes, new ones fail, stale entries fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.commands import baseline as command
from ci_gates.core import baseline
from ci_gates.core.config import ConfigError, parse
from ci_gates.core.context import config_for
from ci_gates.core.findings import CannotRun, Finding
from ci_gates.gates.tool_guard import rules  # noqa: F401  (declares the TG rules)
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT, MakeRepo
from tests.ci.conftest import HOUSE_STYLE_PYPROJECT

BIG = "x = 1\n" * 700
DOC = "```sh\nuv run pytest\n```\n"


def entry(rule: str, path: str, reason: str = "predates the gates", **more: str) -> str:
    fields = {"rule": rule, "path": path, "reason": reason, **more}
    body = "".join(f'{k} = "{v}"\n' for k, v in fields.items())
    return f"\n[[tool.ci-gates.baseline]]\n{body}"


def test_fingerprint_ignores_numbers_but_not_words() -> None:
    a = Finding("LOC001", "612 lines, over the 600-line budget", "big.py")
    b = Finding("LOC001", "640 lines, over the 600-line budget", "big.py")
    assert baseline.fingerprint(a) == baseline.fingerprint(b)
    assert baseline.fingerprint(a) != baseline.fingerprint(a._replace(path="other.py"))
    assert len(baseline.fingerprint(a)) == 12


def test_apply_turns_a_recorded_finding_into_a_note_and_reports_stale_entries() -> None:
    old = Finding("TG001", "`uv run pytest` syncs", "docs/a.md", 2)
    new = Finding("TG001", "`uv run pytest` syncs", "docs/b.md", 2)
    entries = [
        {"rule": "TG001", "path": "docs/a.md", "reason": "kept"},
        {"rule": "TG002", "path": "x.sh", "reason": "gone since"},
    ]
    out = baseline.apply([old, new], {"baseline": entries}, "tool_guard")
    assert [(f.rule, f.severity) for f in out] == [
        ("TG001", "note"),
        ("TG001", "error"),
        ("BASE001", "error"),
    ]
    assert out[0].message.startswith("baseline (kept): ")
    assert "baseline entry TG002 x.sh matches no finding any more" in out[2].message
    # entries of another gate's rules are that gate's business
    assert baseline.apply([new], {"baseline": entries[:1]}, "loc") == [new]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('baseline = "LOC001"', "must be a list of tables"),
        (entry("LOC001", "a.py", reason=" "), "entry 1: reason must be a non-empty string"),
        (entry("LOC001", "a.py", line="3"), "entry 1: unknown key 'line'"),
    ],
)
def test_bad_entries_are_config_errors(tmp_path: Path, table: str, message: str) -> None:
    text = f"{MINIMAL_PYPROJECT}\n" + (
        f"[tool.ci-gates]\n{table}\n" if "=" in table[:12] else table
    )
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        parse(tmp_path)


@pytest.mark.parametrize(
    ("rule", "message"),
    [("NOPE01", "unknown rule 'NOPE01'"), ("RUFF001", "RUFF001 is the ruff's rule, which takes")],
)
def test_entries_must_name_a_rule_of_a_gate_that_takes_a_baseline(
    tmp_path: Path, rule: str, message: str
) -> None:
    text = f"{MINIMAL_PYPROJECT}{entry(rule, 'a.py')}"
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CannotRun, match=message):
        config_for(tmp_path)


def test_loc_baseline_passes_until_the_file_shrinks(make_repo: MakeRepo) -> None:
    pyproject = HOUSE_STYLE_PYPROJECT + entry("LOC001", "src/big.py", "split in #12")
    root = make_repo({"src/big.py": BIG, "pyproject.toml": pyproject})
    outcome = run_gate("loc", root)
    assert outcome.status == "passed", outcome.text
    assert outcome.findings[0].message.startswith("baseline (split in #12): 700 lines")
    (root / "src/big.py").write_text("x = 1\n", encoding="utf-8")
    outcome = run_gate("loc", root)
    assert outcome.status == "failed" and outcome.rules == ["BASE001"]


def test_a_fingerprint_records_one_finding_not_the_next(make_repo: MakeRepo) -> None:
    (old,) = run_gate("tool_guard", make_repo({"docs/guide.md": DOC})).findings
    pyproject = MINIMAL_PYPROJECT + entry(
        "TG001", "docs/*.md", fingerprint=baseline.fingerprint(old)
    )
    doc = DOC + "\n```sh\nuv run mypy\n```\n"
    outcome = run_gate("tool_guard", make_repo({"docs/guide.md": doc, "pyproject.toml": pyproject}))
    assert outcome.status == "failed" and outcome.rules == ["TG001", "TG001"]
    recorded, new = outcome.findings
    assert recorded.severity == "note" and "`uv run pytest`" in recorded.message
    assert new.severity == "error" and "`uv run mypy`" in new.message and new.line == 6


def test_the_command_prints_and_writes_entries(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"docs/guide.md": DOC})
    monkeypatch.chdir(root)
    assert command.main(["tool_guard"]) == 2  # a reason is required
    assert command.main(["--reason", "x", "ruff"]) == 2  # ruff takes no baseline
    capsys.readouterr()
    assert command.main(["--reason", "docs predate the gates", "tool_guard"]) == 0
    printed = capsys.readouterr().out
    assert "[[tool.ci-gates.baseline]]" in printed and 'rule = "TG001"' in printed
    assert "# docs/guide.md:2: `uv run pytest`" in printed
    assert run_gate("tool_guard", root).status == "failed"
    assert command.main(["--reason", "docs predate the gates", "--write", "tool_guard"]) == 0
    assert run_gate("tool_guard", root).status == "passed"
    assert parse(root)["baseline"][0]["reason"] == "docs predate the gates"
