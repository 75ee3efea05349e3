"""Same rules, same verdicts: what the post-edit hook says about a file is what the gate says.

For each case a fixture repository holds the file; the hook runs on it as after a write, then
the gate runs on the repository (:func:`ci_gates.testing.run_gate`). A file the hook passes
passes the gate, and the gate's findings on that file (and its README) are exactly the hook's:
same rule IDs, same places.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MakeRepo
from tests.hooks.conftest import payload, run_hook
from tests.hooks.test_post_edit import _found

README = "# Fixture\n\n" + "".join(f"Line {i} about the project.\n" for i in range(30))
PYPROJECT = '[project]\nname = "fixture"\nversion = "0.0.0"\nreadme = "README.md"\n'
CARGO = (
    '[package]\nname = "fx"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\npath = "src/lib.rs"\n'
)
BASE = {"pyproject.toml": PYPROJECT, "README.md": README}

CASES = [
    ("ruff", "ci/a.py", "VALUE = 1\n"),
    ("ruff", "ci/a.py", "import os\n\nVALUE = 1\n"),
    ("ruff", "ci/a.py", "VALUE=1\n"),
    ("ruff", "ci/a.py", "def f(:\n    pass\n"),
    ("loc", "ci/a.py", "VALUE = 1\n" * 10),
    ("loc", "ci/a.py", "VALUE = 1\n" * 450),
    ("loc", "ci/a.py", "VALUE = 1\n" * 601),
    ("readme", "ci/hooks/a.py", "VALUE = 1\n"),
    ("readme", "ci/hooks/README.md", "# ci/hooks\n\nWhat.\n\nHow.\n\n```sh\nnox -s gates\n```\n"),
    ("readme", "ci/hooks/README.md", "# ci/hooks\n\nWhat.\n\n```sh\nnox -s nope\n```\n"),
    ("readme", "ci/hooks/README.md", "# short\n"),
    ("fmt", "src/lib.rs", "pub fn f() {}\n"),
    ("fmt", "src/lib.rs", "pub fn  f(){}\n"),
    ("fmt", "src/lib.rs", "pub async fn f() {}\n"),
]


def _ids() -> list[str]:
    return [f"{gate}-{i}" for i, (gate, _, _) in enumerate(CASES)]


@pytest.mark.parametrize(("gate", "rel", "text"), CASES, ids=_ids())
def test_same_verdict_as_the_gate(make_repo: MakeRepo, gate: str, rel: str, text: str) -> None:
    if gate == "fmt" and shutil.which("cargo") is None:
        pytest.skip("cargo not on PATH")
    files = {**BASE, rel: text}
    if gate == "fmt":
        files["Cargo.toml"] = CARGO
    if gate == "readme" and not rel.endswith("README.md"):
        files["ci/hooks/README.md"] = "# ci/hooks\n\nWhat.\n\nHow.\n\nMore.\n"
    root = make_repo(files)
    data = payload("claude_post_write", root, file_path=str(root / rel), content=text)
    hook = set(_found(run_hook("post_edit", data, root)))
    outcome = run_gate(gate, root)
    about = {rel, f"{rel.rpartition('/')[0]}/README.md"}
    gate_says = {
        (f.location(), f.rule)
        for f in outcome.findings
        if f.path in about and not f.ignored and f.severity != "note"
    }
    assert {(p, r) for p, r in hook if r in _rules(gate, root)} == gate_says, outcome.text
    if not gate_says:
        assert outcome.status == "passed", outcome.text


def _rules(gate: str, root: Path) -> set[str]:
    from ci_gates.core.registry import load_rules

    return {r.id for r in load_rules(str(root)).values() if r.gate == gate}


needs_workflow_tools = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("check-jsonschema", "zizmor")),
    reason="the workflows and action_yaml gates need check-jsonschema and zizmor",
)
PINNED = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2"
# The JSON schema (AY006, WF024) and zizmor (WF025) read every file at once: the gates run them,
# the hook does not (they are a few seconds, not milliseconds).
WHOLE_TREE_RULES = {"AY006", "WF024", "WF025"}
YAML_CASES = [
    ("workflows", ".github/workflows/ci.yml", None),
    ("workflows", ".github/workflows/ci.yml", (PINNED, "actions/checkout@v4")),
    ("action_yaml", "action.yml", None),
    ("action_yaml", "action.yml", ("      shell: bash\n", "")),
]


@needs_workflow_tools
@pytest.mark.parametrize(("gate", "rel", "edit"), YAML_CASES)
def test_workflow_rules_same_verdict(
    make_repo: MakeRepo,
    monkeypatch: pytest.MonkeyPatch,
    gate: str,
    rel: str,
    edit: tuple[str, str] | None,
) -> None:
    from tests.ci.test_workflows_gate import _repo

    monkeypatch.setenv("CI_GATES_HOOK_PYTHON", sys.executable)  # pyyaml is here
    root = _repo(make_repo, {rel: edit} if edit else None)
    data = payload("codex_post_apply_patch", root, command=_touch(rel))
    said = _found(run_hook("post_edit", data, root, agent="codex"))
    hook = {(p, r) for p, r in said if p.split(":")[0] == rel}  # not the fixture's README
    outcome = run_gate(gate, root)
    gate_says = {
        (f.location(), f.rule)
        for f in outcome.findings
        if f.path == rel and f.rule not in WHOLE_TREE_RULES
    }
    assert {(p, r) for p, r in hook if r in _rules(gate, root)} == gate_says
    assert bool(hook) == bool(edit) and (outcome.status == "passed") == (not edit), outcome.text


def _touch(rel: str) -> str:
    """A patch naming ``rel`` (the file is already as the test wants it)."""
    return f"*** Begin Patch\n*** Update File: {rel}\n@@\n-x\n+x\n*** End Patch\n"
