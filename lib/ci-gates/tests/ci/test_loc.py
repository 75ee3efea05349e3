"""The ``loc`` gate: its pure rule functions (table-driven) and run() on fixture repositories."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ci_gates
from ci_gates.core.config import DEFAULTS
from ci_gates.core.findings import WARNING, Finding
from ci_gates.core.runner import CANNOT_RUN, FAILED, PASSED
from ci_gates.gates import loc
from ci_gates.testing import run_gate

LIBRARY = str(Path(ci_gates.__file__).resolve().parents[1])  # where the library is installed

MakeRepo = Callable[..., Path]


def config(**loc_keys: object) -> dict[str, object]:
    # the line budget is house style: these tests turn it on
    return {**DEFAULTS, "policy": ["line-budget"], "loc": {**DEFAULTS["loc"], **loc_keys}}


def pyproject(allow: dict[str, str] | None = None, warn: int = 400, fail: int = 600) -> str:
    text = '[project]\nname = "x"\nversion = "0"\n\n[tool.ci-gates]\npolicy = ["line-budget"]\n'
    text += f"\n[tool.ci-gates.loc]\nwarn = {warn}\nfail = {fail}\n"
    if allow:
        text += "\n[tool.ci-gates.loc.allow]\n" + "".join(
            f'"{k}" = "{v}"\n' for k, v in allow.items()
        )
    return text


def lines(n: int) -> str:
    return "x = 1\n" * n


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("\n", 1),
        ("a", 1),
        ("a\n", 1),
        ("a\nb", 2),
        ("a\nb\n", 2),
        ("a\r\nb\r\n", 2),
        ("\n\n\n", 3),
    ],
)
def test_count_lines(text: str, expected: int) -> None:
    assert loc.count_lines(text) == expected


@given(st.text(alphabet="ab\n"))
def test_count_lines_matches_editor_lines(text: str) -> None:
    assert loc.count_lines(text) == len(text.splitlines())
    assert loc.count_lines(text) == loc.count_lines(text.replace("\n", "\r\n"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("ci/gates/loc.py", True),
        ("python/pkg/_native.pyi", True),
        ("crates/core/src/lib.rs", True),
        ("scripts/x.sh", True),
        ("/abs/path/to/file.py", True),
        ("C:\\work\\repo\\ci\\x.py", True),
        ("./ci/x.py", True),
        ("README.md", False),
        ("Cargo.toml", False),
        ("ci/x.pyc", False),
        ("ci/py", False),
        ("a.py/readme.txt", False),
    ],
)
def test_is_counted(path: str, expected: bool) -> None:
    assert loc.is_counted(path, config()) is expected


def test_is_counted_uses_configured_extensions_and_accepts_the_bare_section() -> None:
    assert loc.is_counted("web/app.ts", config(extensions=[".ts"]))
    assert not loc.is_counted("ci/x.py", config(extensions=[".ts"]))
    assert loc.is_counted("web/app.ts", {"extensions": [".ts"]})
    assert loc.is_counted("ci/x.py", {})  # defaults


@pytest.mark.parametrize(
    ("path", "n", "allow", "kind", "words"),
    [
        ("ci/a.py", 10, {}, None, []),
        ("ci/a.py", 400, {}, None, []),
        ("ci/a.py", 401, {}, "warn", ["ci/a.py: 401 lines", "400-line warning threshold"]),
        ("ci/a.py", 600, {}, "warn", ["600"]),
        (
            "ci/a.py",
            601,
            {},
            "fail",
            [
                "ci/a.py: 601 lines",
                "600-line budget",
                "warn at 400",
                "split it",
                "[tool.ci-gates.loc.allow]",
            ],
        ),
        ("ci/big.py", 2000, {"ci/big.py": "generated"}, None, []),
        ("./ci/big.py", 2000, {"ci/big.py": "generated"}, None, []),
        ("ci\\big.py", 2000, {"ci/big.py": "generated"}, None, []),
        ("ci/big.py", 500, {"ci/big.py": "generated"}, "warn", ["back under", "remove its entry"]),
        ("ci/big.py", 10, {"ci/big.py": "generated"}, "warn", ["ci/big.py: 10 lines"]),
        ("ci/other.py", 2000, {"ci/big.py": "generated"}, "fail", ["ci/other.py"]),
    ],
)
def test_budget_findings(
    path: str, n: int, allow: dict[str, str], kind: str | None, words: list[str]
) -> None:
    found = loc.budget_findings(path, n, config(allow=allow))
    if kind is None:
        assert found == []
        return
    assert len(found) == 1
    rule = {"fail": "LOC001", "warn": ("LOC002", "LOC003")}[kind]
    assert found[0].rule in rule
    assert found[0].path == "ci/" + path.replace("\\", "/").rpartition("/")[2]
    for word in words:
        assert word in found[0].text()


def test_budget_findings_use_configured_thresholds() -> None:
    cfg = config(warn=10, fail=20)
    (warn,) = loc.budget_findings("a.py", 11, cfg)
    assert warn == Finding(
        "LOC002",
        "11 lines, over the 10-line warning threshold (fail at 20)",
        "a.py",
        fix="plan to split it by responsibility",
        severity=WARNING,
    )
    (fail,) = loc.budget_findings("a.py", 21, cfg)
    assert fail.rule == "LOC001" and "20-line budget" in fail.message


def test_pure_functions_import_light() -> None:
    code = (
        f"import sys; sys.path.append({LIBRARY!r}); import ci_gates.gates.loc, ci_gates.gates.readme; "
        "bad = {'typing', 'subprocess', 'tomllib', 'dataclasses', 'ci_gates.core.runner'} & set(sys.modules); "
        "print(sorted(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-E", "-s", "-S", "-c", code],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


# --- run() on fixture repositories -------------------------------------------------------


def test_clean_repo_passes(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(), "ci/a.py": lines(50), "README.md": "hi\n"})
    assert run_gate("loc", root) == (PASSED, [])


def test_big_file_fails_naming_it_and_the_limit(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(), "ci/gates/big.py": lines(2000)})
    outcome = run_gate("loc", root)
    assert outcome.status == FAILED
    assert outcome.text == (
        "ci/gates/big.py: 2000 lines, over the 600-line budget (warn at 400); split it by "
        "responsibility into smaller modules, or add it to [tool.ci-gates.loc.allow] with a "
        "reason [LOC001]"
    )


def test_warn_only_passes_with_a_warning(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(), "ci/mid.py": lines(450)})
    outcome = run_gate("loc", root)
    assert outcome.status == PASSED and outcome.rules == ["LOC002"]
    assert "ci/mid.py: 450 lines, over the 400-line warning threshold" in outcome.text


def test_a_rule_ignored_in_config_keeps_its_reason(make_repo: MakeRepo) -> None:
    text = pyproject() + '\n[tool.ci-gates.ignore]\n"LOC001:ci/gen/*" = "generated tables"\n'
    root = make_repo({"pyproject.toml": text, "ci/gen/big.py": lines(2000), "ci/x.py": lines(2000)})
    outcome = run_gate("loc", root)
    assert outcome.status == FAILED and outcome.rules == ["LOC001"]  # ci/x.py still counts
    ignored = [f for f in outcome.findings if f.ignored]
    assert [(f.path, f.ignored) for f in ignored] == [("ci/gen/big.py", "generated tables")]


def test_allowlisted_file_over_budget_passes(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"pyproject.toml": pyproject({"ci/big.py": "generated table"}), "ci/big.py": lines(2000)}
    )
    assert run_gate("loc", root).status == PASSED


def test_allowlisted_file_back_under_budget_fails_naming_the_entry(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"pyproject.toml": pyproject({"ci/big.py": "generated table"}), "ci/big.py": lines(100)}
    )
    outcome = run_gate("loc", root)
    assert outcome.status == FAILED and outcome.rules == ["LOC003"]
    assert "ci/big.py: 100 lines, back under the 600-line budget" in outcome.text
    assert "remove its entry from [tool.ci-gates.loc.allow]" in outcome.text


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("ci/gone.py", ["'ci/gone.py'", "does not exist", "remove the entry"]),
        ("docs/notes.md", ["'docs/notes.md'", "counted extension", "remove the entry"]),
    ],
)
def test_dead_allowlist_entry_fails(make_repo: MakeRepo, entry: str, words: list[str]) -> None:
    root = make_repo({"pyproject.toml": pyproject({entry: "reason"}), "docs/notes.md": "x\n"})
    outcome = run_gate("loc", root)
    assert outcome.status == FAILED
    assert outcome.findings[0].path == "pyproject.toml"
    for word in words:
        assert word in outcome.text


@pytest.mark.parametrize(
    "content",
    [
        b"\0" * 5000,
        b"\xff\xfe" + b"\n" * 5000,
    ],
)
def test_binary_or_undecodable_files_are_skipped(make_repo: MakeRepo, content: bytes) -> None:
    root = make_repo({"pyproject.toml": pyproject(), "ci/blob.py": content})
    assert run_gate("loc", root).status == PASSED


def test_missing_trailing_newline_counts_as_a_line(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(warn=2, fail=2), "a.py": "a\nb\nc"})
    assert run_gate("loc", root).text.startswith("a.py: 3 lines")


def test_untracked_and_uncounted_files_are_ignored(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(), "docs/big.md": "x\n" * 2000})
    (root / "scratch.py").write_text(lines(2000))
    assert run_gate("loc", root) == (PASSED, [])


def test_non_git_root_cannot_run(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(), "a.py": "x\n"}, git=False)
    outcome = run_gate("loc", root)
    assert outcome.status == CANNOT_RUN and outcome.rules == ["GATE001"]
    assert "git" in outcome.text


def test_bad_config_cannot_run(make_repo: MakeRepo) -> None:
    root = make_repo({"pyproject.toml": pyproject(warn=700, fail=600)})
    outcome = run_gate("loc", root)
    assert outcome.status == CANNOT_RUN and "warn <= fail" in outcome.text


def test_the_budget_is_house_style(make_repo: MakeRepo) -> None:
    """Off (the default for an adopted project), neither the gate nor the agent hook counts lines."""
    from ci_gates.gates.loc import budget_findings

    assert budget_findings("ci/big.py", 2000, DEFAULTS) == []
    root = make_repo({"ci/big.py": lines(2000)})
    assert run_gate("loc", root).status == "passed"
