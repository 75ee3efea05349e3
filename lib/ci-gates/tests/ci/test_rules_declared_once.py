"""A rule's ID is written once: in ``@rule("ID")``; its findings are built with ``finding_of``.

Every module of the installed library is read: a ``Finding("ID", ...)`` inside the function that
declares ``ID`` (a second spelling that can drift from the first) fails the test, and so does a
rule without a docstring (its help) — the registry refuses those at import already.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ci_gates

LIBRARY = Path(ci_gates.__file__).resolve().parent


def _rule_id(func: ast.FunctionDef) -> str | None:
    for deco in func.decorator_list:
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", "") == "rule" and deco.args:
            arg = deco.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
    return None


def test_no_rule_spells_its_id_twice() -> None:
    twice, rules = [], 0
    for path in sorted(LIBRARY.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or (rule_id := _rule_id(node)) is None:
                continue
            rules += 1
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and getattr(call.func, "id", "") == "Finding"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                    and call.args[0].value == rule_id
                ):
                    twice.append(f"{path.relative_to(LIBRARY)}:{call.lineno} {rule_id}")
    assert rules > 100 and twice == []
