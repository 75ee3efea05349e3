"""The registry is the one list of gates: consistency errors are loud, order follows requires."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.core import pins, registry
from ci_gates.core.registry import BUILTIN, Gate, Registry, RegistryError, ordered
from ci_gates.core.sessions import EXTRA_SESSIONS, session_names
from ci_gates.testing.plugin import MakeRepo


def names(gates: list[Gate]) -> list[str]:
    return [g.name for g in gates]


def test_order_follows_requires_and_keeps_declaration_order_otherwise() -> None:
    gates = (Gate("c", "C", requires=("b",)), Gate("a", "A"), Gate("b", "B", requires=("a",)))
    assert names(ordered(gates)) == ["a", "b", "c"]
    assert names(ordered((Gate("x", "X"), Gate("y", "Y")))) == ["x", "y"]


def test_unknown_requires_names_the_gate_and_the_typo() -> None:
    gates = (Gate("fmt", "F"), Gate("clippy", "C", requires=("fnt",)))
    with pytest.raises(RegistryError) as exc:
        ordered(gates)
    message = str(exc.value)
    assert "'clippy' requires unknown gate 'fnt'" in message
    assert "fmt" in message and "\n" not in message


def test_cycle_is_named() -> None:
    gates = (
        Gate("a", "A", requires=("c",)),
        Gate("b", "B", requires=("a",)),
        Gate("c", "C", requires=("b",)),
    )
    with pytest.raises(RegistryError, match=r"requires cycle: a -> c -> b -> a"):
        ordered(gates)


def test_self_requirement_is_a_cycle() -> None:
    with pytest.raises(RegistryError, match=r"cycle: a -> a"):
        ordered((Gate("a", "A", requires=("a",)),))


def test_duplicate_name() -> None:
    with pytest.raises(RegistryError, match=r"gate 'a' is declared twice"):
        ordered((Gate("a", "A"), Gate("a", "again")))


def test_real_registry_is_consistent(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    reg = registry.load(str(tmp_path))
    seen: set[str] = set()
    for gate in reg.gates:
        assert set(gate.requires) <= seen, f"{gate.name} ordered before what it requires"
        seen.add(gate.name)
        assert gate.name.isidentifier(), f"{gate.name}: gate names are module names"
        assert gate.description and "\n" not in gate.description
    assert reg.names == [g.name for g in reg.gates] == sorted(BUILTIN, key=reg.names.index)
    sessions = session_names(str(tmp_path))
    assert len(set(sessions)) == len(sessions)
    assert not set(EXTRA_SESSIONS) & set(reg.names)


def test_tool_pins_are_exact() -> None:
    for pin in (pins.RUFF, pins.MYPY):
        assert "==" in pin, f"{pin}: formatting/type results change between releases; pin it"


def test_with_requires_is_transitive_and_ordered() -> None:
    reg = Registry(registry.builtin())
    assert reg.with_requires(["cargo_test"]) == ["fmt", "clippy", "cargo_test"]
    closure = reg.with_requires(["pytest", "cargo_test"])
    assert closure.index("build") < closure.index("native_import") < closure.index("pytest")
    assert set(closure) == {"fmt", "clippy", "cargo_test", "build", "native_import", "pytest"}


def test_packages_union_dedups() -> None:
    reg = Registry(registry.builtin())
    union = reg.packages()
    assert len(union) == len(set(union))
    assert pins.RUFF in union and pins.MYPY in union
    assert reg.packages(["fmt"]) == []


def test_a_gate_declaration_takes_keywords_only_and_checks_their_types() -> None:
    with pytest.raises(TypeError):
        Gate("a", "A", ("b",))  # type: ignore[misc]
    with pytest.raises(TypeError, match="requires must be a tuple of strings"):
        Gate("a", "A", requires="b")  # type: ignore[arg-type]
    assert Gate("a", "A").inputs == ("**",), "undeclared inputs are every file, never nothing"
    assert Gate("a", "A", inputs=()).inputs == ()


def test_a_plugin_gate_is_loaded_from_the_project(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.ci-gates]\nplugins = ["own.gates.spelling"]\n',
            "own/__init__.py": "",
            "own/gates/__init__.py": "",
            "own/gates/spelling.py": SPELLING,
        }
    )
    reg = registry.load(str(root))
    assert reg.names[-1] == "spelling" and reg["spelling"].requires == ("readme",)
    assert reg["spelling"].module == "own.gates.spelling"
    assert "spelling" in registry.gate_names(str(root))


SPELLING = """
from ci_gates.core.registry import Gate

GATE = Gate("spelling", "No common misspellings in Markdown", requires=("readme",), inputs=("**/*.md",))


def run(root=None):
    return []
"""


def test_a_plugin_that_cannot_be_imported_or_declares_badly_is_an_error(
    make_repo: MakeRepo,
) -> None:
    root = make_repo(
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.ci-gates]\nplugins = ["nowhere.gate"]\n',
        }
    )
    with pytest.raises(registry.RegistryError, match="cannot import 'nowhere.gate'"):
        registry.load(str(root))
    other = make_repo(
        {
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.ci-gates]\nplugins = ["bad_gate"]\n',
            "bad_gate.py": 'from ci_gates.core.registry import Gate\nGATE = Gate("other", "x")\n',
        }
    )
    with pytest.raises(registry.RegistryError, match="a gate is named after its module"):
        registry.load(str(other))


def test_every_rule_is_known_even_when_its_module_is_imported_lazily(tmp_path: Path) -> None:
    from ci_gates.core import registry
    from ci_gates.core.config import parse

    rules = registry.load_rules(str(tmp_path))
    # Declared in helpers a gate imports only inside run(): ci/wheel_checks.py, ci/elf.py,
    # ci/interpreters.py; the ignore table, --rules and SARIF must all know them.
    assert {"WHL004", "WHL014", "PYV001", "SYN001"} <= set(rules)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ci-gates.ignore]\nWHL004 = "why"\n"PYV001:x/*" = "why"\n', encoding="utf-8"
    )
    assert set(parse(tmp_path)["ignore"]) == {"WHL004", "PYV001:x/*"}
