"""ci_local runs exactly the run: lines of ci.yml's Linux x86-64 job, in order, like CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ci_gates.commands import ci_local

fake_nox_posix = pytest.mark.skipif(os.name == "nt", reason="the fake nox is a bash script")

FAKE_NOX = """#!/usr/bin/env bash
if [ "$1" = --version ]; then echo 2026.10.20; exit 0; fi
echo "$2 ${GATE_ENV:-} ${STEP_ENV:-} $(pwd)" >> "$NOX_LOG"
[ "$2" != bad ]
"""

CI_YML = """\
on: push
env:
  GATE_ENV: wf
jobs:
  gates:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        include:
          - { name: macos, os: macos-latest }
          - { name: linux-x86_64, os: ubuntu-latest }
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
      - run: uv tool install nox==2026.10.20
      - run: nox -s first
        env:
          STEP_ENV: step-${{ matrix.name }}
      - if: ${{ !cancelled() }}
        run: nox -s bad
      - if: ${{ !cancelled() }}
        run: nox -s after
      - run: nox -s skipped_after_failure
      - if: always()
        run: nox -s report
  other:
    runs-on: ubuntu-latest
    steps:
      - run: nox -s not_this_job
"""


@pytest.fixture
def fake_nox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    nox = bin_dir / "nox"
    nox.write_text(FAKE_NOX)
    nox.chmod(0o755)
    log = tmp_path / "nox.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("NOX_LOG", str(log))
    return log


@fake_nox_posix
def test_runs_the_linux_job_in_order_and_continues_like_ci(make_repo, fake_nox, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({".github/workflows/ci.yml": CI_YML}, git=False)
    assert ci_local.main(str(root)) == 1
    calls = fake_nox.read_text().splitlines()
    assert [c.split()[0] for c in calls] == ["first", "bad", "after", "report"]
    assert calls[0] == f"first wf step-linux-x86_64 {root}"
    out = capsys.readouterr().out
    assert "skip setup step `uv tool install nox==2026.10.20` (nox 2026.10.20 matches)" in out
    assert "skip `nox -s skipped_after_failure`" in out
    assert "1 of 6 steps failed" in out


@fake_nox_posix
def test_passes_when_every_step_passes(make_repo, fake_nox) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({".github/workflows/ci.yml": CI_YML.replace("nox -s bad", "nox -s good")})
    assert ci_local.main(str(root)) == 0
    assert "skipped_after_failure" in fake_nox.read_text()


def test_no_linux_job_cannot_run(make_repo, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_repo(
        {".github/workflows/ci.yml": CI_YML.replace("ubuntu-latest", "windows-latest")}
    )
    assert ci_local.main(str(root)) == 2
    assert "no job with run: steps runs on Linux x86-64" in capsys.readouterr().err


def test_missing_ci_yml_cannot_run(make_repo) -> None:  # type: ignore[no-untyped-def]
    assert ci_local.main(str(make_repo({}, git=False))) == 2


@fake_nox_posix
def test_list_prints_the_commands_without_running(make_repo, fake_nox, capsys) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({".github/workflows/ci.yml": CI_YML}, git=False)
    assert ci_local.main(str(root), list_only=True) == 0
    assert not fake_nox.exists()
    assert "nox -s first\nnox -s bad\n" in capsys.readouterr().out
