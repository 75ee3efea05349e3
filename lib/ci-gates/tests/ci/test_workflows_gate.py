"""workflows gate, end to end: a clean fixture repository passes; each seeded fault fails with its rule and line.

The fixture repository holds a template project's ci.yml and composite actions
(tests/ci/fixtures/project, a frozen copy with neutral names, so the clean case is a real
project's) and tests/ci/fixtures/workflows/release.yml, a small thin release workflow whose
lines the fault cases below edit. The gate runs check-jsonschema and
zizmor; without them these tests cannot say anything, so they fail rather than skip. The
rule functions themselves are table-tested in test_workflow_rules.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci_gates.core.project import names
from ci_gates.testing import Outcome, run_gate
from ci_gates.testing.plugin import MakeRepo
from tests.ci.conftest import HOUSE_STYLE, HOUSE_STYLE_PYPROJECT

PROJECT = Path(__file__).parent / "fixtures" / "project"
FIXTURES = Path(__file__).parent / "fixtures" / "workflows"
CI = ".github/workflows/ci.yml"
RELEASE = ".github/workflows/release.yml"
REAL_FILES = (CI, "action.yml", "action/cleanup/action.yml", "ci/requirements-dev.txt")
# The cleanup action's line that removes the action's home, named after the project's CLI.
CLEANUP_HOME = f'home="$RUNNER_TEMP/{names(PROJECT).cli}-action"'


@pytest.fixture(autouse=True)
def _tools() -> None:
    missing = [t for t in ("check-jsonschema", "zizmor") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not on PATH; run these tests through `nox -s tests`")


def _repo(
    make_repo: MakeRepo,
    edits: dict[str, tuple[str, str]] | None = None,
    extra: dict[str, str] | None = None,
) -> Path:
    files = {rel: (PROJECT / rel).read_text(encoding="utf-8") for rel in REAL_FILES}
    files[RELEASE] = (FIXTURES / "release.yml").read_text(encoding="utf-8")
    files["pyproject.toml"] = HOUSE_STYLE_PYPROJECT  # a template project: house style on
    for rel, (old, new) in (edits or {}).items():
        assert old in files[rel], f"fixture edit: {old!r} not in {rel}"
        files[rel] = files[rel].replace(old, new, 1)
    files.update(extra or {})
    return make_repo(files, git=False)


def _line_of(root: Path, rel: str, needle: str, whole: bool = False) -> int:
    for n, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if (line == needle) if whole else (needle in line):
            return n
    raise AssertionError(f"{needle!r} not in {rel}")


def _fails_with(root: Path, rule: str, rel: str, line: int, *words: str) -> Outcome:
    outcome = run_gate("workflows", root)
    assert outcome.status == "failed", outcome.text
    hits = [f for f in outcome.findings if (f.rule, f.path, f.line) == (rule, rel, line)]
    assert hits, f"no {rule} at {rel}:{line} in:\n{outcome.text}"
    assert any(all(w in f.text() for w in words) for f in hits), outcome.text
    return outcome


def test_fixture_repository_passes(make_repo: MakeRepo) -> None:
    outcome = run_gate("workflows", _repo(make_repo))
    assert outcome.status == "passed", outcome.text
    assert outcome.findings == []


def test_run_pytest_step_in_ci_fails(make_repo: MakeRepo) -> None:
    step = "        run: nox -s cargo_test\n"
    root = _repo(make_repo, {CI: (step, step + "      - run: pytest\n")})
    _fails_with(root, "WF011", CI, _line_of(root, CI, "run: pytest"), "`pytest`", "nox -s")


def test_inline_shell_in_release_fails(make_repo: MakeRepo) -> None:
    root = _repo(
        make_repo,
        {RELEASE: ("run: nox -s build", "run: |\n          cargo build --release\n          ls")},
    )
    _fails_with(
        root, "WF011", RELEASE, _line_of(root, RELEASE, "run: |"), "cargo build --release …"
    )


def test_release_session_arguments_after_double_dash_pass(make_repo: MakeRepo) -> None:
    root = _repo(
        make_repo, {RELEASE: ("run: nox -s build", "run: nox -s build -- --target x86_64")}
    )
    assert run_gate("workflows", root).status == "passed"


def test_action_pinned_to_tag_fails(make_repo: MakeRepo) -> None:
    pinned = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093"
    root = _repo(make_repo, {RELEASE: (pinned, "actions/download-artifact@v4")})
    outcome = _fails_with(root, "WF003", RELEASE, _line_of(root, RELEASE, "@v4"), "@v4", "SHA")
    assert not any("unpinned-uses" in f.message for f in outcome.findings), "zizmor duplicate"


def test_gate_missing_from_ci_is_stale(make_repo: MakeRepo) -> None:
    step = "      - name: wheel\n        if: ${{ !cancelled() }}\n        run: nox -s wheel\n"
    root = _repo(make_repo, {CI: (step, "")})
    line = _line_of(root, CI, "# >>> ci-gates")
    _fails_with(root, "SYN001", CI, line, "missing wheel", "nox -s sync")


def test_gate_skipped_in_config_needs_no_step(make_repo: MakeRepo) -> None:
    step = "      - name: wheel\n        if: ${{ !cancelled() }}\n        run: nox -s wheel\n"
    pyproject = (
        '[project]\nname = "x"\n' + HOUSE_STYLE + 'skip = { wheel = "no wheel checks here" }\n'
    )
    root = _repo(make_repo, {CI: (step, "")}, {"pyproject.toml": pyproject})
    outcome = run_gate("workflows", root)
    assert outcome.status == "passed", outcome.text


def test_hand_written_ci_without_markers_is_checked_step_by_step(make_repo: MakeRepo) -> None:
    step = "      - name: wheel\n        if: ${{ !cancelled() }}\n        run: nox -s wheel\n"
    text = (PROJECT / CI).read_text(encoding="utf-8").replace(step, "")
    text = "".join(ln for ln in text.splitlines(keepends=True) if "ci-gates" not in ln)
    root = _repo(make_repo, extra={CI: text})
    _fails_with(root, "WF020", CI, _line_of(root, CI, "    steps:"), "nox -s wheel")


def test_unknown_session_fails(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {RELEASE: ("run: nox -s build", "run: nox -s biuld")})
    _fails_with(root, "WF012", RELEASE, _line_of(root, RELEASE, "nox -s biuld"), "biuld", "nox -l")


def test_expression_inside_action_run_fails_with_its_column(make_repo: MakeRepo) -> None:
    rel = "action.yml"
    root = _repo(
        make_repo, {rel: ("for path in $INPUT_PATHS; do", "for path in ${{ inputs.paths }}; do")}
    )
    outcome = _fails_with(
        root, "WF004", rel, _line_of(root, rel, "${{ inputs.paths }}; do"), "inputs.paths"
    )
    (hit,) = [f for f in outcome.findings if f.rule == "WF004"]
    assert hit.column == 21
    # The step's env: already holds it: the fix names that variable, unquoted (a word list).
    assert "already has `INPUT_PATHS: ${{ inputs.paths }}`" in hit.fix
    assert not any("template-injection" in f.message for f in outcome.findings), "zizmor duplicate"


def test_trusted_expression_is_a_warning_that_passes(make_repo: MakeRepo) -> None:
    rel = "action/cleanup/action.yml"
    root = _repo(make_repo, {rel: (CLEANUP_HOME, 'home="${{ runner.temp }}/t"')})
    outcome = run_gate("workflows", root)
    assert outcome.status == "passed", outcome.text
    assert outcome.rules == ["WF005"]
    assert "write ${RUNNER_TEMP} here" in outcome.findings[0].fix


def test_id_token_at_workflow_level_fails(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {RELEASE: ("permissions: {}\n", "permissions:\n  id-token: write\n")})
    _fails_with(
        root,
        "WF008",
        RELEASE,
        _line_of(root, RELEASE, "  id-token: write", whole=True),
        "every job",
    )


def test_id_token_on_a_build_job_fails(make_repo: MakeRepo) -> None:
    old = "    timeout-minutes: 60\n    permissions:\n      contents: read\n"
    root = _repo(make_repo, {RELEASE: (old, old + "      id-token: write\n")})
    line = _line_of(root, RELEASE, "      id-token: write", whole=True)
    _fails_with(root, "WF009", RELEASE, line, "job build", "no step that uses it")


def test_registry_token_from_secrets_fails(make_repo: MakeRepo) -> None:
    old = "          packages-dir: dist/\n"
    root = _repo(
        make_repo, {RELEASE: (old, old + "          password: ${{ secrets.PYPI_API_TOKEN }}\n")}
    )
    _fails_with(
        root, "WF010", RELEASE, _line_of(root, RELEASE, "password:"), "secrets.PYPI_API_TOKEN"
    )


def test_continue_on_error_fails(make_repo: MakeRepo) -> None:
    old = "        run: nox -s build\n"
    root = _repo(make_repo, {RELEASE: (old, old + "        continue-on-error: true\n")})
    _fails_with(root, "WF016", RELEASE, _line_of(root, RELEASE, "continue-on-error"), "green")


def test_nox_setup_must_match_the_pin(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {CI: ("uv tool install nox==", "uv tool install nox==1.0.0#")})
    _fails_with(root, "WF013", CI, _line_of(root, CI, "uv tool install"), "requirements-dev")


def test_nox_setup_through_env_is_resolved(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {RELEASE: ('NOX_VERSION: "2026.10.20"', 'NOX_VERSION: "2020.1.1"')})
    _fails_with(root, "WF013", RELEASE, _line_of(root, RELEASE, "uv tool install"), "nox 2020.1.1")


def test_setup_uv_must_match_the_pin(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {CI: ('version: "0.13.9"', 'version: "0.5.0"')})
    _fails_with(root, "WF015", CI, _line_of(root, CI, 'version: "0.5.0"'), "uv 0.5.0", "0.13.9")


def test_schema_error_names_the_line(make_repo: MakeRepo) -> None:
    old = "    timeout-minutes: 60\n"
    root = _repo(make_repo, {CI: (old, old + "    bogus-key: 1\n")})
    outcome = run_gate("workflows", root)
    assert outcome.status == "failed"
    hits = [f for f in outcome.findings if f.rule == "WF024"]
    assert hits and hits[0].path == CI and hits[0].line > 0, outcome.text


def test_zizmor_finding_fails(make_repo: MakeRepo) -> None:
    root = _repo(
        make_repo, {RELEASE: ("        with:\n          persist-credentials: false\n", "")}
    )
    outcome = run_gate("workflows", root)
    assert outcome.status == "failed"
    assert any(
        f.rule == "WF025" and f.path == RELEASE and "artipacked" in f.message
        for f in outcome.findings
    )


def test_job_without_timeout_fails(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {RELEASE: ("    timeout-minutes: 20\n", "")})
    _fails_with(
        root, "WF007", RELEASE, _line_of(root, RELEASE, "  publish:", whole=True), "timeout-minutes"
    )


def test_ci_without_cancel_in_progress_fails(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, {CI: ("cancel-in-progress: true", "cancel-in-progress: false")})
    _fails_with(root, "WF017", CI, _line_of(root, CI, "cancel-in-progress"), "cancel-in-progress")


def test_unparsable_workflow_fails_naming_the_line(make_repo: MakeRepo) -> None:
    root = _repo(make_repo, extra={".github/workflows/bad.yml": "on: [push\njobs: {}\n"})
    outcome = run_gate("workflows", root)
    assert outcome.status == "failed"
    (hit,) = [f for f in outcome.findings if f.rule == "WF001"]
    assert hit.path == ".github/workflows/bad.yml" and hit.line == 2


def test_missing_ci_file_fails(make_repo: MakeRepo) -> None:
    root = _repo(make_repo)
    (root / CI).unlink()
    assert "WF002" in run_gate("workflows", root).rules


def test_missing_tool_cannot_run(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(make_repo)
    monkeypatch.setenv("PATH", str(root))  # neither zizmor nor check-jsonschema
    outcome = run_gate("workflows", root)
    assert outcome.status == "could not run"
    assert "not on PATH" in outcome.text and "nox -s workflows" in outcome.text


def test_trusted_expressions_can_be_ignored_on_their_own(make_repo: MakeRepo) -> None:
    rel = "action/cleanup/action.yml"
    pyproject = (
        '[project]\nname = "x"\n'
        + HOUSE_STYLE
        + 'ignore = { WF005 = "runner paths are fine here" }\n'
    )
    edit = (CLEANUP_HOME, 'home="${{ runner.temp }}/t"')
    root = _repo(make_repo, {rel: edit}, {"pyproject.toml": pyproject})
    outcome = run_gate("workflows", root)
    assert outcome.status == "passed" and outcome.rules == []
    assert [(f.rule, f.ignored) for f in outcome.findings] == [
        ("WF005", "runner paths are fine here")
    ]
    # the attacker-controlled rule is not covered by that entry
    edit = (CLEANUP_HOME, 'home="${{ inputs.keep-cache }}/t"')
    root = _repo(make_repo, {rel: edit}, {"pyproject.toml": pyproject})
    assert run_gate("workflows", root).rules == ["WF004"]
