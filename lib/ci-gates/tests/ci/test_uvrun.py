"""Does ``uv run`` build this project? Decided from real files: scripts, nested projects,
directories, and a workflow job's checkouts (ci/uvrun.py, through the tool-guard rules)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.core.findings import ERROR, NOTE
from ci_gates.gates.tool_guard.rules import Scope, evaluate

META = '# /// script\n# requires-python = ">=3.9"\n# dependencies = ["rich"]\n# ///\nprint(1)\n'
NOT_SCRIPT = "# /// pyproject\n# x = 1\n# ///\n"
MATURIN = "[build-system]\nrequires = ['maturin>=1,<2']\nbuild-backend = 'maturin'\n\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    files = {
        "pyproject.toml": MATURIN + "[project]\nname = 'p'\n",
        "scripts/meta.py": META,
        "scripts/plain.py": "print(1)\n",
        "scripts/other_block.py": NOT_SCRIPT,
        "docs/pyproject.toml": "[project]\nname = 'docs'\n",
        "sub/keep": "",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (tmp_path / "other" / "pyproject.toml").parent.mkdir()
    (tmp_path / "other" / "pyproject.toml").write_text("[project]\nname = 'o'\n")
    (tmp_path / "bare").mkdir()
    return root


def decide(command: str, scope: Scope) -> tuple[str, list[str]]:
    found = [f for f in evaluate(command, "shell", scope=scope) if f.rule in ("TG001", "TG006")]
    severities = {f.severity for f in found}
    kind = "deny" if ERROR in severities else "note" if NOTE in severities else "allow"
    return kind, [f.rule for f in found]


# (command, directory the agent is in, decision, rule)
LOCAL: list[tuple[str, str, str, str | None]] = [
    ("uv run pytest", ".", "deny", "TG001"),
    ("uv run scripts/meta.py", ".", "allow", None),
    ("uv run python scripts/meta.py", ".", "deny", "TG001"),  # `python x.py`: not a script run
    ("uv run scripts/plain.py", ".", "deny", "TG001"),
    ("uv run scripts/other_block.py", ".", "deny", "TG001"),
    ("uv run scripts/missing.py", ".", "note", "TG006"),
    ("uv run meta.py", "scripts", "allow", None),
    ("uv run --directory scripts meta.py", ".", "allow", None),
    ("uv run --project docs mkdocs build", ".", "allow", None),
    ("uv run --directory docs mkdocs build", ".", "allow", None),
    ("uv --directory docs run mkdocs build", ".", "allow", None),
    ("uv run --project=docs mkdocs build", ".", "allow", None),
    ("uv run --directory sub pytest", ".", "deny", "TG001"),  # uv walks up to this project
    ("uv run --project . pytest", "docs", "allow", None),  # "." is docs/ here
    ("uv run --project .. pytest", "docs", "deny", "TG001"),
    ("uv run --project ../other pytest", ".", "allow", None),
    ("uv run --project nowhere pytest", ".", "note", "TG006"),
    ('uv run --project "$PROJECT" pytest', ".", "note", "TG006"),
    ("uv run mkdocs build", "docs", "allow", None),
    ("uv run pytest", "sub", "deny", "TG001"),
    ("uv run pytest", "../other", "allow", None),
    ("uv run pytest", "../bare", "allow", None),  # no project at all
]


@pytest.mark.parametrize(("command", "cwd", "expected", "rule"), LOCAL)
def test_in_the_agents_directory(
    project: Path, command: str, cwd: str, expected: str, rule: str | None
) -> None:
    scope = Scope("shell", str(project), str((project / cwd).resolve()))
    kind, rules = decide(command, scope)
    assert kind == expected, rules
    assert rule is None or rule in rules


def test_messages_name_the_script(project: Path) -> None:
    scope = Scope("shell", str(project), str(project))
    (plain,) = evaluate("uv run scripts/plain.py --fast", "shell", scope=scope)
    assert "scripts/plain.py has no PEP 723 metadata" in plain.message
    assert plain.fix.startswith("give scripts/plain.py PEP 723 metadata (`uv add --script")
    (missing,) = evaluate("uv run scripts/missing.py", "shell", scope=scope)
    assert "scripts/missing.py is not a file in this repository" in missing.message


# (command, checkouts so far, working directory in the workspace, decision, rule)
JOBS: list[tuple[str, tuple[tuple[str, bool], ...], str | None, str, str | None]] = [
    ("uv run pytest", (("", True),), "", "deny", "TG001"),
    ("uv run pytest", (), "", "allow", None),  # no checkout: no project to build
    ("./uv run python -c ''", (), "", "allow", None),
    ("uv run pytest", (("pydantic", False), ("pydantic-core", True)), "pydantic", "allow", None),
    ("uv run pytest", (("pydantic", False), ("pydantic-core", True)), "", "allow", None),
    (
        "uv run pytest",
        (("pydantic", False), ("pydantic-core", True)),
        "pydantic-core",
        "deny",
        "TG001",
    ),
    (
        "uv run --project ../pydantic-core pytest",
        (("pydantic", False), ("pydantic-core", True)),
        "pydantic",
        "deny",
        "TG001",
    ),
    ("uv run pytest", (("", True),), None, "note", "TG006"),  # working-directory: ${{ … }}
    ("uv run --directory ${{ github.workspace }} pytest", (("", True),), "docs", "deny", "TG001"),
    ("uv run --directory ${{ github.workspace }}/docs x", (("", True),), "", "allow", None),
    ("uv run --directory $GITHUB_WORKSPACE pytest", (("", True),), "sub", "deny", "TG001"),
    ("uv run astral-versions/scripts/x.py", (("", True),), "", "note", "TG006"),
    ("uv run scripts/meta.py", (("", True),), "", "allow", None),
    ("uv run pytest", (("", True), ("vendor/other", False)), "vendor/other", "allow", None),
]


@pytest.mark.parametrize(("command", "checkouts", "cwd", "expected", "rule"), JOBS)
def test_in_a_workflow_job(
    project: Path,
    command: str,
    checkouts: tuple[tuple[str, bool], ...],
    cwd: str | None,
    expected: str,
    rule: str | None,
) -> None:
    kind, rules = decide(command, Scope("shell", str(project), cwd, checkouts))
    assert kind == expected, rules
    assert rule is None or rule in rules


# (pyproject.toml files by directory, does syncing the root build a native extension, what)
SHAPES: list[tuple[dict[str, str], bool | None, str]] = [
    ({"": MATURIN + "[project]\nname = 'a'\n"}, True, ""),
    ({"": "[build-system]\nrequires = ['setuptools', 'setuptools-rust']\n"}, True, ""),
    (
        {"": "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"},
        False,
        "",
    ),
    ({"": "[project]\nname = 'a'\n"}, False, ""),  # no build system: not a package
    ({"": MATURIN + "[tool.uv]\npackage = false\n"}, False, ""),
    (
        {
            "": "[project]\nname = 'r'\ndependencies = ['core']\n[tool.uv.sources]\ncore = { path = 'rs' }\n",
            "rs": MATURIN + "[project]\nname = 'core'\n",
        },
        True,
        "rs/pyproject.toml",
    ),
    (
        {
            "": "[project]\nname = 'r'\n[tool.uv.sources]\ncore = { path = 'rs' }\n",  # not a dependency
            "rs": MATURIN + "[project]\nname = 'core'\n",
        },
        False,
        "",
    ),
    ({"": "not = [toml"}, None, ""),
]


@pytest.mark.parametrize(("files", "builds", "what"), SHAPES)
def test_native_build(
    tmp_path: Path, files: dict[str, str], builds: bool | None, what: str
) -> None:
    from ci_gates.parsers.uvproject import native_build

    for rel, text in files.items():
        (tmp_path / rel).mkdir(parents=True, exist_ok=True)
        (tmp_path / rel / "pyproject.toml").write_text(text)
    assert native_build(str(tmp_path), str(tmp_path)) == (builds, what)


def test_the_agent_in_a_workspace_member(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "py").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'r'\n[tool.uv]\npackage = false\n")
    (root / "py" / "pyproject.toml").write_text(MATURIN + "[project]\nname = 'core'\n")
    at_root = Scope("shell", str(root), str(root))
    assert decide("uv run pytest", at_root) == ("allow", [])
    assert decide("uv run --project py pytest", at_root) == ("deny", ["TG001"])
    assert decide("uv run pytest", at_root._replace(cwd=str(root / "py"))) == ("deny", ["TG001"])
    assert decide("uv sync --project py && uv run --project py pytest", at_root) == ("allow", [])
