"""The pytest gate's test selection, run for real on a fixture project (tests/ci/selectfixture.py).

A table of edits with the tests that must run (all, or the subset), and seeded bugs: a change
that makes the whole suite fail always selects a test that fails.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.ci import selectfixture as fx

pytestmark = pytest.mark.slow

ALL = fx.TESTS
# A body change of ``add``: the tests that ran it, the one that uses what ``table``'s body
# computed with it (run while another file was collected), and the one that hit the memo.
RAN_ADD = {"test_add", "test_mul", "test_cases", "test_table", "test_double", "test_double_again"}
ADD_FILE = {"test_add"}  # the tests of tests/test_add.py


def _kept(root: Path) -> list[Path]:
    return sorted((root / "target" / "ci-gates" / "select").rglob("data*.json"))


def _edit(root: Path, venv: Path, edit: str) -> None:
    def change(rel: str, old: str, new: str) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    if edit == "test file":
        change("tests/test_add.py", "== 5", "== 5, 'two and three'")
    elif edit == "new test file":
        (root / "tests/test_more.py").write_text("def test_more():\n    assert True\n")
    elif edit == "removed test file":
        (root / "tests/test_add.py").unlink()
    elif edit == "module body":
        change("src/calc/add.py", "return a + b", "return b + a")
    elif edit == "module used by another":
        change("src/calc/add.py", "return a + b", "total = a + b\n    return total")
    elif edit == "module-level constant":
        change("src/calc/const.py", "SCALE = 10", "SCALE = 5 + 5")
    elif edit == "fixture data":
        change("tests/data/cases.json", "5]]", "5], [1, 1, 2]]")
    elif edit == "conftest":
        change("tests/conftest.py", "", "# a fixture will live here\n")
    elif edit == "pyproject":
        change("pyproject.toml", '"0.0.0"', '"0.0.0"\ndependencies = []')
    elif edit == "rust source, new wheel":
        change("crates/core/src/lib.rs", "a + b", "b + a")
        fx.new_wheel(venv, "a new build")
    elif edit == "rust source alone":  # no new wheel: nothing the suite ran changed
        change("crates/core/src/lib.rs", "a + b", "b + a")
    elif edit != "nothing":
        raise AssertionError(edit)
    fx.install(root, venv)  # the gate's venv holds the edited package, as after a rebuild


@pytest.mark.parametrize(
    ("edit", "want"),
    [
        ("nothing", set()),
        ("test file", ADD_FILE),
        ("new test file", {"test_more"}),
        ("removed test file", set()),
        ("module body", RAN_ADD),
        ("module used by another", RAN_ADD),
        ("module-level constant", {"test_scale"}),
        ("fixture data", ALL),
        ("conftest", ALL),
        ("pyproject", ALL),
        ("rust source, new wheel", ALL),
        ("rust source alone", set()),
    ],
)
def test_an_edit_runs_the_tests_it_reaches(tmp_path: Path, edit: str, want: set[str]) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    ran, found = fx.run(root, venv)
    assert ran == ALL and not fx.failed(found)  # no data yet: everything, recorded
    _edit(root, venv, edit)
    ran, found = fx.run(root, venv)
    assert ran == want, [f.message for f in found]
    notes = [f.message for f in found if f.rule == "PY005"]
    if want != ALL:
        assert notes and f"ran {len(want)} of " in notes[0] and "--no-select" in notes[0]


def test_no_select_and_no_cache_run_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    fx.run(root, venv)
    _edit(root, venv, "test file")
    assert fx.run(root, venv, select=False)[0] == ALL
    before = _kept(root)
    _edit(root, venv, "module-level constant")
    # The full run was not recorded (nothing selects from it): the data is the first run's,
    # so the next run reaches both edits.
    assert fx.run(root, venv)[0] == {*ADD_FILE, "test_scale"}
    assert before and len(_kept(root)) == len(before) + 1  # the selected run records


@pytest.mark.parametrize(
    "environ",
    [
        {"CI": "true", "GITHUB_REF": "refs/heads/main"},
        {"CI": "true"},
        {"CI_GATES_NO_CACHE": "1"},
    ],
    ids=["CI on main", "CI, no branch", "no cache"],
)
def test_ci_on_the_default_branch_and_no_cache_run_everything(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    fx.run(root, venv)
    _edit(root, venv, "test file")
    ran, found = fx.run(root, venv, environ=environ)
    assert ran == ALL and not [f for f in found if f.rule == "PY005"]
    _edit(root, venv, "module-level constant")  # outside CI the edits select again
    pull = {"CI": "true", "GITHUB_REF": "refs/pull/1/merge"}
    assert fx.run(root, venv, environ=pull)[0] == {*ADD_FILE, "test_scale"}


def test_a_failure_runs_again_until_it_passes(tmp_path: Path) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    fx.run(root, venv)
    (root / "src/calc/scale.py").write_text(
        "from calc.const import SCALE\n\n\ndef scale(x):\n    return x\n"
    )
    fx.install(root, venv)
    ran, found = fx.run(root, venv)
    assert ran == {"test_scale"} and fx.failed(found)
    ran, found = fx.run(root, venv)  # nothing changed since: a failure is not forgotten
    assert ran == {"test_scale"} and fx.failed(found)
    _edit(root, venv, "test file")  # unrelated: the failure still runs
    ran, found = fx.run(root, venv)
    assert ran == {*ADD_FILE, "test_scale"} and fx.failed(found)


def test_a_test_file_that_cannot_import_fails_until_it_is_fixed(tmp_path: Path) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    fx.run(root, venv)
    (root / "tests/test_broken.py").write_text("import calc.missing\n\n\ndef test_x():\n    pass\n")
    for _ in range(2):  # the failing run keeps the data as of the last passing one
        ran, found = fx.run(root, venv)
        assert fx.failed(found) or any(f.rule == "PY003" for f in found), found
        assert not ran & ALL
    (root / "tests/test_broken.py").unlink()
    ran, found = fx.run(root, venv)
    assert ran == set() and not [f for f in found if f.severity != "note"]


# Bugs a module can get; each makes the whole suite fail, so the selection must catch it.
BUGS = [
    ("src/calc/add.py", "return a + b", "return a - b"),
    ("src/calc/add.py", "def add(a, b):", "def add(a, b=1):\n    b = 1"),
    ("src/calc/mul.py", "range(b)", "range(b - 1)"),
    ("src/calc/mul.py", "from calc.add import add", "from calc.add import add as _add\nadd = max"),
    ("src/calc/const.py", "SCALE = 10", "SCALE = 11"),
    ("src/calc/scale.py", "x * SCALE", "x + SCALE"),
    ("src/calc/scale.py", "from calc.const import SCALE", "SCALE = 3"),
]


@pytest.mark.parametrize(("rel", "old", "new"), BUGS, ids=[f"{b[0]}:{b[2]}" for b in BUGS])
def test_a_seeded_bug_always_selects_a_failing_test(
    tmp_path: Path, rel: str, old: str, new: str
) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    fx.run(root, venv)
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    fx.install(root, venv)
    ran, found = fx.run(root, venv)
    assert ran and ran != ALL and fx.failed(found), (ran, [f.message for f in found])
    whole = fx.run(root, venv, select=False)[1]
    assert fx.failed(whole)  # the bug is real: the whole suite fails too


CHILDREN = """import os
import shutil
import subprocess
import sys

import calc


def test_children(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)  # the recorder keeps its own
    subprocess.run(["git", "init", "-q", str(tmp_path / "elsewhere")], check=True)
    code = "import calc.add; assert calc.add.add(1, 2) == 3"
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(calc.__file__))}
    subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, env=env, check=True)
"""


def test_processes_a_test_starts_reach_it_by_what_they_can_read(tmp_path: Path) -> None:
    """A Python that cannot record (``-S``) may import any module, not another test module; a
    program given a path outside the repository works there, not in its inherited directory."""
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    (root / "tests" / "test_children.py").write_text(CHILDREN, encoding="utf-8")
    fx.run(root, venv)
    _edit(root, venv, "test file")
    assert fx.run(root, venv)[0] == ADD_FILE
    _edit(root, venv, "module body")
    assert "test_children" in fx.run(root, venv)[0]


STARTERS = """import os
import subprocess
import sys

TOOLS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools")


def test_contained(tmp_path):
    here = os.path.join(os.path.dirname(TOOLS), "bin")  # where programs are, not modules
    env = {**os.environ, "PATH": here + os.pathsep + os.environ["PATH"]}
    subprocess.run([sys.executable, "-S", "-c", "pass"], cwd=tmp_path, env=env, check=True)


def test_given_a_path(tmp_path):
    env = {**os.environ, "PYTHONPATH": TOOLS}
    subprocess.run([sys.executable, "-S", "-c", "pass"], cwd=tmp_path, env=env, check=True)


def test_local(tmp_path):
    subprocess.run([os.path.join(TOOLS, "python"), "-S", "-c", "pass"], cwd=tmp_path, check=True)
"""


def test_a_python_outside_the_repository_reaches_only_the_installed_modules(tmp_path: Path) -> None:
    """A Python that cannot record, outside the repository and given no path in it, imports
    the project's installed packages, not a module elsewhere in the tree; one in the
    repository (a venv's link to an interpreter) may import anything there."""
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    (root / "tests" / "test_starters.py").write_text(STARTERS, encoding="utf-8")
    (root / "tools").mkdir()
    (root / "tools" / "gen.py").write_text("X = 1\n", encoding="utf-8")
    (root / "tools" / "python").symlink_to(sys.executable)
    fx.run(root, venv)
    (root / "tools" / "gen.py").write_text("X = 2\n", encoding="utf-8")
    assert fx.run(root, venv)[0] == {"test_local", "test_given_a_path"}
    _edit(root, venv, "module body")
    assert {"test_contained", "test_local", "test_given_a_path"} <= fx.run(root, venv)[0]


def test_a_change_undone_selects_against_the_run_before_it(tmp_path: Path) -> None:
    """A run served from the result cache records nothing: after an edit's run and its undoing,
    the next edit selects against the data of the run before the first edit, not the latest."""
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    fx.run(root, venv)
    module = root / "src" / "calc" / "add.py"
    original = module.read_text(encoding="utf-8")
    _edit(root, venv, "module body")
    assert "test_mul" in fx.run(root, venv)[0]
    module.write_text(original, encoding="utf-8")  # undone; the gate's cache serves this state
    _edit(root, venv, "test file")
    assert fx.run(root, venv)[0] == ADD_FILE
    assert len(_kept(root)) == 3


def test_the_first_run_in_a_checkout_is_unrecorded_and_the_next_records(tmp_path: Path) -> None:
    root, venv = fx.make(tmp_path / "proj", tmp_path / "venv"), tmp_path / "venv"
    shutil.rmtree(root / "target" / "ci-gates" / "select")
    assert fx.run(root, venv)[0] == ALL
    assert not _kept(root)
    _edit(root, venv, "test file")
    assert fx.run(root, venv)[0] == ALL  # nothing to select from yet: it records now
    _edit(root, venv, "module-level constant")
    assert fx.run(root, venv)[0] == {"test_scale"}
