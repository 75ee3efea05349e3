"""Gate ``loc``: a line budget for git-tracked source files (house style ``line-budget``).

Files with a counted extension (``[tool.ci-gates.loc] extensions``) over ``warn`` lines get a
note; over ``fail`` lines they fail unless ``[tool.ci-gates.loc.allow]`` lists them with a
reason. An allowlisted file back under ``fail`` fails too, asking to drop its entry, so the
allowlist only shrinks. The rule functions below are what the agent hooks call on the file
being written, so they import nothing heavier than ``os``.
"""

from __future__ import annotations

import os

from ci_gates.core.config import DEFAULTS
from ci_gates.core.findings import WARNING, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import EVERYTHING
from ci_gates.core.registry import Gate

GATE = Gate(
    "loc",
    "Line budget of git-tracked source files (warn/fail thresholds, allowlist)",
    commands=("git",),
    inputs=EVERYTHING,
    config=("loc", "baseline"),
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ALLOW_TABLE = "[tool.ci-gates.loc.allow]"


def _loc(config: dict[str, Any]) -> dict[str, Any]:
    """The ``loc`` section over its defaults; accepts the whole config or the section."""
    section = config.get("loc")
    return {**DEFAULTS["loc"], **(section if isinstance(section, dict) else config)}


def _norm(path: str) -> str:
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


def _allowed(loc: dict[str, Any]) -> set[str]:
    return {_norm(p) for p in loc["allow"]}


def count_lines(text: str) -> int:
    """Lines as an editor shows them: a last line without a newline still counts."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def is_counted(path: str, config: dict[str, Any]) -> bool:
    """Does the budget apply to ``path`` (repo-relative or absolute), by its extension?"""
    name = _norm(path).rpartition("/")[2]
    return any(name.endswith(ext) for ext in _loc(config)["extensions"])


@rule("LOC001")
def over_budget(rel: str, lines: int, config: dict[str, Any]) -> Finding | None:
    """A counted file is over the fail threshold and not allowlisted.

    Long files hide responsibilities; split by responsibility, or list the file in
    ``[tool.ci-gates.loc.allow]`` with a reason. The agent hook refuses a write that grows
    such a file, and allows one that shrinks it.
    """
    loc = _loc(config)
    if lines <= loc["fail"] or _norm(rel) in _allowed(loc):
        return None
    return finding_of(
        over_budget,
        f"{lines} lines, over the {loc['fail']}-line budget (warn at {loc['warn']})",
        _norm(rel),
        fix=f"split it by responsibility into smaller modules, or add it to {ALLOW_TABLE} with a reason",
    )


@rule("LOC002", severity=WARNING)
def near_budget(rel: str, lines: int, config: dict[str, Any]) -> Finding | None:
    """A counted file is over the warn threshold but not the fail threshold (a warning)."""
    loc = _loc(config)
    if not loc["warn"] < lines <= loc["fail"] or _norm(rel) in _allowed(loc):
        return None
    return finding_of(
        near_budget,
        f"{lines} lines, over the {loc['warn']}-line warning threshold (fail at {loc['fail']})",
        _norm(rel),
        fix="plan to split it by responsibility",
        severity=WARNING,
    )


@rule("LOC003")
def allow_entry_unneeded(rel: str, lines: int, config: dict[str, Any]) -> Finding | None:
    """An allowlisted file is back under the fail threshold: drop its entry.

    The allowlist only shrinks. The hook shows this as a note (it never blocks the edit
    that shrinks a file); the gate fails until the entry is removed.
    """
    loc = _loc(config)
    if _norm(rel) not in _allowed(loc) or lines > loc["fail"]:
        return None
    counted = "1 line" if lines == 1 else f"{lines} lines"
    return finding_of(
        allow_entry_unneeded,
        f"{counted}, back under the {loc['fail']}-line budget",
        _norm(rel),
        fix=f"remove its entry from {ALLOW_TABLE} in pyproject.toml so the allowlist only shrinks",
    )


BUDGET_RULES = (over_budget, near_budget, allow_entry_unneeded)


def budget_findings(rel: str, lines: int, config: dict[str, Any]) -> list[Finding]:
    """What the line budget says about ``rel`` (repo-relative) at ``lines`` lines: nothing
    while the house style ``line-budget`` is off (the agent hook asks this too)."""
    from ci_gates.core.policy import group_on

    if not group_on(config, "line-budget"):
        return []
    found = (check(rel, lines, config) for check in BUDGET_RULES)
    return [f for f in found if f is not None]


@rule("LOC004")
def allow_entry_missing(root: str, rel: str) -> Finding | None:
    """An ``[tool.ci-gates.loc.allow]`` entry names a file that does not exist."""
    if os.path.lexists(os.path.join(root, rel)):
        return None
    return finding_of(
        allow_entry_missing,
        f"{ALLOW_TABLE} names {rel!r}, which does not exist",
        "pyproject.toml",
        fix="remove the entry",
    )


@rule("LOC005")
def allow_entry_not_counted(rel: str, config: dict[str, Any]) -> Finding | None:
    """An ``[tool.ci-gates.loc.allow]`` entry names a file without a counted extension."""
    if is_counted(rel, config):
        return None
    exts = ", ".join(_loc(config)["extensions"])
    return finding_of(
        allow_entry_not_counted,
        f"{ALLOW_TABLE} names {rel!r}, which has no counted extension ({exts})",
        "pyproject.toml",
        fix="remove the entry",
    )


def _read_lines(path: str) -> int | None:
    """Line count of a text file; None for binary, undecodable or unreadable files."""
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data:
            return None
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _tracked(root: str) -> list[str]:
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise CannotRun(f"cannot run git ({exc})", "install git and re-run `nox -s loc`") from None
    if proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "git failed"
        raise CannotRun(
            f"{root}: cannot list git-tracked files ({why})", "run the loc gate in a git checkout"
        )
    return [p for p in proc.stdout.split("\0") if p]


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.core.context import config_for

    root, config = config_for(root)
    allow = _allowed(_loc(config))
    paths = {_norm(p) for p in _tracked(root) if is_counted(p, config)}
    out: list[Finding] = []
    for rel in sorted(allow):
        bad = allow_entry_missing(root, rel) or allow_entry_not_counted(rel, config)
        if bad is not None:
            out.append(bad)
        else:
            paths.add(rel)
    for rel in sorted(paths):
        lines = _read_lines(os.path.join(root, rel))
        if lines is not None:
            out.extend(budget_findings(rel, lines, config))
    from ci_gates.core.baseline import apply

    return apply(out, config, "loc")
