"""The ``pytest`` gate: exit-code policy ("no tests ran" fails), environment, and real pytest runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci import gates
from ci.gates import pytest as pytest_gate

MakeRepo = Callable[..., Path]


def test_the_gate_module_does_not_shadow_pytest() -> None:
    assert pytest_gate.__name__ == "ci.gates.pytest"
    assert hasattr(pytest, "fixture") and pytest.__name__ == "pytest"
    proc = subprocess.run(
        [sys.executable, "-c", "import ci.gates.pytest, pytest; print(pytest.__file__)"],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert os.path.join("ci", "gates") not in proc.stdout


@pytest.mark.parametrize(
    ("code", "expected"),
    [(0, None), (1, "tests failed"), (2, "interrupted"), (3, "internal error"),
     (4, "usage error"), (5, "no tests ran"), (137, "pytest exited 137")],
)  # fmt: skip
def test_interpret(code: int, expected: str | None) -> None:
    reason = pytest_gate.interpret(code)
    assert reason is None if expected is None else expected in str(reason)


def test_test_env_puts_the_venv_first_and_drops_pythonpath() -> None:
    env = pytest_gate.test_env("/v/bin", {"PATH": "/usr/bin", "PYTHONPATH": "python"})
    assert env["PATH"] == os.pathsep.join(["/v/bin", "/usr/bin"])
    assert "PYTHONPATH" not in env and env["PYTHONNOUSERSITE"] == "1"
    assert env["VIRTUAL_ENV"] == "/v"


def test_command_runs_pytest_of_the_given_python_with_its_cache_under_target() -> None:
    cmd = pytest_gate.command("/v/bin/python")
    assert cmd[:3] == ["/v/bin/python", "-m", "pytest"]
    assert "cache_dir=target/ci-gates/pytest-cache" in cmd


def _suite(make_repo: MakeRepo, files: dict[str, str]) -> Path:
    return make_repo({"pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
                      **files}, git=False)  # fmt: skip


def _run_suite(root: Path) -> int:
    env = pytest_gate.test_env(os.path.dirname(sys.executable))
    return pytest_gate.run_suite(sys.executable, str(root), env, ("-q",))


def test_no_tests_ran_fails_with_a_clear_message(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/__init__.py": "", "tests/helpers.py": "X = 1\n"})
    assert _run_suite(root) == 1
    assert gates.messages == [
        "tests/: no tests ran: pytest collected nothing under tests/; a suite that tests nothing "
        "is a failure (check testpaths and test file names) (pytest exit 5)"
    ]


def test_a_failing_test_fails(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/test_x.py": "def test_x():\n    assert 1 == 2\n"})
    assert _run_suite(root) == 1
    assert "tests failed" in gates.messages[0] and "(pytest exit 1)" in gates.messages[0]


def test_a_passing_suite_passes(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/test_x.py": "def test_x():\n    assert 1 == 1\n"})
    assert _run_suite(root) == 0
    assert gates.messages == []
    assert (root / "target" / "ci-gates" / "pytest-cache").is_dir()  # not .pytest_cache


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    root = _suite(make_repo, {"tests/test_x.py": "def test_x():\n    pass\n"})
    assert pytest_gate.run(str(root)) == 2
    assert "nox -s build" in gates.messages[0]
