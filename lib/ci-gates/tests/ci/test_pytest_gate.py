"""The ``pytest`` gate: exit-code policy ("no tests ran" fails), environment, and real pytest runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core.findings import CANNOT_RUN_RULE, NOTE, Finding
from ci_gates.core.runner import CANNOT_RUN
from ci_gates.gates import pytest as pytest_gate
from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]


def test_the_gate_module_does_not_shadow_pytest() -> None:
    assert pytest_gate.__name__ == "ci_gates.gates.pytest"
    assert hasattr(pytest, "fixture") and pytest.__name__ == "pytest"
    proc = subprocess.run(
        [sys.executable, "-c", "import ci_gates.gates.pytest, pytest; print(pytest.__file__)"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert os.path.join("ci_gates", "gates") not in proc.stdout


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="2" tests="4">
<testcase classname="tests.ci.test_x" name="test_ok" file="tests/ci/test_x.py" line="3" time="0.01"/>
<testcase classname="tests.ci.test_x" name="test_bad[a-1]" file="tests/ci/test_x.py" line="9" time="0.01">
<failure message="AssertionError: assert 1 == 2&#10;  more">trace</failure></testcase>
<testcase classname="tests.ci.test_x.TestThing" name="test_method" file="tests/ci/test_x.py" line="20" time="0">
<failure message="">trace</failure></testcase>
<testcase classname="tests.ci.test_y" name="test_fixture" file="tests/ci/test_y.py" line="0" time="0">
<error message="failed on setup with &quot;OSError: boom&quot;">trace</error></testcase>
</testsuite></testsuites>
"""


def test_failed_tests_are_findings_at_their_definition() -> None:
    found = pytest_gate.failed_tests(JUNIT)
    assert [(f.rule, f.location(), f.message) for f in found] == [
        (
            "PY001",
            "tests/ci/test_x.py:10",
            "tests/ci/test_x.py::test_bad[a-1] failed: AssertionError: assert 1 == 2",
        ),
        ("PY001", "tests/ci/test_x.py:21", "tests/ci/test_x.py::TestThing::test_method failed"),
        (
            "PY001",
            "tests/ci/test_y.py:1",
            'tests/ci/test_y.py::test_fixture failed: failed on setup with "OSError: boom"',
        ),
    ]
    # quoted: `[a-1]` is a glob to the shell
    assert found[0].fix == "rerun it alone: `nox -s pytest -- 'tests/ci/test_x.py::test_bad[a-1]'`"
    assert (
        found[1].fix
        == "rerun it alone: `nox -s pytest -- tests/ci/test_x.py::TestThing::test_method`"
    )
    assert pytest_gate.failed_tests("not xml") == []


@pytest.mark.parametrize(
    ("code", "xml", "rules", "words"),
    [
        (0, "", [], ""),
        (1, JUNIT, ["PY001"] * 3, "failed"),
        (1, "", ["PY003"], "without a failing test"),
        (2, "", ["PY003"], "interrupted"),
        (3, "", ["PY003"], "internal error"),
        (4, "", ["PY003"], "usage error"),
        (5, "", ["PY002"], "no tests ran"),
        (137, "", ["PY003"], "pytest exited 137"),
    ],
)
def test_verdict(code: int, xml: str, rules: list[str], words: str) -> None:
    found = pytest_gate.verdict(code, xml)
    assert [f.rule for f in found] == rules
    assert all(words in f.message for f in found)


def test_suite_env_puts_the_venv_first_and_drops_pythonpath() -> None:
    env = pytest_gate.suite_env(
        "/v/bin", {"PATH": "/usr/bin", "PYTHONPATH": "python", pytest_gate.ARGS_ENV: "-x"}
    )
    assert env["PATH"] == os.pathsep.join(["/v/bin", "/usr/bin"])
    assert "PYTHONPATH" not in env and env["PYTHONNOUSERSITE"] == "1"
    assert pytest_gate.ARGS_ENV not in env
    assert env["VIRTUAL_ENV"] == "/v"


def test_command_runs_in_parallel_with_its_cache_in_its_venv_and_report_under_target() -> None:
    cmd = pytest_gate.command("/v/bin/python", ["-m", "not slow"])
    assert cmd[:3] == ["/v/bin/python", "-m", "pytest"]
    assert "cache_dir=/v/pytest-cache" in cmd  # per environment, never shared
    assert f"--junitxml={pytest_gate.JUNIT}" in cmd and "junit_family=xunit1" in cmd
    assert cmd[-4:] == ["-n", "auto", "-m", "not slow"]  # the caller's arguments come last
    assert "-n" not in pytest_gate.command("/v/bin/python", parallel=False)


def _suite(make_repo: MakeRepo, files: dict[str, str]) -> Path:
    return make_repo(
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
            **files,
        },
        git=False,
    )


def _run_suite(root: Path) -> list[Finding]:
    env = pytest_gate.suite_env(os.path.dirname(sys.executable))
    # Serial: this interpreter's pytest may not have xdist; the gate's venv always does.
    return pytest_gate.run_suite(
        sys.executable, str(root), env, ("-q", "-p", "no:cacheprovider"), parallel=False
    )


@pytest.mark.slow
def test_no_tests_ran_fails_with_a_clear_message(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/__init__.py": "", "tests/helpers.py": "X = 1\n"})
    (found,) = _run_suite(root)
    assert found.text() == (
        "tests: no tests ran: pytest collected nothing; check testpaths and test file names "
        "(or the -m / -k of CI_GATES_PYTEST_ARGS) [PY002]"
    )


@pytest.mark.slow
def test_a_failing_test_is_a_finding_at_its_line(make_repo: MakeRepo) -> None:
    root = _suite(
        make_repo,
        {"tests/test_x.py": "def test_ok():\n    pass\n\n\ndef test_x():\n    assert 1 == 2\n"},
    )
    (found,) = _run_suite(root)
    assert (found.rule, found.location()) == ("PY001", "tests/test_x.py:5")
    assert found.message.startswith("tests/test_x.py::test_x failed: assert 1 == 2")


@pytest.mark.slow
def test_a_passing_suite_passes(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/test_x.py": "def test_x():\n    assert 1 == 1\n"})
    assert _run_suite(root) == []
    assert (root / pytest_gate.JUNIT).is_file()  # under target/, not the project root


def test_partial_run_is_a_note() -> None:
    note = pytest_gate.partial_run("-m 'not slow'")
    assert (
        note.severity == NOTE and note.message == "ran with extra pytest arguments: -m 'not slow'"
    )


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/test_x.py": "def test_x():\n    pass\n"})
    outcome = run_gate("pytest", root)
    assert outcome.status == CANNOT_RUN and outcome.rules == [CANNOT_RUN_RULE]
    assert "nox -s build" in outcome.text


def test_floor_runs_need_package_tests(tmp_path: Path) -> None:
    assert pytest_gate.floor_jobs(str(tmp_path), "acme_wc") == (
        [],
        [],
        [],
    )  # no tests/package: nothing
