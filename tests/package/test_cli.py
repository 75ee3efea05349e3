"""The CLI executable the wheel installs: native, versioned, agreeing with the API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.package.installed import NAMES, cli_name, count_file

# Executable formats: ELF; Mach-O 64-bit (both byte orders), 32-bit, universal; PE ("MZ").
NATIVE_MAGIC = (
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"MZ",
)


def run(cli: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    # Every path a test passes is absolute: run away from the repository, whose files the
    # CLI has no business reading.
    return subprocess.run(
        [str(cli), *args], input=stdin, capture_output=True, timeout=60, check=False, cwd=cli.parent
    )


def test_cli_is_a_native_executable_not_a_script(cli: Path) -> None:
    head = cli.read_bytes()[:4]
    assert not head.startswith(b"#!"), (
        f"{cli} is a script (a Python launcher?), not the native binary"
    )
    assert head.startswith(NATIVE_MAGIC), (
        f"{cli} starts with {head!r}, not a known executable format"
    )
    if sys.platform.startswith("linux"):
        assert head == b"\x7fELF"


def cli_crate_version() -> str:
    """Each crate has its own version; the CLI reports its crate's (docs/releasing.md)."""
    assert NAMES.cli_crate is not None and NAMES.cli_crate.version
    return NAMES.cli_crate.version


def test_version_is_the_cli_crate_version(cli: Path) -> None:
    version = cli_crate_version()
    out = run(cli, "--version")
    assert out.returncode == 0
    assert out.stdout.decode() == f"{cli_name()} {version}\n"


def test_help_states_the_exit_code_policy(cli: Path) -> None:
    out = run(cli, "--help")
    assert out.returncode == 0
    text = out.stdout.decode()
    assert "count" in text
    assert "Exit codes" in text


def test_json_equals_count_file(cli: Path, tmp_path: Path) -> None:
    contents = [
        b"",
        b"no newline",
        b"a b\nc\n",
        b"\x00\x80\xff \t\x0b\x0c\r\n" * 100,
        b"word " * 10_000,
    ]
    paths = []
    for i, data in enumerate(contents):
        path = tmp_path / f"file {i}.txt"
        path.write_bytes(data)
        paths.append(path)
    out = run(cli, "count", "--json", *map(str, paths))
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [row["path"] for row in rows] == [str(p) for p in paths]
    for row, path in zip(rows, paths):
        assert list(row) == ["path", "lines", "words", "bytes"]
        assert {k: row[k] for k in ("lines", "words", "bytes")} == count_file(path).to_dict()


def test_stdin(cli: Path) -> None:
    out = run(cli, "count", "--json", "-", stdin=b"one two\nthree")
    assert json.loads(out.stdout) == [{"path": "-", "lines": 1, "words": 3, "bytes": 13}]


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["count", "--max-lines", "3", "{three}"], 0),
        (["count", "--max-lines", "2", "{three}"], 1),
        (["count", "{three}", "{missing}"], 2),
        (["count", "--max-lines", "1", "{three}", "{missing}"], 2),
        (["count", "{dir}"], 2),
        (["count", "--no-such-flag"], 2),
        ([], 2),
    ],
)
def test_exit_codes(cli: Path, tmp_path: Path, args: list[str], code: int) -> None:
    three = tmp_path / "three.txt"
    three.write_bytes(b"1\n2\n3\n")
    names = {"three": str(three), "missing": str(tmp_path / "missing"), "dir": str(tmp_path)}
    out = run(cli, *(a.format(**names) for a in args))
    assert out.returncode == code, out.stderr
    assert b"panicked" not in out.stderr


def test_unreadable_input_is_named_and_the_rest_counted(cli: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes(b"a b\n")
    missing = tmp_path / "missing.txt"
    out = run(cli, "count", str(missing), str(good))
    assert out.returncode == 2
    assert out.stderr.decode().splitlines() == [
        f"{cli_name()}: {missing}: No such file or directory"
    ]
    assert out.stdout.decode().splitlines()[0].split() == ["1", "2", "4", str(good)]


def test_over_budget_inputs_are_named(cli: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x\n" * 612)
    out = run(cli, "count", "--max-lines", "600", str(big))
    assert out.returncode == 1
    assert out.stderr.decode() == f"{cli_name()}: {big}: 612 lines, over --max-lines 600\n"


def test_dump_surface_is_hidden_json_of_the_command_tree(cli: Path) -> None:
    out = run(cli, "--dump-surface")
    assert out.returncode == 0, out.stderr
    surface = json.loads(out.stdout)
    assert (surface["format"], surface["name"], surface["version"]) == (
        1,
        cli_name(),
        cli_crate_version(),
    )
    count = next(s for s in surface["subcommands"] if s["name"] == "count")
    assert {f["long"] for f in count["flags"]} == {"json", "max-lines", "help"}
    assert count["json_fields"] == ["path", "lines", "words", "bytes"]
    assert [e["code"] for e in surface["exit_codes"]] == [0, 1, 2]
    assert b"dump-surface" not in run(cli, "--help").stdout
