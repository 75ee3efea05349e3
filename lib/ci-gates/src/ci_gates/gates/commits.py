"""Gate ``commits``: every commit of the branch is a Conventional Commit the release plan can read.

The range: commits reachable from HEAD and not from the merge base with the default branch
(``origin/HEAD``, ``origin/<default-branch>`` or ``<default-branch>``, when one exists), else not
from the newest tag, and never from ``[tool.ci-gates.commits] since`` (history from before the
gate is not judged). Merge commits are ignored. Each finding names the commit, its subject and
the rule.

Three entries share :func:`check_message`: this gate, the agent hook
(``ci/hooks/_tool.py`` refuses ``git commit -m "<bad message>"``, see :func:`command_denial`)
and git's ``commit-msg`` hook (``python -m ci_gates.release check-msg``). Module level imports only
the standard library and the parser: the agent hook imports this on every Bash call.
"""

from __future__ import annotations

from ci_gates.checks.versioning import conventional as cc
from ci_gates.core.findings import Finding, finding_of, rule
from ci_gates.core.registry import Gate

GATE = Gate(
    "commits",
    "Every commit of the branch is a Conventional Commit with a valid Release: trailer",
    commands=("git",),
    config=("commits",),
    cacheable=False,  # judged from the git history, not from files
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TYPES_TEXT = ", ".join(cc.TYPES)
FIX = f'write the subject as `type(scope)!: description`, e.g. "{cc.EXAMPLE}" (types: {TYPES_TEXT})'


@rule("CMT001")
def not_conventional(msg: cc.Message) -> Finding | None:
    """The subject is not a Conventional Commit: ``type(scope)!: description``.

    The release plan reads the type (feat → minor, fix and others → patch, ``!`` → major) and
    git-cliff groups the release notes by it; a subject it cannot read is a release nobody
    can explain. The scope and ``!`` are optional; a space follows the colon.
    """
    if msg.type or msg.subject.startswith(cc.AUTOSQUASH):
        return None
    what = "is empty" if not msg.subject else "is not `type(scope)!: description`"
    return finding_of(not_conventional, f"subject {what}", fix=FIX)


@rule("CMT002")
def unknown_type(msg: cc.Message) -> Finding | None:
    """The subject's type is not one of the Conventional Commits types this project uses.

    The types are feat, fix, perf, refactor, docs, test, build, ci, chore, style and revert,
    in lower case; git-cliff's groups and the plan's bumps are keyed on them.
    """
    if not msg.type or msg.type in cc.TYPES:
        return None
    return finding_of(unknown_type, f"unknown type {msg.type!r}", fix=f"use one of: {TYPES_TEXT}")


@rule("CMT003")
def bad_release_trailer(msg: cc.Message) -> Finding | None:
    """A ``Release:`` trailer has a value other than major, minor, patch or skip.

    The trailer overrides the bump the subject implies, for the packages the commit touches
    (``skip``: the commit does not count). The release plan refuses a history with a bad one.
    """
    values = [v for k, v in msg.trailers if k.lower() == cc.RELEASE_KEY]
    bad = [v for v in values if v.lower() not in cc.RELEASE_VALUES]
    if not bad:
        return None
    return finding_of(
        bad_release_trailer,
        f"trailer `Release: {bad[0]}` is not one of {', '.join(cc.RELEASE_VALUES)}",
        fix="write `Release: major|minor|patch|skip` in the last paragraph, or drop the line",
    )


@rule("CMT004")
def autosquash_left(msg: cc.Message) -> Finding | None:
    """A ``fixup!`` / ``squash!`` / ``amend!`` commit is still in the branch.

    These commits exist to be folded into another one before merging; on their own they have
    no release meaning. Fold them with ``git rebase -i --autosquash <base>``.
    """
    if not msg.subject.startswith(cc.AUTOSQUASH):
        return None
    return finding_of(
        autosquash_left,
        "autosquash commit not folded into its target",
        fix="run `git rebase -i --autosquash` onto the branch's base",
    )


RULE_FUNCTIONS = (not_conventional, unknown_type, bad_release_trailer, autosquash_left)


def check_message(message: str, *, branch: bool = True) -> list[Finding]:
    """The findings for one commit message (as stored; see :func:`cc.clean` for editor files).

    ``branch=False`` (a commit being made) accepts ``fixup!`` subjects: folding them is for later.
    """
    msg = cc.parse(message)
    rules = RULE_FUNCTIONS if branch else RULE_FUNCTIONS[:-1]
    return [f for f in (r(msg) for r in rules) if f is not None]


def command_denial(command: str) -> str | None:
    """For an agent's shell command: why a ``git commit -m`` in it must be refused, else None."""
    if "commit" not in command:
        return None
    from ci_gates.checks.versioning.commitcmd import messages

    for message in messages(command):
        found = check_message(message, branch=False)
        if found:
            subject = cc.parse(message).subject
            reasons = "; ".join(f"{f.message} [{f.rule}]" for f in found)
            return (
                f"Blocked by the commits gate (ci/gates/commits.py): commit message {subject!r}: "
                f"{reasons}. Write e.g.: git commit -m {cc.EXAMPLE!r} "
                f"(types: {TYPES_TEXT}; optional trailer `Release: major|minor|patch|skip`)"
            )
    return None


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.checks.versioning import history
    from ci_gates.core.context import config_for

    root, config = config_for(root)
    section: dict[str, Any] = config["commits"]
    commits, how = history.branch_range(root, section["since"], section["default-branch"])
    found: list[Finding] = []
    for sha, message in commits:
        subject = cc.parse(message).subject
        for f in check_message(message):
            found.append(f._replace(message=f"commit {sha[:10]} {subject!r}: {f.message}"))
    if not found:
        from ci_gates.core.context import note

        note(f"commits: {len(commits)} commit(s) judged ({how})")
    return found
