"""Gate ``loc``: a line budget for git-tracked source files.

Files with a counted extension (``[tool.ci-gates.loc] extensions``) over ``warn`` lines get a
note; over ``fail`` lines they fail unless ``[tool.ci-gates.loc.allow]`` lists them with a
reason. An allowlisted file back under ``fail`` fails too, asking to drop its entry, so the
allowlist only shrinks. The pure functions below are what the agent hooks call on the file
being written, so they import nothing heavier than ``os``.
"""

from __future__ import annotations

import os

from ci.config import DEFAULTS

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


def count_lines(text: str) -> int:
    """Lines as an editor shows them: a last line without a newline still counts."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def is_counted(path: str, config: dict[str, Any]) -> bool:
    """Does the budget apply to ``path`` (repo-relative or absolute), by its extension?"""
    name = _norm(path).rpartition("/")[2]
    return any(name.endswith(ext) for ext in _loc(config)["extensions"])


def budget_verdict(path: str, lines: int, config: dict[str, Any]) -> tuple[str, str] | None:
    """``("fail", msg)`` over budget and not allowlisted; ``("warn", msg)`` worth a note; else None.

    ``path`` must be repo-relative for the allowlist to apply. An allowlisted file back under
    budget is a ``"warn"`` here (a hook must never block the edit that shrinks a file); the
    gate itself fails on it so that the entry gets removed.
    """
    loc = _loc(config)
    rel, warn, fail = _norm(path), loc["warn"], loc["fail"]
    if rel in {_norm(p) for p in loc["allow"]}:
        if lines > fail:
            return None
        counted = "1 line" if lines == 1 else f"{lines} lines"
        return (
            "warn",
            f"{rel}: {counted}, back under the {fail}-line budget; remove its entry from "
            f"{ALLOW_TABLE} in pyproject.toml so the allowlist only shrinks",
        )
    if lines > fail:
        return (
            "fail",
            f"{rel}: {lines} lines, over the {fail}-line budget (warn at {warn}); "
            f"split it by responsibility into smaller modules, or add it to "
            f"{ALLOW_TABLE} with a reason",
        )
    if lines > warn:
        return (
            "warn",
            f"{rel}: {lines} lines, over the {warn}-line warning threshold "
            f"(fail at {fail}); plan to split it by responsibility",
        )
    return None


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


def run(root: str | None = None) -> int:
    import subprocess

    from ci.gates import CANNOT_RUN, cannot_run, note, problem, root_and_config, verdict

    loaded = root_and_config(root)
    if loaded is None:
        return CANNOT_RUN
    root, config = loaded
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        return cannot_run(f"loc: cannot run git ({exc}); install git and re-run `nox -s loc`")
    if proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "git failed"
        return cannot_run(
            f"{root}: cannot list git-tracked files ({why}); run the loc gate in a git checkout"
        )
    allow = {_norm(p) for p in config["loc"]["allow"]}
    paths = {_norm(p) for p in proc.stdout.split("\0") if p and is_counted(p, config)}
    failures = 0
    for rel in sorted(allow):
        if not os.path.lexists(os.path.join(root, rel)):
            problem(
                f"pyproject.toml {ALLOW_TABLE}: {rel!r} names a file that does not exist; "
                "remove the entry"
            )
            failures += 1
        elif not is_counted(rel, config):
            problem(
                f"pyproject.toml {ALLOW_TABLE}: {rel!r} does not have a counted extension "
                f"({', '.join(config['loc']['extensions'])}); remove the entry"
            )
            failures += 1
        else:
            paths.add(rel)
    for rel in sorted(paths):
        lines = _read_lines(os.path.join(root, rel))
        found = budget_verdict(rel, lines, config) if lines is not None else None
        if found is None:
            continue
        if found[0] == "fail" or rel in allow:
            problem(found[1])
            failures += 1
        else:
            note(found[1])
    return verdict(failures)
