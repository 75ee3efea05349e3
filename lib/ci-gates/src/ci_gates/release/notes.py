"""Release notes, per package, rendered by git-cliff with the project's ``cliff.toml``.

git-cliff sees the same commits the plan counted: the range since the package's last tag,
``--include-path`` for each of its ``paths``, ``--tag-pattern`` so other packages' tags do not
split the range, ``--skip-commit`` for ``Release: skip`` commits. The plan's reason becomes the
section's message (``--with-tag-message``); a cascade-only release, with no commit of its own,
gets one line saying what it ships with (``--with-commit``).

Notes of a release already tagged are read back from ``CHANGELOG.md`` (what the bump wrote), so
the GitHub Release body and the changelog never differ.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.core.pins import GIT_CLIFF
from ci_gates.release.plan import Entry

CONFIG = "cliff.toml"
DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cliff.toml")
CHANGELOG = "CHANGELOG.md"
HEADER = "# Changelog\n"


def executable() -> str:
    """git-cliff next to this interpreter (the nox session's venv), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "git-cliff")
    for candidate in (here, here + ".exe"):
        if os.path.isfile(candidate):
            return candidate
    found = shutil.which("git-cliff")
    if not found:
        raise ReleaseError(f"git-cliff: not installed; run `nox -s release_notes` ({GIT_CLIFF})")
    return found


def render(root: str, entry: Entry) -> str:
    """The Markdown section of ``entry``'s release (not yet tagged), from git-cliff."""
    config = os.path.join(root, CONFIG)
    if not os.path.isfile(config):
        config = DEFAULT_CONFIG  # the project has none of its own
    pattern = "^" + re.escape(entry.name) + r"-v[0-9]"
    args = [
        executable(),
        "--config",
        config,
        "--repository",
        root,
        "--tag-pattern",
        pattern,
        "--tag",
        entry.tag,
        "--strip",
        "header",
        "--with-tag-message",
        entry.reason,
    ]
    for glob in entry.package.paths:
        args += ["--include-path", glob]
    for sha in entry.skipped:
        args += ["--skip-commit", sha]
    if not entry.commits:
        args += ["--with-commit", f"chore(deps): release with {', '.join(entry.cascade)}"]
    if entry.previous_tag:
        args.append(f"{entry.previous_tag}..HEAD")
    proc = subprocess.run(
        args,
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "NO_COLOR": "1"},
    )
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ReleaseError(f"git-cliff failed for {entry.name}: {why}")
    return proc.stdout.strip("\n") + "\n"


def prepend(root: str, sections: list[str]) -> None:
    """Put ``sections`` at the top of CHANGELOG.md, under its ``# Changelog`` title."""
    path = os.path.join(root, CHANGELOG)
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = HEADER
    title, rest = (old.split("\n", 1) + [""])[:2] if old.startswith("# ") else ("", old)
    body = "\n".join(s.rstrip("\n") + "\n" for s in sections)
    text = f"{title or HEADER.strip()}\n\n{body}\n{rest.lstrip(chr(10))}".rstrip("\n") + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def from_changelog(root: str, tag: str) -> str:
    """The section ``## <tag>`` of CHANGELOG.md (what the bump wrote for that release)."""
    path = os.path.join(root, CHANGELOG)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ReleaseError(f"{path}: not found; `nox -s release_bump` writes it") from None
    m = re.search(rf"^## {re.escape(tag)}\b.*?(?=^## |\Z)", text, re.S | re.M)
    if not m:
        raise ReleaseError(f"{CHANGELOG}: no section `## {tag}`; was the tag made by release_bump?")
    return m.group(0).strip("\n") + "\n"
