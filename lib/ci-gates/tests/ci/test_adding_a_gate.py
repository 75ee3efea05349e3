"""Adding a gate is one module, one registry line and `nox -s sync` (the guide's three steps).

A fixture project adds the guide's sample gate as a plugin: the module under its own ``ci/gates``,
the line in ``[tool.ci-gates] plugins``, then sync. The gate is then in the registry (after
what it requires), in the derived ci.yml steps and README table, in `--rules`, and it runs.
"""

from __future__ import annotations

from pathlib import Path

from ci_gates.commands.run import rules_text
from ci_gates.core import sync
from ci_gates.core.registry import load
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MakeRepo

SPELLING = '''"""Spelling: no "recieve" in Markdown."""

from __future__ import annotations

import os

from ci_gates.core.findings import Finding, rule
from ci_gates.core.registry import Gate

GATE = Gate("spelling", "No common misspellings in Markdown", requires=("readme",), inputs=("*.md",))


@rule("SPL001")
def misspelled(rel: str, number: int, line: str) -> Finding | None:
    """A Markdown line says "recieve"; write "receive"."""
    if "recieve" not in line:
        return None
    return Finding("SPL001", "'recieve' is misspelled", rel, number, fix="write 'receive'")


def run(root: str) -> list[Finding]:
    out = []
    for name in sorted(os.listdir(root)):
        if name.endswith(".md"):
            with open(os.path.join(root, name), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    out += [f for f in [misspelled(name, number, line)] if f]
    return out
'''
CI = """name: ci
on: [push]
jobs:
  gates:
    runs-on: ubuntu-latest
    steps:
      # >>> ci-gates
      # <<< ci-gates
"""
README = "# x\n\n<!-- >>> ci-gates -->\n<!-- <<< ci-gates -->\n\nWe recieve patches.\n"
PYPROJECT = (
    '[project]\nname = "x"\nversion = "0"\n\n[tool.ci-gates]\nplugins = ["ci.gates.spelling"]\n'
)


def test_a_new_gate_is_one_module_one_line_and_sync(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "ci/__init__.py": "",
            "ci/gates/__init__.py": "",
            "ci/gates/spelling.py": SPELLING,
            ".github/workflows/ci.yml": CI,
            "README.md": README,
        }
    )
    reg = load(str(root))
    assert reg.names.index("spelling") > reg.names.index("readme")
    written, _ = sync.sync(str(root))
    assert sorted(written) == [".github/workflows/ci.yml", "README.md"]
    assert "run: nox -s spelling" in (root / ".github/workflows/ci.yml").read_text()
    assert (
        "| `spelling` | No common misspellings in Markdown | `readme` |"
        in Path(root / "README.md").read_text()
    )
    assert "SPL001  spelling.misspelled  [error]" in rules_text(str(root), ["spelling"])
    outcome = run_gate("spelling", root)
    assert outcome.status == "failed" and outcome.rules == ["SPL001"]
    lines = (root / "README.md").read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "recieve" in text)
    assert f"README.md:{line}: 'recieve' is misspelled; write 'receive' [SPL001]" in outcome.text
