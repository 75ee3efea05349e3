"""``nox -s fix`` (``python -m ci_gates.commands.fix``): the mechanical fixes the gates ask for, applied for real."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.commands import fix
from ci_gates.core.runner import PASSED
from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]

CARGO_TOML = '[package]\nname = "fx"\nversion = "0.2.0"\nedition = "2021"\n\n[workspace]\n'
STALE_LOCK = 'version = 4\n\n[[package]]\nname = "fx"\nversion = "0.1.0"\n'
UGLY_PY = '"""Doc."""\n\nimport os\nimport sys\n\nVALUE = {1:2, "p": sys.path}\n'


def test_fix_repairs_python_findings_and_leaves_what_needs_a_hand(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # F841 (an unused local) has only an unsafe fix: ruff leaves it, and so does `nox -s fix`.
    root = make_repo({"pkg/ugly.py": UGLY_PY, "pkg/hand.py": "def f():\n    x = 1\n"})
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
