from __future__ import annotations

from pathlib import Path


def test_make_repo_commits_files(make_repo) -> None:  # type: ignore[no-untyped-def]
    root: Path = make_repo({"a/b.txt": "x\n"})
    assert (root / "a/b.txt").read_text() == "x\n"
    assert (root / ".git").is_dir()
