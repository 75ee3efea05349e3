"""The registry is the one list of gates: consistency errors are loud, order follows requires."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ci_gates.core import registry
from ci_gates.core.registry import Gate, RegistryError, ordered


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


def test_real_registry_is_consistent() -> None:
    seen: set[str] = set()
    for gate in registry.ORDERED:
        assert set(gate.requires) <= seen, f"{gate.name} ordered before what it requires"
        seen.add(gate.name)
        assert gate.name.isidentifier(), f"{gate.name}: gate names are module names"
        assert gate.description and "\n" not in gate.description
    assert registry.NAMES == [g.name for g in registry.ORDERED]
    assert len(set(registry.SESSIONS)) == len(registry.SESSIONS)
    assert not set(registry.EXTRA_SESSIONS) & set(registry.NAMES)


def test_tool_pins_are_exact() -> None:
    for pin in (registry.RUFF, registry.MYPY):
        assert "==" in pin, f"{pin}: formatting/type results change between releases; pin it"


def test_with_requires_is_transitive_and_ordered() -> None:
    assert registry.with_requires(["cargo_test"]) == ["fmt", "clippy", "cargo_test"]
    closure = registry.with_requires(["pytest", "cargo_test"])
    assert closure.index("build") < closure.index("native_import") < closure.index("pytest")
    assert set(closure) == {"fmt", "clippy", "cargo_test", "build", "native_import", "pytest"}


def test_packages_union_dedups() -> None:
    union = registry.packages_union()
    assert len(union) == len(set(union))
    assert registry.RUFF in union and registry.MYPY in union
    assert registry.packages_union(["fmt"]) == []


@pytest.mark.parametrize("name", ["fmt", "clippy", "ruff", "typecheck"])
def test_workspace_lint_gate_modules_exist(name: str) -> None:
    assert importlib.util.find_spec(f"ci.gates.{name}") is not None


def test_every_rule_is_known_even_when_its_module_is_imported_lazily(tmp_path: Path) -> None:
    from ci_gates.core import registry
    from ci_gates.core.config import parse

    rules = registry.load_rules()
    # Declared in helpers a gate imports only inside run(): ci/wheel_checks.py, ci/elf.py,
    # ci/interpreters.py; the ignore table, --rules and SARIF must all know them.
    assert {"WHL004", "WHL014", "PYV001", "SYN001"} <= set(rules)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ci-gates.ignore]\nWHL004 = "why"\n"PYV001:x/*" = "why"\n', encoding="utf-8"
    )
    assert set(parse(tmp_path)["ignore"]) == {"WHL004", "PYV001:x/*"}
