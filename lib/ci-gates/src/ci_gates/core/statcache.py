"""File digests reused while a file's stat is unchanged: what git's index does for ``git status``.

A cached run hashes every file a gate declares (every tracked file, for a gate that declares
none), the library's own files and its source checkout: most of a warm run's time. A file whose
size, modification time, change time, inode and device are what they were when its bytes were
hashed holds the same bytes, except in the case git calls *racily clean*: a write within the
same timestamp tick as the earlier look leaves every one of those unchanged. So an entry is
trusted only when the file's times were at least :data:`RACY_NS` older than the moment it was
hashed (a file written just before or during a run is hashed again next time), and "now" is the
earlier of this machine's clock and the file system's (a probe file's mtime), so a file server
whose clock runs behind cannot make a fresh write look old. The change time cannot be set from
user space, so ``touch -d`` or ``cp -p`` of older bytes over a file still shows.

The table is ``target/ci-gates/stat-cache.json`` under the project: never in the result cache
directory CI shares (inodes mean nothing on another machine), never a part of any digest. Two
processes writing it at once lose some entries, which costs a re-hash, never a wrong digest:
every entry checks itself against the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time

TABLE = os.path.join("target", "ci-gates", "stat-cache.json")
RACY_NS = 3_000_000_000  # > the coarsest timestamp tick (FAT: 2 s) plus a tick of clock skew
VERSION = 1
MISSING = "missing"


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class StatCache:
    """sha256 of files by absolute path, reusing a hash while the file's stat is unchanged."""

    def __init__(self, path: str = "") -> None:
        self.path = path  # "" = in memory only
        self._lock = threading.Lock()
        self._entries: dict[str, list[object]] = {}
        self._dirty = False
        self._now: int | None = None
        if path:
            try:
                with open(path, encoding="utf-8") as f:
                    data = json.load(f)
                if isinstance(data, dict) and data.get("version") == VERSION:
                    entries = data.get("entries")
                    self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError):
                pass

    def now(self) -> int:
        """The earlier of the machine's clock and the file system's, in ns (measured once)."""
        if self._now is None:
            clock = time.time_ns()
            if self.path:
                probe = f"{self.path}.{os.getpid()}.{threading.get_ident()}.clock"
                try:
                    os.makedirs(os.path.dirname(probe), exist_ok=True)
                    with open(probe, "w", encoding="utf-8"):
                        pass
                    clock = min(clock, os.stat(probe).st_mtime_ns)
                    os.remove(probe)
                except OSError:
                    pass
            self._now = clock
        return self._now

    def sha256(self, path: str) -> str:
        """The file's sha256 (hex), or :data:`MISSING` when it cannot be read."""
        try:
            st = os.stat(path)
        except OSError:
            return MISSING
        sig = _signature(st)
        entry = self._entries.get(path)
        if isinstance(entry, list) and len(entry) == 3 and entry[0] == sig:
            hashed_at, digest = entry[1], entry[2]
            if isinstance(hashed_at, int) and max(sig[1], sig[2]) < hashed_at - RACY_NS:
                return str(digest)
        now = self.now()  # taken before the read: a write after it is never older than it
        try:
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            return MISSING
        with self._lock:
            self._entries[path] = [sig, now, digest]
            self._dirty = True
        return digest

    def save(self) -> None:
        """Write the table when something changed (atomically; a failure only costs speed)."""
        if not self.path or not self._dirty:
            return
        with self._lock:
            data = {"version": VERSION, "entries": dict(self._entries)}
            self._dirty = False
        tmp = f"{self.path}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            try:
                os.remove(tmp)
            except OSError:
                pass


_TABLES: dict[str, StatCache] = {}
_TABLES_LOCK = threading.Lock()


def for_root(root: str) -> StatCache:
    """The table of the project at ``root`` (one object per process)."""
    path = os.path.join(os.path.abspath(root), TABLE)
    with _TABLES_LOCK:
        if path not in _TABLES:
            _TABLES[path] = StatCache(path)
        return _TABLES[path]


def in_memory() -> StatCache:
    """A table kept for this process only (no project to keep it in)."""
    with _TABLES_LOCK:
        if "" not in _TABLES:
            _TABLES[""] = StatCache()
        return _TABLES[""]


_CURRENT: list[StatCache] = []


def use(root: str) -> StatCache:
    """Make the table of ``root`` the one :func:`current` returns (the project being run)."""
    table = for_root(root)
    _CURRENT[:] = [table]
    return table


def current() -> StatCache:
    """The table of the project this process runs (:func:`use`), else one in memory."""
    return _CURRENT[0] if _CURRENT else in_memory()


def save_all() -> None:
    with _TABLES_LOCK:
        tables = list(_TABLES.values())
    for table in tables:
        table.save()


def walk(top: str, names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(path relative to ``top``, path) of every file under ``top`` in a stable order, without
    ``__pycache__`` and ``.pyc`` files; only names ending in one of ``names`` when given."""
    out = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".pyc") or (names and not name.endswith(names)):
                continue
            path = os.path.join(dirpath, name)
            out.append((os.path.relpath(path, top).replace(os.sep, "/"), path))
    return out


def files_digest(files: list[tuple[str, str]], table: StatCache) -> str:
    """sha256 over each (name, path) as the name and the sha256 of the file's bytes."""
    h = hashlib.sha256()
    for rel, path in files:
        digest = table.sha256(path)
        if digest == MISSING:
            digest = hashlib.sha256(b"").hexdigest()
        h.update(f"{rel}\0".encode() + bytes.fromhex(digest))
    return h.hexdigest()
