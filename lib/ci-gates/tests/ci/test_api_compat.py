"""The api_compat gate on scripted histories: Python API, first release, declared bumps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci_gates.checks.api import BREAKING, Change, rust
from ci_gates.checks.api.verdict import evaluate, required_bump
from ci_gates.gates import api_compat
from ci_gates.testing import run_gate
from tests.ci.apirepos import (
    BINDING,
    CORE,
    INIT,
    STUB,
    change,
    cli_main,
    dump,
    full_repo,
    python_repo,
    rust_repo,
)
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
    assert (
        f"mark commit {sha[:10]} 'fix(py): clearer keyword for count_file' `feat!:`" in failure.fix
    )
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
    assert [(c.surface, c.item, c.kind) for c in changes] == [
        ("python", "demo.count_bytes", BREAKING)
    ]
    change(early, "feat: count text too", ADDED)
    assert required_bump(str(early.root), "demo")[0] == "patch"
    verdict = evaluate(str(early.root), "demo")
    assert verdict.as_dict()["additive"] == ["python: demo.count_text: new public name"]
    assert verdict.as_dict()["uncovered"] == []


def test_unknown_package(released: ReleaseRepo) -> None:
    from ci_gates.checks.api import ApiError

    with pytest.raises(ApiError, match="no release package 'nope'"):
        required_bump(str(released.root), "nope")


def test_no_release_packages(make_repo: object) -> None:
    root = make_repo({})  # type: ignore[operator]
    outcome = run_gate("api_compat", root)
    assert (outcome.status, outcome.rules) == ("passed", ["API007"])


def test_rule_texts_without_a_commit() -> None:
    from ci_gates.checks.api.baseline import Baseline
    from ci_gates.checks.api.verdict import Verdict

    verdict = Verdict("demo", Baseline("demo-v2.0.0", "2.0.0", "0" * 40), (), [], {}, {}, [], [])
    gone = Change(
        "cli", "demo count --json", BREAKING, "flag removed", "restore `demo count --json`"
    )
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


# --- with cargo: the CLI's --dump-surface and the Rust API of a library crate ---------------

needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
needs_semver_checks = pytest.mark.skipif(
    rust.installed_version() != rust.VERSION,
    reason=f"needs cargo-semver-checks {rust.VERSION} (`{rust.NOX_INSTALL}`)",
)


@pytest.fixture
def cli_released(tmp_path: Path) -> ReleaseRepo:
    """A library crate and a CLI crate; only the CLI released (1.2.3), so no semver-checks."""
    repo = rust_repo(tmp_path / "c", "1.2.3")
    repo.tag("demo-cli-v1.2.3")
    return repo


@pytest.mark.cargo
@needs_cargo
def test_cli_flag_added_and_removed(cli_released: ReleaseRepo) -> None:
    main = "crates/cli/src/main.rs"
    change(
        cli_released,
        "feat(cli): --zero",
        {main: cli_main(dump(["json", "zero"], ["path", "lines"]))},
    )
    outcome = run_gate("api_compat", cli_released.root)
    assert (outcome.status, outcome.rules) == ("passed", ["API004", "API005", "API003"])
    assert "demo-cli cli API: demo-cli count --zero: new flag (additive" in outcome.text

    change(
        cli_released, "fix(cli): drop --json", {main: cli_main(dump(["zero"], ["path", "lines"]))}
    )
    outcome = run_gate("api_compat", cli_released.root)
    assert outcome.status == "failed"
    failure = next(f for f in outcome.findings if f.rule == "API001")
    assert "demo-cli count --json: flag removed (breaking: needs a major release" in failure.message
    assert "'fix(cli): drop --json' `feat!:`" in failure.fix
    assert failure.fix.endswith("or restore `demo-cli count --json`")


@pytest.mark.cargo
@needs_cargo
def test_cli_baseline_without_dump_is_a_note(tmp_path: Path) -> None:
    repo = rust_repo(tmp_path / "n", "1.2.3")
    change(repo, "chore: an old CLI", {"crates/cli/src/main.rs": "fn main() {}\n"})
    repo.tag("demo-cli-v1.2.3")
    change(repo, "feat(cli): dump the surface", {"crates/cli/src/main.rs": cli_main(dump([], []))})
    outcome = run_gate("api_compat", repo.root)
    assert outcome.status == "passed"
    assert "API006" in outcome.rules
    assert (
        "`demo-cli --dump-surface` at demo-cli-v1.2.3 printed no surface document" in outcome.text
    )


@pytest.fixture
def core_released(tmp_path: Path) -> ReleaseRepo:
    repo = rust_repo(tmp_path / "k", "1.2.3")
    repo.tag("demo-core-v1.2.3")
    return repo


@pytest.mark.cargo
@needs_cargo
@needs_semver_checks
def test_rust_function_removed_and_added(core_released: ReleaseRepo) -> None:
    lib = "crates/core/src/lib.rs"
    change(core_released, "feat(core): two()", {lib: CORE + "pub fn two() -> u32 {\n    2\n}\n"})
    outcome = run_gate("api_compat", core_released.root)
    assert (outcome.status, outcome.rules) == ("passed", ["API005", "API003", "API004"])
    assert "demo-core rust API: demo_core::two: new public function (additive" in outcome.text

    change(core_released, "fix(core): one() is gone", {lib: "pub fn two() -> u32 {\n    2\n}\n"})
    outcome = run_gate("api_compat", core_released.root)
    assert outcome.status == "failed"
    failure = next(f for f in outcome.findings if f.rule == "API001")
    assert "demo_core::one" in failure.message and "function_missing" in failure.fix
    assert failure.path == "crates/core/src/lib.rs" and failure.line == 1


# --- the release plan uses the verdict ---------------------------------------------------------


def test_plan_refuses_a_fix_over_a_breaking_change(released: ReleaseRepo) -> None:
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.release.plan import make_plan

    change(released, "fix: drop count_bytes", NO_COUNT_BYTES)
    assert make_plan(str(released.root)).entries[0].bump == "patch"  # without the API check
    with pytest.raises(ReleaseError) as refused:
        make_plan(str(released.root), api=True)
    lines = str(refused.value).splitlines()
    assert lines[0] == "the API changed more than the commits declare (`nox -s api_compat`):"
    assert len(lines) == 2
    assert "demo python API: demo.count_bytes: public object was removed" in lines[1]
    assert "needs a major release; the commits since demo-v1.2.3 declare patch" in lines[1]
    assert "`feat!:` or give it a `Release: major` trailer" in lines[1]


def test_plan_with_a_declared_break_carries_the_verdict(released: ReleaseRepo) -> None:
    import json

    from tests.ci.test_release_plan import run_cli

    change(released, "feat!: drop count_bytes", NO_COUNT_BYTES)
    proc = run_cli(released.root, "plan", "--json")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["packages"]
    assert (entry["bump"], entry["version"]) == ("major", "2.0.0")
    assert entry["api"] == {
        "baseline": "demo-v1.2.3",
        "surfaces": ["python"],
        "required": "major",
        "declared": {"python": "major"},
        "breaking": ["python: demo.count_bytes: public object was removed"],
        "additive": [],
        "uncovered": [],
        "not_compared": [],
    }


def test_plan_cli_refuses_in_one_line_per_change(released: ReleaseRepo) -> None:
    from tests.ci.test_release_plan import run_cli

    change(released, "fix(py): clearer keyword for count_file", RENAME)
    proc = run_cli(released.root, "plan")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 3  # the headline, the removed and the added keyword
    assert "demo.count_file: parameter was removed: `follow`" in proc.stderr
    assert run_cli(released.root, "plan", "--no-api").returncode == 0


@pytest.mark.cargo
@needs_cargo
def test_plan_raises_the_wheel_for_a_cli_break_its_crate_declares(tmp_path: Path) -> None:
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.release.plan import make_plan

    repo = full_repo(tmp_path / "w", "1.2.3")
    repo.tag("demo-cli-v1.2.3")
    repo.tag("demo-v1.2.3")
    main = {"crates/cli/src/main.rs": cli_main(dump([], ["path", "lines"]))}
    change(repo, "fix(cli): drop --json", main)
    with pytest.raises(ReleaseError) as refused:
        make_plan(str(repo.root), api=True)
    lines = str(refused.value).splitlines()[1:]
    # The CLI crate and the wheel that installs the CLI: both would break their users.
    assert [line.split(" API: ")[0].strip() for line in lines] == ["demo-cli cli", "demo cli"]
    repo.git("commit", "-q", "--amend", "-m", "feat(cli)!: drop --json")
    plan = make_plan(str(repo.root), api=True)
    assert [(e.name, e.bump, e.version) for e in plan.entries] == [
        ("demo-core", "first", "1.2.3"),  # never released: nothing to compare
        ("demo-cli", "major", "2.0.0"),
        ("demo", "major", "2.0.0"),  # a cascade alone would be a patch
    ]
    assert (
        "patch: cascade from demo-cli; api: major for cli demo-cli count --json"
        in plan.entries[2].reason
    )
    assert run_gate("api_compat", repo.root).status == "passed"


def test_a_shallow_clone_cannot_tell_a_first_release(released: ReleaseRepo, tmp_path: Path) -> None:
    change(released, "fix: drop count_bytes", NO_COUNT_BYTES)
    shallow = tmp_path / "shallow"
    released.git("clone", "-q", "--depth", "1", f"file://{released.root}", str(shallow))
    outcome = run_gate("api_compat", shallow)
    assert outcome.status == "could not run"
    assert (
        "shallow clone hides the release tags" in outcome.text and "fetch-depth: 0" in outcome.text
    )
