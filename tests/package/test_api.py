"""The Python API of the installed package: import, version, count_bytes, count_file, Stats."""

from __future__ import annotations

import array
import errno
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.package.installed import NAMES, PACKAGE, Stats, count_bytes, count_file, pkg


def test_public_names() -> None:
    assert sorted(pkg.__all__) == ["Stats", "__version__", "count_bytes", "count_file"]
    for name in pkg.__all__:
        assert getattr(pkg, name) is getattr(pkg._native, name)
    assert Stats.__module__ == PACKAGE


def test_version_is_the_bindings_crate_version() -> None:
    """One version per package: the wheel's is the bindings crate's (docs/releasing.md)."""
    assert NAMES.bindings is not None and NAMES.bindings.version
    assert pkg.__version__ == NAMES.bindings.version


def test_docstrings_come_from_rust() -> None:
    for obj in (Stats, count_bytes, count_file, Stats.to_dict):
        assert obj.__doc__, obj


@pytest.mark.parametrize(
    "data",
    [
        b"hello world\nbye\n",
        bytearray(b"hello world\nbye\n"),
        memoryview(b"hello world\nbye\n"),
        memoryview(bytearray(b"hello world\nbye\n")),
        memoryview(b"XXhello world\nbye\nXX")[2:-2],
        memoryview(b"hello world\nbye\n").toreadonly(),
    ],
    ids=[
        "bytes",
        "bytearray",
        "memoryview",
        "memoryview-bytearray",
        "memoryview-slice",
        "readonly",
    ],
)
def test_count_bytes_accepts_bytes_like(data: bytes | bytearray | memoryview) -> None:
    assert count_bytes(data) == Stats(lines=2, words=3, bytes=16)


def test_count_bytes_other_buffers() -> None:
    ints = array.array("I", [0x41414141, 0x20202020, 0x0A424242])
    assert count_bytes(ints) == count_bytes(ints.tobytes())
    assert count_bytes(b"") == Stats()
    assert count_bytes(bytearray()) == Stats()


def test_count_bytes_copied_views_count_words_across_slices() -> None:
    # Sliced views are copied in 256 KiB pieces; words straddling the pieces count once.
    data = b"abcdefg \n\x00\xff\t" * 100_000
    for view in (memoryview(data)[1:], memoryview(data)[3:-5], memoryview(bytearray(data))[7:]):
        assert count_bytes(view) == count_bytes(view.tobytes())


@pytest.mark.parametrize(("data", "type_name"), [("text", "str"), (12, "int"), (None, "NoneType")])
def test_count_bytes_rejects_non_bytes_like(data: object, type_name: str) -> None:
    with pytest.raises(
        TypeError, match=f"^count_bytes\\(\\) expects a bytes-like object, not {type_name}$"
    ):
        count_bytes(data)  # type: ignore[arg-type]


def test_count_bytes_rejects_non_contiguous_views() -> None:
    with pytest.raises(BufferError, match="contiguous"):
        count_bytes(memoryview(b"a b c d")[::2])


def test_count_file_with_str_and_path(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"one two\n\tthree\r\n\x00\xff\n")
    expected = count_bytes(path.read_bytes())
    assert expected == Stats(lines=3, words=4, bytes=len(path.read_bytes()))
    assert count_file(str(path)) == expected
    assert count_file(path) == expected


class FsPath:
    """An ``os.PathLike`` whose ``__fspath__`` returns ``value`` (str, bytes, or anything)."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __fspath__(self) -> object:
        return self.value


@pytest.mark.parametrize(
    "make",
    [str, os.fsencode, Path, lambda p: FsPath(str(p)), lambda p: FsPath(os.fsencode(p))],
    ids=["str", "bytes", "Path", "PathLike-str", "PathLike-bytes"],
)
def test_count_file_accepts_what_open_accepts(tmp_path: Path, make: Callable[[Path], Any]) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"one two\nthree\n")
    with open(make(path), "rb") as f:  # the same object works with open()
        assert count_bytes(f.read()) == count_file(make(path)) == Stats(2, 3, 14)


@pytest.mark.skipif(sys.platform == "win32", reason="Windows file names are Unicode, not bytes")
def test_count_file_bytes_path_that_is_not_utf8(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/\xff\xfe.txt"
    with open(name, "wb") as f:
        f.write(b"a b c\n")
    assert count_file(name) == count_file(FsPath(name)) == Stats(1, 3, 6)


@pytest.mark.parametrize(
    "make",
    [os.fsencode, lambda p: FsPath(os.fsencode(p)), str, Path],
    ids=["bytes", "PathLike-bytes", "str", "Path"],
)
def test_errors_name_the_path_as_open_does(tmp_path: Path, make: Callable[[Path], Any]) -> None:
    missing = make(tmp_path / "missing.txt")
    with pytest.raises(FileNotFoundError) as ours:
        count_file(missing)
    with pytest.raises(FileNotFoundError) as opens:
        open(missing, "rb")
    assert ours.value.errno == opens.value.errno == errno.ENOENT
    assert ours.value.filename == opens.value.filename == os.fspath(missing)
    assert str(ours.value) == str(opens.value)


@pytest.mark.parametrize(("path", "type_name"), [(123, "int"), (None, "NoneType"), (1.5, "float")])
def test_count_file_rejects_other_types_saying_what_it_accepts(
    path: object, type_name: str
) -> None:
    expected = f"count_file() expects a path (str, bytes or os.PathLike), not {type_name}"
    with pytest.raises(TypeError) as info:
        count_file(path)  # type: ignore[arg-type]
    assert str(info.value) == expected


def test_count_file_rejects_a_pathlike_returning_neither_str_nor_bytes() -> None:
    with pytest.raises(TypeError, match=r"__fspath__\(\) to return str or bytes, not int"):
        count_file(FsPath(3))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path", ["a\0b", b"a\0b", FsPath(b"a\0b")], ids=["str", "bytes", "PathLike"]
)
def test_count_file_rejects_nul_like_open(path: Any) -> None:
    with pytest.raises(ValueError, match="^embedded null byte$"):
        open(path, "rb")
    with pytest.raises(ValueError, match="^embedded null byte$"):
        count_file(path)


# The child's reader thread blocks in count_file() opening a FIFO until the main thread (Python
# code, which needs the GIL) opens the other end: it finishes only if count_file released the
# GIL; otherwise it hangs and subprocess.run's timeout fails the test.
GIL_CHILD = (
    f"from {PACKAGE} import count_file\n"
    + """
import os, sys, threading, time
fifo = os.fsencode(sys.argv[1])
result = []
reader = threading.Thread(target=lambda: result.append(count_file(fifo)))
reader.start()
time.sleep(0.5)  # the reader is now blocked inside count_file; this thread needs the GIL back
with open(fifo, "wb") as w:
    w.write(b"one two\\n")
reader.join()
print(result[0])
"""
)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_count_file_releases_the_gil_while_it_waits(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    proc = subprocess.run(
        [sys.executable, "-c", GIL_CHILD, str(fifo)], capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "Stats(lines=1, words=2, bytes=8)"


def test_module_docstring_examples_hold() -> None:
    import doctest

    failures, tried = doctest.testmod(pkg, report=True)
    assert (failures, tried) == (0, 3)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(FileNotFoundError) as info:
        count_file(missing)
    assert info.value.errno == errno.ENOENT
    assert info.value.filename == str(missing)
    assert str(missing) in str(info.value)


@pytest.mark.skipif(
    sys.platform == "win32", reason="Windows reports a directory as PermissionError"
)
def test_directory(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as info:
        count_file(tmp_path)
    assert info.value.errno == errno.EISDIR
    assert info.value.filename == str(tmp_path)
    assert str(tmp_path) in str(info.value)


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0,
    reason="needs a POSIX non-root user: root bypasses file permission checks, so no file is unreadable",
)
def test_unreadable_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"x")
    secret.chmod(0)
    try:
        with pytest.raises(PermissionError) as info:
            count_file(secret)
    finally:
        secret.chmod(0o600)
    assert info.value.errno == errno.EACCES
    assert info.value.filename == str(secret)
    assert str(secret) in str(info.value)


# As root, drop the two capabilities that bypass permission checks (for this child only) and
# ask the same question: CI runs as root, and the mapping must still be proven there.
ROOT_CHILD = (
    f"from {PACKAGE} import count_file\n"
    + """
import errno, sys
try:
    count_file(sys.argv[1])
except PermissionError as exc:
    assert exc.errno == errno.EACCES and exc.filename == sys.argv[1] and sys.argv[1] in str(exc)
    print("PermissionError")
"""
)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="the root variant needs Linux, root and setpriv (util-linux)",
)
def test_unreadable_file_as_root_without_dac_override(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"x")
    secret.chmod(0)
    drop = "--bounding-set=-dac_override,-dac_read_search"
    proc = subprocess.run(
        ["setpriv", drop, sys.executable, "-c", ROOT_CHILD, str(secret)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "PermissionError"


def test_stats_value_semantics() -> None:
    s = Stats(lines=1, words=2, bytes=3)
    assert (s.lines, s.words, s.bytes) == (1, 2, 3)
    assert s == Stats(1, 2, 3)
    assert s != Stats(1, 2, 4)
    assert s != (1, 2, 3)
    assert hash(s) == hash(Stats(1, 2, 3))
    assert len({s, Stats(1, 2, 3), Stats()}) == 2
    assert repr(s) == "Stats(lines=1, words=2, bytes=3)"
    assert s.to_dict() == {"lines": 1, "words": 2, "bytes": 3}
    assert list(s.to_dict()) == ["lines", "words", "bytes"]
    assert Stats() == Stats(0, 0, 0)


@pytest.mark.parametrize("name", ["lines", "words", "bytes", "other"])
def test_stats_is_frozen(name: str) -> None:
    s = Stats(1, 2, 3)
    with pytest.raises(AttributeError):
        setattr(s, name, 5)
    assert s == Stats(1, 2, 3)


def test_stats_pickles_by_value() -> None:
    s = Stats(1, 2, 3)
    assert pickle.loads(pickle.dumps(s)) == s
