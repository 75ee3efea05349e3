"""Synthetic release histories for tests and benchmarks: a Cargo workspace of many release crates.

:func:`workspace` writes one with ``git fast-import`` (thousands of commits in a second): each
commit changes one or two packages, some merge side branches, tags mark earlier releases, paths
include odd and non-UTF-8 names. ``Shape`` varies what it writes besides packages × commits.
"""

from __future__ import annotations

import os
import random
import subprocess
from typing import NamedTuple

EPOCH = 1_700_000_000

PYPROJECT = """\
[project]
name = "synthetic"
version = "0.0.0"
"""


class Shape(NamedTuple):
    """What :func:`workspace` writes besides packages × commits (the defaults: the bench's)."""

    seed: int = 0
    merges: bool = True  # side branches, merged back
    spread: bool = False  # releases along the way (else every tag is on the first commit)
    untagged: int = 0  # packages never released (first releases)
    odd: bool = False  # renames, empty commits, non-UTF-8 and glob-like file names, clock skew


def crate(i: int) -> str:
    return f"pkg-{i:03d}"


def _pyproject(n: int, rng: random.Random) -> str:
    text = PYPROJECT
    for i in range(n):
        deps = sorted({crate(rng.randrange(i)) for _ in range(rng.randrange(3))}) if i else []
        text += (
            f'\n[[tool.ci-gates.release.packages]]\nname = "{crate(i)}"\nkind = "crates"\n'
            f'path = "crates/{crate(i)}"\n'
            f'paths = ["crates/{crate(i)}/**", "docs/{crate(i)}/**/*.md"]\n'
            f"depends_on = {deps!r}\n".replace("'", '"')
        )
    return text


class _Stream:
    """A ``git fast-import`` stream; each branch tip's files are tracked to write merges."""

    def __init__(self, rng: random.Random, odd: bool) -> None:
        self.out: list[bytes] = []
        self.rng, self.odd = rng, odd
        self.mark, self.when = 0, EPOCH

    def commit(self, message: str, parents: list[int], changes: list[bytes]) -> int:
        self.mark += 1
        self.when += self.rng.choice((0, 0, 1, 60))  # many commits share a second
        when = self.when - (3600 if self.odd and self.rng.random() < 0.03 else 0)  # skew
        msg = message.encode("utf-8")
        head = b"commit refs/heads/scratch\nmark :%d\n" % self.mark
        self.out.append(head + b"committer T <t@example.com> %d +0000\n" % when)
        self.out.append(b"data %d\n%s\n" % (len(msg), msg))
        if parents:
            self.out.append(b"from :%d\n" % parents[0])
        self.out += [b"merge :%d\n" % p for p in parents[1:]] + changes + [b"\n"]
        return self.mark

    def tag(self, name: str, mark: int, annotated: bool) -> None:
        if not annotated:
            self.out.append(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), mark))
            return
        self.out.append(b"tag %s\nfrom :%d\n" % (name.encode(), mark))
        self.out.append(b"tagger T <t@example.com> %d +0000\ndata 4\nnote\n" % self.when)


def _quoted(path: bytes) -> bytes:
    """A path in fast-import's C-style quoting (any byte but NUL)."""
    body = b"".join(
        bytes([c]) if 0x20 <= c < 0x7F and c not in b'"\\' else b"\\%03o" % c for c in path
    )
    return b'"' + body + b'"'


def _modify(files: dict[bytes, bytes], path: bytes, text: bytes) -> bytes:
    files[path] = text
    return b"M 100644 inline %s\ndata %d\n%s\n" % (_quoted(path), len(text), text)


_MESSAGES = (
    "feat({p}): add a thing",
    "fix({p}): mend a thing",
    "docs: explain {p}",
    "refactor({p}): tidy",
    "chore: touch {p}",
    "perf({p})!: faster, new API",
    "fix({p}): small\n\nRelease: minor",
    "feat({p}): internal\n\nRelease: skip",
    "ci: nothing for {p}",
    "not conventional, {p}",
)
_ODD_NAMES = (b"caf\xc3\xa9.rs", b"\xff\xfe.rs", b"a b*?.rs", b"x[1].rs", b"new\nline.rs")


def _change(s: _Stream, files: dict[bytes, bytes], n: int) -> tuple[str, list[bytes]]:
    """One ordinary commit's message and file commands."""
    rng = s.rng
    roll = rng.random()
    if s.odd and roll < 0.03:
        return "chore: empty", []
    owners = [rng.randrange(n) for _ in range(2 if roll > 0.93 else 1)]
    cmds: list[bytes] = []
    for i in owners:
        pkg = crate(i).encode()
        name = rng.choice((b"src/f%d.rs" % rng.randrange(20), b"README.md", b"Cargo.toml~"))
        path = b"crates/%s/%s" % (pkg, name)
        if roll > 0.97:
            path = b"docs/%s/guide/%s.md" % (pkg, rng.choice((b"intro", b"deep/more")))
        if s.odd and rng.random() < 0.05:
            path = b"crates/%s/%s" % (pkg, rng.choice(_ODD_NAMES))
        cmds.append(_modify(files, path, b"%d\n" % s.mark))
        if s.odd and rng.random() < 0.05 and path in files:  # a rename, maybe across packages
            to = b"crates/%s/src/moved%d.rs" % (crate(rng.randrange(n)).encode(), s.mark)
            cmds.append(b"R %s %s\n" % (_quoted(path), _quoted(to)))
            files[to] = files.pop(path)
    if roll < 0.06:
        cmds.append(_modify(files, b"README.md", b"%d\n" % s.mark))  # outside every package
    return rng.choice(_MESSAGES).format(p=crate(owners[0])), cmds


def _release(
    s: _Stream, mark: int, shape: Shape, released: list[int], version: dict[int, int]
) -> None:
    """Now and then, with tags spread along the history, a release of one package at ``mark``."""
    if not shape.spread or not released or s.rng.random() >= 0.02:
        return
    i = s.rng.choice(released)
    version[i] += 1
    s.tag(f"{crate(i)}-v1.{version[i]}.0", mark, annotated=s.rng.random() < 0.5)
    if s.rng.random() < 0.3:  # a pre-release of the same version: the same semver key
        s.tag(f"{crate(i)}-v1.{version[i]}.0-rc.1", mark, annotated=False)


def workspace(root: str, packages: int, commits: int, shape: Shape | None = None) -> None:
    """A git repository at ``root`` (checked out, on ``main``): a Cargo workspace of
    ``packages`` release crates and ``commits`` commits after the first one."""
    shape = shape or Shape()
    rng = random.Random(shape.seed)
    s = _Stream(rng, shape.odd)
    main: dict[bytes, bytes] = {}
    layout = {
        b"pyproject.toml": _pyproject(packages, rng).encode(),
        b"Cargo.toml": b'[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n',
        b".gitignore": b"target/\n",
    }
    for i in range(packages):
        manifest = f'[package]\nname = "{crate(i)}"\nversion = "0.{i % 3}.0"\nedition = "2021"\n'
        layout[b"crates/%s/Cargo.toml" % crate(i).encode()] = manifest.encode()
        layout[b"crates/%s/src/lib.rs" % crate(i).encode()] = b""
    cmds = []
    for path, text in layout.items():
        main[path] = text
        cmds.append(b"M 100644 inline %s\ndata %d\n%s\n" % (_quoted(path), len(text), text))
    tip = s.commit("chore: initial layout", [], cmds)
    released = list(range(shape.untagged, packages))
    version = dict.fromkeys(released, 0)
    for i in released:
        s.tag(f"{crate(i)}-v1.0.0", tip, annotated=i % 2 == 0)
    side: tuple[int, dict[bytes, bytes], dict[bytes, bytes]] | None = None  # tip, files, base
    for _ in range(commits):
        if shape.merges and side is None and rng.random() < 0.02:
            side = (tip, dict(main), dict(main))
        if side is not None and rng.random() < 0.5:  # a commit on the side branch
            message, cmds = _change(s, side[1], packages)
            side = (s.commit(message, [side[0]], cmds), side[1], side[2])
            _release(s, side[0], shape, released, version)
        elif side is not None and rng.random() < 0.1:  # merge it, with what it changed
            _, files, base = side
            cmds = [_modify(main, p, t) for p, t in files.items() if base.get(p) != t]
            gone = [p for p in base if p not in files and p in main]  # renamed on the side
            cmds += [b"D %s\n" % _quoted(p) for p in gone]
            for p in gone:
                del main[p]
            tip = s.commit("Merge branch 'side'", [tip, side[0]], cmds)
            side = None
        else:
            message, cmds = _change(s, main, packages)
            tip = s.commit(message, [tip], cmds)
            _release(s, tip, shape, released, version)
    s.out.append(b"reset refs/heads/main\nfrom :%d\n\n" % tip)
    os.makedirs(root, exist_ok=True)
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for args in (["init", "-q", "-b", "main"], ["fast-import", "--quiet"]):
        stdin = b"".join(s.out) if args[0] == "fast-import" else None
        subprocess.run(["git", "-C", root, *args], input=stdin, env=env, check=True)
    subprocess.run(["git", "-C", root, "checkout", "-q", "-f", "main"], env=env, check=True)
    subprocess.run(["git", "-C", root, "branch", "-q", "-D", "scratch"], env=env, check=True)
