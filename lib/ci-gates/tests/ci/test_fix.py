"""``nox -s fix`` (``python -m ci_gates.commands.fix``): the mechanical fixes the gates ask for, applied for real."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.commands import fix
from ci_gates.core.runner import PASSED
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT

MakeRepo = Callable[..., Path]

CARGO_TOML = '[package]\nname = "fx"\nversion = "0.2.0"\nedition = "2021"\n\n[workspace]\n'
STALE_LOCK = 'version = 4\n\n[[package]]\nname = "fx"\nversion = "0.1.0"\n'
UGLY_PY = '"""Doc."""\n\nimport os\nimport sys\n\nVALUE = {1:2, "p": sys.path}\n'


RUFF_PROJECT = MINIMAL_PYPROJECT + "\n[tool.ruff.lint]\nselect = ['E', 'F']\n\n[tool.ruff.format]\n"


def test_fix_repairs_python_findings_and_leaves_what_needs_a_hand(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # F841 (an unused local) has only an unsafe fix: ruff leaves it, and so does `nox -s fix`.
    files = {"pkg/ugly.py": UGLY_PY, "pkg/hand.py": "def f():\n    x = 1\n"}
    root = make_repo({**files, "pyproject.toml": RUFF_PROJECT})
    assert sorted(run_gate("ruff", root).rules) == ["RUFF001", "RUFF001", "RUFF002"]
    monkeypatch.chdir(root)
    assert fix.main([]) == 0
    assert (
        root / "pkg/ugly.py"
    ).read_text() == '"""Doc."""\n\nimport sys\n\nVALUE = {1: 2, "p": sys.path}\n'
    outcome = run_gate("ruff", root)
    assert outcome.rules == ["RUFF001"] and "F841" in outcome.text  # unsafe to fix: by hand
    out = capsys.readouterr().out
    assert "fix: ruff format:" in out and "no Cargo.toml; skipped" in out


def test_fix_rejects_arguments() -> None:
    assert fix.main(["--all"]) == 2


def test_fix_runs_no_ruff_the_project_never_chose(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"pkg/ugly.py": UGLY_PY})
    monkeypatch.chdir(root)
    assert fix.main([]) == 0
    assert (root / "pkg/ugly.py").read_text() == UGLY_PY
    assert "the project does not use ruff; skipped it" in capsys.readouterr().out


# A stand-in ruff: records its arguments and rewrites pyproject.toml, as a newer ruff's fix for
# a rule on pyproject.toml once did (lint.ignore codes into names the project's ruff rejects).
FAKE_RUFF = """\
import sys
with open("ruff-calls.txt", "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
with open("pyproject.toml", "a") as f:
    f.write("# rewritten\\n")
"""


def test_fix_never_edits_configuration_nor_applies_unsafe_fixes(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from ci_gates.checks.projecttools import Pin
    from ci_gates.gates import ruff

    pyproject = RUFF_PROJECT + "\n[tool.ruff]\nunsafe-fixes = true\n"
    root = make_repo(
        {"pkg/a.py": "X = 1\n", "pyproject.toml": pyproject, "fake_ruff.py": FAKE_RUFF}
    )
    pin = Pin("ruff", "ruff==0.6.9", "0.6.9", "uv.lock")
    monkeypatch.setattr(ruff, "ruff_command", lambda root: ([sys.executable, "fake_ruff.py"], pin))
    monkeypatch.chdir(root)
    assert fix.main([]) == 0
    assert (root / "pyproject.toml").read_text() == pyproject
    out = capsys.readouterr().out
    assert "fix: ruff 0.6.9 (from uv.lock)" in out
    assert "ruff changed pyproject.toml; restored it (fix never edits configuration)" in out
    check, fmt = (root / "ruff-calls.txt").read_text().splitlines()
    assert check.startswith("check --fix --no-unsafe-fixes") and fmt.startswith("format")
    assert "--unsafe-fixes" not in check.split() and "RUF100" not in check


@pytest.mark.cargo
@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_fix_formats_rust_and_updates_only_a_stale_lock(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_repo(
        {"Cargo.toml": CARGO_TOML, "Cargo.lock": STALE_LOCK, "src/lib.rs": "pub fn f()->u8{1}\n"}
    )
    assert fix.lock_is_stale(str(root))
    monkeypatch.chdir(root)
    assert fix.main([]) == 0
    assert (root / "src/lib.rs").read_text() == "pub fn f() -> u8 {\n    1\n}\n"
    assert 'version = "0.2.0"' in (root / "Cargo.lock").read_text()
    assert not fix.lock_is_stale(str(root))
    assert run_gate("fmt", root).status == PASSED
