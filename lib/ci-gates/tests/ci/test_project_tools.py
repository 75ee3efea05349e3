"""Which ruff and mypy a project chose, and what it runs (ci_gates.checks.projecttools): a table."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.checks import projecttools, toolenv
from ci_gates.checks.projecttools import Pin
from ci_gates.core.pins import MYPY, RUFF
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT, MakeRepo

LIB = RUFF.partition("==")[2]
UV_LOCK = (
    'version = 1\n\n[[package]]\nname = "ruff"\nversion = "0.6.9"\nsource = { registry = "x" }\n'
)
PRE_COMMIT = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.4.4
    hooks:
      - id: ruff
        args: [--fix]
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.9.0
    hooks:
      - id: mypy
        additional_dependencies: [types-requests, "numpy>=2"]
"""


def group(name: str, *reqs: str) -> str:
    return MINIMAL_PYPROJECT + f"\n[dependency-groups]\n{name} = {list(reqs)!r}\n"


# (files, tool, requirement, version, source, extra)
PINS: list[tuple[dict[str, str], str, str, str, str, tuple[str, ...]]] = [
    ({}, "ruff", RUFF, LIB, "ci-gates", ()),
    (
        {"uv.lock": UV_LOCK, "pyproject.toml": group("lint", "ruff==0.5.0")},
        "ruff",
        "ruff==0.6.9",
        "0.6.9",
        "uv.lock",
        (),
    ),
    (
        {"pyproject.toml": group("lint", "ruff==0.5.0")},
        "ruff",
        "ruff==0.5.0",
        "0.5.0",
        "pyproject.toml [dependency-groups] lint",
        (),
    ),
    (
        {
            "pyproject.toml": MINIMAL_PYPROJECT
            + "\n[project.optional-dependencies]\ndev = ['mypy==1.10.0']\n"
        },
        "mypy",
        "mypy==1.10.0",
        "1.10.0",
        "pyproject.toml [project.optional-dependencies] dev",
        (),
    ),
    (
        {".pre-commit-config.yaml": PRE_COMMIT},
        "ruff",
        "ruff==0.4.4",
        "0.4.4",
        ".pre-commit-config.yaml",
        (),
    ),
    (
        {".pre-commit-config.yaml": PRE_COMMIT},
        "mypy",
        "mypy==1.9.0",
        "1.9.0",
        ".pre-commit-config.yaml",
        ("types-requests", "numpy>=2"),
    ),
    (
        {"requirements-dev.txt": "pytest\nruff==0.3.0  # lint\n"},
        "ruff",
        "ruff==0.3.0",
        "0.3.0",
        "requirements-dev.txt",
        (),
    ),
    (
        {"requirements/lint.txt": "ruff == 0.3.1\n"},
        "ruff",
        "ruff==0.3.1",
        "0.3.1",
        "requirements/lint.txt",
        (),
    ),
    # a group over pre-commit over requirements
    (
        {
            "pyproject.toml": group("dev", "ruff==0.5.5"),
            ".pre-commit-config.yaml": PRE_COMMIT,
            "requirements.txt": "ruff==0.1.0\n",
        },
        "ruff",
        "ruff==0.5.5",
        "0.5.5",
        "pyproject.toml [dependency-groups] dev",
        (),
    ),
    # a range: the library's pin where it fits, else as written
    (
        {"pyproject.toml": group("dev", "ruff>=0.5")},
        "ruff",
        RUFF,
        LIB,
        "pyproject.toml [dependency-groups] dev",
        (),
    ),
    (
        {"pyproject.toml": group("dev", "ruff<0.5")},
        "ruff",
        "ruff<0.5",
        "",
        "pyproject.toml [dependency-groups] dev",
        (),
    ),
    (
        {"pyproject.toml": group("dev", "ruff-lsp==0.1")},
        "ruff",
        RUFF,
        LIB,
        "ci-gates",
        (),
    ),  # not ruff
]


@pytest.mark.parametrize(("files", "tool", "requirement", "version", "source", "extra"), PINS)
def test_pinned(
    make_repo: MakeRepo,
    files: dict[str, str],
    tool: str,
    requirement: str,
    version: str,
    source: str,
    extra: tuple[str, ...],
) -> None:
    root = make_repo(files)
    library = RUFF if tool == "ruff" else MYPY
    assert projecttools.pinned(str(root), tool, library) == Pin(
        tool, requirement, version, source, extra
    )


# (files, does the project lint with ruff (why), does it format with ruff (why))
USES: list[tuple[dict[str, str], str, str]] = [
    ({}, "", ""),
    (
        {"pyproject.toml": MINIMAL_PYPROJECT + "\n[tool.ruff]\nline-length = 88\n"},
        "pyproject.toml [tool.ruff]",
        "",
    ),
    (
        {"pyproject.toml": MINIMAL_PYPROJECT + "\n[tool.ruff.format]\nquote-style = 'single'\n"},
        "pyproject.toml [tool.ruff]",
        "pyproject.toml [tool.ruff.format]",
    ),
    ({"ruff.toml": "[format]\nindent-style = 'tab'\n"}, "ruff.toml", "ruff.toml [format]"),
    ({".pre-commit-config.yaml": PRE_COMMIT}, ".pre-commit-config.yaml", ""),
    (
        {
            ".pre-commit-config.yaml": PRE_COMMIT.replace(
                "- id: ruff\n", "- id: ruff\n      - id: ruff-format\n"
            )
        },
        ".pre-commit-config.yaml",
        ".pre-commit-config.yaml (ruff-format)",
    ),
    (
        {"Makefile": "lint:\n\truff check .\n\truff format --check .\n"},
        "its CI or task runner",
        "its CI or task runner",
    ),
    (
        {".github/workflows/lint.yml": "jobs: {l: {steps: [{run: pipx run black --check .}]}}\n"},
        "",
        "",
    ),
]


@pytest.mark.parametrize(("files", "lints", "formats"), USES)
def test_uses_and_formats(
    make_repo: MakeRepo, files: dict[str, str], lints: str, formats: str
) -> None:
    root = str(make_repo(files))
    assert projecttools.uses(root, "ruff") == lints
    assert projecttools.formats_with_ruff(root) == formats


def test_tool_venvs_are_named_by_version_or_what_they_hold(tmp_path: Path) -> None:
    exact = toolenv.venv_dir(str(tmp_path), Pin("ruff", "ruff==0.6.9", "0.6.9", "uv.lock"))
    assert exact.endswith("target/ci-gates/tools/ruff-0.6.9")
    ranged = toolenv.venv_dir(str(tmp_path), Pin("ruff", "ruff<0.5", "", "x"))
    stubs = toolenv.venv_dir(
        str(tmp_path), Pin("mypy", "mypy==1.9.0", "1.9.0", "x", ("types-requests",))
    )
    assert len({exact, ranged, stubs}) == 3 and "mypy-1.9.0" not in stubs


@pytest.mark.slow
def test_ruff_runs_at_the_projects_version(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    # ruff 0.6.9 and the project's own settings: what its maintainers see is what the gate sees
    pyproject = group("lint", "ruff==0.6.9") + "\n[tool.ruff.lint]\nignore = ['F401']\n"
    root = make_repo({"pyproject.toml": pyproject, "pkg/a.py": "import os\n"})
    assert run_gate("ruff", root).status == "passed"
    assert "ruff 0.6.9 (from pyproject.toml [dependency-groups] lint)" in capsys.readouterr().out
    assert (root / "target/ci-gates/tools/ruff-0.6.9").is_dir()
