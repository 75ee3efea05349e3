"""The api_compat gate on scripted histories: Python API, first release, declared bumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci.api import BREAKING, Change
from ci.api.verdict import evaluate, required_bump
from ci.gates import api_compat
from ci.testing import run_gate
from tests.ci.apirepos import BINDING, INIT, STUB, change, python_repo
from tests.ci.releasing import ReleaseRepo

RENAMED_STUB = STUB.replace("follow: bool", "follow_links: bool")
RENAMED_BINDING = BINDING.replace("follow", "follow_links")
RENAME = {"python/demo/_native.pyi": RENAMED_STUB, "crates/py/src/lib.rs": RENAMED_BINDING}
NO_COUNT_BYTES = {
    "python/demo/__init__.py": INIT.replace("count_bytes, ", "").replace('"count_bytes", ', ""),
}
ADDED = {
    "python/demo/_native.pyi": STUB + "def count_text(text: str) -> int: ...\n",
    "python/demo/__init__.py": INIT.replace("count_file", "count_file, count_text", 1).replace(
        '"count_file"]', '"count_file", "count_text"]'
    ),
}


@pytest.fixture
def released(tmp_path: Path) -> ReleaseRepo:
    """The wheel-only project, released at 1.2.3."""
    repo = python_repo(tmp_path / "r", "1.2.3")
    repo.tag("demo-v1.2.3")
    return repo


@pytest.fixture
def early(tmp_path: Path) -> ReleaseRepo:
    """The same, released at 0.1.0 (below 1.0.0, Cargo's rule)."""
    repo = python_repo(tmp_path / "e", "0.1.0")
    repo.tag("demo-v0.1.0")
    return repo


def test_first_release_has_nothing_to_compare(tmp_path: Path) -> None:
    repo = python_repo(tmp_path / "f", "0.1.0")
    change(repo, "fix: drop count_bytes", NO_COUNT_BYTES)
    outcome = run_gate("api_compat", repo.root)
    assert outcome.status == "passed"
    assert outcome.rules == ["API004"]
    assert "no release tag demo-v<version> yet" in outcome.text


def test_no_change_passes_with_a_summary(released: ReleaseRepo) -> None:
    change(released, "docs: reword", {"python/demo/README.md": "demo\n"})
    outcome = run_gate("api_compat", released.root)
    assert (outcome.status, outcome.rules) == ("passed", ["API005"])
    assert "demo: python compared with demo-v1.2.3: no API change" in outcome.text


def test_renamed_keyword_under_fix_is_refused(released: ReleaseRepo) -> None:
    sha = change(released, "fix(py): clearer keyword for count_file", RENAME)
    outcome = run_gate("api_compat", released.root)
    assert outcome.status == "failed"
    # `follow` removed (breaking), `follow_links` added (additive: a minor is not declared either)
    assert outcome.rules == ["API005", "API001", "API002"]
    failure = next(f for f in outcome.findings if f.rule == "API001")
    assert failure.path == "python/demo/_native.pyi"
    assert "demo.count_file" in failure.message and "`follow`" in failure.message
    assert "needs a major release; the commits since demo-v1.2.3 declare patch" in failure.message
    assert f"mark commit {sha[:10]} 'fix(py): clearer keyword for count_file' `feat!:`" in failure.fix
    assert "`Release: major` trailer" in failure.fix
    assert "restore parameter `follow` of `demo.count_file`" in failure.fix


def test_renamed_keyword_under_breaking_commit_passes(released: ReleaseRepo) -> None:
    change(released, "feat(py)!: clearer keyword for count_file", RENAME)
    outcome = run_gate("api_compat", released.root)
    assert outcome.status == "passed"
    assert outcome.rules == ["API005", "API003", "API003"]
    assert "declared by breaking change in" in outcome.text


def test_a_release_trailer_declares_too(released: ReleaseRepo) -> None:
    change(released, "fix(py): clearer keyword\n\nRelease: major", RENAME)
    assert run_gate("api_compat", released.root).status == "passed"


def test_removed_function_below_one_needs_a_minor(early: ReleaseRepo) -> None:
    change(early, "fix: drop count_bytes", NO_COUNT_BYTES)
    outcome = run_gate("api_compat", early.root)
    assert outcome.rules == ["API005", "API001"]
    failure = outcome.findings[1]
    assert failure.path == "python/demo/__init__.py"
    assert "demo.count_bytes: public object was removed" in failure.message
    assert "needs a minor release" in failure.message
    assert "`Release: minor` trailer" in failure.fix and "restore `demo.count_bytes`" in failure.fix


def test_added_function_needs_feat_from_one_on(released: ReleaseRepo) -> None:
    change(released, "fix: count text too", ADDED)
    outcome = run_gate("api_compat", released.root)
    assert outcome.rules == ["API005", "API002"]
    assert "demo.count_text: new public name (additive: needs a minor release" in outcome.text
    assert "`feat:`" in outcome.findings[1].fix


def test_added_function_below_one_is_a_patch(early: ReleaseRepo) -> None:
    change(early, "fix: count text too", ADDED)
    outcome = run_gate("api_compat", early.root)
    assert (outcome.status, outcome.rules) == ("passed", ["API005", "API003"])


def test_uncommitted_change_is_judged_too(released: ReleaseRepo) -> None:
    (released.root / "python/demo/_native.pyi").write_text(RENAMED_STUB, encoding="utf-8")
    outcome = run_gate("api_compat", released.root)
    assert outcome.status == "failed"
    assert "declare no release" in outcome.text
    assert "commit the change as `feat!:`" in outcome.findings[1].fix


def test_required_bump_is_the_plan_hook(released: ReleaseRepo, early: ReleaseRepo) -> None:
    change(released, "fix: drop count_bytes", NO_COUNT_BYTES)
    bump, changes = required_bump(str(released.root), "demo")
    assert bump == "major"
    assert [(c.surface, c.item, c.kind) for c in changes] == [("python", "demo.count_bytes", BREAKING)]  # fmt: skip
    change(early, "feat: count text too", ADDED)
    assert required_bump(str(early.root), "demo")[0] == "patch"
    verdict = evaluate(str(early.root), "demo")
    assert verdict.as_dict()["additive"] == ["python: demo.count_text: new public name"]
    assert verdict.as_dict()["uncovered"] == []


def test_unknown_package(released: ReleaseRepo) -> None:
    from ci.api import ApiError

    with pytest.raises(ApiError, match="no release package 'nope'"):
        required_bump(str(released.root), "nope")


def test_no_release_packages(make_repo: object) -> None:
    root = make_repo({})  # type: ignore[operator]
    outcome = run_gate("api_compat", root)
    assert (outcome.status, outcome.rules) == ("passed", ["API007"])


def test_rule_texts_without_a_commit() -> None:
    from ci.api.verdict import Verdict

    from ci.api.baseline import Baseline

    verdict = Verdict("demo", Baseline("demo-v2.0.0", "2.0.0", "0" * 40), (), [], {}, {}, [], [])
    gone = Change("cli", "demo count --json", BREAKING, "flag removed", "restore `demo count --json`")  # fmt: skip
    finding = api_compat.breaking_undeclared(gone, verdict)
    assert finding.rule == "API001"
    assert finding.message == (
        "demo cli API: demo count --json: flag removed (breaking: needs a major release; "
        "the commits since demo-v2.0.0 declare no release)"
    )
    assert finding.fix == (
        "commit the change as `feat!:` … or with a `Release: major` trailer, "
        "or restore `demo count --json`"
    )
