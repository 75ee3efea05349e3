"""The pytest gate on projects of other shapes: the test dependencies they declare, the
directory their suite runs from, and re-run commands that work as printed."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.checks import artifacts, suites, testdeps
from ci_gates.checks.testdeps import DepsError, declared
from ci_gates.core import pins
from ci_gates.core.config import validate
from ci_gates.core.env import library_and_stamp
from ci_gates.gates import pytest as pytest_gate

MakeRepo = Callable[..., Path]
LIB = Path(__file__).resolve().parents[2]

PROJECT = '[project]\nname = "Acme_Thing"\nversion = "1"\n'


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_a_dependency_group_is_found_and_its_includes_followed(tmp_path: Path) -> None:
    groups = (
        '[dependency-groups]\nlint = ["ruff"]\nbase = ["attrs>=23"]\n'
        'test = ["pytest>=8", {include-group = "base"}, "acme-thing[extra]", "dirty-equals"]\n'
    )
    write(tmp_path, {"pyproject.toml": PROJECT + groups})
    deps = declared(str(tmp_path), "", [], "Acme_Thing")
    # the project itself is the wheel already installed; includes are followed
    assert deps.requirements == ("pytest>=8", "attrs>=23", "dirty-equals")
    assert deps.sources == ("dependency group test (pyproject.toml)",)


def test_the_first_of_test_tests_dev_and_an_extra_of_the_same(tmp_path: Path) -> None:
    text = PROJECT.replace('version = "1"\n', 'version = "1"\n\n[project.optional-dependencies]\n')
    text += 'dev = ["black"]\ntests = ["hypothesis"]\n\n[dependency-groups]\ndev = ["nox"]\n'
    write(tmp_path, {"pyproject.toml": text, "requirements-dev.txt": "never\n"})
    deps = declared(str(tmp_path), "", [], "acme-thing")
    assert (deps.requirements, deps.extras) == (("nox",), ("tests",))


def test_a_requirements_file_when_there_is_no_group_or_extra(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": PROJECT,
            "requirements-dev.txt": (
                "# test tools\npytest==9.0.3  # pinned\n-r requirements/base.txt\n-e .\n.\n"
                "--index-url https://example.invalid/simple\nwhatthepatch==1.0.3\n"
                "-c constraints.txt\n"
            ),
            "requirements/base.txt": "cffi==2.0.0\nacme-thing\n",
            "constraints.txt": "",
        },
    )
    deps = declared(str(tmp_path), "", [], "acme-thing")
    assert deps.requirements == (
        "pytest==9.0.3",
        "cffi==2.0.0",
        "whatthepatch==1.0.3",
        "-c",
        str(tmp_path / "constraints.txt"),
    )
    assert deps.sources == ("requirements-dev.txt",)


def test_a_workspace_member_gets_its_own_group_and_the_roots(tmp_path: Path) -> None:
    """A uv workspace member is tested in the environment the root's group sets up too."""
    write(
        tmp_path,
        {
            "pyproject.toml": '[dependency-groups]\ndev = ["pytest-insta"]\n',
            "py/pyproject.toml": '[project]\nname = "sub"\nversion = "1"\n',
        },
    )
    deps = declared(str(tmp_path), "py", [], "sub")
    assert deps.requirements == ("pytest-insta",)
    assert deps.sources == ("dependency group dev (pyproject.toml)",)
    write(
        tmp_path,
        {
            "py/pyproject.toml": '[project]\nname = "sub"\nversion = "1"\n\n'
            '[dependency-groups]\ntest = ["sphinx"]\n'
        },
    )
    deps = declared(str(tmp_path), "py", [], "sub")
    assert deps.requirements == ("sphinx", "pytest-insta")
    assert deps.sources == (
        "dependency group test (py/pyproject.toml)",
        "dependency group dev (pyproject.toml)",
    )


def test_explicit_test_deps_win_and_a_wrong_one_says_so(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": PROJECT + '\n[dependency-groups]\ntest = ["a"]\nci = ["b"]\n',
            "reqs/ci.txt": "c\n",
        },
    )
    root = str(tmp_path)
    got = declared(root, "", ["group:ci", "requirements:reqs/ci.txt", "extra:full"], "acme-thing")
    assert (got.requirements, got.extras) == (("b", "c"), ("full",))
    assert declared(root, "", ["none"], "acme-thing").requirements == ()
    for wrong, words in [
        ("group:nope", "no dependency group 'nope'"),
        ("requirements:gone.txt", "no file gone.txt"),
        ("pip:x", "expected group:NAME"),
    ]:
        with pytest.raises(DepsError, match=words):
            declared(root, "", [wrong], "acme-thing")


def test_test_deps_is_a_config_key() -> None:
    assert validate({"pytest": {"test-deps": ["group:ci"]}})["pytest"]["test-deps"] == ["group:ci"]


def test_the_suite_runs_where_its_pytest_configuration_is(tmp_path: Path) -> None:
    root = str(tmp_path)
    write(tmp_path, {"pyproject.toml": "[tool.ci-gates]\n", "py/pyproject.toml": PROJECT})
    assert suites.suite_dir(root, "py") == "py"  # no pytest config anywhere: the project's
    write(tmp_path, {"pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["py/tests"]\n'})
    assert suites.suite_dir(root, "py") == ""
    assert suites.test_paths(root, "") == (["py/tests"], True)
    write(tmp_path, {"py/tox.ini": "[pytest]\naddopts = -ra\n", "py/test/test_x.py": ""})
    assert suites.suite_dir(root, "py") == "py"
    assert suites.test_paths(root, "py") == (["test"], False)  # no testpaths: tests/ or test/


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["py/tests/test_x.py::test_y"], ("py", ["tests/test_x.py::test_y"])),
        (["-x", "-k", "fast"], ("py", ["-x", "-k", "fast"])),
        (["lib/x/tests/t.py", "-n", "0"], ("lib/x", ["tests/t.py", "-n", "0"])),
    ],
)
def test_a_rerun_goes_to_the_suite_its_path_names(
    args: list[str], expected: tuple[str, list[str]]
) -> None:
    assert suites.route(args, ["py", "lib/x"], "py") == expected


def test_ids_of_a_suite_in_a_sub_directory_are_printed_from_the_root() -> None:
    junit = (
        '<testsuites><testsuite><testcase classname="tests.test_x" name="test_y[a b]" '
        'file="tests/test_x.py" line="4"><failure message="boom"/></testcase>'
        '<testcase classname="" name="tests.test_z" file="tests/test_z.py">'
        '<error message="collection failure">trace\nE   ModuleNotFoundError: No module named '
        "'dirty_equals'</error></testcase></testsuite></testsuites>"
    )
    first, second = pytest_gate.failed_tests(junit, "py")
    assert (first.path, first.line) == ("py/tests/test_x.py", 5)
    assert first.fix == "rerun it alone: `nox -s pytest -- 'py/tests/test_x.py::test_y[a b]'`"
    # a file that does not import: its id is the file (the module's dotted name is no test id)
    assert second.message == (
        "py/tests/test_z.py failed: collection failure: ModuleNotFoundError: "
        "No module named 'dirty_equals'"
    )
    assert second.fix == "rerun it alone: `nox -s pytest -- py/tests/test_z.py`"
    assert suites.route(["py/tests/test_z.py"], ["py"], "py") == ("py", ["tests/test_z.py"])


def test_the_suite_writes_its_bytecode_under_target() -> None:
    env = pytest_gate.suite_env(
        "/v/bin", {"PATH": "/usr/bin"}, pycache="/r/target/ci-gates/pycache"
    )
    assert env["PYTHONPYCACHEPREFIX"] == "/r/target/ci-gates/pycache"


def _library_suite(make_repo: MakeRepo) -> Path:
    root: Path = make_repo(
        {
            "pyproject.toml": PROJECT
            + '\n[dependency-groups]\ntest = ["ci-gates", "hypothesis"]\n',
            "lib/gates/pyproject.toml": (
                '[project]\nname = "ci-gates"\nversion = "1"\n\n'
                '[dependency-groups]\ntest = ["pyyaml>=6"]\n'
            ),
        },
        git=False,
    )
    return root


def test_what_the_suites_venv_installs(make_repo: MakeRepo) -> None:
    root = _library_suite(make_repo)
    config = validate({"pytest": {"suites": ["lib/gates"]}})
    reqs, extras, stamp = pytest_gate.requirements(
        str(root), "acme-thing", "", ["lib/gates"], config
    )
    library, _ = library_and_stamp()
    assert reqs[:2] == ["pytest", "pytest-xdist"] and reqs[-1] == library
    assert "hypothesis" in reqs and "pyyaml>=6" in reqs
    assert "ci-gates" not in reqs  # the running library stands for it
    assert pins.RUFF in reqs  # the library's own suite runs every gate: their tools too
    assert extras == ()
    config = validate({"pytest": {"test-deps": ["none"]}})
    reqs, _, stamp = pytest_gate.requirements(str(root), "acme-thing", "", [], config)
    assert (reqs, stamp) == (["pytest", "pytest-xdist"], "")


def test_the_wheel_goes_in_with_its_dependencies_and_extras(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_gates.testing.wheels import importable, repo_with_wheel

    root = repo_with_wheel(make_repo, importable())
    calls: list[list[str]] = []
    monkeypatch.setattr(artifacts, "create_venv", lambda venv, python=None: os.makedirs(venv))
    monkeypatch.setattr(artifacts, "pip_install", lambda venv, args: calls.append(args))
    monkeypatch.setattr(artifacts, "venv_python", lambda venv: sys.executable)
    artifacts.wheel_venv(str(root), "deps", extra=["pytest"], with_deps=("test",))
    wheel = artifacts.current_manifest(str(root))["wheel"]
    assert calls == [[f"acme-wc[test] @ {Path(wheel).as_uri()}", "pytest"]]


def test_the_library_test_group_pins_what_the_library_pins() -> None:
    from ci_gates.core.project import _toml

    group = _toml(str(LIB / "pyproject.toml"))["dependency-groups"]["test"]
    assert group == _toml(str(LIB / "pyproject.toml"))["dependency-groups"]["test"]
    for pin in (pins.GIT_CLIFF, pins.CIBUILDWHEEL, pins.UV, *pins.REHEARSAL_TOOLS, pins.TOMLKIT):
        assert pin in group, f"{pin} differs from lib/ci-gates/pyproject.toml [dependency-groups]"
    assert testdeps.requirement_name("ci-gates @ file:///x") == "ci-gates"
