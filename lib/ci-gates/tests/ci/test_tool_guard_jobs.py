"""The tool guard reads the whole job: earlier syncs, the project each ``uv run`` finds, and the
step's working directory, in workflows and composite actions (issue #21's false denials).

Each row: a job (or action) and the project on disk, and the rule IDs the gate reports (notes
included). The projects are small fixtures of the shapes real repositories have: a maturin
project at the root, and a uv workspace whose root builds nothing (``package = false``) with the
maturin project in a sub-directory.
"""

from __future__ import annotations

import pytest

from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MINIMAL_PYPROJECT, MakeRepo

MATURIN = MINIMAL_PYPROJECT  # a maturin project at the root
VIRTUAL = '[project]\nname = "docs"\nversion = "0"\n'  # no build system: never built
WORKSPACE = {
    "pyproject.toml": '[project]\nname = "root"\nversion = "0"\n\n[tool.uv]\npackage = false\n\n'
    '[tool.uv.workspace]\nmembers = ["py", "docs"]\n',
    "py/pyproject.toml": MATURIN.replace('"fixture"', '"fast-core"'),
    "docs/pyproject.toml": VIRTUAL,
}
# ... whose root installs the maturin member with its dev group
WORKSPACE_DEV = {
    **WORKSPACE,
    "pyproject.toml": WORKSPACE["pyproject.toml"]
    + '\n[dependency-groups]\ndev = ["fast-core"]\n\n[tool.uv.sources]\nfast-core = { workspace = true }\n',
}
RUN = "uv run python -c 'import fast_core'"


def job(*steps: str, top: str = "") -> str:
    body = "".join(f"      - {s}\n" for s in steps)
    return (
        "name: test\non: [push]\npermissions: {}\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        f"{top}    steps:\n      - uses: actions/checkout@v4\n{body}"
    )


def action(*steps: str) -> str:
    body = "".join(f"    - shell: bash\n      {s}\n" for s in steps)
    return f"name: a\ndescription: d\nruns:\n  using: composite\n  steps:\n{body}"


W = ".github/workflows/test.yml"
CASES: list[tuple[str, dict[str, str], dict[str, str], list[str]]] = [
    # a sync earlier in the job: the later `uv run` builds nothing
    ("sync, then run", {}, {W: job("run: uv sync --locked", f"run: {RUN}")}, []),
    (
        "frozen sync, frozen run",
        {},
        {W: job("run: uv sync --frozen --group test", f"run: uv run --frozen {RUN[7:]}")},
        [],
    ),
    ("the run alone builds", {}, {W: job(f"run: {RUN}")}, ["TG001"]),
    ("only the first run builds", {}, {W: job(f"run: {RUN}", f"run: {RUN}")}, ["TG001"]),
    (
        "a sync without the project",
        {},
        {W: job("run: uv sync --no-install-project", f"run: {RUN}")},
        ["TG001"],
    ),
    ("the sync comes later", {}, {W: job(f"run: {RUN}", "run: uv sync")}, ["TG001"]),
    (
        "a wheel installed over the sync: the run syncs the source back",
        {},
        {W: job("run: uv sync", "run: uv pip install fixture --no-index -f dist", f"run: {RUN}")},
        ["TG001"],
    ),
    (
        "an editable install after the sync",
        {},
        {W: job("run: uv sync", "run: uv pip install -e .", f"run: {RUN}")},
        [],
    ),
    (
        "--no-sync after a pip install",
        {},
        {W: job("run: uv pip install .", f"run: uv run --no-sync {RUN[7:]}")},
        [],
    ),
    (
        "UV_NO_SYNC for the job",
        {},
        {W: job(f"run: {RUN}", top="    env:\n      UV_NO_SYNC: 1\n")},
        [],
    ),
    (
        "a sync only on some runs",
        {},
        {W: job("if: runner.os == 'Linux'\n        run: uv sync", f"run: {RUN}")},
        ["TG001"],
    ),
    (
        "a sync under the same condition",
        {},
        {
            W: job(
                "if: runner.os == 'Linux'\n        run: uv sync",
                f"if: runner.os == 'Linux'\n        run: {RUN}",
            )
        },
        [],
    ),
    (
        "a sync in another job",
        {},
        {
            W: job("run: uv sync")
            + f"  other:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: {RUN}\n"
        },
        ["TG001"],
    ),
    # the project uv finds is judged by its own pyproject.toml
    ("a package = false workspace root", WORKSPACE, {W: job(f"run: {RUN}")}, []),
    (
        "... whose dev group installs the maturin member",
        WORKSPACE_DEV,
        {W: job(f"run: {RUN}")},
        ["TG001"],
    ),
    (
        "--project: the maturin member",
        WORKSPACE,
        {W: job(f"run: uv run --project py {RUN[7:]}")},
        ["TG001"],
    ),
    (
        "--directory: a project without a build",
        WORKSPACE,
        {W: job(f"run: uv run --directory docs {RUN[7:]}")},
        [],
    ),
    (
        "--project of the member after its sync",
        WORKSPACE,
        {W: job("run: uv sync --project py", f"run: uv run --project py {RUN[7:]}")},
        [],
    ),
    (
        "a sync of another project",
        WORKSPACE,
        {W: job("run: uv sync --project docs", f"run: uv run --project py {RUN[7:]}")},
        ["TG001"],
    ),
    # the step's working directory
    (
        "working-directory: the member",
        WORKSPACE,
        {W: job(f"run: {RUN}\n        working-directory: py")},
        ["TG001"],
    ),
    (
        "working-directory: docs",
        WORKSPACE,
        {W: job(f"run: {RUN}\n        working-directory: docs")},
        [],
    ),
    (
        "defaults.run.working-directory",
        WORKSPACE,
        {W: job(f"run: {RUN}", top="    defaults:\n      run:\n        working-directory: py\n")},
        ["TG001"],
    ),
    # composite actions: this repository's own, anywhere under .github/actions/
    (
        ".github/actions: a run",
        {},
        {".github/actions/test/action.yml": action(f"run: {RUN}")},
        ["TG001"],
    ),
    (
        ".github/actions: sync, then run",
        {},
        {".github/actions/t/action.yml": action("run: uv sync", f"run: {RUN}")},
        [],
    ),
    (
        ".github/actions: working-directory",
        WORKSPACE,
        {".github/actions/t/action.yml": action(f"run: {RUN}\n      working-directory: docs")},
        [],
    ),
    # a published action runs in its users' workspace, not in this project
    ("a published action", {}, {"action.yml": action(f"run: {RUN}")}, []),
]


@pytest.mark.parametrize(
    ("files", "extra", "rules"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_whole_job(
    make_repo: MakeRepo, files: dict[str, str], extra: dict[str, str], rules: list[str]
) -> None:
    outcome = run_gate("tool_guard", make_repo({**files, **extra}))
    assert outcome.rules == rules, outcome.text


def test_the_finding_names_the_member_that_builds(make_repo: MakeRepo) -> None:
    outcome = run_gate("tool_guard", make_repo({**WORKSPACE_DEV, W: job(f"run: {RUN}")}))
    (found,) = outcome.findings
    assert "(py/pyproject.toml builds a native extension)" in found.message
