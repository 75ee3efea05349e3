"""``ci-gates adopt``: a pin and a config written into a maturin project, never the library.

Running every gate in the adopted project is the end-to-end proof in ``.ci/run`` (it builds
the project); here the adopted tree is checked as files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from ci_gates.core.config import parse
from ci_gates.core.env import library_requirement
from ci_gates.core.pins import NOX
from ci_gates.core.policy import GROUPS
from ci_gates.core.project import _toml
from ci_gates.template import adopt, adoptfiles


def parse_toml(root: Path) -> dict[str, Any]:
    return _toml(str(root / "pyproject.toml"))


MakeRepo = Callable[..., Path]
REQUIREMENT = "ci-gates @ file:///opt/ci-gates"

MATURIN_LIKE = {
    "pyproject.toml": (
        '[build-system]\nrequires = ["maturin>=1.9,<2"]\nbuild-backend = "maturin"\n\n'
        '[project]\nname = "zpkg"\ndynamic = ["version"]\n'
    ),
    "Cargo.toml": (
        '[package]\nname = "zpkg"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[lib]\nname = "zpkg"\ncrate-type = ["cdylib"]\n\n[dependencies]\npyo3 = "0.30"\n'
    ),
    "src/lib.rs": "// the project's code\n",
    ".github/workflows/CI.yml": "jobs:\n  release:\n    steps:\n      - run: uv publish 'wheels-*/*'\n",
}


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.parts and "target" not in p.parts
    }


def test_adopt_writes_a_pin_and_a_config_never_the_library(make_repo: MakeRepo) -> None:
    project = make_repo(MATURIN_LIKE)
    before = _tree(project)
    report = adopt.adopt(str(project), REQUIREMENT)
    after = _tree(project)
    added = sorted(set(after) - set(before))
    assert added == [
        ".claude/settings.json",
        ".codex/hooks.json",
        "ci/hooks/guard.py",
        "ci/requirements-dev.txt",
        "noxfile.py",
    ]
    changed = [p for p in before if before[p] != after[p]]
    assert changed == ["pyproject.toml"]  # the project's code is untouched
    written = sum(after[p].count(b"\n") for p in added)
    written += after["pyproject.toml"].count(b"\n") - before["pyproject.toml"].count(b"\n")
    assert written <= 300 and f"wrote {written} lines" in report
    assert not any(
        p.endswith(".py") and p not in ("noxfile.py", "ci/hooks/guard.py") for p in added
    )
    assert (project / "ci/requirements-dev.txt").read_text().splitlines()[-1] == REQUIREMENT
    assert "next: `cargo generate-lockfile`" in report
    config = parse(project)  # the written section is valid config
    assert set(config["skip"]) >= {"action_yaml", "action_surface", "stubs", "pytest"}
    assert "workflows" not in config["skip"]  # safety rules judge every workflow it has
    assert all(reason.strip() for reason in config["skip"].values())
    # house style is off, each group listed with how to turn it on
    assert config["policy"] == [] and {"loc", "commits"} <= set(config["skip"])
    text = (project / "pyproject.toml").read_text()
    assert all(f"#   {group}: " in text for group in GROUPS) and "policy = []" in text
    assert config["tool-guard"]["release-files"] == [".github/workflows/CI.yml"]


def test_a_second_adopt_changes_nothing(make_repo: MakeRepo) -> None:
    project = make_repo(MATURIN_LIKE)
    adopt.adopt(str(project), REQUIREMENT)
    once = _tree(project)
    report = adopt.adopt(str(project), REQUIREMENT)
    assert _tree(project) == once and "nothing changed" in report


def test_the_pin_goes_where_the_project_keeps_its_dev_tools(make_repo: MakeRepo) -> None:
    grouped = MATURIN_LIKE["pyproject.toml"] + '\n[dependency-groups]\ndev = ["pytest>=8"]\n'
    project = make_repo({**MATURIN_LIKE, "pyproject.toml": grouped})
    adopt.adopt(str(project), REQUIREMENT)
    assert parse_toml(project)["dependency-groups"]["dev"] == ["pytest>=8", REQUIREMENT, NOX]
    listed = make_repo({**MATURIN_LIKE, "requirements-dev.txt": "pytest\nnox==2025.1.1\n"})
    adopt.adopt(str(listed), REQUIREMENT)
    lines = (listed / "requirements-dev.txt").read_text().splitlines()
    assert lines[:2] == ["pytest", "nox==2025.1.1"] and lines[-1] == REQUIREMENT  # their nox kept
    assert not (listed / "ci/requirements-dev.txt").exists()


def test_existing_files_of_the_project_are_kept(make_repo: MakeRepo) -> None:
    settings = '{"permissions": {"allow": ["Bash(ls:*)"]}}\n'
    project = make_repo(
        {**MATURIN_LIKE, "noxfile.py": "# the project's own\n", ".claude/settings.json": settings}
    )
    report = adopt.adopt(str(project), REQUIREMENT)
    assert (project / "noxfile.py").read_text() == "# the project's own\n"
    assert "add these two lines" in report and "register()" in report
    merged = json.loads((project / ".claude/settings.json").read_text())
    assert merged["permissions"] == {"allow": ["Bash(ls:*)"]} and "PreToolUse" in merged["hooks"]


def test_an_older_adoptions_hooks_are_brought_up_to_date(make_repo: MakeRepo) -> None:
    """The readme_guard PostToolUse hook became post_edit: merging replaces it, keeps theirs."""
    old = 'python3 -I -S "$CLAUDE_PROJECT_DIR/ci/hooks/guard.py" readme_guard || true'
    theirs = {"type": "command", "command": "echo mine"}
    settings = {
        "hooks": {
            "PostToolUse": [
                {"matcher": "Write|Edit|MultiEdit", "hooks": [{"type": "command", "command": old}]},
                {"matcher": "Bash", "hooks": [theirs]},
            ]
        }
    }
    project = make_repo({**MATURIN_LIKE, ".claude/settings.json": json.dumps(settings)})
    adopt.adopt(str(project), REQUIREMENT)
    merged = json.loads((project / ".claude/settings.json").read_text())
    assert "readme_guard" not in json.dumps(merged["hooks"])
    assert {"matcher": "Bash", "hooks": [theirs]} in merged["hooks"]["PostToolUse"]
    for guard, event in (("post_edit", "PostToolUse"), ("stop", "Stop"), ("stop", "SubagentStop")):
        assert f'guard.py\\" {guard} ||' in json.dumps(merged["hooks"][event]), (guard, event)
    adopt.adopt(str(project), REQUIREMENT)  # idempotent
    assert json.loads((project / ".claude/settings.json").read_text()) == merged


def test_nothing_adopted_names_the_template_or_copies_it(make_repo: MakeRepo) -> None:
    project = make_repo(MATURIN_LIKE)
    adopt.adopt(str(project), REQUIREMENT)
    text = "\n".join(v.decode("utf-8", "replace") for v in _tree(project).values())
    assert "template" not in text.lower().replace("ci-gates adopt", "")


def test_adopt_refuses_what_it_cannot_work_on(tmp_path: Path) -> None:
    with pytest.raises(adopt.AdoptError, match="no pyproject.toml"):
        adopt.adopt(str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(adopt.AdoptError, match="run `git init`"):
        adopt.adopt(str(plain))


def test_the_default_pin_is_the_library_that_runs() -> None:
    pin = adoptfiles.pinned(library_requirement())
    assert pin.startswith("ci-gates")
    assert adoptfiles.released().startswith("ci-gates==")


@pytest.mark.cargo
def test_adopt_on_a_real_maturin_new_project(tmp_path: Path) -> None:
    if shutil.which("maturin") is None:
        pytest.skip("maturin not on PATH")
    subprocess.run(
        ["maturin", "new", "--bindings", "pyo3", "fresh"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    project = tmp_path / "fresh"
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    report = adopt.adopt(str(project), REQUIREMENT)
    assert "distribution fresh, package fresh, extension fresh, CLI (none)" in report
    assert parse(project)["skip"]["action_surface"].startswith("no CLI crate")


def test_nothing_adopt_writes_is_the_projects_code_to_lint(tmp_path: Path) -> None:
    """The hook entry is excluded from the project's ruff; the noxfile passes every rule."""
    from ci_gates.core.adopted import library_files
    from ci_gates.template import hookfiles

    (tmp_path / "noxfile.py").write_text(adoptfiles.NOXFILE, encoding="utf-8")
    written = {p for p in hookfiles.files() if p.endswith(".py")} | {"noxfile.py"}
    assert written <= set(library_files(str(tmp_path)))
    (tmp_path / "noxfile.py").write_text(adoptfiles.NOXFILE + "# ours now\n", encoding="utf-8")
    assert "noxfile.py" not in library_files(str(tmp_path))  # edited: the project's own
    (tmp_path / "noxfile.py").write_text(adoptfiles.NOXFILE, encoding="utf-8")
    proc = subprocess.run(
        [
            "ruff",
            "check",
            "--isolated",
            "--select",
            "ALL",
            "--ignore",
            "D203,D213,CPY001",
            "noxfile.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout
