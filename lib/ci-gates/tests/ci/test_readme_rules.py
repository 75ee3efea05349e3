"""The ``readme`` gate's rule functions, table-driven: RDM001-RDM008, and ``nox -s`` in code blocks."""

from __future__ import annotations

import pytest

from ci_gates.core.config import DEFAULTS
from ci_gates.core.findings import RULES, Finding
from ci_gates.core.registry import builtin
from ci_gates.core.sessions import EXTRA_SESSIONS
from ci_gates.gates import readme

SESSIONS = [g.name for g in builtin()] + list(EXTRA_SESSIONS)

CONFIG = {**DEFAULTS, "policy": ["house-style"]}  # the README rules are house style
FENCE = "```"


def body(n: int, extra: str = "") -> str:
    """A README of exactly ``n`` lines, ``extra`` (whole lines) included."""
    head = extra.splitlines(keepends=True)
    return "".join(head) + "".join(f"line {i}\n" for i in range(n - len(head)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{FENCE}sh\nnox -s gates\n{FENCE}\n", [(2, "gates")]),
        (f"{FENCE}bash\nnox --session tests\n{FENCE}\n", [(2, "tests")]),
        (f"{FENCE}shell\nnox -s a b\n{FENCE}\n", [(2, "a"), (2, "b")]),
        (
            f"{FENCE}console\n$ nox -s lint\nnox > Running session nox -s output\n{FENCE}\n",
            [(2, "lint")],
        ),
        (f"{FENCE}\nnox -s plain\n{FENCE}\n", [(2, "plain")]),
        ("~~~sh\nnox -s tilde\n~~~\n", [(2, "tilde")]),
        (f"{FENCE}python\nnox -s ignored\n{FENCE}\n", []),
        ("Run `nox -s inprose` or nox -s prose.\n", []),
        (f"{FENCE}sh\nnox -s x\n{FENCE}\nnox -s after\n", [(2, "x")]),
        (f"{FENCE}sh\n# nox -s comment\nnox -s real # nox -s c2\n{FENCE}\n", [(3, "real")]),
        (f'{FENCE}sh\ngit commit -m "nox -s quoted"\n{FENCE}\n', []),
        (
            f"{FENCE}sh\nuvx nox -s a && nox -s b; python -m nox --sessions=c\n{FENCE}\n",
            [(2, "a"), (2, "b"), (2, "c")],
        ),
        (f"{FENCE}sh\nnox -R -s a -p 3.12 -- -k foo\n{FENCE}\n", [(2, "a")]),
        (f'{FENCE}sh\nnox -sgates\nnox -e "tests"\n{FENCE}\n', [(2, "gates"), (3, "tests")]),
        (f"{FENCE}sh\nnox \\\n  -s cont\n{FENCE}\n", [(2, "cont")]),
        (f'{FENCE}sh\nnox -s "$SESSION"\nnox -l\nnox\n{FENCE}\n', []),
        (f"{FENCE}sh\n$ nox -s prompt\n{FENCE}\n", [(2, "prompt")]),
        (f"{FENCE}sh\nnox -s=eq\n{FENCE}\n", [(2, "eq")]),
        (f"{FENCE}nox -s inline{FENCE}\n{FENCE}sh\nnox -s after\n{FENCE}\n", [(3, "after")]),
        (f"````sh\n{FENCE}\nnox -s inner\n````\n", [(3, "inner")]),
        (f"{FENCE}sh\nnox -s 'unclosed\n{FENCE}\n", [(2, "unclosed")]),
    ],
)
def test_nox_sessions_in(text: str, expected: list[tuple[int, str]]) -> None:
    assert readme.nox_sessions_in(text) == expected


@pytest.mark.parametrize(
    ("rel_path", "text", "rule", "words"),
    [
        ("README.md", body(30), None, []),
        (
            "README.md",
            body(5),
            "RDM002",
            ["README.md: 5 lines", "20-line minimum", "root-min-lines"],
        ),
        (
            "README.md",
            body(401),
            "RDM003",
            ["README.md: 401 lines", "400-line maximum", "root-max-lines"],
        ),
        ("crates/a/README.md", body(5), None, []),
        (
            "crates/a/README.md",
            body(4),
            "RDM002",
            ["crates/a/README.md: 4 lines", "5-line minimum"],
        ),
        (
            "crates/a/README.md",
            body(301),
            "RDM003",
            ["crates/a/README.md: 301 lines", "300-line maximum"],
        ),
        ("README.md", body(30, f"{FENCE}sh\nnox -s gates\nnox -s tests-3.12\n{FENCE}\n"), None, []),
        (
            "README.md",
            body(30, f"# t\n{FENCE}sh\nnox -s nosuch\n{FENCE}\n"),
            "RDM004",
            ["README.md:3: `nox -s nosuch` names no nox session", "gates, tests"],
        ),
        (
            "README.md",
            body(30, f"# t\n{FENCE}powershell\n$env:X = 1; nox -s nosuch\n{FENCE}\n"),
            "RDM004",
            ["README.md:3: `nox -s nosuch` names no nox session"],
        ),
    ],
)
def test_readme_problems(rel_path: str, text: str, rule: str | None, words: list[str]) -> None:
    found = readme.readme_problems(rel_path, text, CONFIG, SESSIONS)
    assert [f.rule for f in found] == ([rule] if rule else [])
    for word in words:
        assert word in found[0].text()


def test_readme_problems_takes_sessions_from_the_caller() -> None:
    text = body(30, f"{FENCE}sh\nnox -s custom\n{FENCE}\n")
    assert readme.readme_problems("README.md", text, CONFIG, ("custom",)) == []
    assert readme.readme_problems("README.md", text, CONFIG, None) == []
    assert len(readme.readme_problems("README.md", text, CONFIG, ("gates",))) == 1


@pytest.mark.parametrize(
    ("finding", "rule", "path", "line", "message", "fix"),
    [
        (
            readme.missing_readme("crates/x", CONFIG),
            "RDM001",
            "crates/x/README.md",
            0,
            "missing; the readme gate (`nox -s readme`) requires one here",
            "add 5-300 lines saying what this directory is for",
        ),
        (
            readme.missing_readme("", CONFIG),
            "RDM001",
            "README.md",
            0,
            "missing",
            "add 20-400 lines saying what the project is for",
        ),
        (
            readme.too_short("README.md", 1, CONFIG),
            "RDM002",
            "README.md",
            0,
            "1 line, under the 20-line minimum (root-min-lines)",
            "say what this is",
        ),
        (
            readme.too_long("ci/gates/README.md", 301, CONFIG),
            "RDM003",
            "ci/gates/README.md",
            0,
            "301 lines, over the 300-line maximum (max-lines)",
            "move reference material into docs/",
        ),
        (
            readme.unknown_session("README.md", 7, "lint", ("gates", "tests")),
            "RDM004",
            "README.md",
            7,
            "`nox -s lint` names no nox session",
            "use one of: gates, tests",
        ),
        (
            readme.unreadable_readme("docs/README.md", ValueError("bad byte")),
            "RDM007",
            "docs/README.md",
            0,
            "cannot read as UTF-8 (bad byte)",
            "fix the file",
        ),
        (
            readme.pattern_matches_nothing("tools/*"),
            "RDM008",
            "pyproject.toml",
            0,
            "no directory matches 'tools/*'",
            "fix the pattern",
        ),
    ],
)
def test_rule_findings(
    finding: Finding, rule: str, path: str, line: int, message: str, fix: str
) -> None:
    assert (finding.rule, finding.path, finding.line) == (rule, path, line)
    assert message in finding.message and fix in finding.fix
    assert RULES[rule].gate == "readme" and RULES[rule].help


def test_rules_that_do_not_apply_return_none() -> None:
    assert readme.too_short("README.md", 20, CONFIG) is None
    assert readme.too_long("README.md", 400, CONFIG) is None
    assert readme.unknown_session("README.md", 1, "tests-3.12", ("tests",)) is None
    assert readme.unknown_session("README.md", 1, "tests(python='3.12')", ("tests",)) is None
