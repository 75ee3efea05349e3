"""Safety on, house style opt-in: ``[tool.ci-gates] policy`` (ci_gates.core.policy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_gates.core import policy
from ci_gates.core.config import ConfigError, parse
from ci_gates.core.registry import builtin, load_rules
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT, MakeRepo
from tests.ci.conftest import HOUSE_STYLE, HOUSE_STYLE_PYPROJECT

SHA = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"
# A workflow as many projects write one: named check.yaml, tools called directly, a tag pin.
CHECK = f"""\
name: check
on: [push]
permissions: {{}}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{SHA}
        with:
          persist-credentials: false
      - uses: astral-sh/setup-uv@v6
      - run: cargo test --locked
"""


def config_of(tmp_path: Path, table: str) -> dict[str, object]:
    (tmp_path / "pyproject.toml").write_text(f"{MINIMAL_PYPROJECT}\n{table}", encoding="utf-8")
    return parse(tmp_path)


def test_every_group_names_real_rules_and_gates() -> None:
    rules = load_rules(".")
    gates = {g.name for g in builtin()}
    for name, (what, group_gates, group_rules) in policy.GROUPS.items():
        assert what and (group_gates or group_rules), name
        assert set(group_gates) <= gates, name
        assert set(group_rules) <= set(rules), name
        # a rule of a whole-gate group belongs to no other group
        assert not any(rules[r].gate in group_gates for r in group_rules), name


@pytest.mark.parametrize(
    ("table", "on"),
    [
        ("", set()),
        ("[tool.ci-gates]\npolicy = []\n", set()),
        ('[tool.ci-gates]\npolicy = ["house-style"]\n', set(policy.GROUPS)),
        ('[tool.ci-gates]\npolicy = ["readmes", "job-timeouts"]\n', {"readmes", "job-timeouts"}),
    ],
)
def test_groups_on(tmp_path: Path, table: str, on: set[str]) -> None:
    config = config_of(tmp_path, table)
    assert policy.groups_on(config) == on
    assert policy.rule_on(config, "WF003")  # safety: always
    assert policy.rule_on(config, "WF011") == ("thin-workflows" in on)
    # a whole-gate group that is off skips its gate, with how to turn it on
    assert ("loc" in config["skip"]) == ("line-budget" not in on)  # type: ignore[operator]


def test_the_skip_says_how_to_turn_the_group_on(tmp_path: Path) -> None:
    why = config_of(tmp_path, "")["skip"]["loc"]  # type: ignore[index]
    assert "house style 'line-budget' is off" in why and 'add "line-budget"' in why


def test_a_skip_of_the_projects_own_wins(tmp_path: Path) -> None:
    config = config_of(tmp_path, '[tool.ci-gates.skip]\nloc = "generated code everywhere"\n')
    assert config["skip"]["loc"] == "generated code everywhere"  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"house-style"', "must be a list of group names"),
        ('["house_style"]', "unknown group 'house_style'; known: house-style, line-budget"),
    ],
)
def test_bad_policy_is_a_config_error(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        config_of(tmp_path, f"[tool.ci-gates]\npolicy = {value}\n")


def test_keep_drops_only_house_style_rules_that_are_off() -> None:
    from ci_gates.core.findings import Finding

    found = [Finding("WF003", "pin"), Finding("WF011", "nox"), Finding("WF007", "timeout")]
    assert [f.rule for f in policy.keep(found, {})] == ["WF003"]
    kept = policy.keep(found, {"policy": ["job-timeouts"]})
    assert [f.rule for f in kept] == ["WF003", "WF007"]


def test_workflows_gate_judges_a_workflow_of_any_name(make_repo: MakeRepo) -> None:
    # check.yaml, no ci.yml: the gate applies, safety rules judge it, house style stays silent
    root = make_repo({".github/workflows/check.yaml": CHECK})
    from ci_gates.gates import workflows

    assert workflows.GATE.applies is not None and workflows.GATE.applies(str(root)) == ""
    outcome = run_gate("workflows", root)
    assert outcome.rules == ["WF003"], outcome.text
    assert ".github/workflows/check.yaml:11: astral-sh/setup-uv@v6 is not pinned" in outcome.text


def test_workflows_gate_with_house_style_on(make_repo: MakeRepo) -> None:
    pyproject = (
        HOUSE_STYLE_PYPROJECT
        + '\n[tool.ci-gates.tool-guard]\nci-file = ".github/workflows/check.yaml"\n'
    )
    root = make_repo({".github/workflows/check.yaml": CHECK, "pyproject.toml": pyproject})
    rules = set(run_gate("workflows", root).rules)
    assert {"WF003", "WF007", "WF011"} <= rules  # pins, timeouts, one nox session a step


def test_no_workflow_no_gate(make_repo: MakeRepo) -> None:
    from ci_gates.gates import workflows

    assert workflows.GATE.applies is not None
    assert "no workflow" in workflows.GATE.applies(str(make_repo({})))


def test_readme_house_style_is_off_by_default(make_repo: MakeRepo) -> None:
    short = "# x\n\nA short README.\n"
    pyproject = MINIMAL_PYPROJECT + 'readme = "README.md"\n'
    assert (
        run_gate("readme", make_repo({"README.md": short, "pyproject.toml": pyproject})).rules == []
    )
    on = make_repo({"README.md": short, "pyproject.toml": pyproject + HOUSE_STYLE})
    errors = [f.rule for f in run_gate("readme", on).findings if f.severity == "error"]
    assert errors == ["RDM002"]


def test_ci_step_not_nox_is_house_style(make_repo: MakeRepo) -> None:
    ci = CHECK.replace("check", "ci")
    files = {".github/workflows/ci.yml": ci}
    assert run_gate("tool_guard", make_repo(files)).rules == []
    on = make_repo({**files, "pyproject.toml": HOUSE_STYLE_PYPROJECT})
    assert run_gate("tool_guard", on).rules == ["TG003"]


def test_no_permissions_is_one_finding_not_one_per_job(make_repo: MakeRepo) -> None:
    # zizmor's excessive-permissions for the same fault is WF006's (one fault, one finding)
    two_jobs = CHECK.replace("permissions: {}\n", "") + CHECK.split("jobs:\n")[1].replace(
        "  test:", "  again:"
    )
    outcome = run_gate("workflows", make_repo({".github/workflows/check.yaml": two_jobs}))
    assert sorted(set(outcome.rules)) == ["WF003", "WF006"], outcome.text
    assert outcome.rules.count("WF006") == 1
