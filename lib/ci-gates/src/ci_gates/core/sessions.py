"""The nox session names of a project: every gate, the library's other sessions, the noxfile's own.

:data:`EXTRA_SESSIONS` are the library's sessions that are not gates (``ci_gates.commands.
nox_sessions`` defines exactly these plus one per gate); a project's ``noxfile.py`` may add its
own (``@nox.session``), read from its source. The readme gate, the workflows gate and the hooks
accept only these names in a ``nox -s`` they read.
"""

from __future__ import annotations

import os

# nox sessions that are not gates.
EXTRA_SESSIONS: tuple[str, ...] = (
    "gates",
    "tests",
    "report",
    "rules",
    "ci_local",
    "dev",
    "rename",
    "adopt",
    "sync",
    "fix",
    "baseline",
    # The release layer (ci_gates.release).
    "release_plan",
    "release_bump",
    "release_notes",
    "release_stage",
    "publish",
    "release_rehearsal",
    "install_hooks",
    # The api_compat gate's Rust tool (cargo install, pinned in ci_gates/checks/api/rust.py; once per machine).
    "install_semver_checks",
)


def noxfile_sessions(root: str) -> list[str]:
    """Sessions the project's ``noxfile.py`` defines itself (``@nox.session``, ``name=`` kept)."""
    import ast

    try:
        with open(os.path.join(root, "noxfile.py"), "rb") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for deco in node.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = call.func if call else deco
            if not (isinstance(target, ast.Attribute) and target.attr == "session"):
                continue
            name = node.name
            for kw in call.keywords if call else ():
                if kw.arg == "name" and isinstance(kw.value, ast.Constant):
                    name = str(kw.value.value)
            found.append(name)
    return found


def session_names(root: str) -> list[str]:
    """Every ``nox -s`` name valid in the project at ``root``, in a stable order, no repeats."""
    from ci_gates.core.registry import gate_names

    names = [*gate_names(root), *EXTRA_SESSIONS, *noxfile_sessions(root)]
    return list(dict.fromkeys(names))
