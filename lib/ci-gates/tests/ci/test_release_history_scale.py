"""The release plan's one-pass history against the per-package reading it replaced.

``make_plan(per_package=True)`` is the old algorithm (a ``git tag --merged`` and a path-limited
``git log`` per package); the default reads every package's history in a constant number of git
calls (``history.since_last_tags``). Both must give the same :class:`Plan` on scripted histories
(tags at different points, merges, first releases, trailers, renames, empty commits) and on
generated ones (``ci/bench/release_plan.py``). tests/ci/test_release_pathspec.py holds the glob
matching to git's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release.plan import Plan, make_plan
from ci_gates.testing.histories import Shape, workspace
from tests.ci.releasing import PACKAGES, ReleaseRepo

CORE, CLI, PY = "crates/core/src/lib.rs", "crates/cli/src/main.rs", "python/demo/__init__.py"
DOC = "docs/core/guide/deep/intro.md"  # under demo-core's `docs/core/**/*.md`


def plans(root: Path) -> tuple[Plan | str, Plan | str]:
    """The plan read per package (before) and in one pass (now); an error as its message."""
    out: list[Plan | str] = []
    for per_package in (True, False):
        try:
            out.append(make_plan(str(root), per_package=per_package))
        except ReleaseError as exc:
            out.append(f"ReleaseError: {exc}")
    return out[0], out[1]


def assert_same(root: Path) -> Plan | str:
    before, now = plans(root)
    assert now == before
    if isinstance(now, Plan) and isinstance(before, Plan):
        assert now.as_json() == before.as_json()
    return now


# --- scripted histories ---------------------------------------------------------------------
# A step: ("commit", message, *paths) appends to the paths and commits; ("tag", name[, ref]);
# ("tags", version) tags the three packages; ("git", *args) runs git.

DOCS = PACKAGES.replace(
    'paths = ["crates/core/**"]', 'paths = ["crates/core/**", "docs/core/**/*.md"]'
)

SCENARIOS: dict[str, list[tuple[str, ...]]] = {
    "first release, nothing tagged": [
        ("commit", "feat(core): one", CORE),
        ("commit", "fix(py): two", PY),
    ],
    "tags at different points": [
        ("tags", "0.1.0"),
        ("commit", "feat(core): a", CORE),
        ("tag", "demo-core-v0.2.0"),
        ("commit", "fix(cli): b", CLI),
        ("commit", "feat: core and cli at once", CORE, CLI),
        ("tag", "demo-cli-v0.1.1"),
        ("commit", "fix(core): c", CORE),
        ("commit", "docs: the guide", DOC),
        ("commit", "fix(py): d", PY, "python/demo/sub/deep/mod.py"),
    ],
    "one package released, the others first releases": [
        ("commit", "feat(core): a", CORE),
        ("tag", "demo-core-v0.1.0"),
        ("commit", "fix(core): b", CORE, PY),
        ("commit", "feat(cli): c", CLI),
    ],
    "a side branch merged, with a tag on it": [
        ("tags", "1.0.0"),
        ("git", "checkout", "-q", "-b", "topic"),
        ("commit", "feat(core): on the branch", CORE),
        ("tag", "demo-cli-v1.0.1"),
        ("commit", "fix(cli): also on the branch", CLI),
        ("git", "checkout", "-q", "main"),
        ("commit", "fix(py): on main", PY),
        ("git", "merge", "-q", "--no-ff", "-m", "Merge branch 'topic'", "topic"),
        ("commit", "chore(core): after", CORE),
    ],
    "releases on both sides of a merge": [
        ("tags", "1.0.0"),
        ("commit", "feat(core): base", CORE),
        ("git", "checkout", "-q", "-b", "left"),
        ("commit", "fix(core): left", CORE),
        ("tag", "demo-core-v1.1.0"),
        ("git", "checkout", "-q", "main"),
        ("git", "checkout", "-q", "-b", "right"),
        ("commit", "fix(cli): right", CLI),
        ("tag", "demo-cli-v1.0.1"),
        ("git", "checkout", "-q", "main"),
        ("commit", "fix(py): main", PY),
        ("git", "merge", "-q", "--no-ff", "-m", "octopus", "left", "right"),
        ("commit", "feat(cli): after", CLI),
    ],
    "criss-cross merges: the tags have two best common ancestors": [
        ("tags", "1.0.0"),
        ("git", "checkout", "-q", "-b", "a"),
        ("commit", "fix(core): a1", CORE),
        ("git", "checkout", "-q", "-b", "b", "main"),
        ("commit", "fix(cli): b1", CLI),
        ("git", "merge", "-q", "--no-ff", "-m", "b takes a", "a"),
        ("git", "checkout", "-q", "a"),
        ("git", "merge", "-q", "--no-ff", "-m", "a takes b", "b~1"),
        ("commit", "feat(core): a2", CORE),
        ("tag", "demo-core-v1.1.0"),
        ("git", "checkout", "-q", "b"),
        ("commit", "feat(cli): b2", CLI, PY),
        ("tag", "demo-cli-v1.1.0"),
        ("tag", "demo-v1.0.1"),  # every last tag on a or b: a1 and b1 bound the union
        ("git", "checkout", "-q", "main"),
        ("git", "merge", "-q", "--no-ff", "-m", "both", "a", "b"),
        ("commit", "fix(core): after", CORE, CLI),
    ],
    "a tag on a branch not merged is not a release": [
        ("tags", "0.3.0"),
        ("git", "checkout", "-q", "-b", "side"),
        ("commit", "feat(core): side", CORE),
        ("tag", "demo-core-v9.0.0"),
        ("git", "checkout", "-q", "main"),
        ("commit", "fix(core): main", CORE),
    ],
    "Release: trailers": [
        ("tags", "0.4.2"),
        ("commit", "fix(core): small\n\nRelease: major", CORE),
        ("commit", "feat(cli): internal\n\nRelease: skip", CLI),
        ("commit", "docs: wheel\n\nRelease: minor", PY),
        ("commit", "feat(py)!: breaking, below 1.0", PY),
    ],
    "renames, deletions, empty commits": [
        ("tags", "2.0.0"),
        ("git", "mv", "crates/core/src/lib.rs", "python/demo/core.py"),
        ("git", "commit", "-q", "-m", "refactor: move core into the wheel"),
        ("git", "rm", "-q", "crates/cli/src/main.rs"),
        ("git", "commit", "-q", "-m", "feat(cli)!: no binary"),
        ("git", "commit", "-q", "--allow-empty", "-m", "feat(core): nothing at all"),
        ("commit", "fix: outside every package", "README.md"),
    ],
    "a pre-release and its release share a semver key": [
        ("git", "config", "tag.sort", "-refname"),  # `git tag` would list the rc first
        ("tags", "1.0.0"),
        ("commit", "feat(core): a", CORE),
        ("tag", "demo-core-v1.1.0-rc.1"),
        ("commit", "fix(core): b", CORE),
        ("tag", "demo-core-v1.1.0"),
        ("commit", "fix(core): c", CORE),
    ],
    "settings that change what git log prints": [
        *(
            ("git", "config", k, v)
            for k, v in (
                ("log.showRoot", "false"),
                ("diff.renames", "copies"),
                ("color.ui", "always"),
                ("diff.relative", "true"),
                ("diff.noprefix", "true"),
                ("log.decorate", "full"),
                ("core.quotePath", "true"),
            )
        ),
        ("commit", "feat(core): one", CORE),
        ("git", "mv", "python/demo/__init__.py", "crates/cli/src/wheel.rs"),
        ("git", "commit", "-q", "-m", "fix: move"),
    ],
    "a malformed trailer fails the same way": [
        ("tags", "1.0.0"),
        ("commit", "fix(cli): fine", CLI),
        ("commit", "feat(core): bigger\n\nRelease: huge", CORE),
    ],
}


def play(repo: ReleaseRepo, steps: list[tuple[str, ...]]) -> None:
    for kind, *args in steps:
        if kind == "commit":
            repo.commit(args[0], *args[1:])
        elif kind == "tag":
            repo.tag(*args)
        elif kind == "tags":
            repo.tag_all(args[0])
        else:
            repo.git(*args)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scripted_history_gives_the_same_plan(tmp_path: Path, name: str) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", "0.1.0", packages=DOCS)
    play(repo, SCENARIOS[name])
    plan = assert_same(repo.root)
    if "malformed" in name:
        assert isinstance(plan, str) and "Release: huge" in plan
    else:
        assert isinstance(plan, Plan) and plan.entries  # every scenario ships something


def test_what_the_scenarios_ship(tmp_path: Path) -> None:
    """Some of the scenarios' facts, spelled out (the comparison alone would pass if both broke)."""
    repo = ReleaseRepo.create(tmp_path / "r", "0.1.0", packages=DOCS)
    play(repo, SCENARIOS["a side branch merged, with a tag on it"])
    plan = make_plan(str(repo.root))
    core, cli, wheel = plan.entries
    assert (core.bump, len(core.commits)) == ("minor", 2)  # the branch's feat and `after`
    assert (cli.previous, cli.commits) == ("1.0.1", [repo.git("rev-parse", "topic").strip()])
    assert len(wheel.commits) == 1  # the fix on main; the merge itself never counts
    repo = ReleaseRepo.create(tmp_path / "s", "0.1.0", packages=DOCS)
    play(repo, SCENARIOS["a tag on a branch not merged is not a release"])
    assert make_plan(str(repo.root)).entries[0].previous == "0.3.0"


# --- generated histories ------------------------------------------------------------------

SHAPES = {
    "every tag on the first commit": Shape(seed=1),
    "releases along the way": Shape(seed=2, spread=True),
    "first releases too": Shape(seed=3, spread=True, untagged=3),
    "odd paths, renames, empty commits, clock skew": Shape(seed=4, spread=True, odd=True),
    "all of it": Shape(seed=5, spread=True, untagged=1, odd=True),
    "no merges": Shape(seed=6, merges=False, spread=True, odd=True),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_generated_history_gives_the_same_plan(tmp_path: Path, name: str) -> None:
    workspace(str(tmp_path / "w"), 10, 400, SHAPES[name])
    plan = assert_same(tmp_path / "w")
    assert isinstance(plan, Plan) and len(plan.entries) == 10


def git_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = subprocess.run

    def run(argv: list[str], *args: object, **kwargs: object) -> object:
        if argv and argv[0] == "git":
            calls.append(argv)
        return real(argv, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", run)  # what ci_gates.history calls
    return calls


@pytest.mark.parametrize("packages", [3, 24])
def test_git_is_asked_the_same_number_of_times_for_any_number_of_packages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, packages: int
) -> None:
    workspace(str(tmp_path / "w"), packages, 60, Shape(seed=7, spread=True))
    calls = git_calls(monkeypatch)
    make_plan(str(tmp_path / "w"))
    assert [c[3] for c in calls] == ["for-each-ref", "merge-base", "log"]
    calls.clear()
    make_plan(str(tmp_path / "w"), per_package=True)
    assert len(calls) == 2 * packages


def test_a_project_below_the_top_of_its_repository(tmp_path: Path) -> None:
    """Pathspecs start at the project, and so do the paths the one pass reads."""
    top = tmp_path / "top"
    repo = ReleaseRepo.create(top / "proj", "1.0.0")
    (top / "proj" / ".git").rename(top / ".git")
    repo.root = top
    repo.git("add", "-A")
    repo.git("commit", "-qm", "chore: the project moves down")
    repo.tag_all("1.0.0")
    repo.commit("feat: outside the project", "python/demo/__init__.py", "crates/core/x.rs")
    repo.commit("fix(core): inside", "proj/" + CORE)
    plan = assert_same(top / "proj")
    assert isinstance(plan, Plan)
    assert [(e.name, len(e.commits)) for e in plan.entries][:1] == [("demo-core", 1)]
