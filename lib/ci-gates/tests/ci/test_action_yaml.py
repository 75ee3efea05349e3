"""The ``action_yaml`` gate on fixture composite actions (tests/ci/fixtures/actions/): rule, message, fix, line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.core.findings import RULES
from ci_gates.gates import action_yaml as action_yaml  # registers the AY rules for RULES
from ci_gates.gates.workflows import security as _wf_security
from ci_gates.parsers import ghyaml
from ci_gates.testing import Outcome, run_gate
from ci_gates.testing.plugin import MakeRepo

FIXTURES = Path(__file__).parent / "fixtures" / "actions"
GOOD = (FIXTURES / "good.yml").read_text(encoding="utf-8")
CLEANUP = (FIXTURES / "cleanup.yml").read_text(encoding="utf-8")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def gate(
    make_repo: MakeRepo, action: str | None = GOOD, cleanup: str | None = CLEANUP, **extra: str
) -> Outcome:
    files = dict(extra)
    if action is not None:
        files["action.yml"] = action
    if cleanup is not None:
        files["action/cleanup/action.yml"] = cleanup
    return run_gate("action_yaml", make_repo(files, git=False))


def only(outcome: Outcome, rule: str) -> tuple[str, int, str, str]:
    """The one finding of ``rule``: (path, line, message, fix)."""
    hits = [f for f in outcome.findings if f.rule == rule]
    assert len(hits) == 1, outcome.text
    return hits[0].path, hits[0].line, hits[0].message, hits[0].fix


def test_every_rule_has_help() -> None:
    for n in range(1, 7):
        assert RULES[f"AY00{n}"].gate == "action_yaml" and RULES[f"AY00{n}"].summary


def test_good_actions_pass(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo)
    assert outcome.status == "passed", outcome.text
    assert outcome.findings == []


def test_actions_under_dot_github_actions_are_found(make_repo: MakeRepo) -> None:
    outcome = gate(
        make_repo, None, None, **{".github/actions/count/action.yml": fixture("no_using.yml")}
    )
    assert only(outcome, "AY004")[:2] == (".github/actions/count/action.yml", 12)


def test_missing_runs_using(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, fixture("no_using.yml"))
    assert outcome.status == "failed"
    assert only(outcome, "AY004") == (
        "action.yml",
        12,
        "runs.using is missing",
        "add `runs: using: composite`",
    )


def test_runs_using_must_name_a_kind_of_action(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, GOOD.replace("using: composite", "using: shell"))
    path, line, message, fix = only(outcome, "AY004")
    assert (path, line, message) == ("action.yml", 13, "runs.using is 'shell', not 'composite'")
    assert "using: composite" in fix


@pytest.mark.parametrize("kind", ["node20", "docker"])
def test_javascript_and_docker_actions_are_not_composite_findings(
    make_repo: MakeRepo, kind: str
) -> None:
    # A valid action of another kind: no AY004/AY005 (the schema still judges its fields).
    outcome = gate(make_repo, GOOD.replace("using: composite", f"using: {kind}"))
    assert not {"AY004", "AY005"} & set(outcome.rules), outcome.text


def test_run_step_without_shell(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, fixture("run_without_shell.yml"))
    assert only(outcome, "AY005") == (
        "action.yml",
        18,
        "step 2 (Count) has run: but no shell:",
        "add `shell: bash` (composite actions have no default)",
    )


def test_step_without_uses_or_run(make_repo: MakeRepo) -> None:
    outcome = gate(
        make_repo, GOOD.replace("    - uses: actions/setup-python@v5\n", "    - name: nothing\n")
    )
    assert only(outcome, "AY005")[:3] == (
        "action.yml",
        15,
        "step 1 (nothing) has neither uses: nor run:",
    )


def test_step_with_both_uses_and_run(make_repo: MakeRepo) -> None:
    outcome = gate(
        make_repo,
        GOOD.replace("    - uses: actions/setup-python@v5\n", "    - uses: a/b@v1\n      run: x\n"),
    )
    assert only(outcome, "AY005")[2:] == ("step 1 has both uses: and run:", "split it in two steps")


def test_input_without_description(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, fixture("input_without_description.yml"))
    path, line, message, fix = only(outcome, "AY003")
    assert (path, line, message) == ("action.yml", 5, "input 'paths' has no description")
    assert "description:" in fix


def test_invalid_yaml_names_file_and_line(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, fixture("invalid.yml"))
    path, line, message, fix = only(outcome, "AY001")
    assert (path, line, fix) == ("action.yml", 8, "fix the syntax")
    assert message.startswith("invalid YAML (")
    assert [f.rule for f in outcome.findings] == ["AY001"]  # nothing else is judged in it


def test_not_a_mapping(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, "- a\n")
    assert only(outcome, "AY001")[:3] == ("action.yml", 1, "not a YAML mapping")


def test_no_action_at_all_says_how_to_skip(make_repo: MakeRepo) -> None:
    outcome = gate(make_repo, None, None)
    assert outcome.status == "failed"
    _, _, message, fix = only(outcome, "AY002")
    assert "no action.yml" in message
    assert 'skip = { action_yaml = "no composite action" }' in fix


def test_schema_violation_names_the_line(make_repo: MakeRepo) -> None:
    action = GOOD.replace("name: Count\n", "name: Count\nbranding: {color: not-a-color}\n", 1)
    outcome = gate(make_repo, action)
    path, line, message, _ = only(outcome, "AY006")
    assert (path, line) == ("action.yml", 3)
    assert message.startswith("schema $.branding.color: 'not-a-color' is not one of")


def test_missing_check_jsonschema_cannot_run(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ghyaml, "check_jsonschema", lambda: None)
    outcome = gate(make_repo)
    assert outcome.status == "could not run"
    assert "check-jsonschema" in outcome.text and "nox -s action_yaml" in outcome.text


def test_expression_in_run_is_the_workflows_gates_finding_not_this_ones(
    make_repo: MakeRepo,
) -> None:
    """One owner: action_yaml passes it; the workflows gate's WF004 reports it, with the line."""
    text = fixture("expression_in_run.yml")
    assert gate(make_repo, text).status == "passed"
    found = [
        f
        for f in _wf_security.file_findings("action.yml", ghyaml.compose(text), False)
        if f.rule == "WF004"
    ]
    column = text.splitlines()[24].index("${{") + 1  # 1-based, at the expression
    assert [(f.line, f.column) for f in found] == [(25, column)]
    assert "already has `PATHS: ${{ inputs.paths }}`" in found[0].fix
    assert "write $PATHS" in found[0].fix or 'write "$PATHS"' in found[0].fix


def test_a_template_projects_actions_pass() -> None:
    outcome = run_gate("action_yaml", Path(__file__).parent / "fixtures" / "project")
    assert outcome.status == "passed", outcome.text
