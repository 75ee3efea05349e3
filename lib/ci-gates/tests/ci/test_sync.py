"""``nox -s sync`` (ci_gates.core.sync): derived places are rewritten between markers, idempotently; --check reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.core import sync
from ci_gates.core.registry import Registry, builtin
from ci_gates.testing.plugin import MakeRepo
from tests.ci.conftest import HOUSE_STYLE, HOUSE_STYLE_PYPROJECT

CI = ".github/workflows/ci.yml"
IN_CI = [g.name for g in Registry(builtin()).gates if g.in_ci]

CI_TEXT = """\
name: ci
on: [push]
jobs:
  gates:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4   # a comment sync must keep
      - run: uv tool install nox==1
      # >>> ci-gates
      - name: stale
        run: nox -s loc
      # <<< ci-gates
      - name: after
        run: echo untouched
"""
README = "# x\n\nintro\n\n<!-- >>> ci-gates -->\nold table\n<!-- <<< ci-gates -->\n\ntail text\n"


def repo(
    make_repo: MakeRepo, ci: str = CI_TEXT, readme: str = README, pyproject: str | None = None
) -> Path:
    files = {CI: ci, "README.md": readme, "pyproject.toml": pyproject or HOUSE_STYLE_PYPROJECT}
    return make_repo(files, git=False)


def test_sync_rewrites_only_between_the_markers(make_repo: MakeRepo) -> None:
    root = repo(make_repo)
    written, _ = sync.sync(str(root))
    assert written == [CI, "README.md"]
    ci = (root / CI).read_text(encoding="utf-8")
    before, _, rest = CI_TEXT.partition("      # >>> ci-gates\n")
    _, _, after = rest.partition("      # <<< ci-gates\n")
    assert ci.startswith(before) and ci.endswith(after)
    assert ci.count("run: nox -s ") == len(IN_CI) + 1
    assert (
        "      - name: pytest\n        if: ${{ !cancelled() }}\n        run: nox -s pytest\n" in ci
    )
    assert ci.index("nox -s pytest") < ci.index("nox -s report")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# x\n\nintro\n\n") and readme.endswith("\n\ntail text\n")
    assert "| `workflows` |" in readme and "old table" not in readme


def test_sync_is_idempotent(make_repo: MakeRepo) -> None:
    root = repo(make_repo)
    sync.sync(str(root))
    first = {p: (root / p).read_bytes() for p in (CI, "README.md")}
    assert sync.sync(str(root))[0] == []
    assert {p: (root / p).read_bytes() for p in (CI, "README.md")} == first
    assert sync.ci_steps_stale(str(root)) == [] and sync.readme_table_stale(str(root)) == []


def test_crlf_files_keep_their_line_endings(make_repo: MakeRepo) -> None:
    root = make_repo({CI: CI_TEXT.replace("\n", "\r\n"), "README.md": README}, git=False)
    sync.sync(str(root))
    data = (root / CI).read_bytes()
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_stale_blocks_are_findings_that_say_run_sync(make_repo: MakeRepo) -> None:
    root = repo(make_repo)
    (found,) = sync.ci_steps_stale(str(root))
    assert (found.rule, found.path, found.line) == ("SYN001", CI, 9)
    assert found.message.startswith(
        "the gate steps between the sync markers are stale (missing readme"
    )
    assert found.fix == "run `nox -s sync`"
    (table,) = sync.readme_table_stale(str(root))
    assert (table.rule, table.path, table.line, table.fix) == (
        "SYN002",
        "README.md",
        5,
        "run `nox -s sync`",
    )


def test_out_of_order_steps_are_stale(make_repo: MakeRepo) -> None:
    root = repo(make_repo)
    sync.sync(str(root))
    text = (root / CI).read_text(encoding="utf-8")
    loc = "      - name: loc\n        if: ${{ !cancelled() }}\n        run: nox -s loc\n"
    readme = loc.replace("loc", "readme")
    (root / CI).write_text(text.replace(loc + readme, readme + loc), encoding="utf-8")
    (found,) = sync.ci_steps_stale(str(root))
    assert "(out of order)" in found.message


def test_skipped_gates_and_their_dependents_get_no_step(make_repo: MakeRepo) -> None:
    pyproject = (
        '[project]\nname = "x"\n' + HOUSE_STYLE + 'skip = { build = "no wheel in this project" }\n'
    )
    root = repo(make_repo, pyproject=pyproject)
    sync.sync(str(root))
    ci = (root / CI).read_text(encoding="utf-8")
    for name in ("build", "native_import", "wheel", "stubs", "parity", "pytest", "action_surface"):
        assert f"nox -s {name}\n" not in ci, name
    assert "nox -s cargo_test\n" in ci
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "(skipped here: no wheel in this project)" in readme
    assert "(skipped here: skipped because build is skipped)" in readme


def test_files_without_markers_are_left_alone(make_repo: MakeRepo) -> None:
    root = repo(make_repo, ci="name: ci\n", readme="# x\n")
    written, notes = sync.sync(str(root))
    assert written == [] and len(notes) == 2
    assert (root / CI).read_text(encoding="utf-8") == "name: ci\n"
    assert sync.ci_steps_stale(str(root)) == []


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a\n# >>> ci-gates\nb\n", 0, "never closed"),
        ("a\n# <<< ci-gates\n", 2, "without a `# >>> ci-gates` above it"),
        ("# >>> ci-gates\n# >>> ci-gates\n# <<< ci-gates\n", 2, "a second"),
    ],
)
def test_broken_markers(make_repo: MakeRepo, text: str, line: int, words: str) -> None:
    root = repo(make_repo, ci=text)
    with pytest.raises(sync.SyncError, match=words):
        sync.sync(str(root))
    (found,) = sync.ci_steps_stale(str(root))
    assert (found.rule, found.line) == ("SYN001", line) and words in found.message
    assert found.fix == "fix the markers, then run `nox -s sync`"


def test_main_check_and_write(make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(repo(make_repo))
    assert sync.main(["--check"], root) == 1
    assert "[SYN001]" in capsys.readouterr().out
    assert sync.main([], root) == 0
    assert f"sync: wrote {CI}" in capsys.readouterr().out
    assert sync.main(["--check"], root) == 0
    assert sync.main(["--bogus"], root) == 2
