"""Gate ``readme``: READMEs exist, stay within size bounds, and name only real nox sessions.

Checked: the root README.md (``root-min-lines``..``root-max-lines``); a README.md in every
directory matching ``[tool.ci-gates.readme] dirs`` (``min-lines``..``max-lines``); a readme
declared, and present, for every published crate and for the Python package; and every
``nox -s NAME`` in a README's shell code blocks (read by :mod:`ci_gates.parsers.markdown`, lexed by
:mod:`ci_gates.parsers.shell`, the same as the tool guard) names a session in :func:`ci_gates.core.sessions.session_names`.
The directories, the size bounds and the gate table are house style (``readmes`` in
``[tool.ci-gates] policy``): off, only the declared readmes and the sessions named are checked.
The rule functions are what the agent hooks call; they take the session names as an argument
because importing the registry (and ``typing``) would blow a hook's start-up budget.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from ci_gates.checks import declared_readmes  # RDM005-006 are this gate's
from ci_gates.core import sync  # noqa: F401  (SYN002, the README table, is this gate's)
from ci_gates.core.config import DEFAULTS
from ci_gates.core.findings import NOTE, Finding, finding_of, rule
from ci_gates.core.registry import Gate
from ci_gates.gates.loc import count_lines


def _applies(root: str) -> str:
    """Skipped until the project has a README.md."""
    import os

    if os.path.isfile(os.path.join(root, "README.md")):
        return ""
    other = sorted(n for n in os.listdir(root) if n.upper().startswith("README."))
    if other:
        return f"the README is {other[0]}; this gate reads README.md (Markdown)"
    return "no README.md yet; write one and remove this skip"


GATE = Gate(
    "readme",
    "READMEs exist, stay within size bounds, and name only real nox sessions",
    # READMEs, the sessions they may name, the manifests naming the crates whose READMEs
    # are declared, and the registry whose gate table `nox -s sync` writes into README.md.
    inputs=(
        "**/*.md",
        "**/README",
        "**/README.txt",
        "noxfile.py",
        "**/Cargo.toml",
        "pyproject.toml",
    ),
    config=("readme", "skip", "policy", "baseline"),
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any

# Directory names a wildcard in ``dirs`` never matches: caches, build output, hidden dirs.
SKIP_DIRS = ("__pycache__", ".*", "*.egg-info", "*.dist-info", "target", "node_modules")
_SESSION_FLAGS = ("-s", "-e", "--session", "--sessions")


def _readme(config: dict[str, Any]) -> dict[str, Any]:
    """The ``readme`` section over its defaults; accepts the whole config or the section."""
    section = config.get("readme")
    return {**DEFAULTS["readme"], **(section if isinstance(section, dict) else config)}


def _norm(path: str) -> str:
    path = path.replace("\\", "/").strip("/")
    while path.startswith("./"):
        path = path[2:]
    return "" if path == "." else path


def _dirs(config: dict[str, Any]) -> list[str]:
    """``dirs``, while the house style ``readmes`` is on (else none: only the root README)."""
    from ci_gates.core.policy import group_on

    return list(_readme(config)["dirs"]) if group_on(config, "readmes") else []


def covered_dir(rel_dir: str, config: dict[str, Any]) -> bool:
    """Must this repo-relative directory have a README.md? (The root always must.)"""
    parts = _norm(rel_dir).split("/") if _norm(rel_dir) else []
    if not parts:
        return True
    for pattern in _dirs(config):
        globs = _norm(pattern).split("/")
        if len(globs) == len(parts) and all(
            fnmatchcase(part, glob)
            and (glob == part or not any(fnmatchcase(part, skip) for skip in SKIP_DIRS))
            for part, glob in zip(parts, globs)
        ):
            return True
    return False


def covering_dir(rel_path: str, config: dict[str, Any]) -> str:
    """The deepest covered directory holding the file ``rel_path`` ("" is the root)."""
    parts = _norm(rel_path).split("/")[:-1]
    while parts and not covered_dir("/".join(parts), config):
        parts.pop()
    return "/".join(parts)


def _sessions_in_args(args: list[str]) -> list[str]:
    """The session names in nox's arguments (``-s a b``, ``--session=a``, ``-sa``, ``-e a``)."""
    names: list[str] = []
    collecting = False
    for word in args:
        if word == "--":
            break
        if word in _SESSION_FLAGS:
            collecting = True
        elif word.startswith(("--session=", "--sessions=")):
            names.append(word.partition("=")[2])
            collecting = False
        elif word.startswith(("-s", "-e")) and not word.startswith("--") and len(word) > 2:
            names.append(word[2:].lstrip("="))
            collecting = False
        elif word.startswith("-"):
            collecting = False
        elif collecting:
            names.append(word)
    return [n for n in names if n and "$" not in n and "{" not in n]


def nox_sessions_in(text: str) -> list[tuple[int, str]]:
    """``(line, session)`` for every ``nox -s NAME`` in the shell code blocks of Markdown."""
    from ci_gates.parsers import shell
    from ci_gates.parsers.calls import calls
    from ci_gates.parsers.markdown import shell_blocks

    found: list[tuple[int, str]] = []
    for block in shell_blocks(text):
        for cmd in shell.commands(block.script, block.line, block.dialect):
            for call in calls(cmd):
                if call.tool == "nox":
                    found += [(cmd.line + 1, n) for n in _sessions_in_args(call.command[1:])]
    return found


def _known(name: str, sessions: Collection[str]) -> bool:
    """``tests`` and parametrised forms like ``tests-3.12`` or ``tests(python='3.12')``."""
    base = re.sub(r"(-[0-9][0-9.]*|\(.*\))$", "", name)
    return name in sessions or base in sessions


def _bounds(rel: str) -> tuple[str, str]:
    return (
        ("root-min-lines", "root-max-lines") if rel == "README.md" else ("min-lines", "max-lines")
    )


@rule("RDM001")
def missing_readme(rel_dir: str, config: dict[str, Any]) -> Finding:
    """A directory the readme gate covers has no README.md.

    The root always needs one; so does every directory matching ``[tool.ci-gates.readme]
    dirs`` (crates, the Python package, the gate and hook libraries by default). It says
    what the directory is for, how to use it and how to test it.
    """
    readme, where = _readme(config), _norm(rel_dir)
    rel = f"{where}/README.md" if where else "README.md"
    lo, hi = _bounds(rel)
    what = "the project" if not where else "this directory"
    return finding_of(
        missing_readme,
        "missing; the readme gate (`nox -s readme`) requires one here ([tool.ci-gates.readme])",
        rel,
        fix=f"add {readme[lo]}-{readme[hi]} lines saying what {what} is for, how to use it and "
        "how to test it",
    )


@rule("RDM002")
def too_short(rel_path: str, lines: int, config: dict[str, Any]) -> Finding | None:
    """A README is under its minimum length (``root-min-lines`` / ``min-lines``)."""
    rel = _norm(rel_path)
    lo = _bounds(rel)[0]
    if lines >= _readme(config)[lo]:
        return None
    counted = "1 line" if lines == 1 else f"{lines} lines"
    return finding_of(
        too_short,
        f"{counted}, under the {_readme(config)[lo]}-line minimum ({lo})",
        rel,
        fix="say what this is, how to use it and how to test it",
    )


@rule("RDM003")
def too_long(rel_path: str, lines: int, config: dict[str, Any]) -> Finding | None:
    """A README is over its maximum length (``root-max-lines`` / ``max-lines``)."""
    rel = _norm(rel_path)
    hi = _bounds(rel)[1]
    if lines <= _readme(config)[hi]:
        return None
    return finding_of(
        too_long,
        f"{lines} lines, over the {_readme(config)[hi]}-line maximum ({hi})",
        rel,
        fix="keep the essentials and move reference material into docs/ with a link",
    )


@rule("RDM004")
def unknown_session(rel: str, line: int, name: str, sessions: Collection[str]) -> Finding | None:
    """A README's shell code block runs ``nox -s NAME`` for a session that does not exist.

    Sessions come from the gate registry and the noxfile (``ci_gates.core.sessions``); ``tests-3.12`` and ``tests(python='3.12')``
    count as ``tests``. Code blocks are read as :mod:`ci_gates.parsers.markdown` says (an unlabelled fence is
    shell; label data ``text``).
    """
    if _known(name, sessions):
        return None
    return finding_of(
        unknown_session,
        f"`nox -s {name}` names no nox session",
        _norm(rel),
        line,
        fix=f"use one of: {', '.join(sessions)}",
    )


def readme_problems(
    rel_path: str, text: str, config: dict[str, Any], sessions: Collection[str] | None
) -> list[Finding]:
    """Size bounds (root bounds for the root README.md) and unknown ``nox -s`` sessions."""
    rel, lines = _norm(rel_path), count_lines(text)
    from ci_gates.core.policy import keep

    found = [too_short(rel, lines, config) or too_long(rel, lines, config)]
    if sessions is not None:
        found += [unknown_session(rel, ln, name, sessions) for ln, name in nox_sessions_in(text)]
    return keep([f for f in found if f is not None], config)


@rule("RDM007")
def unreadable_readme(rel: str, exc: Exception) -> Finding:
    """A README.md cannot be read as UTF-8 text."""
    return finding_of(unreadable_readme, f"cannot read as UTF-8 ({exc})", rel, fix="fix the file")


@rule("RDM008", severity=NOTE)
def pattern_matches_nothing(pattern: str) -> Finding:
    """A ``[tool.ci-gates.readme] dirs`` pattern matches no directory (a note: maybe a typo)."""
    return finding_of(
        pattern_matches_nothing,
        f"no directory matches {pattern!r} in [tool.ci-gates.readme] dirs",
        "pyproject.toml",
        fix="fix the pattern or remove it",
        severity=NOTE,
    )


def run(root: str | None = None) -> list[Finding]:
    import glob
    import os

    from ci_gates.core.context import config_for
    from ci_gates.core.sessions import session_names

    root, config = config_for(root)
    sessions = session_names(root)
    found: list[Finding] = []
    dirs = [""]
    for pattern in _dirs(config):
        matches = sorted(
            os.path.relpath(p, root).replace(os.sep, "/")
            for p in glob.glob(os.path.join(root, pattern))
            if os.path.isdir(p)
        )
        if not matches:
            found.append(pattern_matches_nothing(pattern))
        dirs += [d for d in matches if covered_dir(d, config) and d not in dirs]
    for rel_dir in dirs:
        rel = f"{rel_dir}/README.md" if rel_dir else "README.md"
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            found.append(missing_readme(rel_dir, config))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            found.append(unreadable_readme(rel, exc))
            continue
        found += readme_problems(rel, text, config, sessions)
    from ci_gates.core.baseline import apply
    from ci_gates.core.policy import keep
    from ci_gates.core.sync import readme_table_stale  # the gate table `nox -s sync` writes

    found += declared_readmes.found(root) + readme_table_stale(root)
    return apply(keep(found, config), config, "readme")
