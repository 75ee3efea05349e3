"""The ``action_yaml`` gate on fixture composite actions (tests/ci/fixtures/actions/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ci import gates
from ci.gates import action_yaml
from tests.ci.conftest import MakeRepo

FIXTURES = Path(__file__).parent / "fixtures" / "actions"
GOOD = (FIXTURES / "good.yml").read_text(encoding="utf-8")
CLEANUP = (FIXTURES / "cleanup.yml").read_text(encoding="utf-8")


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def messages() -> str:
    return "\n".join(gates.messages)


def repo(make_repo: MakeRepo, action: str = GOOD, cleanup: str | None = CLEANUP) -> str:
    files = {"action.yml": action}
    if cleanup is not None:
        files["action/cleanup/action.yml"] = cleanup
    return str(make_repo(files, git=False))


def test_good_actions_pass(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo)) == 0, messages()


def test_missing_runs_using_fails_naming_it(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo, fixture("no_using.yml"))) == 1
    assert re.search(r"action\.yml:12: runs\.using is missing", messages()), messages()


def test_runs_using_must_be_composite(make_repo: MakeRepo) -> None:
    node = GOOD.replace("using: composite", "using: node20")
    assert action_yaml.run(repo(make_repo, node)) == 1
    assert "action.yml:13: runs.using is 'node20', not 'composite'" in messages()


def test_run_step_without_shell_fails(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo, fixture("run_without_shell.yml"))) == 1
    assert "action.yml:18: step 2 (Count) has run: but no shell:" in messages()


def test_step_without_uses_or_run_fails(make_repo: MakeRepo) -> None:
    action = GOOD.replace("    - uses: actions/setup-python@v5\n", "    - name: nothing\n")
    assert action_yaml.run(repo(make_repo, action)) == 1
    assert "action.yml:15: step 1 (nothing) has neither uses: nor run:" in messages()


def test_input_without_description_fails(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo, fixture("input_without_description.yml"))) == 1
    assert "action.yml:5: input 'paths' has no description" in messages()


def test_expression_in_run_fails_naming_line_and_expression(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo, fixture("expression_in_run.yml"))) == 1
    out = messages()
    assert "action.yml:25: run: script contains ${{ inputs.paths }}" in out, out
    assert "script injection" in out and "env:" in out and '"$PATHS"' in out


def test_expression_in_single_line_run(make_repo: MakeRepo) -> None:
    cleanup = CLEANUP.replace('"$RUNNER_TEMP/template-cli"', "${{ runner.temp }}/x")
    assert action_yaml.run(repo(make_repo, cleanup=cleanup)) == 1
    assert "action/cleanup/action.yml:7: run: script contains ${{ runner.temp }}" in messages()


def test_invalid_yaml_names_file_and_line(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo, fixture("invalid.yml"))) == 1
    assert re.search(r"^action\.yml:\d+: invalid YAML", messages(), re.M), messages()


def test_missing_cleanup_action_fails(make_repo: MakeRepo) -> None:
    assert action_yaml.run(repo(make_repo, cleanup=None)) == 1
    assert "action/cleanup/action.yml: missing" in messages()


def test_missing_root_action_fails(make_repo: MakeRepo) -> None:
    root = make_repo({"action/cleanup/action.yml": CLEANUP}, git=False)
    assert action_yaml.run(str(root)) == 1
    assert "action.yml: missing" in messages()


def test_schema_violation_is_passed_on(make_repo: MakeRepo) -> None:
    action = GOOD.replace("name: Count\n", "name: Count\nbranding: {color: not-a-color}\n", 1)
    assert action_yaml.run(repo(make_repo, action)) == 1
    out = messages()
    assert "action.yml: does not validate against the GitHub action schema" in out, out
    assert "branding" in out


def test_missing_check_jsonschema_cannot_run(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(action_yaml, "_checker", lambda: None)
    assert action_yaml.run(repo(make_repo)) == 2
    assert "check-jsonschema" in messages()


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("inputs.paths", "PATHS"),
        ("github.event.pull_request.title", "TITLE"),
        ("matrix.os", "OS"),
        ("format('{0}', x)", "X"),
    ],
)
def test_env_name_suggestion(expression: str, name: str) -> None:
    assert action_yaml._env_name(expression) == name


def test_not_a_mapping() -> None:
    assert "not a YAML mapping" in action_yaml.action_problems("action.yml", "- a\n")[0]
