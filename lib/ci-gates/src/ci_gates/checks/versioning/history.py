"""What git knows: commits with their messages, per-package tags, the branch's range.

Every call is one ``git`` process with machine-readable output (NUL-separated records), so a
message with any text in it cannot break the parsing. Errors are :class:`ReleaseError` with one
line naming the repository and what to do.
"""

from __future__ import annotations

import re
import subprocess

from ci_gates.checks.versioning.errors import ReleaseError

_RECORD = "%H%x00%P%x00%B%x00"
_SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\Z"
)


def git(root: str, *args: str, check: bool = True) -> str:
    """``git -C root args…``'s stdout; a failure is a :class:`ReleaseError` quoting git."""
    try:
        proc = subprocess.run(
            ["git", "-C", root, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
    except FileNotFoundError:
        raise ReleaseError("git: not found; install git") from None
    if check and proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise ReleaseError(f"git {' '.join(args[:3])}: {why} (in {root})")
    return proc.stdout


def rev(root: str, ref: str) -> str | None:
    """The commit ``ref`` names, or None when there is none."""
    out = git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
    return out or None


def log(root: str, revs: list[str], paths: list[str] | None = None) -> list[tuple[str, str]]:
    """``(sha, message)`` of the non-merge commits in ``revs`` (newest first), touching ``paths``.

    ``paths`` are globs (``**`` crosses directories), given to git as ``:(glob)`` pathspecs;
    ``--full-history`` so a commit on a merged side branch counts even when the merge's
    other parent has the same content.
    """
    args = ["log", "--no-merges", "--full-history", f"--format={_RECORD}", *revs]
    if paths is not None:
        args += ["--", *(f":(glob){p}" for p in paths)]
    out = git(root, *args)
    fields = out.split("\x00")
    commits = []
    for i in range(0, len(fields) - 2, 3):
        sha = fields[i].strip()
        if sha:
            commits.append((sha, fields[i + 2].strip("\n")))
    return commits


def semver(text: str) -> tuple[int, int, int] | None:
    m = _SEMVER.match(text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def tag_name(name: str, version: str) -> str:
    """The per-package tag (putitoutthere's scheme): ``{name}-v{version}``."""
    return f"{name}-v{version}"


def last_tag(root: str, name: str, head: str = "HEAD") -> tuple[str, str] | None:
    """``(tag, version)`` of the highest ``{name}-v<semver>`` tag reachable from ``head``."""
    prefix = tag_name(name, "")
    out = git(root, "tag", "--merged", head, "--list", f"{prefix}*")
    best: tuple[tuple[int, int, int], str, str] | None = None
    for tag in out.split():
        version = tag[len(prefix) :]
        key = semver(version)
        if key is not None and (best is None or key > best[0]):
            best = (key, tag, version)
    return (best[1], best[2]) if best else None


def tags_at(root: str, head: str = "HEAD") -> list[str]:
    return git(root, "tag", "--points-at", head).split()


def dirty(root: str) -> list[str]:
    """``git status --porcelain`` lines: tracked changes and untracked files."""
    return [line for line in git(root, "status", "--porcelain").splitlines() if line.strip()]


def is_shallow(root: str) -> bool:
    return git(root, "rev-parse", "--is-shallow-repository").strip() == "true"


def branch_range(root: str, since: str, default_branch: str) -> tuple[list[tuple[str, str]], str]:
    """The commits the ``commits`` gate judges, and a phrase saying which range that is."""
    from ci_gates.core.findings import CannotRun

    try:
        if rev(root, "HEAD") is None:
            if not git(root, "rev-parse", "--git-dir", check=False).strip():
                raise CannotRun(f"{root}: not a git repository", fix="run the gate in a git clone")
            return [], "no commits yet"
        excluded: list[str] = []
        how = ""
        for ref in ("origin/HEAD", f"origin/{default_branch}", default_branch):
            if rev(root, ref):
                base = git(root, "merge-base", "HEAD", ref, check=False).strip()
                if base:
                    excluded, how = [base], f"since the merge base with {ref}"
                    break
        if not excluded:
            newest = git(root, "describe", "--tags", "--abbrev=0", "HEAD", check=False).strip()
            if newest:
                excluded, how = [newest], f"since tag {newest}"
        if since:
            if rev(root, since) is None:
                if not is_shallow(root):
                    raise CannotRun(
                        f"[tool.ci-gates.commits] since = {since!r}: no such commit here",
                        fix="set it to a commit of this repository (the last one before the gate)",
                        path="pyproject.toml",
                    )
                how += " (shallow clone: the commits it has)"
            else:
                excluded.append(since)
                how = how or f"since {since[:10]}"
        revs = ["HEAD", *(f"^{e}" for e in excluded)]
        return log(root, revs), how or "the whole history"
    except ReleaseError as exc:
        raise CannotRun(str(exc)) from None
