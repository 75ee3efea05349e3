"""``nox -s adopt``: what it copies into a maturin project, what it skips and why, what it refuses.

Running every gate in the adopted project is the end-to-end proof in ``.ci/run`` (it builds
the project); here the adopted tree is checked as files.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core.config import parse
from ci_gates.core.project import names
from ci_gates.template import adopt

ROOT = Path(__file__).resolve().parents[2]
MakeRepo = Callable[..., Path]

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


def test_adopt_copies_the_library_and_writes_reasoned_skips(make_repo: MakeRepo) -> None:
    project = make_repo(MATURIN_LIKE)
    before = {p: (project / p).read_bytes() for p in ("src/lib.rs", "Cargo.toml")}
    report = adopt.adopt(str(ROOT), str(project))
    assert "copied" in report and "next: `cargo generate-lockfile`" in report
    for rel in (
        "ci/runner.py",
        "ci/gates/loc.py",
        "noxfile.py",
        "tasks.py",
        ".claude/settings.json",
    ):
        assert (project / rel).is_file(), rel
    assert not (project / "ci/bench").exists()  # the template's own benchmarks stay home
    assert {p: (project / p).read_bytes() for p in before} == before  # its code is untouched
    config = parse(project)  # the written section is valid config
    assert set(config["skip"]) >= {"action_yaml", "workflows", "action_surface", "stubs", "pytest"}
    assert all(reason.strip() for reason in config["skip"].values())
    assert config["tool-guard"]["release-files"] == [".github/workflows/CI.yml"]
    ruff = (project / "ci/ruff.toml").read_text()
    assert 'known-first-party = ["ci"]' in ruff


def test_nothing_adopted_names_the_template(make_repo: MakeRepo) -> None:
    project = make_repo(MATURIN_LIKE)
    adopt.adopt(str(ROOT), str(project))
    own = names(ROOT)
    forms = {own.dist, own.package, *(c.name for c in own.crates), *(own.cli or "",)} - {""}
    pattern = re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))
    hits = [
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and pattern.search(path.read_text("utf-8", "replace"))
    ]
    assert hits == []


def test_adopt_refuses_what_it_would_break(make_repo: MakeRepo, tmp_path: Path) -> None:
    with pytest.raises(adopt.AdoptError, match="no pyproject.toml"):
        adopt.adopt(str(ROOT), str(tmp_path))
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "pyproject.toml").write_text('[project]\nname = "x"\n')
    with pytest.raises(adopt.AdoptError, match="run `git init`"):
        adopt.adopt(str(ROOT), str(plain))
    project = make_repo({**MATURIN_LIKE, "noxfile.py": "# the project's own\n"})
    with pytest.raises(adopt.AdoptError, match="already has noxfile.py"):
        adopt.adopt(str(ROOT), str(project))
    assert (project / "noxfile.py").read_text() == "# the project's own\n"  # nothing written
    assert not (project / "ci").exists()
    adopt.adopt(str(ROOT), str(project), force=True)
    with pytest.raises(adopt.AdoptError, match="already has \\[tool.ci-gates\\]"):
        adopt.adopt(str(ROOT), str(project), force=True)


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
    report = adopt.adopt(str(ROOT), str(project))
    assert "distribution fresh, package fresh, extension fresh, CLI (none)" in report
    assert parse(project)["skip"]["action_surface"].startswith("no CLI crate")
