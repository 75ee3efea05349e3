"""The ``tool_guard`` gate on fixture repositories: workflows, actions, scripts, Markdown."""

from __future__ import annotations

import re

import pytest

from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MakeRepo
from tests.ci.conftest import HOUSE_STYLE, HOUSE_STYLE_PYPROJECT

CI_OK = """\
name: ci
on: [push]
jobs:
  gates:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: nox -s gates
"""


def workflow(job: str, on: str = "[push, pull_request]", top: str = "") -> str:
    """A workflow ``other.yml`` (neither the CI nor the release file) with one job."""
    return f"name: other\non: {on}\n{top}jobs:\n  j:\n{job}"


CHECKOUT = "      - uses: actions/checkout@v4\n"


def test_gate_clean_repo_passes(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            ".github/workflows/ci.yml": CI_OK,
            "README.md": "# x\n\n```sh\nnox -s gates\n```\n",
            "scripts/dev.sh": "#!/bin/sh\nnox -s tests\n",
        }
    )
    outcome = run_gate("tool_guard", root)
    assert outcome.status == "passed" and outcome.findings == [], outcome.text


def test_gate_ci_step_calling_cargo_fails_naming_file_and_line(make_repo: MakeRepo) -> None:
    bad = (
        CI_OK + "      - name: build\n        run: |\n          echo start\n          cargo build\n"
    )
    files = {".github/workflows/ci.yml": bad, "pyproject.toml": HOUSE_STYLE_PYPROJECT}
    outcome = run_gate("tool_guard", make_repo(files))
    assert outcome.status == "failed" and outcome.rules == ["TG003"]
    assert ".github/workflows/ci.yml:12: `cargo build` calls the tool directly" in outcome.text
    assert "run `nox -s build`" in outcome.text


def test_gate_single_line_run_step(make_repo: MakeRepo) -> None:
    ci = {".github/workflows/ci.yml": CI_OK + "      - run: cargo build\n"}
    outcome = run_gate("tool_guard", make_repo({**ci, "pyproject.toml": HOUSE_STYLE_PYPROJECT}))
    assert outcome.rules == ["TG003"] and outcome.findings[0].line == 9
    # one `nox -s` per CI step is house style: off, the step is not this gate's business
    assert run_gate("tool_guard", make_repo(ci)).findings == []


@pytest.mark.parametrize(
    ("readme", "line", "rule"),
    [
        ("# x\n\nText.\n\n```sh\nnox -s gates\nuv run pytest\n```\n", 7, "TG001"),
        ("```console\n$ nox -s gates\nuv run pytest is output\n$ uv run x\n```\n", 4, "TG001"),
        ("```\ncargo publish\n```\n", 2, "TG002"),  # an unlabelled fence is shell
        ("- step:\n\n  ```bash\n  cargo publish\n  ```\n", 4, "TG002"),  # in a list item
        ("```powershell\nPS> uv run `\n  pytest\n```\n", 2, "TG001"),
    ],
)
def test_gate_markdown_blocks(make_repo: MakeRepo, readme: str, line: int, rule: str) -> None:
    outcome = run_gate("tool_guard", make_repo({"docs/guide.md": readme}))
    assert outcome.status == "failed" and outcome.rules == [rule], outcome.text
    assert outcome.findings[0].path == "docs/guide.md" and outcome.findings[0].line == line


def test_gate_data_blocks_are_not_commands(make_repo: MakeRepo) -> None:
    readme = "```text\nuv run pytest\n```\n```python\nuv = 1\n```\n```cmd\ncargo publish\n```\n"
    outcome = run_gate("tool_guard", make_repo({"README.md": readme}))
    assert outcome.status == "passed" and outcome.findings == [], outcome.text


def test_gate_publish_in_release_workflow_passes(make_repo: MakeRepo) -> None:
    release = CI_OK.replace("nox -s gates", "cargo publish")
    outcome = run_gate("tool_guard", make_repo({".github/workflows/release.yml": release}))
    assert outcome.status == "passed", outcome.text


@pytest.mark.parametrize(
    ("rel", "text", "line", "rule"),
    [
        ("scripts/release.sh", "#!/bin/sh\nset -e\ncargo publish\n", 3, "TG002"),
        (".ci/run", "#!/bin/sh\nuv run pytest\n", 2, "TG001"),  # extensionless, configured
        ("scripts/win.ps1", "$ErrorActionPreference = 'Stop'\n& uv run pytest\n", 2, "TG001"),
    ],
)
def test_gate_scripts(make_repo: MakeRepo, rel: str, text: str, line: int, rule: str) -> None:
    outcome = run_gate("tool_guard", make_repo({rel: text}))
    assert outcome.rules == [rule] and outcome.findings[0].line == line
    assert outcome.text.startswith(f"{rel}:{line}: ")


def test_gate_action_files(make_repo: MakeRepo) -> None:
    action = (
        "name: a\ndescription: d\nruns:\n  using: composite\n  steps:\n"
        "    - shell: bash\n      run: |\n        twine upload dist/*\n"
    )
    outcome = run_gate("tool_guard", make_repo({"action/cleanup/action.yml": action}))
    assert outcome.rules == ["TG002"]
    assert "action/cleanup/action.yml:8: `twine upload 'dist/*'` publishes" in outcome.text


def test_gate_notes_are_not_failures(make_repo: MakeRepo) -> None:
    outcome = run_gate("tool_guard", make_repo({"CONTRIBUTING.md": "```bash\ncargo clippy\n```\n"}))
    assert outcome.status == "passed" and outcome.rules == ["TG010"]
    assert "CONTRIBUTING.md:2: `cargo clippy` differs from CI" in outcome.text


def test_gate_invalid_yaml_names_the_line(make_repo: MakeRepo) -> None:
    outcome = run_gate("tool_guard", make_repo({".github/workflows/ci.yml": "jobs:\n  a: [\n"}))
    assert outcome.status == "failed" and outcome.rules == ["TG004"]
    assert re.search(r"\.github/workflows/ci\.yml:\d+: invalid YAML", outcome.text)


def test_gate_excluded_fixtures_and_untracked_files(make_repo: MakeRepo) -> None:
    root = make_repo({"tests/ci/fixtures/bad.sh": "uv run pytest\n"})
    assert run_gate("tool_guard", root).status == "passed"
    (root / "new.sh").write_text("uv run pytest\n")  # untracked, not ignored: checked
    assert run_gate("tool_guard", root).rules == ["TG001"]


def test_gate_outside_git_cannot_run(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"x.sh": "ls\n"}, git=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
    outcome = run_gate("tool_guard", root)
    assert outcome.status == "could not run" and "git" in outcome.text


def test_gate_ignore_config(make_repo: MakeRepo) -> None:
    pyproject = HOUSE_STYLE_PYPROJECT.replace(HOUSE_STYLE, "")
    pyproject += '[tool.ci-gates]\nignore = { TG001 = "docs show the slow way on purpose" }\n'
    root = make_repo({"pyproject.toml": pyproject, "docs/slow.md": "```sh\nuv run pytest\n```\n"})
    outcome = run_gate("tool_guard", root)
    assert outcome.status == "passed" and outcome.findings[0].ignored


# --- workflow steps: shells, environments, checkouts, release jobs ------------------------------

# (job body, expected rule IDs; an empty list: the gate passes with no finding)
STEPS: list[tuple[str, list[str]]] = [
    # shells: pwsh lexed as PowerShell, cmd and other shells noted, Python templates skipped
    (
        "    runs-on: windows-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: uv run `\n          pytest\n",
        ["TG001"],
    ),
    (
        "    runs-on: windows-latest\n    steps:\n"
        + CHECKOUT
        + '      - run: Write-Host "uv run pytest"\n',
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: pwsh\n        run: $env:UV_NO_SYNC = 1; uv run python -V\n",
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: cmd\n        run: uv run pytest\n",
        ["TG005"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: nu {0}\n        run: uv run pytest\n",
        ["TG005"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: python {0}\n        run: print('uv run pytest')\n",
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: python3 -u {0}\n        run: import os\n",
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: uv run python {0}\n        run: import os\n",
        ["TG001"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: bash -el {0}\n        run: uv run pytest\n",
        ["TG001"],
    ),
    (
        "    runs-on: ubuntu-latest\n    defaults:\n      run:\n        shell: pwsh\n    steps:\n"
        + CHECKOUT
        + "      - run: '\"uv run pytest\" | Out-File x'\n",
        [],
    ),
    (
        "    runs-on: ${{ matrix.platform.runner }}\n    strategy:\n      matrix:\n        platform:\n          - runner: windows-2025\n          - runner: windows-11-arm\n    steps:\n"
        + CHECKOUT
        + '      - run: echo "C:\\x" | Out-File -FilePath $env:GITHUB_PATH -Append\n',
        [],
    ),
    (
        "    runs-on: ${{ matrix.os }}\n    strategy:\n      matrix:\n        os: [windows-latest]\n        include:\n          - os: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: uv run pytest\n",
        ["TG001"],
    ),
    # an action that runs its `run` input as a script
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - uses: CodSpeedHQ/action@v4\n        with:\n          run: uv run pytest --codspeed\n",
        ["TG001"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - uses: uraimo/run-on-arch-action@v3\n        with:\n          shell: /bin/sh\n          run: |\n            pip install x\n            cargo publish\n",
        ["TG002"],
    ),
    # environments: workflow, job and step env: turn uv's sync off
    (
        "    runs-on: ubuntu-latest\n    env:\n      UV_NO_SYNC: 1\n    steps:\n"
        + CHECKOUT
        + "      - run: uv run pytest -x\n",
        ["TG012"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: uv run python -V\n        env:\n          UV_NO_PROJECT: 'true'\n",
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: uv run python -V\n        env:\n          UV_NO_SYNC: ${{ inputs.no-sync }}\n",
        ["TG001"],
    ),
    # checkouts: no checkout, another repository, a working directory inside it
    (
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/download-artifact@v4\n      - run: ./uv run python -c ''\n",
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          repository: pydantic/pydantic\n          path: pydantic\n      - uses: actions/checkout@v4\n        with:\n          path: core\n      - run: uv run bash -c 'cd ../core && maturin develop'\n        working-directory: pydantic\n",
        ["TG015"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          path: core\n      - run: uv run python -V\n        working-directory: core\n",
        ["TG001"],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: uv run python -V\n        working-directory: ${{ matrix.dir }}\n",
        ["TG006"],
    ),
    # release jobs: tag-only, trusted publishing, release triggers
    (
        "    if: startsWith(github.ref, 'refs/tags/')\n    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: uv publish\n",
        [],
    ),
    (
        "    if: ${{ always() && startsWith(github.ref, 'refs/tags/') }}\n    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: cargo publish\n",
        [],
    ),
    (
        "    if: ${{ !startsWith(github.ref, 'refs/tags/') }}\n    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: cargo publish\n",
        ["TG002"],
    ),
    (
        "    if: startsWith(github.ref, 'refs/tags/') || github.event_name == 'pull_request'\n    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - run: cargo publish\n",
        ["TG002"],
    ),
    (
        "    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n"
        + CHECKOUT
        + "      - run: uv publish -v wheels/*\n",
        [],
    ),
    (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - if: github.ref_type == 'tag'\n        run: twine upload dist/*\n      - run: twine upload dist/*\n",
        ["TG002"],
    ),
]


@pytest.mark.parametrize(("job", "rules"), STEPS, ids=[f"step{k}" for k in range(len(STEPS))])
def test_workflow_steps(make_repo: MakeRepo, job: str, rules: list[str]) -> None:
    outcome = run_gate("tool_guard", make_repo({".github/workflows/other.yml": workflow(job)}))
    assert outcome.rules == rules, outcome.text
    assert outcome.status == ("failed" if {"TG001", "TG002", "TG003"} & set(rules) else "passed")


@pytest.mark.parametrize(
    ("on", "rules"),
    [
        ("\n  push:\n    tags: ['v*']\n", []),
        ("\n  release:\n    types: [published]\n  workflow_dispatch:\n", []),
        ("\n  push:\n    tags: ['v*']\n    branches: [main]\n", ["TG002"]),
        ("[push]", ["TG002"]),
        ("workflow_call", ["TG002"]),
    ],
)
def test_release_triggers(make_repo: MakeRepo, on: str, rules: list[str]) -> None:
    job = "    runs-on: ubuntu-latest\n    steps:\n" + CHECKOUT + "      - run: cargo publish\n"
    outcome = run_gate("tool_guard", make_repo({".github/workflows/other.yml": workflow(job, on)}))
    assert outcome.rules == rules, outcome.text


def test_step_lines_and_the_note_for_an_unread_shell(make_repo: MakeRepo) -> None:
    job = (
        "    runs-on: ubuntu-latest\n    steps:\n"
        + CHECKOUT
        + "      - shell: cmd\n        run: |\n          dir\n"
    )
    outcome = run_gate("tool_guard", make_repo({".github/workflows/other.yml": workflow(job)}))
    (note,) = outcome.findings
    assert (note.rule, note.line, note.severity) == ("TG005", 8, "note")
    assert (
        note.message
        == "`shell: cmd` step not checked: the guard reads POSIX shell and PowerShell only"
    )
