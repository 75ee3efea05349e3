"""The composite action, run locally step by step (ci_gates.checks.actionrun) against the built wheel.

This is the proof that action.yml works without GitHub: its steps run in order as a runner
would run them, in a throwaway RUNNER_TEMP, installing the wheel the build gate built (from the
build manifest, never a glob) and counting files of this repository. The wheel tests need that
wheel: without it they FAIL, naming the command that builds it (`nox -s build`; the `pytest`
gate requires `native_import`, which requires `build`). ACTION_WHEEL=path/to.whl runs
them against another wheel, e.g. a release artifact.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from ci_gates.checks import actionrun
from ci_gates.core.project import names

# The local runner drives bash the way a Linux/macOS runner does; on Windows `bash` may be WSL's, not
# Git Bash, so these tests would prove the wrong thing there.
pytestmark = pytest.mark.skipif(
    os.name == "nt", reason="ci_gates.checks.actionrun emulates a POSIX runner"
)

REPO = Path(__file__).resolve().parents[2]
PATHS = ["Cargo.toml", "pyproject.toml", "action.yml", "noxfile.py"]
PROJECT = names(REPO)
ACTION, CLEANUP = "action.yml", "action/cleanup/action.yml"
# What the runner's copy of this repository at the action's ref holds that the actions read:
# themselves, and the bindings crate's manifest (the default version). A file an action starts
# to read fails these tests until it is named here.
ACTION_FILES = [ACTION, CLEANUP, f"{PROJECT.bindings.path if PROJECT.bindings else '.'}/Cargo.toml"]


def cli() -> str:
    """The CLI the action installs and runs (ci/project.py)."""
    assert PROJECT.cli, "the composite action runs the project's CLI; ci/project.py found none"
    return PROJECT.cli


@pytest.fixture(scope="module")
def wheel() -> str:
    override = os.environ.get("ACTION_WHEEL")
    if override:
        return override
    from ci_gates.checks.artifacts import ArtifactError, current_manifest

    try:
        return current_manifest(str(REPO))["wheel"]
    except ArtifactError as exc:
        pytest.fail(f"the action is tested against the built wheel: {exc}", pytrace=False)


def _copy(paths: list[str], to: Path) -> str:
    for path in paths:
        (to / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / path, to / path)
    return str(to)


def _action(path: str, inputs: dict[str, str], tmp_path: Path) -> actionrun.ActionResult:
    """``path``'s action run from a copy of its files, in a workspace holding copies of the
    files it is asked to count: the rest of this repository is none of the steps' business."""
    action = os.path.join(_copy(ACTION_FILES, tmp_path / "action-repo"), path)
    workspace = _copy(PATHS, tmp_path / "workspace")
    return actionrun.run_action(action, inputs, temp=str(tmp_path), workspace=workspace, echo=False)


def _run(wheel: str, tmp_path: Path, **inputs: str) -> actionrun.ActionResult:
    given = {"version": wheel, "paths": " ".join(PATHS), "python-version": sys.executable}
    given.update({k.replace("_", "-"): v for k, v in inputs.items()})
    return _action(ACTION, given, tmp_path)


def _expected() -> dict[str, int]:
    data = [(REPO / p).read_bytes() for p in PATHS]
    return {"lines": sum(d.count(b"\n") for d in data), "bytes": sum(len(d) for d in data)}


def test_counts_within_budget(wheel: str, tmp_path: Path) -> None:
    result = _run(wheel, tmp_path, max_lines="100000")
    assert result.returncode == 0, result.stderr
    out = result.outputs
    assert out["files"] == str(len(PATHS))
    assert int(out["lines"]) == _expected()["lines"]
    assert int(out["bytes"]) == _expected()["bytes"]
    assert int(out["words"]) > 0
    assert out["over-budget"] == ""
    rows = json.loads(out["json"])
    assert [r["path"] for r in rows] == PATHS
    assert os.path.basename(out["binary"]).startswith(cli())
    assert os.access(out["binary"], os.X_OK)
    assert f"{out['lines']}" in result.stdout and "total (4 files)" in result.stdout
    assert "| **total (4 files)** |" in result.summary


def test_fails_when_max_lines_is_too_small(wheel: str, tmp_path: Path) -> None:
    result = _run(wheel, tmp_path, max_lines="5")
    assert result.returncode == 1, result.stderr
    over = result.outputs["over-budget"].splitlines()
    assert over == [p for p in PATHS if (REPO / p).read_bytes().count(b"\n") > 5] and over
    assert "noxfile.py" in result.stderr
    assert "over budget" in result.summary
    assert result.outputs["lines"] == str(_expected()["lines"])  # counted before failing


def test_glob_and_missing_file(wheel: str, tmp_path: Path) -> None:
    result = _run(wheel, tmp_path, paths="*.toml no/such/file")
    assert result.returncode == 2
    assert "no/such/file" in result.stderr
    assert "*.toml" not in result.stderr  # the glob matched the workspace's files


def test_cleanup_removes_the_install(wheel: str, tmp_path: Path) -> None:
    assert _run(wheel, tmp_path).returncode == 0
    home = tmp_path / f"{cli()}-action"
    kept = _action(CLEANUP, {"keep-cache": "true"}, tmp_path)
    assert kept.returncode == 0 and kept.outputs["removed"] == "true"
    assert not (home / "venv").exists() and (home / "uv-cache").exists() == bool(_has_uv())
    pruned = _action(CLEANUP, {}, tmp_path)
    assert pruned.returncode == 0 and pruned.outputs["removed"] == "false"
    assert not home.exists()


def _has_uv() -> bool:
    return shutil.which("uv") is not None


@pytest.mark.parametrize("version", ["1.0; rm -rf /", "$(id)", "latest", "../x"])
def test_bad_version_is_rejected_before_installing(version: str, tmp_path: Path) -> None:
    result = _action(ACTION, {"version": version, "paths": "x"}, tmp_path)
    assert result.returncode == 2
    assert "neither a release version" in result.stdout


def test_bad_max_lines_is_rejected(wheel: str, tmp_path: Path) -> None:
    result = _run(wheel, tmp_path, max_lines="10; id")
    assert result.returncode == 2
    assert "is not a whole number" in result.stdout


def test_evaluate_and_command_files() -> None:
    ctx = {
        "inputs": {"paths": "a b"},
        "github": {"action_path": "/act"},
        "runner": {"temp": "/t"},
        "steps": {"install": {"binary": "/v/bin/acme-cli"}},
    }
    assert actionrun.evaluate("${{ inputs.paths }}|${{ github.action_path }}", ctx) == "a b|/act"
    assert actionrun.evaluate("${{ steps.install.outputs.binary }}", ctx) == "/v/bin/acme-cli"
    assert actionrun.evaluate("${{ steps.nope.outputs.x }}", ctx) == ""
    with pytest.raises(actionrun.ActionError):
        actionrun.evaluate("${{ inputs.nope }}", ctx)
    with pytest.raises(actionrun.ActionError):
        actionrun.evaluate("${{ secrets.TOKEN }}", ctx)
    parsed = actionrun.parse_command_file("a=1\nb<<EOF\nx\ny=z\nEOF\nc=\n")
    assert parsed == {"a": "1", "b": "x\ny=z", "c": ""}


def test_required_input_and_unknown_input() -> None:
    with pytest.raises(actionrun.ActionError, match="required"):
        actionrun.run_action(str(REPO / ACTION), {}, echo=False)
    with pytest.raises(actionrun.ActionError, match="unknown input"):
        actionrun.run_action(str(REPO / ACTION), {"paths": "x", "max_lines": "3"}, echo=False)


FAKE_UV = """#!/usr/bin/env bash
echo "$*" >> "$UV_LOG"
if [ "$1" = venv ]; then
  venv="${@: -1}"
  mkdir -p "$venv/bin"
  printf '#!/bin/sh\\necho "@CLI@ 9.9.9"\\n' > "$venv/bin/@CLI@"
  chmod +x "$venv/bin/@CLI@"
fi
"""


def test_default_version_is_the_actions_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No network: a fake uv records what the install step asks for."""
    from ci_gates.checks.artifacts import workspace_version

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").write_text(FAKE_UV.replace("@CLI@", cli()))
    (bin_dir / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("UV_LOG", str(tmp_path / "uv.log"))
    result = _action(ACTION, {"paths": "x"}, tmp_path / "t")
    assert result.step_outputs["install"]["version"] == "9.9.9"
    log = (tmp_path / "uv.log").read_text()
    assert f" --no-build {PROJECT.dist}=={workspace_version(str(REPO))}\n" in log
    assert "venv --quiet --python 3.12 " in log
