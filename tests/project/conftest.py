"""Fixtures for the tests of this project's own files and gates: ``make_repo`` from the library."""

from ci_gates.testing.plugin import make_repo

__all__ = ["make_repo"]
