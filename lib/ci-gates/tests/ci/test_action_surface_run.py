"""The ``action_surface`` gate's run() on fixture projects, with a fake built CLI."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]
FIXTURES = Path(__file__).parent / "fixtures" / "surface"
# The real `--dump-surface` of this repository's CLI, renamed to the fixture project's `acme-cli`.
REAL: dict[str, Any] = json.loads((FIXTURES / "acme-cli.json").read_text(encoding="utf-8"))

# --- run() on fixture projects, with a fake built CLI --------------------------------------

PYPROJECT = '[project]\nname = "acme"\nversion = "0"\n\n[tool.ci-gates.project]\nformer-cli-names = ["old-cli"]\n'
CARGO = {
    "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
    "crates/acme-cli/Cargo.toml": '[package]\nname = "acme-cli"\nversion = "0.1.0"\n\n[[bin]]\nname = "acme-cli"\npath = "src/main.rs"\n',
}
ACTION = """\
name: fixture
description: fixture action
runs:
  using: composite
  steps:
    - shell: bash
      env:
        PATHS: ${{ inputs.paths }}
      run: |
        echo "acme-cli run is data"
        acme-cli count --json $PATHS > counts.json
    - shell: bash
      run: acme-cli --version
"""
WORKFLOW = """\
on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: acme-cli count --max-lines 400 src/*.rs
"""
README = """\
# fixture

```sh
acme-cli count --json README.md
```

```text
acme-cli frobnicate   (not a shell block: not checked)
```
"""
FILES = {
    "pyproject.toml": PYPROJECT,
    **CARGO,
    "action.yml": ACTION,
    ".github/workflows/ci.yml": WORKFLOW,
    "README.md": README,
}


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake wheel venv whose acme-cli prints the real surface for ``--dump-surface``."""
    scripts = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    scripts.mkdir(parents=True)
    exe = scripts / "acme-cli"
    exe.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"if sys.argv[1:] != ['--dump-surface']:\n    sys.exit('unexpected call: ' + repr(sys.argv))\n"
        f"sys.stdout.write(open({str(FIXTURES / 'acme-cli.json')!r}).read())\n",
        encoding="utf-8",
    )
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    from ci_gates.checks import artifacts

    monkeypatch.setattr(artifacts, "wheel_venv", lambda root, name, extra=None: str(scripts.parent))
    return exe


def test_run_passes_a_clean_project_with_a_summary(make_repo: MakeRepo, fake_cli: Path) -> None:
    outcome = run_gate("action_surface", make_repo(FILES, git=False))
    assert outcome.status == "passed", outcome.text
    assert outcome.rules == ["AS008"]
    assert "checked 4 call(s) of `acme-cli`" in outcome.text


@pytest.mark.parametrize(
    ("rel", "old", "new", "rule", "line", "message"),
    [
        (
            "action.yml",
            "acme-cli --version",
            "acme-cli frobnicate",
            "AS001",
            13,
            "`acme-cli` has no subcommand 'frobnicate' (subcommands: count)",
        ),
        (
            "action/cleanup/action.yml",
            "count --json",
            "count --jsn",
            "AS002",
            11,
            "`acme-cli count` has no option '--jsn'",
        ),
        (
            ".github/workflows/ci.yml",
            "--max-lines 400",
            "--max-line 400",
            "AS002",
            6,
            "`acme-cli count` has no option '--max-line'",
        ),
        (
            "README.md",
            "--json README.md",
            "--no-such-flag README.md",
            "AS002",
            4,
            "`acme-cli count` has no option '--no-such-flag'",
        ),
        (
            "docs/guide.md",
            "acme-cli count --json",
            "old-cli count --json",
            "AS004",
            4,
            "calls `old-cli`, which this project does not build (its CLI is `acme-cli`)",
        ),
        (
            ".github/workflows/ci.yml",
            "run: acme-cli",
            "run: old-cli",
            "AS004",
            6,
            "calls `old-cli`",
        ),
    ],
)
def test_run_names_file_line_and_culprit(
    make_repo: MakeRepo,
    fake_cli: Path,
    rel: str,
    old: str,
    new: str,
    rule: str,
    line: int,
    message: str,
) -> None:
    source = {
        "action.yml": ACTION,
        "action/cleanup/action.yml": ACTION,
        ".github/workflows/ci.yml": WORKFLOW,
        "README.md": README,
        "docs/guide.md": README,
    }[rel]
    outcome = run_gate(
        "action_surface", make_repo({**FILES, rel: source.replace(old, new)}, git=False)
    )
    assert outcome.status == "failed"
    bad = [f for f in outcome.findings if f.rule == rule]
    assert [(f.path, f.line) for f in bad] == [(rel, line)] and message in bad[0].message, (
        outcome.text
    )


def test_run_without_a_cli_notes_it_and_still_finds_stale_names(make_repo: MakeRepo) -> None:
    clean = run_gate("action_surface", make_repo({"README.md": README}, git=False))
    assert (clean.status, clean.rules) == ("passed", ["AS007"])
    assert "no CLI in this project" in clean.text
    stale = make_repo(
        {
            "pyproject.toml": PYPROJECT,
            "README.md": README.replace("acme-cli count", "old-cli count"),
        },
        git=False,
    )
    outcome = run_gate("action_surface", stale)
    assert (outcome.status, outcome.rules) == ("failed", ["AS007", "AS004"])
    assert "calls `old-cli`, which this project does not build (it builds no CLI)" in outcome.text


def test_run_reports_invalid_yaml(make_repo: MakeRepo, fake_cli: Path) -> None:
    outcome = run_gate("action_surface", make_repo({**FILES, "action.yml": "a: [\n"}, git=False))
    assert outcome.status == "failed" and outcome.findings[0].rule == "AS005"
    assert outcome.findings[0].path == "action.yml"


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    outcome = run_gate("action_surface", make_repo(FILES, git=False))
    assert outcome.status == "could not run"
    assert "nox -s build" in outcome.text


def test_run_when_the_wheel_has_no_cli_cannot_run(make_repo: MakeRepo, fake_cli: Path) -> None:
    fake_cli.unlink()
    outcome = run_gate("action_surface", make_repo(FILES, git=False))
    assert outcome.status == "could not run" and "installs no `acme-cli`" in outcome.text


@pytest.mark.parametrize(
    ("script", "why"),
    [
        ("import sys; sys.exit(2)", "exit 2"),
        ("print('Usage: acme-cli <COMMAND>')", "Expecting value"),
        ("print('{\"format\": 9}')", "format 1, got 9"),
    ],
)
def test_run_when_the_cli_gives_no_surface_cannot_run(
    make_repo: MakeRepo, fake_cli: Path, script: str, why: str
) -> None:
    fake_cli.write_text(f"#!{sys.executable}\n{script}\n", encoding="utf-8")
    outcome = run_gate("action_surface", make_repo(FILES, git=False))
    assert outcome.status == "could not run", outcome.text
    assert "`acme-cli --dump-surface` gave no command tree" in outcome.text and why in outcome.text
    assert "skip = { action_surface" in outcome.findings[0].fix


def test_run_flags_a_cli_that_names_itself_otherwise(
    make_repo: MakeRepo, fake_cli: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**REAL, "name": "other-cli"}), encoding="utf-8")
    fake_cli.write_text(
        f"#!{sys.executable}\nprint(open({str(other)!r}).read())\n", encoding="utf-8"
    )
    outcome = run_gate("action_surface", make_repo(FILES, git=False))
    assert outcome.status == "failed" and outcome.rules == ["AS006", "AS008"]
