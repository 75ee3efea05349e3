"""Shared helpers for gate modules.

A gate module ``ci/gates/<name>.py`` exposes ``run(root: str | None = None) -> list[Finding]``
and keeps its rules in small pure functions, each declared with :func:`ci_gates.core.findings.rule`, that
the agent hooks import. The runner derives the verdict from the findings. A gate that cannot
do its job raises :class:`ci_gates.core.findings.CannotRun` (or returns :func:`ci_gates.core.findings.cannot_run`).
Gate modules import neither nox nor invoke, and import heavy modules (yaml, rich, subprocess
users) inside ``run`` so a hook importing the pure functions stays fast.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


def note(msg: str) -> None:
    """Progress output that is not a finding (what was checked, how long it took)."""
    print(msg, flush=True)


def config_for(root: str | Path | None) -> tuple[str, dict[str, Any]]:
    """The gate's root (default :func:`project_root`) and its validated ``[tool.ci-gates]``.

    An unreadable config raises :class:`ci_gates.core.findings.CannotRun` naming the file and the fix.
    """
    from ci_gates.core.config import ConfigError, load
    from ci_gates.core.findings import CannotRun

    where = os.fspath(root) if root is not None else project_root()
    try:
        config = load(where)
        check_names(where, config)
    except ConfigError as exc:
        raise CannotRun(str(exc), path="pyproject.toml") from None
    return where, config


def check_names(root: str, config: dict[str, Any]) -> None:
    """Every gate ``skip`` names and every rule ``ignore`` names exists (a typo is an error)."""
    from ci_gates.core.config import ConfigError
    from ci_gates.core.findings import UNIGNORABLE
    from ci_gates.core.registry import RegistryError, gate_names, load_rules

    where = "pyproject.toml [tool.ci-gates]"
    gates = set(gate_names(root, config["plugins"]))
    for gate in config["skip"]:
        if gate not in gates:
            raise ConfigError(f"{where} skip: unknown gate {gate!r}; `nox -l` lists the gates")
    if not config["ignore"] and not config.get("baseline"):
        return
    try:
        declared = load_rules(root, config["plugins"])
    except RegistryError as exc:
        raise ConfigError(str(exc)) from None
    rules = set(declared) - UNIGNORABLE
    for key in config["ignore"]:
        if key.partition(":")[0] not in rules:
            rule = key.partition(":")[0]
            raise ConfigError(f"{where} ignore: unknown rule {rule!r}; `nox -s rules` lists them")
    check_baseline(config.get("baseline") or [], declared)


def check_baseline(entries: list[dict[str, str]], declared: dict[str, Any]) -> None:
    """Every baseline entry names a rule of a gate that takes a baseline."""
    from ci_gates.core.baseline import GATES
    from ci_gates.core.config import ConfigError

    where = "pyproject.toml [[tool.ci-gates.baseline]]"
    for entry in entries:
        known = declared.get(entry["rule"])
        if known is None:
            raise ConfigError(f"{where}: unknown rule {entry['rule']!r}; `nox -s rules` lists them")
        if known.gate not in GATES:
            raise ConfigError(
                f"{where}: {entry['rule']} is the {known.gate or 'runner'}'s rule, which takes no "
                f"baseline (only {', '.join(GATES)} do); use [tool.ci-gates.ignore] with a reason"
            )


def project_root(start: str | Path | None = None) -> str:
    """The root at or above ``start`` (default: cwd): the top of the git checkout when it holds
    pyproject.toml (a workspace member's own pyproject.toml below it is not the root), else the
    nearest directory holding pyproject.toml."""
    here = os.path.abspath(start if start is not None else os.getcwd())
    probe, nearest = here, ""
    while True:
        has_pyproject = os.path.isfile(os.path.join(probe, "pyproject.toml"))
        nearest = nearest or (probe if has_pyproject else "")
        if os.path.exists(os.path.join(probe, ".git")):
            return probe if has_pyproject else (nearest or here)
        parent = os.path.dirname(probe)
        if parent == probe:
            return nearest or here
        probe = parent
