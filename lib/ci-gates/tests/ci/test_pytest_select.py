"""The pytest gate's test selection, its rules alone: when everything runs, what a change
reaches (ci_gates.gates.pytest_select, pytest_deps); tests/ci/test_pytest_select_runs.py runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ci_gates.gates import pytest_deps, pytest_select
from ci_gates.gates.pytest_deps import Change, Data


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({}, ""),
        ({"CI_GATES_NO_CACHE": "1"}, "--no-cache"),
        ({"CI": "true"}, "CI (no branch named)"),
        ({"CI": "true", "GITHUB_REF": "refs/heads/main"}, "CI on the default branch"),
        ({"CI": "true", "GITHUB_REF": "refs/heads/feature"}, ""),
        ({"CI": "true", "GITHUB_REF": "refs/pull/7/merge"}, ""),
        ({"CI": "true", "GITHUB_REF": "refs/tags/v1"}, "CI on the default branch"),
    ],
)
def test_when_every_test_runs(env: dict[str, str], why: str) -> None:
    assert pytest_select.disabled(env) == why


def test_the_default_branch_is_the_events(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"repository": {"default_branch": "trunk"}}))
    env = {"CI": "true", "GITHUB_EVENT_PATH": str(event)}
    assert pytest_select.disabled({**env, "GITHUB_REF": "refs/heads/main"}) == ""
    assert pytest_select.disabled({**env, "GITHUB_REF": "refs/heads/trunk"}) != ""


@pytest.mark.parametrize(
    ("path", "whole"),
    [
        ("tests/conftest.py", True),
        ("lib/x/tests/ci/conftest.py", True),
        ("pyproject.toml", True),
        ("uv.lock", True),
        ("ci/requirements-dev.txt", True),
        ("tests/data/cases.json", True),
        ("tests/test_x.py", False),
        ("src/pkg/mod.py", False),
        ("docs/guide.md", False),  # mapped: a test that read it runs
        ("site:pkg/data/defaults.toml", True),
        ("site:pkg/mod.py", False),
    ],
)
def test_what_selection_cannot_map(path: str, whole: bool) -> None:
    change = Change({path: "a"}, {path: "b"})
    assert bool(pytest_select.unmappable(change, ["tests"])) is whole


@pytest.mark.parametrize(
    ("path", "whole"),
    [
        ("site:pkg/new.py", True),
        ("tests/test_new.py", False),  # a new test module: its tests run
        ("tests/ci/helper.py", False),  # only a test importing it can reach it
        ("tests/__init__.py", True),  # renames the test modules
        ("docs/new.md", True),  # a test may look for it without opening it
        ("src/pkg/new.py", True),
    ],
)
def test_what_a_file_added_or_removed_runs(path: str, whole: bool) -> None:
    assert bool(pytest_select.unmappable(Change({}, {path: "a"}), ["tests"])) is whole
    assert bool(pytest_select.unmappable(Change({path: "a"}, {}), ["tests"])) is whole


def test_a_skeleton_leaves_function_bodies_out() -> None:
    base = pytest_deps.skeleton(b"X = 1\n\ndef f(a=1):\n    return a\n")
    assert pytest_deps.skeleton(b"X = 1\n\ndef f(a=1):\n    return a + 1  # more\n") == base
    assert pytest_deps.skeleton(b"X = 2\n\ndef f(a=1):\n    return a\n") != base
    assert pytest_deps.skeleton(b"X = 1\n\ndef f(a=2):\n    return a\n") != base
    assert pytest_deps.skeleton(b"def (:\n") == ""


def _data(edges: list[list[str]], skeletons: dict[str, str]) -> Data:
    data = Data("unused")
    data.edges, data.skeletons = edges, skeletons
    return data


EDGES = [
    ["site:p/uses.py", "site:p/base.py", "top"],  # uses: `from p.base import X` at its top
    ["site:p/user.py", "site:p/uses.py", "top"],
    ["site:p/registry.py", "site:p/base.py", "call"],  # imported inside a function
    ["site:p/table.py", "site:p/helper.py", "init"],  # table's body ran helper's code
    ["site:p/view.py", "site:p/table.py", "top"],
    ["site:p/own.py", "site:p/own.py", "init"],  # own's body ran its own function
]


def _reach(path: str, same_skeleton: bool) -> pytest_deps.Reach:
    change = Change({path: "a"}, {path: "b"})
    now = {path: "s" if same_skeleton else "t"}
    return pytest_deps.affected(change, _data(EDGES, {path: "s"}), now)


def test_a_body_change_reaches_the_tests_that_ran_the_file_only() -> None:
    """Its importers hold its functions, not what they compute: a test must run them."""
    reach = _reach("site:p/base.py", same_skeleton=True)
    assert (reach.code, reach.names) == ({"site:p/base.py"}, set())


def test_a_body_change_whose_code_ran_at_import_changes_that_modules_namespace() -> None:
    reach = _reach("site:p/helper.py", same_skeleton=True)
    assert reach.names == {"site:p/table.py", "site:p/view.py"}
    assert reach.code == {"site:p/helper.py", *reach.names}
    assert _reach("site:p/own.py", same_skeleton=True).names == {"site:p/own.py"}


def test_a_module_level_change_reaches_what_imports_it() -> None:
    reach = _reach("site:p/base.py", same_skeleton=False)
    assert reach.names == {
        "site:p/base.py",
        "site:p/uses.py",
        "site:p/user.py",
        "site:p/registry.py",
    }


def test_a_body_change_does_not_reach_a_test_that_only_imported_the_file() -> None:
    change = Change({"site:p/base.py": "a"}, {"site:p/base.py": "b"})
    body = pytest_deps.Reach({"site:p/base.py"}, set())
    assert pytest_deps.reached({"imports": ["site:p/base.py"]}, change, body) == ""
    assert pytest_deps.reached({"run": ["site:p/base.py"]}, change, body) == "it ran site:p/base.py"


@pytest.mark.parametrize(
    ("test", "reason"),
    [
        ({"run": ["site:p/other.py"]}, ""),
        ({"run": ["site:p/base.py"]}, "it ran site:p/base.py"),
        ({"imports": ["site:p/base.py"]}, "it imported site:p/base.py"),
        ({"reads": ["docs/a.md"]}, "it read docs/a.md"),
        ({"lists": ["docs"]}, "it listed docs"),
        ({"prefixes": ["docs"]}, "a process it started was pointed at docs"),
        ({"prefixes": ["."]}, "a process it started was pointed at ."),
        ({"prefixes": ["src"]}, ""),
        ({"opaque": ["started sh"]}, "it ran what cannot be traced"),
        ({"failed": True}, "failed last time"),
    ],
)
def test_what_reaches_a_test(test: dict[str, object], reason: str) -> None:
    change = Change(
        {"site:p/base.py": "a", "docs/a.md": "a"}, {"site:p/base.py": "b", "docs/a.md": "b"}
    )
    reach = pytest_deps.Reach({"site:p/base.py"}, {"site:p/base.py"})
    assert pytest_deps.reached(test, change, reach) == reason


def test_data_round_trips_and_an_old_format_is_none(tmp_path: Path) -> None:
    data = Data(str(tmp_path / "d" / "data.json"))
    data.key, data.files = "k", {"a.py": "1"}
    data.tests = {"t::x": {"seconds": 1.0, "failed": False, "run": ["a.py"], "reads": ["a.py"]}}
    data.save()
    again = Data.load(data.path)
    assert again is not None and again.tests == data.tests and again.files == data.files
    (tmp_path / "d" / "data.json").write_text('{"format": 0}')
    assert Data.load(data.path) is None


@pytest.mark.parametrize(
    ("test", "changed", "reason"),
    [
        ({"python": ["uv"]}, "tests/ci/test_x.py", ""),
        (
            {"python": ["uv"]},
            "src/p/m.py",
            "a Python process it started (uv) may import src/p/m.py",
        ),
        ({"python": ["uv"]}, "docs/a.md", ""),
        ({"python": ["python3.9:site"]}, "tools/gen.py", ""),
        (
            {"python": ["python3.9:site"]},
            "site:p/m.py",
            "a Python process it started (python3.9) may import site:p/m.py",
        ),
        (
            {"python": ["python3.9:site", "sh"]},
            "tools/gen.py",
            "a Python process it started (python3.9) may import tools/gen.py",
        ),
        ({"pycwd": ["lib"]}, "lib/tests/test_x.py", ""),
        ({"pycwd": ["lib"]}, "lib/README.md", "a process it started was pointed at lib"),
        ({"prefixes": ["lib"]}, "lib/tests/test_x.py", "a process it started was pointed at lib"),
    ],
)
def test_what_a_process_that_does_not_record_reaches(
    test: dict[str, object], changed: str, reason: str
) -> None:
    """A Python that cannot record reaches modules, not test modules; nor does the directory
    it inherited (on its ``sys.path``); a program pointed at a directory reads all of it."""
    change = Change({changed: "a"}, {changed: "b"})
    assert pytest_deps.reached(test, change, pytest_deps.Reach({changed}, {changed})) == reason
