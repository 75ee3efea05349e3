"""What a project's hook entry script calls: ``main([GUARD, "codex"?], root)`` runs one guard.

The entry script the agents run (``ci/hooks/guard.py`` in a project, written by ``ci-gates
adopt``) finds the installed library and calls this; the guards themselves are in this package.
"""

from __future__ import annotations

import sys

GUARDS = {
    "loc_guard": "ci_gates.hooks.loc",
    "tool_guard": "ci_gates.hooks.tool",
    "readme_guard": "ci_gates.hooks.readme",
}


def main(argv: list[str], root: str) -> int:
    """Run the guard ``argv[0]`` on stdin's payload; an unknown guard allows, saying so."""
    name = argv[0] if argv else ""
    if name not in GUARDS:
        sys.stderr.write(f"ci-gates hook: unknown guard {name!r} ({', '.join(GUARDS)}); allowed\n")
        return 0
    module = __import__(GUARDS[name], fromlist=["main"])
    result: int = module.main(argv[1:], root=root)
    return result
