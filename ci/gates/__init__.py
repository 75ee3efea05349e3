"""Shared helpers for gate modules.

A gate module ``ci/gates/<name>.py`` exposes ``run(root: str | None = None) -> list[Finding]``
and keeps its rules in small pure functions, each declared with :func:`ci.findings.rule`, that
the agent hooks import. The runner derives the verdict from the findings. A gate that cannot
do its job raises :class:`ci.findings.CannotRun` (or returns :func:`ci.findings.cannot_run`).
Gate modules import neither nox nor invoke, and import heavy modules (yaml, rich, subprocess
users) inside ``run`` so a hook importing the pure functions stays fast.

Transitional: :func:`problem` / :func:`cannot_run` / :data:`messages` serve gates that still
return an exit code; the runner turns their messages into findings.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

PASS, FAIL, CANNOT_RUN = 0, 1, 2

# Messages of the gate currently running, in order; the runner reads and resets it.
messages: list[str] = []


def problem(msg: str) -> None:
    """Report one violation: ``path[:line]: what is wrong; what to do``."""
    messages.append(msg)
    print(msg, file=sys.stderr, flush=True)


def cannot_run(msg: str) -> int:
    """Report why the gate could not run at all; returns the exit code 2."""
    messages.append(msg)
    print(f"could not run: {msg}", file=sys.stderr, flush=True)
    return CANNOT_RUN


def note(msg: str) -> None:
    """Informational output that is not a failure (e.g. a warning threshold)."""
    print(msg, flush=True)


def verdict(n_problems: int) -> int:
    return FAIL if n_problems else PASS


def root_and_config(root: str | Path | None) -> tuple[str, dict[str, Any]] | None:
    """The gate's root (default :func:`project_root`) and its validated ``[tool.ci-gates]``.

    ``None`` means the config is unreadable; the reason is already reported as "could not
    run", so a gate does ``if (loaded := root_and_config(root)) is None: return CANNOT_RUN``.
    """
    from ci.config import ConfigError, load

    where = os.fspath(root) if root is not None else project_root()
    try:
        return where, load(where)
    except ConfigError as exc:
        cannot_run(str(exc))
        return None


def config_for(root: str | Path | None) -> tuple[str, dict[str, Any]]:
    """The gate's root (default :func:`project_root`) and its validated ``[tool.ci-gates]``.

    An unreadable config raises :class:`ci.findings.CannotRun` naming the file and the fix.
    """
    from ci.config import ConfigError, load
    from ci.findings import CannotRun

    where = os.fspath(root) if root is not None else project_root()
    try:
        return where, load(where)
    except ConfigError as exc:
        raise CannotRun(str(exc), path="pyproject.toml") from None


def project_root(start: str | Path | None = None) -> str:
    """The nearest directory at or above ``start`` (default: cwd) holding pyproject.toml."""
    here = os.path.abspath(start if start is not None else os.getcwd())
    probe = here
    while True:
        if os.path.isfile(os.path.join(probe, "pyproject.toml")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent
