"""Differential tests: the installed package and CLI against ``LC_ALL=C wc -l -w -c``.

Words follow current GNU coreutils in the C locale: maximal runs of bytes that are not
whitespace, so NUL, other control bytes and bytes >= 0x80 are word bytes. Older GNU ``wc``
(coreutils 9.1, for one) lets such non-printable bytes neither start nor end a word; with
such a ``wc`` the word comparison is limited to files of whitespace and printable ASCII,
while lines and bytes are still compared on every file.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.package.installed import Stats, count_bytes, count_file

WC = shutil.which("wc")
# The commands below read only the (absolute) paths and the input they are given: they run
# away from the repository, whose files are none of theirs.
AWAY = tempfile.gettempdir()
needs_wc = pytest.mark.skipif(WC is None, reason="wc is not on PATH; nothing to compare against")

WHITESPACE = b" \t\n\x0b\x0c\r"
PRINTABLE = bytes(range(0x21, 0x7F))
OTHER = bytes(
    b for b in range(256) if b not in WHITESPACE and b not in PRINTABLE
)  # NUL, controls, high


def reference(data: bytes) -> Stats:
    """The definition, one byte at a time."""
    words, in_word = 0, False
    for b in data:
        is_word_byte = b not in WHITESPACE
        words += is_word_byte and not in_word
        in_word = is_word_byte
    return Stats(lines=data.count(b"\n"), words=words, bytes=len(data))


def generate(rng: random.Random, size: int, alphabet: bytes) -> bytes:
    out = bytearray()
    while len(out) < size:
        b = alphabet[rng.randrange(len(alphabet))]
        run = rng.randrange(1, 300) if rng.random() < 0.05 else 1  # long lines and long blanks
        out += bytes([b]) * min(run, size - len(out))
    return bytes(out)


def wc(*args: str, stdin: Path | None = None) -> bytes:
    assert WC is not None
    env = {**os.environ, "LC_ALL": "C"}
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
        return subprocess.run(
            [WC, "-l", "-w", "-c", *args],
            stdin=f,
            env=env,
            capture_output=True,
            check=True,
            cwd=AWAY,
        ).stdout


def _wc_words(data: bytes) -> int:
    assert WC is not None
    env = {**os.environ, "LC_ALL": "C"}
    out = subprocess.run(
        [WC, "-w"], input=data, env=env, capture_output=True, check=True, cwd=AWAY
    ).stdout
    return int(out.split()[0])


def make_files(root: Path, alphabet: bytes, count: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    sizes = [0, 1, 2, 7, 64, 255, 4096, 65_537, 300_000] + [
        rng.randrange(0, 20_000) for _ in range(count)
    ]
    paths = []
    for i, size in enumerate(sizes[:count]):
        path = root / f"gen-{seed}-{i:02d}.bin"
        path.write_bytes(generate(rng, size, alphabet))
        paths.append(path)
    return paths


def test_reference_matches_count_bytes_on_random_inputs() -> None:
    rng = random.Random(7)
    alphabet = WHITESPACE * 3 + PRINTABLE[:8] + OTHER[:8] + b"\x00\x80\xff"
    for _ in range(300):
        data = generate(rng, rng.randrange(0, 3000), alphabet)
        assert count_bytes(data) == reference(data), data


@pytest.fixture(scope="module")
def modern_wc() -> bool:
    return _wc_words(b"\x01\x80") == 1


@needs_wc
def test_files_rich_in_every_byte_kind(tmp_path: Path, cli: Path, modern_wc: bool) -> None:
    files = make_files(tmp_path, WHITESPACE * 4 + PRINTABLE[:10] + OTHER, count=25, seed=1)
    for path in files:
        expected = wc(str(path)).split()
        got = count_file(path)
        assert [int(expected[0]), int(expected[2])] == [got.lines, got.bytes], path
        if modern_wc:
            assert int(expected[1]) == got.words, path
    if modern_wc:
        assert_cli_matches_wc(cli, files)


@needs_wc
def test_files_of_whitespace_and_printable_ascii(tmp_path: Path, cli: Path) -> None:
    files = make_files(tmp_path, WHITESPACE * 4 + PRINTABLE, count=25, seed=2)
    for path in files:
        lines, words, nbytes, _ = wc(str(path)).split()
        assert Stats(int(lines), int(words), int(nbytes)) == count_file(path), path
    assert_cli_matches_wc(cli, files)


def assert_cli_matches_wc(cli: Path, files: list[Path]) -> None:
    """Byte-for-byte equal output: counts, column width, names, the total row."""
    names = [str(p) for p in files]
    ours = subprocess.run(
        [str(cli), "count", *names], capture_output=True, check=True, cwd=AWAY
    ).stdout
    assert ours == wc(*names)
    with open(files[-1], "rb") as f:
        ours = subprocess.run(
            [str(cli), "count"], stdin=f, capture_output=True, check=True, cwd=AWAY
        ).stdout
    assert ours == wc(stdin=files[-1])


# File names that a text row must print exactly as `LC_ALL=C wc` does: as is, or shell-quoted
# ('we"ird'$'\n''name.txt') when the name holds a newline.
ODD_NAMES = [
    b"plain.txt",
    b"sp ace",
    b"it's",
    b"tab\tx",
    b"ctl\x01x",
    b"del\x7fx",
    b"\xff\xfe-not-utf8",
    b'we"ird\nname.txt',
    b"nl\n",
    b"\nlead",
    b"q'\n\"",
    b"a\tb\x01\n\x7f c",
    "é\nx".encode(),
    b"\x1b[31m\n",
    b"$x `y` \\z ~#*?[]{}|&;<>!^=%@\n",
]


@needs_wc
@pytest.mark.skipif(os.name != "posix", reason="file names are bytes only on POSIX")
def test_odd_file_names_print_exactly_like_wc(tmp_path: Path, cli: Path) -> None:
    for i, name in enumerate(ODD_NAMES):
        with open(os.fsencode(tmp_path) + b"/" + name, "wb") as f:
            f.write(b"x y\n" * (i + 1))
    env = {**os.environ, "LC_ALL": "C"}
    ours = subprocess.run(
        [os.fsencode(cli), b"count", *ODD_NAMES], cwd=tmp_path, capture_output=True, check=True
    ).stdout
    theirs = subprocess.run(
        [os.fsencode(WC or "wc"), b"-l", b"-w", b"-c", *ODD_NAMES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=True,
    ).stdout
    assert ours.decode("latin-1").splitlines() == theirs.decode("latin-1").splitlines()
    assert ours == theirs
    assert b" 'we\"ird'$'\\n''name.txt'\n" in ours
