"""The typecheck gate: the project's mypy, its settings, its environment (or one note for the
imports it cannot resolve without one), and no mypy for a project that checks types otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.core.runner import CANNOT_RUN, FAILED, PASSED
from ci_gates.gates import typecheck
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT, MakeRepo

BAD = 'def f() -> int:\n    return "one"\n'
USES_NUMPY = "import numpy\n\nX: int = 1\n"


def test_typecheck_parses_mypy_text_output_too() -> None:
    text = (
        "fixture/a.py:2:12: error: Incompatible return value type  [return-value]\n"
        'fixture/a.py:3: error: Name "y" is not defined  [name-defined]\n'
        "fixture/a.py:4:1: note: see here\nFound 2 errors in 1 file\n"
    )
    found = typecheck.parse_text(text)
    assert [(f.path, f.line, f.column, f.message) for f in found] == [
        ("fixture/a.py", 2, 12, "Incompatible return value type  [return-value]"),
        ("fixture/a.py", 3, 0, 'Name "y" is not defined  [name-defined]'),
    ]


@pytest.mark.slow
def test_typecheck_passes_clean_code(make_repo: MakeRepo) -> None:
    root = make_repo({"fixture/__init__.py": "def f() -> int:\n    return 1\n"})
    assert run_gate("typecheck", root) == (PASSED, [])


@pytest.mark.slow
def test_typecheck_fails_naming_file_line_and_column(make_repo: MakeRepo) -> None:
    root = make_repo({"fixture/__init__.py": "", "fixture/bad.py": BAD})
    outcome = run_gate("typecheck", root)
    assert outcome.status == FAILED and outcome.rules == ["TYP001"]
    assert outcome.text.startswith("fixture/bad.py:2:12: Incompatible return value type")
    assert "[return-value]" in outcome.text


@pytest.mark.slow
def test_typecheck_checks_the_package_named_by_the_manifests(make_repo: MakeRepo) -> None:
    pyproject = '[project]\nname = "acme-wc"\nversion = "0"\n\n[tool.maturin]\npython-source = "src"\nmodule-name = "acme_wc._native"\n'
    root = make_repo({"pyproject.toml": pyproject, "src/acme_wc/__init__.py": "X: int = 'a'\n"})
    assert typecheck.targets(str(root)) == ["src"]
    outcome = run_gate("typecheck", root)
    assert outcome.status == FAILED and outcome.findings[0].path == "src/acme_wc/__init__.py"


@pytest.mark.parametrize(
    ("files", "want"),
    [
        # `maturin new py` inside a Cargo workspace: the package is named like its directory,
        # and there is no Python source at all (the gate is skipped, mypy never sees `py/`).
        ({"py/src/lib.rs": ""}, []),
        ({"py/py/__init__.py": ""}, ["py/py"]),
    ],
)
def test_the_package_of_a_project_in_a_sub_directory(
    make_repo: MakeRepo, files: dict[str, str], want: list[str]
) -> None:
    pyproject = (
        '[project]\nname = "py"\nversion = "0"\n\n[build-system]\nbuild-backend = "maturin"\n'
    )
    root = make_repo(
        {
            "Cargo.toml": '[workspace]\nmembers = ["py"]\n',
            "py/Cargo.toml": '[package]\nname = "py"\nversion = "0.1.0"\n\n[lib]\ncrate-type = ["cdylib"]\n',
            "py/pyproject.toml": pyproject,
            "pyproject.toml": '[tool.ci-gates.project]\ndir = "py"\n',
            **files,
        }
    )
    assert typecheck.targets(str(root)) == want


@pytest.mark.slow
def test_the_projects_settings_decide(make_repo: MakeRepo) -> None:
    # the project's config says what to check and how: files, and a module it ignores
    config = "\n[tool.mypy]\nfiles = ['fixture/ok.py']\n"
    root = make_repo(
        {
            "fixture/ok.py": "X = 1\n",
            "fixture/bad.py": BAD,
            "pyproject.toml": MINIMAL_PYPROJECT + config,
        }
    )
    assert run_gate("typecheck", root) == (PASSED, [])


@pytest.mark.slow
def test_unresolved_imports_without_an_environment_are_one_note(make_repo: MakeRepo) -> None:
    root = make_repo({"fixture/__init__.py": USES_NUMPY, "fixture/more.py": "import yaml_nope\n"})
    outcome = run_gate("typecheck", root)
    assert outcome.status == PASSED and outcome.rules == ["TYP002"], outcome.text
    assert (
        "2 imports not resolved without the project's environment: numpy, yaml_nope" in outcome.text
    )


@pytest.mark.slow
def test_in_the_projects_environment_a_missing_import_is_an_error(make_repo: MakeRepo) -> None:
    root = make_repo({"fixture/__init__.py": USES_NUMPY})
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    site = next((root / ".venv" / "lib").glob("python*/site-packages"))
    (site / "fixture-0.0.0.dist-info").mkdir()  # the project installed there
    python, why = typecheck.environment(str(root), {})
    assert python == str(root / ".venv" / "bin" / "python") and why.startswith(".venv")
    outcome = run_gate("typecheck", root)
    assert outcome.status == FAILED and outcome.rules == ["TYP001"], outcome.text
    assert "import-not-found" in outcome.text


def test_the_environment_can_be_named(tmp_path: Path) -> None:
    config = {"typecheck": {"environment": "gates"}}
    assert typecheck.environment(str(tmp_path), config)[0] == sys.executable
    assert typecheck.environment(str(tmp_path), {"typecheck": {"environment": "none"}})[0] == ""
    with pytest.raises(Exception, match="no "):
        typecheck.environment(str(tmp_path), {"typecheck": {"environment": "env"}})
    assert typecheck.environment(str(tmp_path), {}) == (
        "",
        "no environment with the project installed",
    )


def test_typecheck_with_nothing_to_check_could_not_run(make_repo: MakeRepo) -> None:
    outcome = run_gate("typecheck", make_repo({"README.md": "x\n"}))
    assert outcome.status == CANNOT_RUN and "nothing to check" in outcome.text


def test_mypy_that_cannot_be_installed_could_not_run(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_gates.checks import toolenv
    from ci_gates.core.venvs import VenvError

    def fail(root: str, pin: object, module: str) -> list[str]:
        raise VenvError("`uv pip install mypy==0.1` failed")

    monkeypatch.setattr(toolenv, "command", fail)
    pyproject = MINIMAL_PYPROJECT + "\n[dependency-groups]\ntypes = ['mypy==0.1']\n"
    outcome = run_gate("typecheck", make_repo({"fixture/x.py": "", "pyproject.toml": pyproject}))
    assert outcome.status == CANNOT_RUN and "cannot install mypy==0.1" in outcome.text


@pytest.mark.parametrize(
    ("files", "skipped"),
    [
        ({}, False),
        ({"pyrightconfig.json": "{}"}, True),
        ({"pyproject.toml": MINIMAL_PYPROJECT + "\n[tool.pyright]\ninclude = ['x']\n"}, True),
        (
            {
                "pyproject.toml": MINIMAL_PYPROJECT
                + "\n[tool.pyright]\n[tool.mypy]\nstrict = true\n"
            },
            False,  # it uses both: mypy runs
        ),
    ],
)
def test_a_project_that_checks_types_otherwise_skips_the_gate(
    make_repo: MakeRepo, files: dict[str, str], skipped: bool
) -> None:
    assert typecheck.GATE.applies is not None
    why = typecheck.GATE.applies(str(make_repo({"fixture/__init__.py": "", **files})))
    assert bool(why) == skipped and (not why or "pyright, not mypy" in why)


def test_the_fingerprint_names_the_mypy_and_the_environment(make_repo: MakeRepo) -> None:
    pyproject = MINIMAL_PYPROJECT + "\n[dependency-groups]\ndev = ['mypy==1.11.2']\n"
    root = make_repo({"pyproject.toml": pyproject})
    assert typecheck.GATE.fingerprint is not None
    print_ = typecheck.GATE.fingerprint(str(root))
    assert "mypy==1.11.2" in print_ and "[dependency-groups] dev" in print_
    assert os.path.basename(str(root)) not in print_.replace("env :", "")


def test_an_extension_without_python_source_skips_the_gate(make_repo: MakeRepo) -> None:
    assert typecheck.GATE.applies is not None
    why = typecheck.GATE.applies(str(make_repo({"src/lib.rs": "", "README.md": "x\n"})))
    assert why.startswith("no Python package source and no [tool.mypy] files")
