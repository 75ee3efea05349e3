"""What a project's hook entry script calls: ``main([GUARD, "codex"?], root)`` runs one guard.

The entry script the agents run (``ci/hooks/guard.py`` in a project, written by ``ci-gates
adopt``) finds the installed library and calls this; the guards themselves are in this package.
"""

from __future__ import annotations

import os
import sys

GUARDS = {
    "loc_guard": "ci_gates.hooks.loc",
    "tool_guard": "ci_gates.hooks.tool",
    "post_edit": "ci_gates.hooks.post_edit",
    "stop": "ci_gates.hooks.stop",
    # The post-edit hook's old name (settings written before it took over the readme checks).
    "readme_guard": "ci_gates.hooks.post_edit",
}


def main(argv: list[str], root: str) -> int:
    """Run the guard ``argv[0]`` on stdin's payload; an unknown guard allows, saying so.

    ``CI_GATES_NO_HOOKS=1`` in the agent's environment turns every hook off (allow, silently).
    """
    if os.environ.get("CI_GATES_NO_HOOKS", "").strip().lower() not in ("", "0", "false", "no"):
        return 0
    name = argv[0] if argv else ""
    if name not in GUARDS:
        sys.stderr.write(f"ci-gates hook: unknown guard {name!r} ({', '.join(GUARDS)}); allowed\n")
        return 0
    module = __import__(GUARDS[name], fromlist=["main"])
    result: int = module.main(argv[1:], root=root)
    return result
