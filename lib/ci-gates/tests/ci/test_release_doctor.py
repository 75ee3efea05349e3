"""release_doctor: the repository passes; each rule fires on the one fault it is about."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci_gates.core.project import names
from ci_gates.gates import release_doctor as rd
from ci_gates.testing import run_gate

ROOT = Path(__file__).parent / "fixtures" / "project"  # a template project's manifests + workflows
RELEASE_YML = ".github/workflows/release.yml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of what the doctor reads: manifests, the config, the workflows."""
    for rel in ("pyproject.toml", "Cargo.toml", ".github/workflows"):
        src, dst = ROOT / rel, tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    for manifest in sorted(ROOT.glob("crates/*/Cargo.toml")):
        dst = tmp_path / manifest.relative_to(ROOT)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(manifest, dst)
        (dst.parent / "src").mkdir()
        (dst.parent / "src" / "lib.rs").write_text("")
    return tmp_path


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text()
    assert old in text, f"{rel} no longer contains {old!r}: update this test"
    path.write_text(text.replace(old, new, 1))


def test_repository_passes() -> None:
    outcome = run_gate("release_doctor", ROOT)
    assert outcome.status == "passed", outcome.text


def test_copy_passes(repo: Path) -> None:
    outcome = run_gate("release_doctor", repo)
    assert outcome.status == "passed", outcome.text


@pytest.mark.parametrize(
    ("rel", "old", "new", "rule", "text"),
    [
        (
            "pyproject.toml",
            'environment = "pypi"\n',
            "",
            "RD001",
            "package '{dist}' declares no trusted publisher",
        ),
        (
            "pyproject.toml",
            'workflow = "release.yml"\nenvironment = "pypi"',
            'workflow = "publish.yml"\nenvironment = "pypi"',
            "RD002",
            ".github/workflows/publish.yml does not exist",
        ),
        (
            "pyproject.toml",
            'environment = "pypi"',
            'environment = "release"',
            "RD003",
            "no job with environment: release publishes {dist} (pypi)",
        ),
        (
            RELEASE_YML,
            "      id-token: write # PyPI",
            "      # PyPI",
            "RD004",
            "job pypi publishes {dist} without id-token: write",
        ),
        (
            RELEASE_YML,
            "      contents: write # create",
            "      id-token: write\n      contents: write # create",
            "RD005",
            "job github has id-token: write but publishes no declared package",
        ),
        (
            RELEASE_YML,
            "permissions: {}",
            "permissions:\n  id-token: write",
            "RD005",
            "the workflow has id-token: write",
        ),
        (
            RELEASE_YML,
            "CARGO_REGISTRY_TOKEN: ${{ steps.auth.outputs.token }}",
            "CARGO_REGISTRY_TOKEN: ${{ secrets.CARGO_REGISTRY_TOKEN }}",
            "RD006",
            "reads the registry token secrets.CARGO_REGISTRY_TOKEN",
        ),
        (
            "pyproject.toml",
            'name = "{cli}"\nkind',
            'name = "{cli}2"\nkind',
            "RD007",
            "no workspace crate has that name",
        ),
        (
            RELEASE_YML,
            "url: https://pypi.org/project/{dist}/",
            "url: https://pypi.org/project/other/",
            "RD008",
            "is not https://pypi.org/project/{dist}/",
        ),
    ],
)
def test_rule_fires(repo: Path, rel: str, old: str, new: str, rule: str, text: str) -> None:
    n = names(str(ROOT))
    assert n.cli_crate is not None
    old, new, text = (
        x.replace("{dist}", n.dist).replace("{cli}", n.cli_crate.name) for x in (old, new, text)
    )
    if rule == "RD007":  # its dependants must not name the crate's old name
        edit(repo, "pyproject.toml", f'"{n.cli_crate.name}"]', f'"{n.cli_crate.name}2"]')
    edit(repo, rel, old, new)
    outcome = run_gate("release_doctor", repo)
    assert outcome.status == "failed"
    assert rule in outcome.rules, outcome.text
    assert text in outcome.text


@pytest.mark.parametrize(
    ("run", "kind", "expected"),
    [
        ("nox -s publish -- crates --tagged", "crates", True),
        ("nox -s publish -- crates --tagged", "pypi", False),
        ("nox -s publish -- --tagged", "pypi", True),
        ("nox -s publish", "crates", True),
        ("nox -s publish -- github", "pypi", False),
        ("nox -s publisher", "pypi", False),
        ("nox -s publish -- python --tagged --dist dist", "python", True),
        ("nox -s publish -- pypi --tagged --dist dist", "python", False),
        ("nox -s publish -- python --tagged", "pypi", False),
        ("nox -s publish -- --tagged", "python", True),
    ],
)
def test_publishes(run: str, kind: str, expected: bool) -> None:
    assert rd.publishes({"steps": [{"run": run}]}, kind) is expected


def test_fix_is_actionable() -> None:
    f = rd.no_publish_job({"name": "x", "kind": "pypi", "environment": "pypi"}, RELEASE_YML, {})
    assert f is not None and f.fix.startswith("run `nox -s publish -- pypi --tagged`")


@pytest.mark.parametrize(
    ("kind", "expected"), [("pypi", True), ("python", True), ("crates", False)]
)
def test_the_pypi_action_publishes_both_python_kinds(kind: str, expected: bool) -> None:
    job = {"steps": [{"uses": "pypa/gh-action-pypi-publish@0123"}]}
    assert rd.publishes(job, kind) is expected


LIB_ENTRY = """
[[tool.ci-gates.release.packages]]
name = "acme-lib"
kind = "python"
path = "lib/acme-lib"
paths = ["lib/acme-lib/**"]
workflow = "release.yml"
environment = "pypi"
"""
LIB_JOB = """
  python:
    runs-on: ubuntu-latest
    environment:
      name: pypi
      url: {url}
    permissions:
      contents: read
      id-token: write
    steps:
      - run: nox -s publish -- python --tagged --dist dist
"""


@pytest.mark.parametrize(
    ("job", "rule", "text"),
    [
        ("", "RD003", "no job with environment: pypi publishes acme-lib (python)"),
        (LIB_JOB.format(url="https://pypi.org/project/acme-lib/"), None, ""),
        (
            LIB_JOB.format(url="https://pypi.org/project/acme/"),
            "RD008",
            "url https://pypi.org/project/acme/ is not https://pypi.org/project/acme-lib/",
        ),
        (
            LIB_JOB.format(url="https://pypi.org/project/acme-lib/").replace(
                "      id-token: write\n", ""
            ),
            "RD004",
            "job python publishes acme-lib without id-token: write",
        ),
    ],
)
def test_a_python_package_needs_its_publish_job(
    repo: Path, job: str, rule: str | None, text: str
) -> None:
    (repo / "lib/acme-lib").mkdir(parents=True)
    (repo / "lib/acme-lib/pyproject.toml").write_text(
        '[project]\nname = "acme-lib"\nversion = "0.1.0"\n'
    )
    with (repo / "pyproject.toml").open("a") as f:
        f.write(LIB_ENTRY)
    with (repo / RELEASE_YML).open("a") as f:
        f.write(job)
    outcome = run_gate("release_doctor", repo)
    if rule is None:
        assert outcome.status == "passed", outcome.text
        return
    assert outcome.status == "failed" and rule in outcome.rules, outcome.text
    assert text in outcome.text
