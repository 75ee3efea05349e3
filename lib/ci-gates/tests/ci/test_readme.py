"""The ``readme`` gate: its pure rule functions (table-driven) and run() on fixture repositories."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gates.core.config import DEFAULTS
from ci_gates.core.registry import builtin
from ci_gates.core.sessions import EXTRA_SESSIONS
from ci_gates.gates import readme
from ci_gates.testing import run_gate
from tests.ci.conftest import HOUSE_STYLE

SESSIONS = [g.name for g in builtin()] + list(EXTRA_SESSIONS)

MakeRepo = Callable[..., Path]
CONFIG = {**DEFAULTS, "policy": ["house-style"]}  # the README rules are house style
FENCE = "```"


def body(n: int, extra: str = "") -> str:
    """A README of exactly ``n`` lines, ``extra`` (whole lines) included."""
    head = extra.splitlines(keepends=True)
    return "".join(head) + "".join(f"line {i}\n" for i in range(n - len(head)))


def crate(name: str, extra: str = 'readme = "README.md"\n') -> str:
    return f'[package]\nname = "{name}"\nversion = "0.1.0"\n{extra}'


CRATE = '[package]\nname = "x"\nversion = "0.1.0"\nedition = "2021"\n'
PYPROJECT = '[project]\nname = "x"\nversion = "0"\nreadme = "README.md"\n' + HOUSE_STYLE
ROOT_README = body(30, f"# x\n\n{FENCE}sh\nnox -s gates\nnox -s tests\n{FENCE}\n")
CLEAN = {
    "pyproject.toml": PYPROJECT,
    "README.md": ROOT_README,
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nreadme = "README.md"\n',
    "crates/core/Cargo.toml": crate("core"),
    "crates/core/README.md": body(10),
    "crates/cli/Cargo.toml": crate("cli", "readme.workspace = true\n"),
    "crates/cli/README.md": body(10),
    "crates/py/Cargo.toml": crate("py", "publish = false\n"),
    "crates/py/README.md": body(10),
    "python/pkg/README.md": body(10),
    "python/pkg/__init__.py": "",
    "ci/gates/README.md": body(10),
    "ci/hooks/README.md": body(10),
}


# --- pure functions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel_dir", "expected"),
    [
        ("", True),
        (".", True),
        ("crates/acme-core", True),
        ("crates/acme-core/", True),
        ("./crates/acme-core", True),
        ("crates\\acme-core", True),
        ("python/acme_words", True),
        ("ci/gates", True),
        ("ci/hooks", True),
        ("crates", False),
        ("crates/acme-core/src", False),
        ("python/__pycache__", False),
        ("python/.mypy_cache", False),
        ("python/pkg.egg-info", False),
        ("ci", False),
        ("ci/gates/__pycache__", False),
        ("docs", False),
    ],
)
def test_covered_dir(rel_dir: str, expected: bool) -> None:
    assert readme.covered_dir(rel_dir, CONFIG) is expected


def test_covered_dir_follows_config_and_accepts_the_bare_section() -> None:
    on = {"policy": ["readmes"]}
    assert readme.covered_dir("docs", {"readme": {"dirs": ["docs"]}, **on})
    assert readme.covered_dir("docs", {"dirs": ["docs"], **on})
    assert not readme.covered_dir("ci/gates", {"dirs": ["docs"], **on})
    assert readme.covered_dir("target", {"dirs": ["target"], **on})  # named literally, not skipped
    # house style off: no directory but the root needs a README
    assert not readme.covered_dir("docs", {"readme": {"dirs": ["docs"]}})
    assert readme.covering_dir("docs/x.md", {"readme": {"dirs": ["docs"]}}) == ""


@pytest.mark.parametrize(
    ("rel_path", "expected"),
    [
        ("crates/core/src/lib.rs", "crates/core"),
        ("crates/core/Cargo.toml", "crates/core"),
        ("ci/gates/loc.py", "ci/gates"),
        ("ci/runner.py", ""),
        ("noxfile.py", ""),
    ],
)
def test_covering_dir(rel_path: str, expected: str) -> None:
    assert readme.covering_dir(rel_path, CONFIG) == expected


# --- run() on fixture repositories -------------------------------------------------------


def test_clean_repo_passes(make_repo: MakeRepo) -> None:
    root = make_repo(CLEAN)
    (root / "python" / "__pycache__").mkdir()
    outcome = run_gate("readme", root)
    assert outcome.status == "passed", outcome.text


def without(path: str) -> dict[str, str]:
    return {k: v for k, v in CLEAN.items() if k != path}


@pytest.mark.parametrize(
    ("files", "rule", "words"),
    [
        (without("README.md"), "RDM001", ["README.md: missing"]),
        ({**CLEAN, "README.md": "# x\n"}, "RDM002", ["README.md: 1 line", "20-line minimum"]),
        ({**CLEAN, "README.md": body(500)}, "RDM003", ["README.md: 500 lines", "400-line maximum"]),
        (
            {**without("ci/hooks/README.md"), "ci/hooks/guard.py": ""},
            "RDM001",
            ["ci/hooks/README.md: missing"],
        ),
        ({**CLEAN, "crates/new/src/lib.rs": ""}, "RDM001", ["crates/new/README.md: missing"]),
        ({**CLEAN, "crates/core/README.md": "x\n"}, "RDM002", ["crates/core/README.md: 1 line"]),
        (
            {**CLEAN, "crates/core/Cargo.toml": crate("core", "")},
            "RDM005",
            ["crates/core/Cargo.toml: published crate declares no readme", 'readme = "README.md"'],
        ),
        (
            {**CLEAN, "crates/core/Cargo.toml": crate("core", 'readme = "READ.md"\n')},
            "RDM005",
            ["crates/core/Cargo.toml: readme 'READ.md' does not exist"],
        ),
        (
            {**CLEAN, "crates/core/Cargo.toml": "[package\n"},
            "RDM005",
            ["crates/core/Cargo.toml: cannot read", "fix the manifest"],
        ),
        (
            {**CLEAN, "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n'},
            "RDM005",
            ["crates/cli/Cargo.toml: readme.workspace = true", "[workspace.package]"],
        ),
        (
            {**CLEAN, "pyproject.toml": PYPROJECT.replace("README.md", "docs/missing.md")},
            "RDM006",
            ["pyproject.toml: [project] readme 'docs/missing.md' does not exist"],
        ),
        (
            {**CLEAN, "pyproject.toml": PYPROJECT.replace('"README.md"', '{file = "nope.md"}')},
            "RDM006",
            ["pyproject.toml: [project] readme 'nope.md' does not exist"],
        ),
        (
            {**CLEAN, "pyproject.toml": PYPROJECT.replace('readme = "README.md"\n', "")},
            "RDM006",
            ["pyproject.toml: [project] declares no readme"],
        ),
        (
            {
                **CLEAN,
                "README.md": body(30, f"# x\n\n{FENCE}sh\nnox -s gates\nnox -s nosuch\n{FENCE}\n"),
            },
            "RDM004",
            ["README.md:5: `nox -s nosuch` names no nox session", "gates"],
        ),
        (
            {**CLEAN, "ci/gates/README.md": body(10, f"{FENCE}console\n$ nox -s nope\n{FENCE}\n")},
            "RDM004",
            ["ci/gates/README.md:2: `nox -s nope`"],
        ),
        (
            {**CLEAN, "ci/gates/README.md": body(10, f"{FENCE}\nnox -s unlabelled\n{FENCE}\n")},
            "RDM004",
            ["ci/gates/README.md:2: `nox -s unlabelled`"],
        ),
        (
            {**CLEAN, "ci/gates/README.md": b"\xff\xfe not utf-8\n"},
            "RDM007",
            ["ci/gates/README.md: cannot read as UTF-8"],
        ),
    ],
)
def test_violation_fails_naming_the_file(
    make_repo: MakeRepo, files: dict[str, str], rule: str, words: list[str]
) -> None:
    outcome = run_gate("readme", make_repo(files))
    assert outcome.status == "failed"
    # Only the seeded problem; a missing root README also leaves the readmes declared for it dangling.
    expected = [rule, "RDM005", "RDM006"] if "README.md" not in files else [rule]
    assert sorted(outcome.rules) == sorted(expected), outcome.text
    first = next(f for f in outcome.findings if f.rule == rule)
    for word in words:
        assert word in first.text()


@pytest.mark.parametrize(
    ("crate_files", "fires"),
    [
        ({"Cargo.toml": CRATE, "README.md": "# x\n"}, False),  # cargo's default readme
        ({"Cargo.toml": CRATE + 'readme = "docs/r.md"\n', "docs/r.md": "x\n"}, False),
        ({"Cargo.toml": CRATE + "readme = false\n", "README.md": "# x\n"}, True),
        ({"Cargo.toml": CRATE}, True),
        ({"Cargo.toml": '[workspace]\nmembers = ["py"]\n', "README.md": "# x\n"}, True),
        ({}, True),
    ],
)
def test_the_package_readme_may_come_from_the_crate_maturin_builds(
    tmp_path: Path, crate_files: dict[str, str], fires: bool
) -> None:
    """maturin takes the crate's readme when [project] names none (whatlang-pyo3's shape)."""
    from ci_gates.checks.declared_readmes import package_readme

    files = {"pyproject.toml": '[project]\nname = "x"\nversion = "0"\n', **crate_files}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    found = package_readme(str(tmp_path))
    assert (found is not None) == fires, found


def test_a_dirs_pattern_matching_nothing_is_a_note(make_repo: MakeRepo) -> None:
    files = {**CLEAN, "pyproject.toml": PYPROJECT + '[tool.ci-gates.readme]\ndirs = ["tools/*"]\n'}
    outcome = run_gate("readme", make_repo(files))
    assert outcome.status == "passed" and outcome.rules == ["RDM008"], outcome.text


@pytest.mark.parametrize(
    "files",
    [
        {**CLEAN, "README.md": body(30, "Run nox -s nosuch in prose; `nox -s nosuch` too.\n")},
        {**CLEAN, "README.md": body(30, f"{FENCE}python\nsession = 'nox -s nosuch'\n{FENCE}\n")},
        {**CLEAN, "pyproject.toml": PYPROJECT.replace('"README.md"', '{text = "inline"}')},
        {**CLEAN, "crates/core/Cargo.toml": crate("core", "publish = []\n")},
        {**without("ci/hooks/README.md")},  # a configured directory that does not exist
        {**CLEAN, "crates/core/Cargo.toml": crate("core", "readme = true\n")},
    ],
)
def test_allowed_variants_pass(make_repo: MakeRepo, files: dict[str, str]) -> None:
    outcome = run_gate("readme", make_repo(files))
    assert outcome.status == "passed", outcome.text


def test_bad_config_cannot_run(make_repo: MakeRepo) -> None:
    root = make_repo(
        {**CLEAN, "pyproject.toml": PYPROJECT + "[tool.ci-gates.readme]\nmin-lines = 'x'\n"}
    )
    outcome = run_gate("readme", root)
    assert outcome.status == "could not run" and "min-lines" in outcome.text


MARKDOWNISH = st.text(
    alphabet=st.sampled_from(list("`~$#'\"\\;&|()<> \n-=snoxabc3.{}")), max_size=200
)


@settings(max_examples=300, deadline=None)
@given(MARKDOWNISH)
def test_nox_sessions_in_never_raises_and_names_real_lines(text: str) -> None:
    n = len(text.splitlines())
    for line, name in readme.nox_sessions_in(text):
        assert 1 <= line <= n
        assert name
    readme.readme_problems("README.md", text, CONFIG, SESSIONS)
