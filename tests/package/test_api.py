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

import pytest

import template_python_rust_cmd as pkg
from template_python_rust_cmd import Stats, count_bytes, count_file

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]


def test_public_names() -> None:
    assert sorted(pkg.__all__) == ["Stats", "__version__", "count_bytes", "count_file"]
    for name in pkg.__all__:
        assert getattr(pkg, name) is getattr(pkg._native, name)
    assert Stats.__module__ == "template_python_rust_cmd"


def test_version_is_the_bindings_crate_version(repo_root: Path) -> None:
    """One version per package: the wheel's is the bindings crate's (docs/releasing.md)."""
    with open(repo_root / "crates" / "template-py" / "Cargo.toml", "rb") as f:
        cargo = tomllib.load(f)
    assert pkg.__version__ == cargo["package"]["version"]


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
ROOT_CHILD = """
import errno, sys
from template_python_rust_cmd import count_file
try:
    count_file(sys.argv[1])
except PermissionError as exc:
    assert exc.errno == errno.EACCES and exc.filename == sys.argv[1] and sys.argv[1] in str(exc)
    print("PermissionError")
"""


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
        capture_output=True, text=True,
    )  # fmt: skip
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
