"""pytest plugin of the gate library: ``make_repo`` builds throwaway fixture repositories.

Load it from a project's top-level ``conftest.py`` with ``pytest_plugins = ["ci_gates.testing.plugin"]``
to test the project's own gates (``ci_gates.testing.run_gate(name, root)``) the way the library
tests its own.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable, Union

import pytest

Files = dict[str, Union[str, bytes]]
MakeRepo = Callable[..., Path]

# A maturin project (what the gates are for): `uv run` in it builds a native extension.
MINIMAL_PYPROJECT = """\
[build-system]
requires = ["maturin>=1,<2"]
build-backend = "maturin"

[project]
name = "fixture"
version = "0.0.0"
"""


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """``make_repo({"path": "content", ...}, git=True)`` -> root of a new fixture repository.

    A minimal pyproject.toml is added unless ``files`` has one. With ``git=True`` every file
    is committed, so gates that look at git-tracked files see them.
    """
    counter = {"n": 0}

    def make(files: Files, git: bool = True) -> Path:
        counter["n"] += 1
        root = tmp_path / f"repo{counter['n']}"
        root.mkdir()
        files = {"pyproject.toml": MINIMAL_PYPROJECT, **files}
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        if git:
            env = {
                **os.environ,
                "GIT_AUTHOR_NAME": "t",
                "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "t",
                "GIT_COMMITTER_EMAIL": "t@example.com",
            }
            for cmd in (
                ["git", "init", "-q"],
                ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", "fixture"],
            ):
                subprocess.run(cmd, cwd=root, check=True, env=env)
        return root

    return make
