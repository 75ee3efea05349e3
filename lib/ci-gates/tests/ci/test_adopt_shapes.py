"""``ci-gates adopt`` on workspaces: the maturin project in a sub-directory, found or named.

The configuration goes into the repository root's pyproject.toml (created, holding only the
gates' settings, when the root is a Cargo workspace without one).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core.config import parse
from ci_gates.core.project import names
from ci_gates.template import adopt

MakeRepo = Callable[..., Path]
REQUIREMENT = "ci-gates @ file:///opt/ci-gates"
MATURIN = '[build-system]\nrequires = ["maturin>=1.9,<2"]\nbuild-backend = "maturin"\n'


def maturin_project(prefix: str, name: str) -> dict[str, str]:
    return {
        f"{prefix}/pyproject.toml": f'{MATURIN}\n[project]\nname = "{name}"\nversion = "0.1.0"\n',
        f"{prefix}/Cargo.toml": (
            f'[package]\nname = "{name}"\nversion = "0.1.0"\n\n[lib]\ncrate-type = ["cdylib"]\n'
        ),
        f"{prefix}/src/lib.rs": "\n",
    }


def cargo_workspace(make_repo: MakeRepo) -> Path:
    """A Cargo workspace at the root (no pyproject.toml there), the maturin project in py/."""
    root = make_repo(
        {"Cargo.toml": '[workspace]\nmembers = ["py", "cli"]\n', **maturin_project("py", "fib")}
    )
    (root / "pyproject.toml").unlink()  # make_repo's default
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return root


def test_a_cargo_workspace_gets_a_root_pyproject_for_the_gates(make_repo: MakeRepo) -> None:
    root = cargo_workspace(make_repo)
    report = adopt.adopt(str(root), REQUIREMENT)
    assert "the maturin project: py/" in report
    assert "distribution fib, package fib" in report
    text = (root / "pyproject.toml").read_text()
    assert text.startswith("# The repository's tool configuration.")
    config = parse(root)  # valid, at the root
    assert config["skip"]["pytest"].startswith("no py/tests/ directory")
    assert names(root).project == "py"
    assert not (root / "py/noxfile.py").exists() and (root / "noxfile.py").is_file()
    assert "nothing changed" in adopt.adopt(str(root), REQUIREMENT)


def several(make_repo: MakeRepo) -> Path:
    files = {
        "pyproject.toml": '[tool.uv.workspace]\nmembers = ["examples/*"]\n',
        "Cargo.toml": '[workspace]\nmembers = ["examples/*"]\n',
        **maturin_project("examples/alpha", "alpha"),
        **maturin_project("examples/beta", "beta"),
        "examples/beta/tests/test_b.py": "def test_b(): pass\n",
    }
    return make_repo(files)


def test_several_maturin_projects_ask_for_project(make_repo: MakeRepo) -> None:
    with pytest.raises(adopt.AdoptError, match=r"examples/alpha, examples/beta.*--project DIR"):
        adopt.adopt(str(several(make_repo)), REQUIREMENT)


def test_adopt_with_project_names_it_in_the_root_config(make_repo: MakeRepo) -> None:
    root = several(make_repo)
    report = adopt.adopt(str(root), REQUIREMENT, "examples/beta/")
    assert "the maturin project: examples/beta/" in report
    config = parse(root)
    assert config["project"]["dir"] == "examples/beta"
    assert "pytest" not in config["skip"]  # examples/beta/tests exists
    assert config["skip"]["stubs"].startswith("no type stubs")  # read from beta, once named
    assert "nothing changed" in adopt.adopt(str(root), REQUIREMENT, "examples/beta")
    with pytest.raises(adopt.AdoptError, match="--project nowhere: no pyproject.toml there"):
        adopt.adopt(str(root), REQUIREMENT, "nowhere")


def test_the_command_line_takes_project(make_repo: MakeRepo) -> None:
    root = several(make_repo)
    proc = subprocess.run(
        [sys.executable, "-m", "ci_gates", "adopt", str(root), "--project", "examples/alpha"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert parse(root)["project"]["dir"] == "examples/alpha"


def test_adopt_takes_the_flags_the_project_runs_stubtest_with(make_repo: MakeRepo) -> None:
    task = (
        "tasks:\n  test:\n    cmds:\n      - uv run pytest\n"
        "      - uv run stubtest beta --ignore-missing-stub --ignore-disjoint-bases "
        "--allowlist .stubtest-allowlist  # as CI\n"
    )
    root = several(make_repo)
    (root / "examples/beta/Taskfile.yml").write_text(task)
    (root / ".github/workflows").mkdir(parents=True)
    (root / ".github/workflows/ci.yml").write_text(
        "jobs:\n  t:\n    steps:\n      - run: python -m mypy.stubtest --allowlist al.txt alpha"
        " --ignore-positional-only\n"
    )
    adopt.adopt(str(root), REQUIREMENT, "examples/beta")
    assert parse(root)["stubs"]["args"] == ["--ignore-missing-stub", "--ignore-disjoint-bases"]
    assert "nothing changed" in adopt.adopt(str(root), REQUIREMENT, "examples/beta")
