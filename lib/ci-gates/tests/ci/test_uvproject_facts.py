"""The hook judges ``uv run`` from manifests kept as JSON: no ``tomllib`` while they are unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

MATURIN = "[build-system]\nrequires = ['maturin>=1.5']\nbuild-backend = 'maturin'\n"
ASK = (
    "import json, sys; from ci_gates.parsers.uvproject import native_build; "
    "print(json.dumps([native_build(sys.argv[1], sys.argv[1]), 'tomllib' in sys.modules]))"
)


def _ask(root: Path) -> list[object]:
    out = subprocess.run(
        [sys.executable, "-c", ASK, str(root)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _write(path: Path, text: str, age: float = 60.0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    then = time.time() - age
    os.utime(path, (then, then))


def test_an_unchanged_manifest_is_read_back_without_tomllib(tmp_path: Path) -> None:
    _write(
        tmp_path / "pyproject.toml",
        "[project]\nname = 'r'\ndependencies = ['core']\n[tool.uv]\npackage = false\n"
        "[tool.uv.workspace]\nmembers = ['rs']\n[tool.uv.sources]\ncore = { workspace = true }\n",
    )
    _write(tmp_path / "rs" / "pyproject.toml", MATURIN + "[project]\nname = 'core'\n")
    first = _ask(tmp_path)
    assert first == [[True, "rs/pyproject.toml"], True]
    facts = tmp_path / "target" / "ci-gates" / "pyproject-facts.json"
    assert len(json.loads(facts.read_text())) == 2
    assert _ask(tmp_path) == [[True, "rs/pyproject.toml"], False]  # same answer, no tomllib


def test_a_changed_manifest_is_parsed_again(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", MATURIN + "[project]\nname = 'r'\n")
    assert _ask(tmp_path) == [[True, ""], True]
    _write(
        tmp_path / "pyproject.toml", MATURIN + "[project]\nname = 'r'\n[tool.uv]\npackage = false\n"
    )
    assert _ask(tmp_path) == [[False, ""], True]
    assert _ask(tmp_path) == [[False, ""], False]


def test_a_manifest_written_just_now_is_not_kept(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", MATURIN + "[project]\nname = 'r'\n", age=0.0)
    assert _ask(tmp_path) == [[True, ""], True]
    assert _ask(tmp_path) == [[True, ""], True]  # still parsed: it may change again unseen
    assert not (tmp_path / "target" / "ci-gates" / "pyproject-facts.json").exists()


def test_a_damaged_facts_file_is_parsed_around(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", MATURIN + "[project]\nname = 'r'\n")
    facts = tmp_path / "target" / "ci-gates" / "pyproject-facts.json"
    facts.parent.mkdir(parents=True)
    facts.write_text("{not json")
    assert _ask(tmp_path) == [[True, ""], True]
    assert _ask(tmp_path) == [[True, ""], False]
