"""release_bump on a scratch repository: manifests, Cargo.lock, git-cliff's CHANGELOG, commit, tags.

git-cliff runs a handful of times in this file (it is a real binary from PyPI, as in the
release sessions); cargo only refreshes a lock file of a workspace without dependencies.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import bump, notes
from ci_gates.release.plan import make_plan
from tests.ci.releasing import LIB_PY, WITH_LIB, ReleaseRepo

CORE, PY = "crates/core/src/lib.rs", "python/demo/__init__.py"
LIB_MANIFEST = "lib/demo-lib/pyproject.toml"


def toml(path: Path) -> dict:  # type: ignore[type-arg]
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bumped(tmp_path_factory: pytest.TempPathFactory) -> ReleaseRepo:
    """Released at 1.2.3, then a feat and a fix in the core, a skipped change, a bump."""
    repo = ReleaseRepo.create(tmp_path_factory.mktemp("bump") / "r", "1.2.3", lock=True)
    repo.tag_all("1.2.3")
    remote = repo.root.parent / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.commit("feat(core): count runes", CORE)
    repo.commit("fix(core): a final line without newline", CORE)
    repo.commit("perf(core): hidden\n\nRelease: skip", CORE)
    bump.apply(str(repo.root))
    return repo


def test_versions_and_requirements_are_written(bumped: ReleaseRepo) -> None:
    root = bumped.root
    assert toml(root / "crates/core/Cargo.toml")["package"]["version"] == "1.3.0"
    assert toml(root / "crates/cli/Cargo.toml")["package"]["version"] == "1.2.4"
    assert toml(root / "crates/py/Cargo.toml")["package"]["version"] == "1.2.4"
    deps = toml(root / "Cargo.toml")["workspace"]["dependencies"]
    assert deps["demo-core"] == {"path": "crates/core", "version": "=1.3.0"}
    lock = (root / "Cargo.lock").read_text()
    assert 'name = "demo-core"\nversion = "1.3.0"' in lock
    assert 'name = "demo-cli"\nversion = "1.2.4"' in lock


def test_one_release_commit_and_annotated_tags_nothing_pushed(bumped: ReleaseRepo) -> None:
    subject = bumped.git("log", "-1", "--format=%s").strip()
    assert subject == "chore(release): demo-core 1.3.0, demo-cli 1.2.4, demo 1.2.4"
    assert "Release: skip" in bumped.git("log", "-1", "--format=%B")
    changed = set(bumped.git("show", "--name-only", "--format=", "HEAD").split())
    assert changed == {
        "CHANGELOG.md",
        "Cargo.lock",
        "Cargo.toml",
        "crates/core/Cargo.toml",
        "crates/cli/Cargo.toml",
        "crates/py/Cargo.toml",
    }
    at_head = set(bumped.git("tag", "--points-at", "HEAD").split())
    assert at_head == {"demo-core-v1.3.0", "demo-cli-v1.2.4", "demo-v1.2.4"}
    for tag in at_head:
        assert bumped.git("cat-file", "-t", tag).strip() == "tag"  # annotated
    assert bumped.git("ls-remote", "origin").strip() == ""  # never pushes
    assert bumped.git("status", "--porcelain").strip() == ""


def test_changelog_comes_from_git_cliff_with_the_project_config(bumped: ReleaseRepo) -> None:
    text = (bumped.root / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n\n## demo-core-v1.3.0 (")
    core = notes.from_changelog(str(bumped.root), "demo-core-v1.3.0")
    # cliff.toml's groups and line shape: "- **scope:** description (sha)"
    assert "### Features\n\n- **core:** count runes (" in core
    assert "### Fixes\n\n- **core:** a final line without newline (" in core
    assert "hidden" not in core  # Release: skip
    assert core.index("### Features") < core.index("### Fixes")
    cli = notes.from_changelog(str(bumped.root), "demo-cli-v1.2.4")
    assert "patch: cascade from demo-core" in cli and "release with demo-core" in cli
    assert (
        text.index("demo-core-v1.3.0") < text.index("demo-cli-v1.2.4") < text.index("demo-v1.2.4")
    )


def test_second_bump_finds_nothing(bumped: ReleaseRepo) -> None:
    head = bumped.git("rev-parse", "HEAD")
    assert bump.apply(str(bumped.root)).entries == []
    assert bumped.git("rev-parse", "HEAD") == head


def test_notes_cli_prints_the_changelog_section_of_a_tagged_release(bumped: ReleaseRepo) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ci_gates.release", "notes", "demo-core"],
        cwd=bumped.root,
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == notes.from_changelog(str(bumped.root), "demo-core-v1.3.0")


def test_pending_notes_render_what_the_bump_would_write(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "0.4.0")
    repo.tag_all("0.4.0")
    repo.commit("feat(py)!: rename the keyword", PY)
    entry = make_plan(str(repo.root)).entries[0]
    text = notes.render(str(repo.root), entry)
    assert text.startswith("## demo-v0.5.0 (")
    assert "### Breaking changes\n\n- **py:** rename the keyword (" in text


def test_dirty_tree_is_refused(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "1.0.0")
    repo.tag_all("1.0.0")
    repo.commit("fix(core): x", CORE)
    (repo.root / "stray.txt").write_text("uncommitted\n")
    with pytest.raises(ReleaseError, match=r"uncommitted change\(s\) \(first: \?\? stray.txt\)"):
        bump.apply(str(repo.root))
    assert repo.git("tag", "--points-at", "HEAD").strip() == ""


# --- kind python: the library's pyproject.toml, its CHANGELOG section, its tag ----------------


@pytest.mark.parametrize(
    ("commits", "changed", "tags"),
    [
        (
            [("feat(lib): a new gate", LIB_PY), ("fix(lib): a message", LIB_PY)],
            {"CHANGELOG.md", LIB_MANIFEST},
            {"demo-lib-v1.3.0"},
        ),
        (
            [("fix(core): x", CORE), ("feat(lib): a new gate", LIB_PY)],
            {
                "CHANGELOG.md",
                "Cargo.toml",
                "crates/core/Cargo.toml",
                "crates/cli/Cargo.toml",
                "crates/py/Cargo.toml",
                LIB_MANIFEST,
            },
            {"demo-core-v1.2.4", "demo-cli-v1.2.4", "demo-v1.2.4", "demo-lib-v1.3.0"},
        ),
    ],
)
def test_the_library_is_bumped_in_its_pyproject(
    tmp_path: Path, commits: list[tuple[str, str]], changed: set[str], tags: set[str]
) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "1.2.3", packages=WITH_LIB)
    repo.tag_all("1.2.3")
    for message, path in commits:
        repo.commit(message, path)
    before = (repo.root / LIB_MANIFEST).read_text()
    bump.apply(str(repo.root))
    after = (repo.root / LIB_MANIFEST).read_text()
    # tomlkit edits the one value: comments, order and layout stay as written
    assert after == before.replace('version = "1.2.3"', 'version = "1.3.0"')
    assert set(repo.git("show", "--name-only", "--format=", "HEAD").split()) == changed
    assert set(repo.git("tag", "--points-at", "HEAD").split()) == tags
    assert repo.git("cat-file", "-t", "demo-lib-v1.3.0").strip() == "tag"
    section = notes.from_changelog(str(repo.root), "demo-lib-v1.3.0")
    assert section.startswith("## demo-lib-v1.3.0 (")
    assert "### Features\n\n- **lib:** a new gate (" in section
    assert "**core:**" not in section  # git-cliff sees the library's paths only
    assert make_plan(str(repo.root)).entries == []
