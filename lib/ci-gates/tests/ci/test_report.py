"""The results table: plain text, Markdown, report.json, the step summary, ``python -m ci_gates.core.report``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from ci_gates.core import report, runner
from ci_gates.core.annotations import annotation
from ci_gates.core.findings import Finding
from ci_gates.core.registry import builtin
from ci_gates.core.runner import CANNOT_RUN, CONFIG_SKIPPED, FAILED, PASSED, SKIPPED, Result

FMT = Finding("LOC004", "not formatted", "src/lib.rs", 3, fix="run `nox -s fix`")
WARN = Finding("LOC002", "450 lines", "ci/x.py", severity="warning")
IGNORED = Finding("LOC001", "2000 lines", "ci/gen.py", ignored="generated")
MISSING = Finding("GATE001", "mypy: not installed | see docs")
RESULTS = [
    Result("fmt", FAILED, 1.25, FMT.text(), (FMT,)),
    Result("clippy", SKIPPED, 0.0, "not run because fmt failed"),
    Result("ruff", PASSED, 0.4, "", (WARN, IGNORED)),
    Result("typecheck", CANNOT_RUN, 75.0, MISSING.text(), (MISSING,)),
]
SARIF_SCHEMA = Path(__file__).parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"


def test_plain_text_is_aligned_and_complete() -> None:
    text = report.plain(RESULTS)
    lines = text.splitlines()
    assert lines[0].split() == ["gate", "status", "duration", "findings", "first", "finding"]
    assert lines[-1] == "1/4 gates passed"
    rows = lines[1:-1]
    # Columns line up: the status column starts at the same offset in every row.
    assert (
        len({row.index(status) for row, status in zip(rows, [FAILED, "not run", PASSED, "could"])})
        == 1
    )
    assert "not run because fmt failed" in rows[1]
    assert "src/lib.rs:3: not formatted; run `nox -s fix` [LOC004]" in rows[0]
    assert "1m15s" in rows[3] and "1.2s" in rows[0]
    assert rows[2].split()[3:6] == ["1", "(1", "ignored)"]  # ruff: a warning and an ignored one
    assert "\x1b[" not in text


def test_markdown_table() -> None:
    md = report.markdown(RESULTS)
    lines = md.strip().splitlines()
    assert lines[0] == "### CI gates: 1/4 passed"
    assert lines[2] == "| Gate | Status | Duration | Findings | First finding |"
    assert lines[3] == "| --- | --- | --- | --- | --- |"
    assert lines[4].startswith("| `fmt` | ❌ failed | 1.2s | 1 | src/lib.rs:3")
    assert "not run because fmt failed" in lines[5]
    assert "mypy: not installed \\| see docs" in lines[7]  # a pipe must not split the cell
    assert all(len(re.split(r"(?<!\\)\|", line)) == 7 for line in lines[4:])  # 5 cells


def test_print_table_falls_back_to_plain_when_not_a_terminal() -> None:
    out = io.StringIO()
    report.print_table(RESULTS, out)
    assert out.getvalue() == report.plain(RESULTS)


def test_rich_table_on_a_terminal() -> None:
    pytest.importorskip("rich")

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    report.print_table(RESULTS, out)
    text = out.getvalue()
    assert "not run because fmt failed" in text and "1/4 gates passed" in text


def test_emit_writes_json_and_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    report.emit(RESULTS, str(tmp_path), io.StringIO())
    data = json.loads((tmp_path / report.REPORT_FILE).read_text(encoding="utf-8"))
    assert data["ok"] is False
    assert [r["gate"] for r in data["results"]] == ["fmt", "clippy", "ruff", "typecheck"]
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "| `ruff` | ✅ passed |" in text


def test_no_step_summary_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    report.emit(RESULTS[2:3], str(tmp_path), io.StringIO())
    assert json.loads((tmp_path / report.REPORT_FILE).read_text(encoding="utf-8"))["ok"] is True


def test_main_reads_saved_results_and_fails_on_missing_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # every gate on (house style too), each with a saved pass
    policy = '[tool.ci-gates]\npolicy = ["house-style"]\n'
    (tmp_path / "pyproject.toml").write_text(policy, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    gates = builtin()
    for gate in gates:
        runner.save(Result(gate.name, PASSED, 0.1, ""), str(tmp_path))
    assert report.main([]) == 0
    assert f"{len(gates)}/{len(gates)} gates passed" in capsys.readouterr().out
    (tmp_path / runner.RESULTS_DIR / "ruff.json").unlink()
    assert report.main([]) == 1
    assert "no saved result; run `nox -s ruff`" in capsys.readouterr().out


def test_duration_format() -> None:
    assert report.duration(0.04) == "0.0s"
    assert report.duration(59.94) == "59.9s"
    assert report.duration(61) == "1m01s"


def test_verbose_lists_every_finding() -> None:
    text = report.details(RESULTS)
    assert text.splitlines() == [
        "fmt: error: " + FMT.text(),
        "ruff: warning: " + WARN.text(),
        "ruff: ignored (generated): " + IGNORED.text(),
        "typecheck: error: " + MISSING.text(),
    ]


def test_skipped_in_config_shows_its_reason_and_does_not_fail() -> None:
    results = [Result("action_yaml", CONFIG_SKIPPED, 0.0, "no composite action")]
    text = report.plain(results)
    assert "skipped" in text and "no composite action" in text
    assert text.splitlines()[-1] == "0/1 gates passed, 1 skipped in config"
    assert report.ok(results)


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (FMT, "::error file=src/lib.rs,line=3,title=LOC004::not formatted (run `nox -s fix`)"),
        (WARN, "::warning file=ci/x.py,title=LOC002::450 lines"),
        (
            Finding("TG001", "50%\nbad", "a,b:c.yml", 2, 7),
            "::error file=a%2Cb%3Ac.yml,line=2,col=7,title=TG001::50%25%0Abad",
        ),
    ],
)
def test_annotation_escaping(finding: Finding, expected: str) -> None:
    assert annotation(finding) == expected


def test_sarif_is_valid_and_agrees_with_the_findings(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    path = report.write_sarif(RESULTS, str(tmp_path))
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema, format_checker=jsonschema.FormatChecker())
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("LOC004", "error"),
        ("LOC002", "warning"),
        ("LOC001", "error"),
    ]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == "LOC004"
    assert rules[first["ruleIndex"]]["help"]["text"]  # the rule's docstring
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/lib.rs", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 3},
    }
    assert results[2]["suppressions"] == [{"kind": "external", "justification": "generated"}]
    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["descriptor"] == {"id": "GATE001"} and "typecheck:" in note["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert "LOC001" in ids and "GATE001" in ids


def test_a_floor_gate_has_one_row_per_interpreter() -> None:
    found = (
        Finding("NI002", "on CPython 3.9: import failed", "x.whl"),
        Finding("GATE004", "checked under CPython 3.9 (/py39)", severity="note"),
        Finding("GATE004", "checked under CPython 3.13 (/py313)", severity="note"),
    )
    result = Result("native_import", FAILED, 2.0, found[0].text(), found)
    lines = report.plain([result]).splitlines()
    assert lines[2].split()[:4] == ["└", "CPython", "3.9", "failed"]
    assert lines[3].split()[:5] == ["└", "CPython", "3.13", "passed", "0"]
    assert "| ↳ CPython 3.9 | ❌ failed |" in report.markdown([result])
