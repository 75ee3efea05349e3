"""The ``stubs`` gate: allowlist reasons, stubtest output parsing, and run() without a build."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from ci import gates
from ci.gates import stubs

MakeRepo = Callable[..., Path]

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("text", "entries", "bad_lines"),
    [
        ("", [], []),
        ("# header only\n", [], []),
        ("# why: pyo3 adds it\npkg.mod.__all__\n", [(2, "pkg.mod.__all__")], []),
        ("pkg.mod.__all__  # pyo3 adds it\n", [(1, "pkg.mod.__all__")], []),
        ("pkg.mod.__all__\n", [(1, "pkg.mod.__all__")], [1]),
        ("pkg.mod.x  #\n", [(1, "pkg.mod.x")], [1]),  # an empty comment is no reason
        # one comment covers the block below it, up to a blank line
        ("# reason\na\nb\n\nc\n", [(2, "a"), (3, "b"), (5, "c")], [5]),
        # the header, separated by a blank line, is nobody's reason
        ("# header\n\npkg.x\n", [(3, "pkg.x")], [3]),
        ("# r\npkg.(\n", [(2, "pkg.(")], [2]),  # not a valid regex
        ("  # indented reason\n  pkg.y\n", [(2, "pkg.y")], []),
    ],
)
def test_parse_allowlist(text: str, entries: list[tuple[int, str]], bad_lines: list[int]) -> None:
    got, problems = stubs.parse_allowlist(text)
    assert [(e.line, e.entry) for e in got] == entries
    assert [line for line, _ in problems] == bad_lines
    assert all("reason" in msg or "regex" in msg for _, msg in problems)


def test_the_repository_allowlist_is_well_formed() -> None:
    _, problems = stubs.parse_allowlist((REPO / "ci" / "stubtest-allowlist.txt").read_text())
    assert problems == []


# Real mypy 2.4.1 stubtest output (paths shortened).
STUBTEST_OUTPUT = """\
error: template_python_rust_cmd._native.__all__ is not present in stub
Stub: in file /v/lib/python3.11/site-packages/template_python_rust_cmd/_native.pyi
MISSING
Runtime:
<module 'template_python_rust_cmd._native' from '/v/lib/pytho...

error: template_python_rust_cmd._native.count_file is inconsistent, stub parameter "p" differs from runtime parameter "path"
Stub: in file /v/lib/python3.11/site-packages/template_python_rust_cmd/_native.pyi:41
def (p: builtins.str | os.PathLike[builtins.str]) -> template_python_rust_cmd._native.Stats
Runtime:
def (path)

note: unused allowlist entry template_python_rust_cmd._native.Stats.__match_args__
Found 3 errors (checked 2 modules)
"""


def test_parse_stubtest_maps_errors_to_the_repository_stub() -> None:
    findings, unused = stubs.parse_stubtest(STUBTEST_OUTPUT)
    pyi = "python/template_python_rust_cmd/_native.pyi"
    assert findings == [
        stubs.Finding(pyi, None, "template_python_rust_cmd._native.__all__ is not present in stub"),
        stubs.Finding(
            pyi,
            41,
            'template_python_rust_cmd._native.count_file is inconsistent, stub parameter "p" '
            'differs from runtime parameter "path"',
        ),
    ]
    assert unused == ["template_python_rust_cmd._native.Stats.__match_args__"]


def test_parse_stubtest_success() -> None:
    assert stubs.parse_stubtest("Success: no issues found in 2 modules\n") == ([], [])


def test_run_fails_on_an_allowlist_entry_without_a_reason(make_repo: MakeRepo) -> None:
    root = make_repo({"ci/stubtest-allowlist.txt": "# header\n\npkg.x\n"}, git=False)
    # The allowlist is checked before anything needs a build: the finding names file and line.
    assert stubs.run(str(root)) == 1  # a failure even though stubtest itself could not run
    assert gates.messages[0].startswith("ci/stubtest-allowlist.txt:3: allowlist entry 'pkg.x'")
    assert "manifest" in gates.messages[-1]


def test_run_fails_when_the_allowlist_is_missing(make_repo: MakeRepo) -> None:
    root = make_repo({}, git=False)
    assert stubs.run(str(root)) == 1
    assert gates.messages[0].startswith("ci/stubtest-allowlist.txt: cannot read")


def test_run_reads_the_allowlist_path_from_config(make_repo: MakeRepo) -> None:
    pyproject = (
        '[project]\nname = "x"\nversion = "0"\n\n[tool.ci-gates.stubs]\nallowlist = "al.txt"\n'
    )
    root = make_repo({"pyproject.toml": pyproject, "al.txt": "nope.x\n"}, git=False)
    assert stubs.run(str(root)) == 1
    assert gates.messages[0].startswith("al.txt:1: ")


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    root = make_repo({"ci/stubtest-allowlist.txt": "# header\n"}, git=False)
    assert stubs.run(str(root)) == 2
    assert gates.messages == [gates.messages[0]] and "nox -s build" in gates.messages[0]
