"""This project's noxfile: the library's sessions for this project, plus its own benchmarks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nox.registry
import pytest

from ci_gates.core.sessions import session_names

ROOT = Path(__file__).resolve().parents[2]


def test_the_noxfile_defines_the_librarys_sessions_and_the_bench(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    monkeypatch.setattr(nox.registry, "_REGISTRY", {})
    spec = importlib.util.spec_from_file_location("_noxfile_under_test", ROOT / "noxfile.py")
    assert spec and spec.loader
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert set(nox.registry.get()) == set(session_names(str(ROOT)))
    assert "bench" in nox.registry.get() and "parity" in nox.registry.get()


def test_the_noxfile_runs_as_a_script_and_reads_no_private_nox_state() -> None:
    text = (ROOT / "noxfile.py").read_text()
    assert "._runner" not in text and "global_config" not in text and "_REGISTRY" not in text
    assert text.startswith("#!") and 'if __name__ == "__main__":\n    nox.main()' in text
    proc = subprocess.run(
        [sys.executable, "noxfile.py", "-l"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
