"""Gate ``tool_guard``: every command this project tells someone to run obeys one rule table.

:mod:`.rules` holds the rule table and the rule functions (standard library only: the agent
hook imports them on every command); :mod:`.files` reads workflows, actions, scripts and
Markdown for the gate; :mod:`.triggers` says which commands are worth parsing at all.
"""

from __future__ import annotations

from ci_gates.core.pins import PYYAML, WORKFLOW_INPUTS
from ci_gates.core.registry import Gate
from ci_gates.gates.tool_guard import rules  # noqa: F401  (the rule table, declared there)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.findings import Finding

GATE = Gate(
    "tool_guard",
    "Commands in workflows, actions, scripts and docs obey the tool rule table",
    packages=(PYYAML,),
    # Scripts named by `uv run X.py` are read for PEP 723 metadata, hence every .py; a
    # `uv run --project DIR` is judged by the pyproject.toml uv would find from DIR.
    inputs=(
        *WORKFLOW_INPUTS,
        "**/*.sh",
        "**/*.ps1",
        "**/*.md",
        "**/*.py",
        "**/pyproject.toml",
        ".ci/**",
    ),
    config=("tool-guard", "policy", "baseline"),
)


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.gates.tool_guard.files import run as run_files

    return run_files(root)
