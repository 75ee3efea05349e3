"""What ``ci-gates adopt`` writes into a project that stays the library's: never the project's
code for its own linters to judge (the ruff gate leaves these files out).

The hook entry script, and the noxfile while it is still exactly the one adopt wrote (a
project that edits it makes it its own).
"""

from __future__ import annotations

import os

# Short lines, a docstring, sorted imports: clean under any ruff rule set a project may choose.
NOXFILE = '''"""nox sessions of the ci-gates library (`nox -l`); see [tool.ci-gates]."""

from ci_gates.commands.nox_sessions import register

register()
'''
HOOK_ENTRY = "ci/hooks/guard.py"


def library_files(root: str) -> list[str]:
    """The files of ``root`` (relative paths) that are the library's, as written by adopt."""
    out = [HOOK_ENTRY]
    try:
        with open(os.path.join(root, "noxfile.py"), encoding="utf-8") as f:
            if f.read() == NOXFILE:
                out.append("noxfile.py")
    except (OSError, UnicodeDecodeError):
        pass
    return out
