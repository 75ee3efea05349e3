"""Table tests of the workflows gate's rules for every file: each case is its rule ID, message, fix and line.

Every case is a small workflow written here, several modelled on what real projects' workflows
do (a matrix-chosen command, a flags step output, a PowerShell script path, a reusable workflow,
uv publish behind an environment). No external tool runs here; the thin-workflow and ci.yml
rules are in test_workflow_thin_rules.py.
"""

from __future__ import annotations

import pytest

from ci_gates.core.findings import RULES, WARNING
from ci_gates.gates import workflows as workflows  # registers every WF and SYN rule
from ci_gates.gates.workflows import security as _wf_security
from tests.ci.wfcases import SHA, W, parse, steps_block, workflow


def test_every_rule_has_help() -> None:
    for rule_id in [f"WF{n:03}" for n in range(1, 26)] + ["SYN001", "SYN002"]:
        assert rule_id in RULES, rule_id
        assert RULES[rule_id].summary and RULES[rule_id].gate in ("workflows", "readme")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (f"actions/checkout@{SHA}", None),
        ("./action/cleanup", None),
        ("$/.github/actions/setup", None),  # self-repository reference: the running commit
        ("docker://alpine@sha256:" + "a" * 64, None),
        ("actions/checkout@v4", "actions/checkout@v4 is not pinned to a full commit SHA"),
        ("actions/checkout@main", "actions/checkout@main is not pinned to a full commit SHA"),
        ("actions/checkout@de0fac2", "actions/checkout@de0fac2 is not pinned to a full commit SHA"),
        ("docker://alpine:3.20", "docker://alpine:3.20 is not pinned to an image digest"),
    ],
)
def test_wf003_unpinned_uses(ref: str, message: str | None) -> None:
    parsed = workflow(steps_block(f"- uses: {ref}\n"))
    found = _wf_security.file_findings(W, parsed, workflow=True)
    hits = [f for f in found if f.rule == "WF003"]
    if message is None:
        assert hits == []
    else:
        assert [(f.message, f.line) for f in hits] == [(message, 9)]
        assert "sha" in hits[0].fix.lower()


def test_wf003_reusable_workflow_call_is_checked_too() -> None:
    parsed = parse(
        """\
        on: [push]
        permissions: {}
        jobs:
          call:
            uses: other/repo/.github/workflows/x.yml@v1
          local:
            uses: ./.github/workflows/y.yml
        """
    )
    hits = [f for f in _wf_security.file_findings(W, parsed, workflow=True) if f.rule == "WF003"]
    assert [(f.message, f.line) for f in hits] == [
        ("other/repo/.github/workflows/x.yml@v1 is not pinned to a full commit SHA", 5)
    ]


# (step YAML, rule, line, column, words in the fix) — real shapes, each a kind of mistake the
# corpus showed: the advice must keep the step's behaviour.
EXPRESSIONS = [
    # an attacker-chosen title, double-quoted: into env:, ${NAME} inside the quotes
    (
        '- run: echo "title=${{ github.event.pull_request.title }}"\n',
        "WF004",
        9,
        26,
        [
            "`TITLE: ${{ github.event.pull_request.title }}`",
            "${TITLE} here (inside the double quotes)",
        ],
    ),
    # a literal chooser that is a command: no attacker, and `$LS` must stay unquoted (two words)
    (
        "- run: ${{ (runner.os == 'Windows' && 'dir') || 'ls -lh' }} dist/\n",
        "WF005",
        9,
        14,
        ["write $OS unquoted here", "several words"],
    ),
    # an optional flag: '' or '--preview'; quoted it would pass an empty argument
    (
        "- run: nox -s build -- ${{ github.ref != 'refs/heads/main' && '--preview' || '' }}\n",
        "WF005",
        9,
        30,
        ["unquoted", "empty"],
    ),
    # a step output holding several flags (setup-rust-toolchain): unknown value, both spellings
    (
        "- run: rustup toolchain install stable ${{steps.flags.outputs.targets}} --profile minimal\n",
        "WF004",
        9,
        46,
        ['"$TARGETS"', "$TARGETS unquoted if the value is several words"],
    ),
    # inside single quotes: $NAME would not expand; end the quotes around it
    (
        "- run: echo '${{ toJSON(matrix.commands) }}' | jq -r '.[]'\n",
        "WF005",
        9,
        20,
        ["end the single quotes", "'…'\"$COMMANDS\"'…'"],
    ),
    # the runner sets it: no env: entry needed
    (
        "- run: cd ${{ github.workspace }}/sub\n",
        "WF005",
        9,
        17,
        ["the runner already sets GITHUB_WORKSPACE", '"$GITHUB_WORKSPACE"'],
    ),
    # env.X is already in the environment
    ('- run: echo "${{ env.FOO }}"\n', "WF004", 9, 20, ["FOO is already in the environment"]),
    # an expression that does not parse is treated as attacker-controlled
    ("- run: echo ${{ inputs.a == }}\n", "WF004", 9, 19, ["`A: ${{ inputs.a == }}`"]),
]


@pytest.mark.parametrize(("step", "rule", "line", "column", "words"), EXPRESSIONS)
def test_wf004_wf005_expressions_in_run(
    step: str, rule: str, line: int, column: int, words: list[str]
) -> None:
    parsed = workflow(steps_block(step))
    found = _wf_security.run_expressions(W, parsed)
    assert [(f.rule, f.line, f.column) for f in found] == [(rule, line, column)]
    fix = found[0].fix
    assert all(w in fix for w in words), fix
    assert (found[0].severity == WARNING) is (rule == "WF005")


def test_wf004_names_the_attacker_controlled_part() -> None:
    parsed = workflow(
        steps_block("- run: echo ${{ format('{0}-{1}', github.sha, github.head_ref) }}\n")
    )
    (found,) = _wf_security.run_expressions(W, parsed)
    assert found.rule == "WF004"
    assert "(github.head_ref can be chosen by an attacker: script injection)" in found.message


def test_wf005_matrix_written_in_the_file_and_typed_inputs_are_not_attacker_controlled() -> None:
    parsed = parse(
        """\
        on:
          workflow_dispatch:
            inputs:
              dry: {type: boolean}
              name: {type: string}
        permissions: {}
        jobs:
          a:
            runs-on: ubuntu-latest
            timeout-minutes: 5
            strategy:
              matrix:
                py: ["3.12", "3.13"]
            steps:
              - run: echo ${{ matrix.py }} ${{ inputs.dry }} ${{ inputs.name }}
          b:
            runs-on: ubuntu-latest
            timeout-minutes: 5
            strategy:
              matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}
            steps:
              - run: echo ${{ matrix.py }}
        """
    )
    assert [
        (f.rule, f.message.split(" inside")[0]) for f in _wf_security.run_expressions(W, parsed)
    ] == [
        ("WF005", "${{ matrix.py }}"),
        ("WF005", "${{ inputs.dry }}"),
        ("WF004", "${{ inputs.name }}"),
        ("WF004", "${{ matrix.py }}"),
    ]


def test_default_shell_follows_a_matrix_runner() -> None:
    parsed = parse(
        """\
        on: [push]
        jobs:
          a:
            runs-on: ${{ matrix.runner }}
            strategy:
              matrix:
                include: [{runner: windows-latest, arch: x86_64}, {runner: windows-11-arm, arch: aarch64}]
            steps:
              - run: rustup target add ${{ matrix.arch }}-pc-windows-msvc
        """
    )
    (found,) = _wf_security.run_expressions(W, parsed)
    assert found.rule == "WF005" and "write ${env:ARCH} here" in found.fix


def test_expressions_outside_run_and_in_if_are_not_reported() -> None:
    parsed = workflow(
        steps_block(
            "- if: ${{ github.event.pull_request.title != '' }}\n  env:\n    T: ${{ github.head_ref }}\n  run: echo \"$T\"\n"
        )
    )
    assert _wf_security.run_expressions(W, parsed) == []


@pytest.mark.parametrize(
    ("top", "hit"),
    [("permissions: {}\n", False), ("permissions:\n  contents: read\n", False), ("", True)],
)
def test_wf006_workflow_permissions(top: str, hit: bool) -> None:
    found = _wf_security.no_workflow_permissions(W, workflow("", top=top).root)
    assert (found is not None) is hit
    if found:
        assert (found.rule, found.line, found.message) == (
            "WF006",
            1,
            "no workflow-level permissions",
        )
        assert "permissions: {}" in found.fix


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("on: workflow_call\njobs: {}\n", False),
        ("on: {workflow_call: {inputs: {}}}\njobs: {}\n", False),
        ("on: [workflow_call, push]\njobs: {}\n", True),
        ("on: push\njobs:\n  a: {permissions: {}}\n  b: {permissions: {contents: read}}\n", False),
        ("on: push\njobs:\n  a: {permissions: {}}\n  b: {runs-on: x}\n", True),
    ],
)
def test_wf006_reusable_workflows_and_jobs_that_all_set_permissions(text: str, hit: bool) -> None:
    assert (_wf_security.no_workflow_permissions(W, parse(text).root) is not None) is hit


def test_wf007_job_without_timeout() -> None:
    parsed = parse(
        "on: [push]\njobs:\n  a:\n    runs-on: x\n    steps: [{run: nox -s build}]\n  call:\n    uses: ./.github/workflows/x.yml\n"
    )
    (found,) = _wf_security.job_without_timeout(W, parsed.root)
    assert (found.rule, found.line, found.message) == ("WF007", 3, "job a has no timeout-minutes")


def test_wf008_id_token_at_workflow_level() -> None:
    found = _wf_security.id_token_at_workflow_level(
        W, workflow("", top="permissions:\n  id-token: write\n").root
    )
    assert found is not None and (found.rule, found.line) == ("WF008", 4)
    assert "publish job" in found.fix
    assert _wf_security.id_token_at_workflow_level(
        W, workflow("", top="permissions: write-all\n").root
    )


@pytest.mark.parametrize(
    ("job", "hit"),
    [
        # a build job with an OIDC token: checkout, setup, scripts cannot use it
        ("    permissions: {id-token: write}\n    steps: [{run: nox -s build}]\n", True),
        (
            f"    permissions: {{id-token: write}}\n    steps: [{{uses: 'actions/checkout@{SHA}'}}, "
            f"{{uses: 'astral-sh/setup-uv@{SHA}'}}, {{run: cargo test}}]\n",
            True,
        ),
        # publish action without an environment: it uses the token (environments: release_doctor)
        (
            f"    permissions: {{id-token: write}}\n    steps: [{{uses: 'pypa/gh-action-pypi-publish@{SHA}'}}]\n",
            False,
        ),
        # an attestation, a cloud login or token exchange, a script that asks for a token
        (
            f"    permissions: {{id-token: write}}\n    steps: [{{uses: 'actions/attest@{SHA}'}}]\n",
            False,
        ),
        (
            f"    permissions: {{id-token: write}}\n    steps: [{{uses: 'example/sts-login@{SHA}'}}]\n",
            False,
        ),
        (
            "    permissions: {id-token: write}\n    steps: [{run: 'curl \"$ACTIONS_ID_TOKEN_REQUEST_URL\"'}]\n",
            False,
        ),
        # environment + publish action / nox -s publish / uv publish: a publish job
        (
            f"    environment: pypi\n    permissions: {{id-token: write}}\n    steps: [{{uses: 'pypa/gh-action-pypi-publish@{SHA}'}}]\n",
            False,
        ),
        (
            "    environment: release\n    permissions: {id-token: write}\n    steps: [{run: nox -s publish -- --crates}]\n",
            False,
        ),
        (
            "    environment: release\n    permissions: {id-token: write}\n    steps: [{run: uv publish -v dist/*}]\n",
            False,
        ),
        # a reusable workflow (local, self-repository `$/`, or another's): the callee decides
        ("    uses: ./.github/workflows/publish.yml\n    permissions: {id-token: write}\n", False),
        ("    uses: $/.github/workflows/publish.yml\n    permissions: {id-token: write}\n", False),
        (
            f"    uses: org/wf/.github/workflows/p.yml@{SHA}\n    permissions: {{id-token: write}}\n",
            False,
        ),
    ],
)
def test_wf009_id_token_only_on_publish_jobs(job: str, hit: bool) -> None:
    parsed = parse(f"on: [push]\npermissions: {{}}\njobs:\n  j:\n    runs-on: x\n{job}")
    found = _wf_security.id_token_off_publish_job(W, parsed.root)
    assert [(f.rule, f.line, f.message) for f in found] == (
        [("WF009", 6, "job j has id-token: write but no step that uses it")] if hit else []
    )


@pytest.mark.parametrize(
    ("step", "secret"),
    [
        (
            "- uses: pypa/gh-action-pypi-publish@x\n  with:\n    password: ${{ secrets.PYPI_API_TOKEN }}\n",
            "PYPI_API_TOKEN",
        ),
        ("- run: cargo publish\n  env:\n    CARGO_REGISTRY_TOKEN: ${{ secrets.TOKEN }}\n", "TOKEN"),
        ("- run: uv publish\n  env:\n    UV_PUBLISH_TOKEN: ${{ secrets.X }}\n", "X"),
        ("- run: x\n  env:\n    CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}\n", None),
        ("- run: x\n  env:\n    GH_TOKEN: ${{ secrets.GITHUB_TOKEN }}\n", None),
    ],
)
def test_wf010_registry_token_from_secrets(step: str, secret: str | None) -> None:
    found = _wf_security.registry_token_from_secrets(W, workflow(steps_block(step)).root)
    if secret is None:
        assert found == []
    else:
        assert [(f.rule, f.line, f.message) for f in found] == [
            ("WF010", 11, f"reads the registry token secrets.{secret}")
        ]
        assert "trusted publishing" in found[0].fix


@pytest.mark.parametrize(
    ("step", "rules"),
    [
        ('- run: nox -s "${{ github.head_ref }}"\n', ["WF004"]),
        ('- run: nox -s "${{ github.head_ref }}" # zizmor: ignore[template-injection]\n', []),
        ('- run: nox -s "${{ github.head_ref }}" # zizmor: ignore[artipacked]\n', ["WF004"]),
        ("- uses: actions/cache@v4 # zizmor: ignore[unpinned-uses]\n", []),
        ("- uses: actions/cache@v4 # zizmor: ignore[cache-poisoning, unpinned-uses]\n", []),
        ("- uses: actions/cache@v4  # pinned by the org's policy\n", ["WF003"]),
    ],
)
def test_the_projects_zizmor_suppressions_are_honoured(step: str, rules: list[str]) -> None:
    # WF003/WF004 stand in for zizmor's unpinned-uses and template-injection: a suppression
    # the project wrote for zizmor, on that line, is its reviewed decision.
    found = _wf_security.file_findings(W, workflow(steps_block(step)), workflow=True)
    assert [f.rule for f in found] == rules
