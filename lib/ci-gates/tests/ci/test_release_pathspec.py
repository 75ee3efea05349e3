"""git's ``:(glob)`` pathspecs (what ``git log -- :(glob)P`` selects) against ci_gates/pathspec.py.

Each repository has one commit per path, adding it; ``history.log`` with one glob (the
per-package reading's own call) names the commits, hence the paths, git selects.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

import pytest

from ci_gates.checks.versioning import history
from ci_gates.checks.versioning.pathspec import matcher
from tests.ci.releasing import ReleaseRepo

CORE, PY = "crates/core/src/lib.rs", "python/demo/__init__.py"

PATHS = [
    b"crates/x",
    b"crates/core/Cargo.toml",
    b"crates/core/src/lib.rs",
    b"crates/core2/y",
    b"crates/cored",
    b"crates/core/src/deep/er/m.rs",
    b"crates-extra/x",
    b"cratesfile",
    b"python/demo/__init__.py",
    b"pyproject.toml",
    b"a.rs",
    b"sub/python/x",
    b"lit*/z",
    b"docs/guide/deep/a.md",
    b"docs/a.md",
    b"docs/b.txt",
    b"caf\xc3\xa9.rs",
    b"\xff\xfe/raw.rs",
    b"sp ace/x y.rs",
    b"brack[1]/z",
    b"q?/w",
    b"new\nline",
    b"]x",
    b"-x",
    b"!bang",
    b":colon",
]
PATTERNS = [
    "crates/*",
    "crates/**",
    "crates/core/**",
    "crates/core",
    "**/python/**",
    "**/*.rs",
    "*.rs",
    "crates/core*",
    "crates/*/src/*.rs",
    "lit*",
    "**",
    "*",
    "?",
    "crates/**/lib.rs",
    "crates**",
    "docs/**/*.md",
    "docs/*.md",
    "caf?.rs",
    "caf??.rs",
    "caf\u00e9.rs",
    "[a-c]*.rs",
    "[!a]*.rs",
    "[]]x",
    "brack[[]1]/z",
    "q[?]/w",
    "sub/**/x",
    "sub**/x",
    "a/**b",
    "**/deep/**",
    "crates/core/src/**/m.rs",
    "new*",
    "*/*/*",
    "[-]x",
    "[x-]*",
    "[^c]*",
    "!bang",
    ":colon",
    "crates/co[r-r]e/**",
    "sp ace/*",
    "*/raw.rs",
    "pyproject.toml",
    "python",
    "crates/z-a/**",
    "[z-a]*",
    "crates[!a]x",
    "crates[/]x",
    "crates?x",
]


def fast_import(root: Path, paths: list[bytes]) -> None:
    """One commit per path (its index as the subject), each adding that file."""
    stream = []
    for i, path in enumerate(paths):
        quoted = b'"' + b"".join(b"\\%03o" % c for c in path) + b'"'
        stream.append(
            b"commit refs/heads/main\ncommitter T <t@e> 1 +0000\ndata %d\n%d\n"
            % (len(b"%d" % i), i)
        )
        stream.append(b"M 100644 inline %s\ndata 1\nx\n\n" % quoted)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(stream), check=True
    )


def selected(root: Path, paths: list[bytes], glob: str) -> tuple[set[bytes], set[bytes]]:
    """The paths git's ``:(glob)`` selects, and those the matcher selects."""
    by_git = {paths[int(msg)] for _, msg in history.log(str(root), ["main"], [glob])}
    match = matcher([glob])
    assert match is not None, glob
    return by_git, {p for p in paths if match(p)}


@pytest.fixture(scope="module")
def path_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("paths")
    fast_import(root, PATHS)
    return root


@pytest.mark.parametrize("glob", PATTERNS)
def test_pathspec_matches_like_git(path_repo: Path, glob: str) -> None:
    by_git, ours = selected(path_repo, PATHS, glob)
    assert ours == by_git


def test_pathspec_matches_like_git_on_random_patterns(tmp_path: Path) -> None:
    rng = random.Random(23)
    parts = ["a", "b", "ab", "a.rs", "b.md", "c"]
    paths = sorted(
        {"/".join(rng.choice(parts) for _ in range(rng.randint(1, 4))) for _ in range(80)}
    )
    paths = [p for p in paths if not any(q.startswith(p + "/") for q in paths)]  # files only
    fast_import(tmp_path, [p.encode() for p in paths])
    tokens = ["a", "b", ".rs", "/", "/", "*", "**", "**/", "?", "[ab]", "[!a]", "[a-b]", "c"]
    for _ in range(120):
        glob = "".join(rng.choice(tokens) for _ in range(rng.randint(1, 6)))
        if matcher([glob]) is None:
            continue
        by_git, ours = selected(tmp_path, [p.encode() for p in paths], glob)
        assert ours == by_git, glob


@pytest.mark.parametrize(
    "glob",
    [
        "crates/core/",
        "./crates/**",
        "crates//core",
        "a/../b",
        "/abs",
        "crates\\core",
        "[[:alpha:]]*",
        "[ab",
        ".",
    ],
)
def test_what_the_matcher_leaves_to_git(glob: str) -> None:
    assert matcher(["python/**", glob]) is None


Read = dict[str, tuple[Optional[tuple[str, str]], list[tuple[str, str]]]]


def read(root: Path, packages: Mapping[str, tuple[str, ...]], per_package: bool) -> Read:
    """Each package's last tag and its commits with their messages, read either way."""
    since = (history.per_package if per_package else history.since_last_tags)(str(root), packages)
    return {
        n: (s.last, [(sha, history.message(raw)) for sha, raw in s.commits])
        for n, s in since.items()
    }


def test_globs_and_environments_it_leaves_to_git_are_read_per_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "0.1.0")
    repo.tag_all("0.1.0")
    repo.commit("fix: both", CORE, PY)
    repo.commit("fix: another case", "Python/Demo/X.py")
    packages = {"demo-core": ("./crates/core/**",), "demo": ("python/**",)}
    plain = read(repo.root, packages, False)
    assert plain == read(repo.root, packages, True)
    monkeypatch.setenv("GIT_ICASE_PATHSPECS", "1")  # `Python/Demo/X.py` is in `python/**` now
    icase = read(repo.root, packages, False)
    assert icase == read(repo.root, packages, True)
    assert [len(r["demo"][1]) for r in (plain, icase)] == [1, 2]
