"""The installed package under test, imported by the names the manifests give it.

Nothing under tests/package spells the project's names (tests/ci/test_names.py): they come
from :func:`ci.project.names`, so a renamed or adopted project runs these tests unchanged.
conftest.py has already checked that the package is installed before any test module imports
this one.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ci_gates.core.project import names

REPO_ROOT = Path(__file__).resolve().parents[2]
NAMES = names(REPO_ROOT)
PACKAGE = NAMES.package

pkg = importlib.import_module(PACKAGE)
Stats: Any = pkg.Stats
count_bytes: Any = pkg.count_bytes
count_file: Any = pkg.count_file


def cli_name() -> str:
    """The CLI executable's name; these tests need one."""
    if NAMES.cli is None:
        raise AssertionError("tests/package: ci/project.py finds no CLI crate in this project")
    return NAMES.cli
