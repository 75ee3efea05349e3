"""The ``parity`` gate: the vectors format, comparison, output parsing, and run() with fake surfaces."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci.gates import parity
from ci_gates.core.findings import CANNOT_RUN_RULE
from ci_gates.core.runner import CANNOT_RUN, FAILED, PASSED
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT as MINIMAL
from ci_gates.testing.wheels import CARGO, CLI_CRATE, PYPROJECT

# This project's own gate, declared the way pyproject.toml declares it.
PLUGIN = '\n[tool.ci-gates]\nplugins = ["ci.gates.parity"]\n'

MakeRepo = Callable[..., Path]

REPO = Path(__file__).resolve().parents[2]
VECTORS_DIR = REPO / "tests" / "vectors"
C_SPACE = b" \t\n\v\f\r"


def reference(data: bytes) -> list[int]:
    """The definition, one byte at a time, written independently of the Rust core: a word is a
    maximal run of bytes that are not C-locale whitespace (NUL and bytes >= 0x80 included)."""
    words, in_word = 0, False
    for b in data:
        words += b not in C_SPACE and not in_word
        in_word = b not in C_SPACE
    return [data.count(b"\n"), words, len(data)]


def test_repository_vectors_load_cleanly_and_match_the_reference_model() -> None:
    vectors, found = parity.load_vectors(
        (VECTORS_DIR / "vectors.json").read_text(), str(VECTORS_DIR)
    )
    assert found == []
    assert len(vectors) >= 20
    for v in vectors:
        got = reference(parity.vector_bytes(v, str(VECTORS_DIR)))
        assert got == [v.expected[f] for f in parity.FIELDS], v.name
    files = {v.file for v in vectors if v.file}
    assert files == {p.name for p in VECTORS_DIR.glob("*.bin")}, "every .bin is listed, once"
    assert any(v.generate and v.expected["bytes"] > 256 * 1024 for v in vectors)


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        ([{"name": "a", "file": "a.bin", "lines": 0, "words": 0, "bytes": 1}], None),
        ([{"name": "g", "generate": [["ab \u00ff", 2]], "lines": 0, "words": 2, "bytes": 8}], None),
        ([{"file": "a.bin", "lines": 0, "words": 0, "bytes": 1}], "vector #1 has no usable name"),
        (
            [{"name": "a", "file": "a.bin", "lines": 0, "words": -1, "bytes": 1}],
            "words must be non-negative",
        ),
        (
            [{"name": "a", "file": "a.bin", "lines": 0, "words": True, "bytes": 1}],
            "words must be non-negative",
        ),
        (
            [{"name": "a", "lines": 0, "words": 0, "bytes": 0}],
            'needs exactly one of "file" and "generate"',
        ),
        (
            [{"name": "a", "file": "missing.bin", "lines": 0, "words": 0, "bytes": 0}],
            "'missing.bin' is not in",
        ),
        (
            [{"name": "a", "generate": [["\u0100", 1]], "lines": 0, "words": 1, "bytes": 2}],
            "latin-1",
        ),
        (
            [{"name": "a", "generate": [["x", 1 << 30]], "lines": 0, "words": 1, "bytes": 1 << 30}],
            "at most",
        ),
        (
            [{"name": "a", "file": "a.bin", "lines": 0, "words": 0, "bytes": 1}] * 2,
            "duplicate name",
        ),
    ],
)
def test_load_vectors(tmp_path: Path, vectors: list[object], message: str | None) -> None:
    (tmp_path / "a.bin").write_bytes(b" ")
    text = json.dumps({"vectors": vectors}, indent=1)
    got, found = parity.load_vectors(text, str(tmp_path))
    if message is None:
        assert found == [] and len(got) == 1
    else:
        assert [f.rule for f in found] == ["PAR001"] and message in found[0].message, found
        assert found[0].path == "tests/vectors/vectors.json" and found[0].fix
        name_line = next((n for n, t in enumerate(text.splitlines(), 1) if '"name"' in t), 0)
        assert found[0].line == name_line  # the line of the vector's "name" (0: it has none)


def test_load_vectors_rejects_bad_json_and_shape(tmp_path: Path) -> None:
    assert "not valid JSON" in parity.load_vectors("{", str(tmp_path))[1][0].message
    assert "top level" in parity.load_vectors("[]", str(tmp_path))[1][0].message


def test_generated_vector_bytes() -> None:
    v = parity.Vector("g", 1, None, [("a\r", 2), ("\u00ff", 1)], {})
    assert parity.vector_bytes(v, ".") == b"a\ra\r\xff"


CRLF = parity.Vector("crlf", 14, "crlf.bin", None, {"lines": 2, "words": 3, "bytes": 16})


@pytest.mark.parametrize(
    ("got", "expected"),
    [
        ([2, 3, 16], []),
        ([2, 2, 16], [("PAR002", "vector 'crlf' words: expected 3, S says 2")]),
        (
            [1, 3, 15],
            [
                ("PAR002", "vector 'crlf' lines: expected 2, S says 1"),
                ("PAR002", "vector 'crlf' bytes: expected 16, S says 15"),
            ],
        ),
        ("exit 2: boom", [("PAR003", "vector 'crlf': S failed: exit 2: boom")]),
        (
            {"lines": 2},
            [("PAR003", "vector 'crlf': S failed: gave {'lines': 2}, not [lines, words, bytes]")],
        ),
    ],
)
def test_compare(got: object, expected: list[tuple[str, str]]) -> None:
    found = parity.compare(CRLF, "S", got)
    assert [(f.rule, f.message) for f in found] == expected
    assert all(f.location() == "tests/vectors/vectors.json:14" and "S" in f.fix for f in found)


@pytest.mark.parametrize(
    ("data", "modern", "fields"),
    [
        (b"a b\r\n\t\v\f~", False, ("lines", "words", "bytes")),
        (b"a\x00b", False, ("lines", "bytes")),
        (b"caf\xc3\xa9", False, ("lines", "bytes")),
        (b"a\x00b", True, ("lines", "words", "bytes")),
    ],
)
def test_wc_fields(data: bytes, modern: bool, fields: tuple[str, ...]) -> None:
    assert parity.wc_fields(data, modern) == fields


def test_compare_limited_fields() -> None:
    assert parity.compare(CRLF, "wc", [2, 1, 16], fields=("lines", "bytes")) == []


def test_parse_cli_json_and_wc() -> None:
    assert parity.parse_cli_json('[{"path":"-","lines":1,"words":2,"bytes":3}]') == [1, 2, 3]
    assert "not a JSON array of one" in str(parity.parse_cli_json("[]"))
    assert "not a JSON array of one" in str(parity.parse_cli_json("1 2 3 x"))
    assert parity.parse_wc("  2  3 16 /tmp/crlf.bin\n") == [2, 3, 16]
    assert "unexpected output" in str(parity.parse_wc("wc: x: No such file\n"))


# --- run() with fake surfaces --------------------------------------------------------------------

FAKE_PACKAGE = """\
class Stats:
    def __init__(self, data):
        words = len(bytes(data).split())  # bytes.split() splits at the C-locale whitespace
        self.lines, self.words, self.bytes = bytes(data).count(b"\\n"), words, len(data)

def count_bytes(data):
    return Stats(data)

def count_file(path):
    with open(path, "rb") as f:
        return Stats(f.read())
"""
FAKE_CLI = """\
import json, sys
sys.path.insert(0, {pkg_dir!r})
from acme_wc import count_bytes
args = [a for a in sys.argv[2:] if a != "--json"] or ["-"]
data = sys.stdin.buffer.read() if args[0] == "-" else open(args[0], "rb").read()
s = count_bytes(data)
words = s.words + (1 if args[0] == "-" and {stdin_bug} else 0)
print(json.dumps([{{"path": args[0], "lines": s.lines, "words": words, "bytes": s.bytes}}]))
"""


def fake_venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stdin_bug: bool = False) -> None:
    pkg_dir = tmp_path / "site"
    (pkg_dir / "acme_wc").mkdir(parents=True)
    (pkg_dir / "acme_wc" / "__init__.py").write_text(FAKE_PACKAGE)
    scripts = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    scripts.mkdir(parents=True)
    exe = scripts / "acme-count"
    exe.write_text(
        f"#!{sys.executable}\n" + FAKE_CLI.format(pkg_dir=str(pkg_dir), stdin_bug=stdin_bug)
    )
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    (scripts / "python").symlink_to(sys.executable)
    monkeypatch.setenv("PYTHONPATH", str(pkg_dir))
    from ci_gates.checks import artifacts

    monkeypatch.setattr(
        artifacts, "wheel_venv", lambda root, name, extra=None, python=None: str(scripts.parent)
    )


def vectors_repo(make_repo: MakeRepo, words_off: int = 0, cli: bool = True) -> Path:
    """A project named acme-wc (CLI acme-count, unless ``cli`` is false) with three vectors."""
    vectors = [
        {"name": "crlf", "file": "crlf.bin", "lines": 2, "words": 3 + words_off, "bytes": 16},
        {"name": "nul", "file": "nul.bin", "lines": 1, "words": 2, "bytes": 6},
        {
            "name": "big",
            "generate": [["abcdefg hij\n", 30000]],
            "lines": 30000,
            "words": 60000,
            "bytes": 360000,
        },
    ]
    return make_repo(
        {
            "pyproject.toml": PYPROJECT + PLUGIN,
            "Cargo.toml": CARGO,
            **(CLI_CRATE if cli else {}),
            "tests/vectors/vectors.json": json.dumps({"vectors": vectors}, indent=1),
            "tests/vectors/crlf.bin": (VECTORS_DIR / "crlf.bin").read_bytes(),
            "tests/vectors/nul.bin": (VECTORS_DIR / "nul.bin").read_bytes(),
        },
        git=False,
    )


def test_run_passes_when_every_surface_agrees(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_venv(tmp_path, monkeypatch)
    outcome = run_gate("parity", vectors_repo(make_repo))
    assert outcome.status == PASSED, outcome.text
    assert set(outcome.rules) <= {"PAR006"}  # notes about this machine's wc only


def test_run_names_vector_field_and_every_disagreeing_surface(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_venv(tmp_path, monkeypatch)
    outcome = run_gate("parity", vectors_repo(make_repo, words_off=1))
    assert outcome.status == FAILED
    errors = [f for f in outcome.findings if f.rule == "PAR002"]
    assert all(f.location() == "tests/vectors/vectors.json:4" for f in errors)
    head = "vector 'crlf' words: expected 4, "
    surfaces = {f.message[len(head) :] for f in errors if f.message.startswith(head)}
    assert {
        "acme-count (file) says 3",
        "acme-count (stdin) says 3",
        "count_file says 3",
        "count_bytes says 3",
    } <= surfaces
    assert all("vector 'crlf'" in f.message for f in errors)


def test_run_names_the_one_surface_that_disagrees(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_venv(tmp_path, monkeypatch, stdin_bug=True)
    outcome = run_gate("parity", vectors_repo(make_repo))
    errors = [f.message for f in outcome.findings if f.rule == "PAR002"]
    assert any(m.endswith("words: expected 3, acme-count (stdin -) says 4") for m in errors)
    assert not any("(file)" in m or "count_" in m for m in errors)


def test_run_fails_on_an_unlisted_vector_file(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_venv(tmp_path, monkeypatch)
    root = vectors_repo(make_repo)
    (root / "tests" / "vectors" / "stray.bin").write_bytes(b"x")
    outcome = run_gate("parity", root)
    assert [f.text() for f in outcome.findings if f.rule == "PAR004"] == [
        "tests/vectors/stray.bin: not listed in tests/vectors/vectors.json; list it or delete it [PAR004]"
    ]
    assert outcome.status == FAILED


def test_run_without_a_cli_compares_the_python_surfaces_and_notes_it(
    make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_venv(tmp_path, monkeypatch)
    outcome = run_gate("parity", vectors_repo(make_repo, words_off=1, cli=False))
    assert "the CLI not compared: this project has no CLI crate" in outcome.text
    assert not any("acme-count" in f.message for f in outcome.findings)
    assert any(f.message.endswith("count_bytes says 3") for f in outcome.findings)


def test_run_with_no_usable_vector_fails(make_repo: MakeRepo) -> None:
    root = make_repo(
        {"pyproject.toml": MINIMAL + PLUGIN, "tests/vectors/vectors.json": '{"vectors": []}'},
        git=False,
    )
    assert run_gate("parity", root).rules == ["PAR005"]


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    outcome = run_gate("parity", vectors_repo(make_repo))
    assert outcome.status == CANNOT_RUN and outcome.rules == [CANNOT_RUN_RULE]
    assert "nox -s build" in outcome.text
