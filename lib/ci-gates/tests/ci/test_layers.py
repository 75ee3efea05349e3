"""The library's layers: front ends > gates > checks > parsers > core, each importing only down.

The contract is ``[tool.importlinter]`` in the library's pyproject.toml, checked by import-linter
on the installed package (function-level imports count too), plus: no import cycle (type-only
imports under ``TYPE_CHECKING`` aside: they never run).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[2]


def test_imports_only_go_down_the_layers() -> None:
    tool = shutil.which("lint-imports")
    if tool is None:
        pytest.fail("import-linter is not installed; run these tests through `nox -s pytest`")
    proc = subprocess.run(
        [tool, "--config", str(LIBRARY / "pyproject.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_no_module_imports_itself_back() -> None:
    import grimp

    graph = grimp.build_graph("ci_gates", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if module != imported and graph.chain_exists(importer=imported, imported=module):
                cycles.append(f"{module} <-> {imported}")
    assert cycles == []
