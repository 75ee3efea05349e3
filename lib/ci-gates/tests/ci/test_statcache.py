"""The stat cache: a file's hash is reused only while its stat proves the bytes unchanged.

Every case that could serve a stale hash is here: a same-size rewrite, a rewrite within the
racy window, an old modification time put back (``touch -d``), a replaced file (new inode), a
deleted file, a table written by another process. A stale hash would let a cached pass stand
after a change, so each case must give the new bytes' hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from ci_gates.core import cache, statcache
from ci_gates.core.registry import Gate

FAKE = "ab" * 32  # a hash no file here has: returning it proves the entry was reused


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def planted(path: Path, *, hashed_at: int) -> statcache.StatCache:
    """A table whose entry for ``path`` matches its stat and claims :data:`FAKE`."""
    table = statcache.StatCache(str(path.parent / "table.json"))
    table._entries[str(path)] = [statcache._signature(os.stat(path)), hashed_at, FAKE]
    return table


def old_enough(path: Path) -> int:
    st = os.stat(path)
    return max(st.st_mtime_ns, st.st_ctime_ns) + statcache.RACY_NS + 1


def test_an_unchanged_file_is_not_read_again(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"one\n")
    assert planted(path, hashed_at=old_enough(path)).sha256(str(path)) == FAKE


def test_an_entry_hashed_within_the_racy_window_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"one\n")
    table = planted(path, hashed_at=old_enough(path) - 2)
    assert table.sha256(str(path)) == sha(b"one\n")


@pytest.mark.parametrize("how", ["same size", "new inode", "old mtime put back", "deleted"])
def test_a_change_is_always_seen(tmp_path: Path, how: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"one\n")
    before = os.stat(path)
    table = planted(path, hashed_at=old_enough(path) + 10 * statcache.RACY_NS)
    if how == "same size":
        path.write_bytes(b"two\n")
    elif how == "new inode":
        other = tmp_path / "b.txt"
        other.write_bytes(b"two\n")
        os.replace(other, path)
    elif how == "old mtime put back":
        path.write_bytes(b"two\n")
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # ctime still moves
    else:
        path.unlink()
    expected = statcache.MISSING if how == "deleted" else sha(b"two\n")
    assert table.sha256(str(path)) == expected


def test_the_table_survives_the_process_and_checks_itself(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"one\n")
    table = statcache.StatCache(str(tmp_path / "table.json"))
    assert table.sha256(str(path)) == sha(b"one\n")
    table.save()
    stored = json.loads((tmp_path / "table.json").read_text(encoding="utf-8"))
    assert stored["entries"][str(path)][2] == sha(b"one\n")
    path.write_bytes(b"two\n")  # same size, same tick: only the racy rule can tell
    assert statcache.StatCache(str(tmp_path / "table.json")).sha256(str(path)) == sha(b"two\n")


def test_an_unreadable_table_is_empty(tmp_path: Path) -> None:
    (tmp_path / "table.json").write_text("{not json", encoding="utf-8")
    path = tmp_path / "a.txt"
    path.write_bytes(b"x")
    assert statcache.StatCache(str(tmp_path / "table.json")).sha256(str(path)) == sha(b"x")


def test_the_digest_sees_a_same_size_edit_right_after_a_run(tmp_path: Path) -> None:
    """Warm pass, then a seeded fault of the same size within the same second: a new digest."""
    import subprocess

    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "a.py").write_text("x = 1\n", encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    gate = Gate("a", "A", inputs=("src/**",))
    first = cache.Digester(str(root))
    before = first.digest(gate, {"a": gate})
    first.save()
    statcache._TABLES.clear()  # as a new process: the table is read back from disk
    (root / "src" / "a.py").write_text("x = 2\n", encoding="utf-8")
    assert cache.Digester(str(root)).digest(gate, {"a": gate}) != before


def test_the_table_lives_under_target_not_in_the_shared_result_cache(tmp_path: Path) -> None:
    table = statcache.for_root(str(tmp_path))
    assert table.path == str(tmp_path / "target" / "ci-gates" / "stat-cache.json")
    assert not table.path.startswith(cache.cache_dir(str(tmp_path)))
