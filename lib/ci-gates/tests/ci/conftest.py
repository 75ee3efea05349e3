"""Fixtures for gate tests: ``make_repo`` comes from the library's pytest plugin (ci_gates.testing.plugin)."""

from __future__ import annotations

from ci_gates.testing.plugin import MakeRepo

__all__ = ["MakeRepo"]
