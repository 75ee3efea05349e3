"""The release plan on scripted histories: bumps, pre-1.0, trailers, path filters, cascade."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release.plan import Plan, make_plan, tagged
from tests.ci.releasing import LIB_PY, WITH_LIB, ReleaseRepo

CORE, CLI, PY = "crates/core/src/lib.rs", "crates/cli/src/main.rs", "python/demo/__init__.py"


def summary(plan: Plan) -> list[tuple[str, str, str]]:
    return [(e.name, e.bump, e.version) for e in plan.entries]


@pytest.fixture
def released(tmp_path: Path) -> ReleaseRepo:
    """A repository whose three packages were released at 1.2.3."""
    repo = ReleaseRepo.create(tmp_path / "r", "1.2.3")
    repo.tag_all("1.2.3")
    return repo


@pytest.fixture
def early(tmp_path: Path) -> ReleaseRepo:
    """The same, released at 0.1.0 (Cargo's pre-1.0 rule applies)."""
    repo = ReleaseRepo.create(tmp_path / "e", "0.1.0")
    repo.tag_all("0.1.0")
    return repo


def test_first_release_at_the_manifest_versions_in_order(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "0.3.0")
    plan = make_plan(str(repo.root))
    assert summary(plan) == [
        ("demo-core", "first", "0.3.0"),
        ("demo-cli", "first", "0.3.0"),
        ("demo", "first", "0.3.0"),
    ]
    assert all(e.previous is None and "first release" in e.reason for e in plan.entries)


def test_nothing_changed_is_an_empty_plan(released: ReleaseRepo) -> None:
    plan = make_plan(str(released.root))
    assert plan.entries == [] and plan.matrix() == []
    assert json.loads(plan.as_json()) == {"packages": [], "matrix": []}


def test_feat_in_the_core_ships_all_three_in_order(released: ReleaseRepo) -> None:
    sha = released.commit("feat(core): count runes", CORE)
    plan = make_plan(str(released.root))
    assert summary(plan) == [
        ("demo-core", "minor", "1.3.0"),
        ("demo-cli", "patch", "1.2.4"),
        ("demo", "patch", "1.2.4"),
    ]
    core, cli, wheel = plan.entries
    assert core.commits == [sha] and sha[:10] in core.reason and "feat" in core.reason
    assert cli.reason == "patch: cascade from demo-core" and cli.commits == []
    assert wheel.reason == "patch: cascade from demo-core, demo-cli"


@pytest.mark.parametrize(
    ("message", "bump", "version"),
    [
        ("fix(core): off by one", "patch", "1.2.4"),
        ("docs(core): explain", "patch", "1.2.4"),
        ("feat(core)!: drop the old API", "major", "2.0.0"),
        ("refactor: tidy\n\nBREAKING CHANGE: count() is gone", "major", "2.0.0"),
        ("fix: small\n\nRelease: minor", "minor", "1.3.0"),
        ("feat: big\n\nRelease: patch", "patch", "1.2.4"),
        ("not conventional at all", "patch", "1.2.4"),
    ],
)
def test_bump_from_one_commit(released: ReleaseRepo, message: str, bump: str, version: str) -> None:
    released.commit(message, CORE)
    core = make_plan(str(released.root)).entries[0]
    assert (core.name, core.bump, core.version) == ("demo-core", bump, version)


@pytest.mark.parametrize(
    ("message", "bump", "version", "cargo_rule"),
    [
        ("feat(core)!: drop the old API", "minor", "0.2.0", True),
        ("feat(core): add", "patch", "0.1.1", True),
        ("fix(core): mend", "patch", "0.1.1", False),
        ("fix: the trailer is literal\n\nRelease: major", "major", "1.0.0", False),
    ],
)
def test_below_one_cargo_rule(
    early: ReleaseRepo, message: str, bump: str, version: str, cargo_rule: bool
) -> None:
    early.commit(message, CORE)
    core = make_plan(str(early.root)).entries[0]
    assert (core.bump, core.version) == (bump, version)
    assert ("below 1.0.0, Cargo's rule" in core.reason) == cargo_rule


def test_the_highest_bump_wins(released: ReleaseRepo) -> None:
    released.commit("fix(core): a", CORE)
    feat = released.commit("feat(core): b", CORE)
    released.commit("docs(core): c", CORE)
    core = make_plan(str(released.root)).entries[0]
    assert (core.bump, len(core.commits)) == ("minor", 3)
    assert feat[:10] in core.reason and "+2 more commits" in core.reason


def test_skip_trailer_ships_nothing(released: ReleaseRepo) -> None:
    released.commit("feat(core): internal only\n\nRelease: skip", CORE)
    assert make_plan(str(released.root)).entries == []


def test_python_only_change_ships_only_the_wheel(released: ReleaseRepo) -> None:
    released.commit("fix(py): wrapper", PY)
    assert summary(make_plan(str(released.root))) == [("demo", "patch", "1.2.4")]


def test_cli_change_cascades_to_the_wheel_not_the_core(released: ReleaseRepo) -> None:
    released.commit("feat(cli): --verbose", CLI)
    assert summary(make_plan(str(released.root))) == [
        ("demo-cli", "minor", "1.3.0"),
        ("demo", "patch", "1.2.4"),
    ]


def test_own_bump_beats_cascade_and_both_are_explained(released: ReleaseRepo) -> None:
    released.commit("fix(core): a", CORE)
    released.commit("feat(py): b", PY)
    wheel = make_plan(str(released.root)).entries[-1]
    assert (wheel.bump, wheel.version) == ("minor", "1.3.0")
    assert "feat" in wheel.reason and "cascade from demo-core, demo-cli" in wheel.reason


def test_malformed_trailer_names_the_commit(released: ReleaseRepo) -> None:
    sha = released.commit("feat(core): bigger\n\nRelease: huge", CORE)
    with pytest.raises(ReleaseError) as err:
        make_plan(str(released.root))
    assert sha[:10] in str(err.value) and "'feat(core): bigger'" in str(err.value)
    assert "Release: huge" in str(err.value)


def test_merge_commits_do_not_count_but_their_branch_does(released: ReleaseRepo) -> None:
    released.git("checkout", "-q", "-b", "topic")
    feat = released.commit("feat(core): on a branch", CORE)
    released.git("checkout", "-q", "main")
    released.commit("fix(py): on main", PY)
    released.git("merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic")
    core = make_plan(str(released.root)).entries[0]
    assert (core.bump, core.commits) == ("minor", [feat])


def test_tagged_reads_the_tags_at_head(released: ReleaseRepo) -> None:
    released.commit("feat(cli): x", CLI)
    for rel in ("crates/cli/Cargo.toml", "crates/py/Cargo.toml"):
        path = released.root / rel
        path.write_text(path.read_text().replace('"1.2.3"', '"1.3.0"', 1))
    released.git("commit", "-qam", "chore(release): demo-cli 1.3.0, demo 1.3.0\n\nRelease: skip")
    released.tag("demo-cli-v1.3.0")
    released.tag("demo-v1.3.0")
    plan = tagged(str(released.root))
    assert summary(plan) == [("demo-cli", "minor", "1.3.0"), ("demo", "minor", "1.3.0")]
    assert plan.entries[0].reason == "tagged at HEAD: demo-cli-v1.3.0"
    assert len(plan.entries[0].commits) == 1  # the feat; the release commit says skip


def run_cli(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ci_gates.release", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_json_is_one_document_with_the_matrix(released: ReleaseRepo, tmp_path: Path) -> None:
    released.commit("feat(core): x", CORE)
    output = tmp_path / "github_output"
    # --no-api: these crates have no API to compare (tests/ci/test_api_compat.py does that).
    proc = run_cli(released.root, "plan", "--json", "--no-api", env={"GITHUB_OUTPUT": str(output)})
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)  # the whole stdout is one JSON document
    assert set(doc) == {"packages", "matrix"}
    assert [p["name"] for p in doc["packages"]] == ["demo-core", "demo-cli", "demo"]
    keys = {"name", "kind", "previous", "version", "bump", "reason", "commits", "tag", "api"}
    assert all(set(p) == keys and p["api"] is None for p in doc["packages"])
    assert [(r["kind"], r["target"], r["runner"], r["libc"]) for r in doc["matrix"]] == [
        ("wheel", "x86_64-unknown-linux-gnu", "ubuntu-latest", "manylinux2014"),
        ("wheel", "aarch64-apple-darwin", "macos-latest", ""),
        ("sdist", "", "ubuntu-latest", ""),
    ]
    written = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert json.loads(written["matrix"]) == doc["matrix"]


def test_cli_table_and_one_line_errors(released: ReleaseRepo) -> None:
    proc = run_cli(released.root, "plan")
    assert proc.returncode == 0 and "Nothing to release" in proc.stdout
    released.commit("fix: x\n\nRelease: huge", CORE)
    proc = run_cli(released.root, "plan", "--json")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "Release: huge" in proc.stderr


# --- kind python: the pure-Python library ships on its own ------------------------------------


@pytest.fixture
def with_lib(tmp_path: Path) -> ReleaseRepo:
    """The three packages and the library demo-lib (kind python), all released at 1.2.3."""
    repo = ReleaseRepo.create(tmp_path / "l", "1.2.3", packages=WITH_LIB)
    repo.tag_all("1.2.3")
    return repo


def test_first_release_includes_the_library_last(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "0.3.0", packages=WITH_LIB)
    plan = make_plan(str(repo.root))
    assert [(e.name, e.package.kind, e.bump, e.version) for e in plan.entries][-1] == (
        "demo-lib",
        "python",
        "first",
        "0.3.0",
    )
    assert "version from lib/demo-lib/pyproject.toml" in plan.entries[-1].reason


@pytest.mark.parametrize(
    ("message", "path", "expected"),
    [
        ("feat(lib): a new gate", LIB_PY, [("demo-lib", "minor", "1.3.0")]),
        ("fix(lib): a message", LIB_PY, [("demo-lib", "patch", "1.2.4")]),
        ("feat(lib)!: drop a gate", LIB_PY, [("demo-lib", "major", "2.0.0")]),
        ("docs(lib): the PyPI page", "lib/demo-lib/README.md", [("demo-lib", "patch", "1.2.4")]),
        ("feat(lib): internal\n\nRelease: skip", LIB_PY, []),
        # the library depends on nothing: what the others ship does not cascade to it
        (
            "feat(core): x",
            CORE,
            [
                ("demo-core", "minor", "1.3.0"),
                ("demo-cli", "patch", "1.2.4"),
                ("demo", "patch", "1.2.4"),
            ],
        ),
        ("fix(py): wrapper", PY, [("demo", "patch", "1.2.4")]),
    ],
)
def test_the_library_ships_for_its_own_paths_only(
    with_lib: ReleaseRepo, message: str, path: str, expected: list[tuple[str, str, str]]
) -> None:
    with_lib.commit(message, path)
    assert summary(make_plan(str(with_lib.root))) == expected


def test_the_library_builds_once_in_the_matrix(with_lib: ReleaseRepo) -> None:
    with_lib.commit("fix(core): x", CORE)
    with_lib.commit("fix(lib): y", LIB_PY)
    plan = make_plan(str(with_lib.root))
    assert [e.name for e in plan.entries] == ["demo-core", "demo-cli", "demo", "demo-lib"]
    rows = [(r["package"], r["kind"], r["target"], r["runner"]) for r in plan.matrix()]
    assert rows == [
        ("demo", "wheel", "x86_64-unknown-linux-gnu", "ubuntu-latest"),
        ("demo", "wheel", "aarch64-apple-darwin", "macos-latest"),
        ("demo", "sdist", "", "ubuntu-latest"),
        ("demo-lib", "python", "", "ubuntu-latest"),  # one row: a pure wheel serves every target
    ]
    lib = json.loads(plan.as_json())["packages"][-1]
    assert (lib["kind"], lib["tag"], lib["version"]) == ("python", "demo-lib-v1.2.4", "1.2.4")


def test_tagged_reads_the_library_tag(with_lib: ReleaseRepo) -> None:
    with_lib.commit("feat(lib): x", LIB_PY)
    manifest = with_lib.root / "lib/demo-lib/pyproject.toml"
    manifest.write_text(manifest.read_text().replace('"1.2.3"', '"1.3.0"', 1))
    with_lib.git("commit", "-qam", "chore(release): demo-lib 1.3.0\n\nRelease: skip")
    with_lib.tag("demo-lib-v1.3.0")
    assert summary(tagged(str(with_lib.root))) == [("demo-lib", "minor", "1.3.0")]
