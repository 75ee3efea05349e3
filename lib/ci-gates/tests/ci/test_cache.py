"""The result cache: every declared input re-runs its gate, nothing else does, failures never stick."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core import cache, runner
from ci_gates.core.findings import Finding
from ci_gates.core.registry import Gate, Registry, builtin

MakeRepo = Callable[..., Path]
GATES = tuple(builtin())


def example_path(pattern: str) -> str:
    """A concrete path the glob ``pattern`` matches."""
    path = pattern.replace("**/", "").replace("**", "x").replace("*", "x").replace("?", "x")
    assert cache._glob_regex(pattern).match(path), (pattern, path)
    return path


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/*.rs", "crates/a/src/lib.rs", True),
        ("**/*.rs", "lib.rs", True),
        ("ci/*.py", "ci/gates/x.py", False),
        ("ci/*.py", "ci/x.py", True),
        (".github/**", ".github/workflows/ci.yml", True),
        ("**", "anything/at/all", True),
        ("rust-toolchain*", "rust-toolchain.toml", True),
        ("tests/vectors/**", "tests/vectorsx", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert bool(cache._glob_regex(pattern).match(path)) is matches


def digest(root: Path, gate: Gate, gates: tuple[Gate, ...] = GATES) -> str:
    by_name = {g.name: g for g in gates}
    return cache.Digester(str(root)).digest(gate, by_name)


INPUT_CASES = [(g.name, p) for g in GATES for p in g.inputs]
NARROW = [g for g in GATES if "**" not in g.inputs and g.inputs]


@pytest.mark.parametrize(("name", "pattern"), INPUT_CASES)
def test_each_declared_input_changes_the_digest(
    make_repo: MakeRepo, name: str, pattern: str
) -> None:
    gate = next(g for g in GATES if g.name == name)
    rel = example_path(pattern)
    root = make_repo({rel: "one\n"})
    before = digest(root, gate)
    (root / rel).write_text("two\n", encoding="utf-8")
    assert digest(root, gate) != before, f"{name}: editing {rel} ({pattern}) must re-run it"


@pytest.mark.parametrize("gate", NARROW, ids=lambda g: g.name)
def test_an_unrelated_file_keeps_the_digest(make_repo: MakeRepo, gate: Gate) -> None:
    root = make_repo({"unrelated/qf.bin": "one\n"})
    before = digest(root, gate)
    (root / "unrelated/qf.bin").write_text("two\n", encoding="utf-8")
    (root / "unrelated/new-untracked.bin").write_text("new\n", encoding="utf-8")
    assert digest(root, gate) == before


@pytest.mark.parametrize("gate", GATES, ids=lambda g: g.name)
def test_ignore_table_and_declared_config_sections_change_the_digest(
    make_repo: MakeRepo, gate: Gate
) -> None:
    root = make_repo({})
    before = digest(root, gate)
    pyproject = root / "pyproject.toml"
    base = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(base + '\n[tool.ci-gates.ignore]\nLOC002 = "why"\n', encoding="utf-8")
    assert digest(root, gate) != before
    for section in gate.config:
        if section == "skip":
            extra = '\n[tool.ci-gates.skip]\nloc = "why"\n'
        elif section == "loc":
            extra = "\n[tool.ci-gates.loc]\nwarn = 7\n"
        else:
            continue  # other sections: covered by the generic JSON of the section
        pyproject.write_text(base + extra, encoding="utf-8")
        assert digest(root, gate) != before, f"{gate.name}: [tool.ci-gates.{section}]"


@pytest.mark.parametrize(
    "gate", [g for g in GATES if g.machine or g.commands], ids=lambda g: g.name
)
def test_machine_facts_change_the_digest(
    make_repo: MakeRepo, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({})
    monkeypatch.setattr(cache.Digester, "output", lambda self, cmd: "version 1")
    before = digest(root, gate)
    monkeypatch.setattr(cache.Digester, "output", lambda self, cmd: "version 2")
    assert digest(root, gate) != before


@pytest.mark.parametrize("gate", [g for g in GATES if g.env], ids=lambda g: g.name)
def test_declared_env_changes_the_digest(
    make_repo: MakeRepo, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({})
    for var in gate.env:
        monkeypatch.setenv(var, "a")
        before = digest(root, gate)
        monkeypatch.setenv(var, "b")
        assert digest(root, gate) != before


def test_the_fingerprint_and_prerequisites_change_dependents(make_repo: MakeRepo) -> None:
    root = make_repo({})

    def digests(fingerprint: str) -> dict[str, str]:
        build = next(g for g in GATES if g.name == "build").replace(
            fingerprint=lambda r: fingerprint
        )
        gates = tuple(build if g.name == "build" else g for g in GATES)
        by_name = {g.name: g for g in gates}
        return {
            n: digest(root, by_name[n], gates) for n in ("build", "native_import", "pytest", "ruff")
        }

    before, after = digests("h1"), digests("h2")
    assert [n for n in before if before[n] != after[n]] == ["build", "native_import", "pytest"]


def test_a_plugin_module_and_the_project_modules_it_imports_count(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "ci/__init__.py": "",
            "ci/gates/__init__.py": "",
            "ci/gates/mine.py": "def run(root):\n    from ci import shell\n    return []\n",
            "ci/shell.py": "X = 1\n",
            "ci/other.py": "Y = 1\n",
        }
    )
    gate = Gate("mine", "x", inputs=(), module="ci.gates.mine")
    before = digest(root, gate, (gate,))
    (root / "ci/other.py").write_text("Y = 2\n", encoding="utf-8")
    assert digest(root, gate, (gate,)) == before
    (root / "ci/shell.py").write_text("X = 2\n", encoding="utf-8")
    assert digest(root, gate, (gate,)) != before


# --- the runner with the cache -----------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Install one fake gate ``a`` whose run() appends to the returned list and returns ``out``."""
    calls: list[str] = []

    def install(out: list[Finding], inputs: tuple[str, ...] = ("src/**",)) -> list[str]:
        gate = Gate("a", "A", inputs=inputs)
        reg = Registry((gate,))
        monkeypatch.setattr(runner, "load", lambda root, plugins=None: reg)
        module = types.ModuleType(gate.module)
        module.run = lambda root: calls.append("ran") or list(out)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, gate.module, module)
        return calls

    monkeypatch.delenv(cache.ENV_DISABLE, raising=False)
    return install


def test_a_pass_is_reused_until_an_input_changes(
    fake: Callable[..., list[str]], make_repo: MakeRepo
) -> None:
    root = make_repo({"src/a.txt": "1"})
    calls = fake([])
    first = runner.run_many(["a"], str(root))
    second = runner.run_many(["a"], str(root))
    assert calls == ["ran"] and not first[0].cached and second[0].cached
    assert second[0].status == runner.PASSED and second[0].seconds == first[0].seconds
    (root / "src/a.txt").write_text("2", encoding="utf-8")
    assert not runner.run_many(["a"], str(root))[0].cached and calls == ["ran", "ran"]


def test_going_back_to_an_earlier_state_is_served_from_the_cache(
    fake: Callable[..., list[str]], make_repo: MakeRepo
) -> None:
    """A partial run or a branch switch (another digest) does not evict the earlier pass."""
    root = make_repo({"src/a.txt": "1"})
    calls = fake([])
    runner.run_many(["a"], str(root))
    (root / "src/a.txt").write_text("2", encoding="utf-8")
    runner.run_many(["a"], str(root))
    (root / "src/a.txt").write_text("1", encoding="utf-8")
    (back,) = runner.run_many(["a"], str(root))
    assert back.cached and calls == ["ran", "ran"]


def test_entries_are_bounded_and_a_gate_with_outputs_keeps_one(tmp_path: Path) -> None:
    root = str(tmp_path)
    for n in range(cache.KEEP + 3):
        cache.store(root, "g", f"d{n}", {"n": n})
    assert cache.lookup(root, "g", f"d{cache.KEEP + 2}") == {"n": cache.KEEP + 2}
    assert cache.lookup(root, "g", f"d{3}") is not None and cache.lookup(root, "g", "d2") is None
    cache.forget(root, "g", "d5")
    assert cache.lookup(root, "g", "d5") is None and cache.lookup(root, "g", "d6") is not None
    cache.store(root, "g", "new", {}, keep=1)
    assert cache.lookup(root, "g", "d6") is None and cache.lookup(root, "g", "new") == {}
    cache.forget(root, "g")
    assert not (tmp_path / cache.CACHE_DIR / "g.json").exists()


def test_a_failure_is_never_cached(fake: Callable[..., list[str]], make_repo: MakeRepo) -> None:
    root = make_repo({"src/a.txt": "1"})
    calls = fake([Finding("GATE001", "tool missing")])
    runner.run_many(["a"], str(root))
    runner.run_many(["a"], str(root))
    assert calls == ["ran", "ran"]


def test_no_cache_flag_and_env(
    fake: Callable[..., list[str]], make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo({"src/a.txt": "1"})
    calls = fake([])
    runner.run_many(["a"], str(root))
    runner.run_many(["a"], str(root), use_cache=False)
    monkeypatch.setenv(cache.ENV_DISABLE, "1")
    runner.run_many(["a"], str(root))
    assert calls == ["ran", "ran", "ran"]


def test_a_corrupt_cache_file_is_ignored_with_a_note(
    fake: Callable[..., list[str]], make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"src/a.txt": "1"})
    calls = fake([])
    runner.run_many(["a"], str(root))
    (root / cache.CACHE_DIR / "a.json").write_text("{not json", encoding="utf-8")
    (result,) = runner.run_many(["a"], str(root))
    assert result.status == runner.PASSED and not result.cached and calls == ["ran", "ran"]
    assert "ignoring unreadable cache entry" in capsys.readouterr().err


def test_an_ordering_prerequisite_does_not_pass_on_its_inputs(make_repo: MakeRepo) -> None:
    first = Gate("first", "x", inputs=("a/**",))
    then = Gate("then", "y", requires=("first",), inputs=("b/**",))
    gates = (first, then)
    root = make_repo({"a/x": "1", "b/y": "1"})
    before = digest(root, then, gates)
    (root / "a/x").write_text("2", encoding="utf-8")
    assert digest(root, then, gates) == before  # `requires` orders the run, it is not an input
    assert not cache.artifact_chain(then, {g.name: g for g in gates})
