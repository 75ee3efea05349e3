"""Fixtures for gate tests: ``make_repo`` comes from the library's pytest plugin (ci_gates.testing.plugin)."""

from __future__ import annotations

from ci_gates.testing.plugin import MINIMAL_PYPROJECT, MakeRepo

# A fixture project that turns on the template's house style (ci_gates.core.policy), for the
# tests of house-style rules (thin workflows, READMEs, the line budget).
HOUSE_STYLE = '\n[tool.ci-gates]\npolicy = ["house-style"]\n'
HOUSE_STYLE_PYPROJECT = MINIMAL_PYPROJECT + HOUSE_STYLE

__all__ = ["HOUSE_STYLE", "HOUSE_STYLE_PYPROJECT", "MakeRepo"]
