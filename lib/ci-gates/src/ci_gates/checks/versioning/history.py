"""What git knows: commits with their messages, per-package tags, the branch's range.

Every call is one ``git`` process with machine-readable output (NUL-separated records), so a
message with any text in it cannot break the parsing. Errors are :class:`ReleaseError` with one
line naming the repository and what to do.
"""

from __future__ import annotations

import bisect
import os
import re
import subprocess
from collections.abc import Mapping
from typing import Callable, NamedTuple

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


def git_bytes(root: str, *args: str) -> bytes:
    """:func:`git` for output that is not text (paths are bytes, in any encoding)."""
    try:
        proc = subprocess.run(["git", "-C", root, *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise ReleaseError("git: not found; install git") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ReleaseError(f"git {' '.join(args[:3])}: {(lines or ['no message'])[-1]} (in {root})")
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
    """``(tag, version)`` of the highest ``{name}-v<semver>`` tag reachable from ``head``.

    Equal versions (``1.1.0`` and ``1.1.0-rc.1``) go to the first by name, whatever the user's
    ``tag.sort`` says.
    """
    prefix = tag_name(name, "")
    listed = git(root, "tag", "--merged", head, "--sort=refname", "--list", f"{prefix}*")
    return highest(prefix, listed.split())


def highest(prefix: str, tags: list[str]) -> tuple[str, str] | None:
    """``(tag, version)`` of the highest ``{prefix}<semver>`` of ``tags``; the first of equals."""
    best: tuple[tuple[int, int, int], str, str] | None = None
    for tag in tags:
        if not tag.startswith(prefix):
            continue
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


# Every package's commits since its last tag. `per_package` asks git twice per package (the
# reference); `since_last_tags` asks a constant number of times for all of them.


class Since(NamedTuple):
    """One package's history since its last release: what :func:`last_tag` and :func:`log` say."""

    last: tuple[str, str] | None  # (tag, version); None: never released
    commits: list[tuple[str, bytes]]  # (sha, message as git printed it), newest first


class Commit(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    raw: bytes  # the message as git printed it (see `message`)
    paths: tuple[bytes, ...]  # what it changes, relative to the root; none for a merge


# Environment variables with which git reads every pathspec differently (literal, icase, …).
_PATHSPEC_ENV = (
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
)


def message(raw: bytes) -> str:
    """A raw message as :func:`log` reads it: UTF-8, universal newlines, outer newlines gone."""
    return raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def per_package(
    root: str, packages: Mapping[str, tuple[str, ...]], head: str = "HEAD"
) -> dict[str, Since]:
    """For each package name → its globs, its :class:`Since`: two git calls per package."""
    result = {}
    for name, globs in packages.items():
        last = last_tag(root, name, head)
        logged = log(root, [head, f"^{last[0]}"] if last else [head], list(globs))
        result[name] = Since(last, [(sha, msg.encode("utf-8")) for sha, msg in logged])
    return result


def since_last_tags(
    root: str, packages: Mapping[str, tuple[str, ...]], head: str = "HEAD"
) -> dict[str, Since]:
    """:func:`per_package`'s answer from a constant number of git calls, whatever the count.

    The tags of all packages come from one ``git for-each-ref --merged``; the commits from one
    ``git log --name-only`` over the union of the ranges (``git merge-base --octopus`` of the
    tags bounds it; without a tag, the whole history); a package's range is that minus the
    ancestors of its tag, walked in Python; its globs are matched as git matches ``:(glob)``
    pathspecs (:mod:`ci_gates.pathspec`). A package with a glob that module leaves to git is
    read the per-package way, as is every package when the environment changes pathspecs.
    """
    from ci_gates.checks.versioning.pathspec import matcher

    env = any(os.environ.get(v) for v in _PATHSPEC_ENV)
    matchers = {n: None if env else matcher(globs) for n, globs in packages.items()}
    fast = {n: m for n, m in matchers.items() if m is not None}
    found = _one_pass(root, fast, head) if fast else {}
    slow = per_package(root, {n: g for n, g in packages.items() if n not in fast}, head)
    return {n: found[n] if n in found else slow[n] for n in packages}


def _one_pass(
    root: str, matchers: dict[str, Callable[[bytes], bool]], head: str
) -> dict[str, Since]:
    """:func:`since_last_tags` for the packages whose globs ``matchers`` answer for.

    Each package's commits keep the union's order, which is its own ``git log``'s: git walks
    by commit date, and a commit of a range is queued only by its children in that range, so
    the order among them does not depend on what else is walked (the tests hold it to that).
    """
    lasts = _last_tags(root, list(matchers), head)
    tips = sorted({last[2] for last in lasts.values() if last})
    bases: list[str] = []
    if all(lasts.values()):  # else the union is the whole history
        bases = tips if len(tips) == 1 else _common(root, tips)
    commits = changes(root, [head, *(f"^{b}" for b in bases)])
    graph = {c.sha: c.parents for c in commits}
    below: dict[str, set[str]] = {}  # tag commit -> its ancestors among `commits`
    owners: dict[bytes, list[str]] = {}  # path -> the packages it belongs to
    found: dict[str, list[tuple[str, bytes]]] = {n: [] for n in matchers}
    for c in commits:
        if len(c.parents) > 1:  # --no-merges
            continue
        touched: set[str] = set()
        for path in c.paths:
            if path not in owners:
                owners[path] = [n for n, match in matchers.items() if match(path)]
            touched.update(owners[path])
        for name in touched:
            last = lasts[name]
            if last is not None and last[2] not in below:
                below[last[2]] = _ancestors(graph, last[2])
            if last is None or c.sha not in below[last[2]]:
                found[name].append((c.sha, c.raw))
    return {n: Since(None if t is None else (t[0], t[1]), found[n]) for n, t in lasts.items()}


def _last_tags(root: str, names: list[str], head: str) -> dict[str, tuple[str, str, str] | None]:
    """:func:`last_tag` of each name, with the commit it tags, from one git call."""
    fields = "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
    patterns = [f"refs/tags/{tag_name(n, '')}*" for n in names]
    out = git(root, "for-each-ref", "--merged", head, f"--format={fields}", *patterns)
    commit_of: dict[str, str] = {}
    for line in out.splitlines():
        tag, kind, sha, peeled_kind, peeled = line.split("\0")
        if kind == "commit" or peeled_kind == "commit":
            commit_of[tag] = sha if kind == "commit" else peeled
        elif (deep := rev(root, f"refs/tags/{tag}")) is not None:  # a tag of a tag (older git)
            commit_of[tag] = deep
    ordered = sorted(commit_of)  # by name, as last_tag lists them
    result: dict[str, tuple[str, str, str] | None] = {}
    for name in names:
        prefix = tag_name(name, "")
        start = end = bisect.bisect_left(ordered, prefix)  # the names with it are together
        while end < len(ordered) and ordered[end].startswith(prefix):
            end += 1
        best = highest(prefix, ordered[start:end])
        result[name] = (best[0], best[1], commit_of[best[0]]) if best else None
    return result


def _common(root: str, tips: list[str]) -> list[str]:
    """The best common ancestors of ``tips``: their ancestors are in no package's range."""
    return git(root, "merge-base", "--octopus", "--all", *tips, check=False).split()


def _ancestors(graph: dict[str, tuple[str, ...]], start: str) -> set[str]:
    """``start`` and its ancestors among the commits of ``graph`` (sha -> parents)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        sha = todo.pop()
        if sha not in seen and sha in graph:
            seen.add(sha)
            todo.extend(graph[sha])
    return seen


def changes(root: str, revs: list[str]) -> list[Commit]:
    """The commits of ``revs`` as :func:`log` orders them, merges too, with the paths each changes.

    ``--no-renames``: a rename is both paths, as a pathspec sees it; ``--root``: the first commit
    adds its files; ``--relative``: paths from the root, which is where pathspecs start. These
    and the others hold whatever the user's git settings say (log.showRoot, diff.renames, …).
    """
    options = ["-z", "--name-only", "--no-renames", "--root", "--relative", "--no-color"]
    options += ["--no-show-signature"]
    out = git_bytes(root, "log", *options, "--format=%x00%H %P%x00%B%x00", *revs, "--")
    # Each commit: NUL, "sha parents", NUL, message, NUL, git's NUL, then "\n" and its paths,
    # each ending in NUL (paths are never empty, so the next NUL starts the next commit).
    tokens = out.split(b"\0")
    commits = []
    i, n = 0, len(tokens)
    while i + 3 < n:
        if tokens[i] or tokens[i + 3] or not tokens[i + 1]:
            raise ReleaseError(f"git log: unexpected output at {tokens[i][:60]!r} (in {root})")
        sha, *parents = tokens[i + 1].decode("ascii").split()
        raw, paths = tokens[i + 2], []
        i += 4
        if i < n and tokens[i].startswith(b"\n"):
            paths.append(tokens[i][1:])
            i += 1
            while i < n and tokens[i]:
                paths.append(tokens[i])
                i += 1
        commits.append(Commit(sha, tuple(parents), raw, tuple(paths)))
    return commits
