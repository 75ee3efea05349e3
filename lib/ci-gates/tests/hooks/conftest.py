"""Fixtures for the agent hook tests: a throwaway project, real payloads, the hooks in-process."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections import namedtuple
from pathlib import Path
from typing import Any, Callable

import pytest

from ci_gates.hooks import loc as _loc
from ci_gates.hooks import post_edit as _post_edit
from ci_gates.hooks import protocol as _protocol
from ci_gates.hooks import stop as _stop
from ci_gates.hooks import tool as _tool
from ci_gates.testing.plugin import MINIMAL_PYPROJECT

PAYLOADS = Path(__file__).parent / "payloads"
GUARDS = {
    "loc_guard": _loc.check,
    "tool_guard": _tool.check,
    "post_edit": _post_edit.check,
    "stop": _stop.check,
}

Result = namedtuple("Result", "code out err answer")

# A maturin project (`uv run` builds it) with this template's house style on (READMEs, budget).
PYPROJECT = (
    MINIMAL_PYPROJECT
    + """
[tool.ci-gates]
policy = ["house-style"]

[tool.ci-gates.loc]
warn = 400
fail = 600

[tool.ruff.format]
"""
)
ROOT_README = "# Fixture\n\n" + "".join(f"Line {i} about the project.\n" for i in range(30))
DIR_README = "# ci/hooks\n\nWhat is here.\n\nHow to test it.\n\nMore.\n"


def _fill(value: Any, root: str) -> Any:
    if isinstance(value, str):
        return value.replace("{root}", root)
    if isinstance(value, list):
        return [_fill(v, root) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, root) for k, v in value.items()}
    return value


def payload(name: str, root: Path | str, **tool_input: Any) -> dict[str, Any]:
    """The payload fixture ``payloads/<name>.json`` for ``root``, with ``tool_input`` overrides."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    data = _fill(data, str(root))
    if tool_input:
        data["tool_input"].update(tool_input)
    return data  # type: ignore[no-any-return]


def run_hook(
    guard: str, data: Any, root: Path | str, agent: str = "claude", raw: bytes | None = None
) -> Result:
    """Run one guard in-process exactly as its script would, on ``data`` (or ``raw`` bytes)."""
    stdin = io.BytesIO(raw if raw is not None else json.dumps(data).encode())
    out, err = io.BytesIO(), io.BytesIO()
    argv = ["codex"] if agent == "codex" else []
    code = _protocol.run(guard, GUARDS[guard], argv, stdin, out, err, root=str(root))
    text = out.getvalue()
    answer = json.loads(text) if text else None
    return Result(code, text, err.getvalue().decode("utf-8", "replace"), answer)


def decision(result: Result) -> str:
    """``allow`` (silent), ``deny``, ``note``, ``context``, ``block`` or ``message``, checking
    the answer's exact shape (``block`` is a stop's; no guard blocks after a write)."""
    assert result.code == 0
    assert "Traceback" not in result.err
    if result.answer is None:
        assert result.out == b""
        return "allow"
    assert result.out.endswith(b"\n") and result.out.count(b"\n") == 1
    assert b"\r" not in result.out
    answer = result.answer
    if "decision" in answer:
        assert set(answer) == {"decision", "reason"} and answer["decision"] == "block"
        assert answer["reason"].strip()
        return "block"
    if "systemMessage" in answer:
        assert set(answer) == {"systemMessage"} and answer["systemMessage"].strip()
        return "message"
    assert set(answer) == {"hookSpecificOutput"}
    spec = answer["hookSpecificOutput"]
    if "permissionDecision" in spec:
        assert set(spec) == {"hookEventName", "permissionDecision", "permissionDecisionReason"}
        assert spec["hookEventName"] == "PreToolUse" and spec["permissionDecision"] == "deny"
        assert spec["permissionDecisionReason"].strip()
        return "deny"
    assert set(spec) == {"hookEventName", "additionalContext"}
    assert spec["additionalContext"].strip()
    return "context" if spec["hookEventName"] == "PostToolUse" else "note"


def text_of(result: Result) -> str:
    """The reason / note text of an answer ("" for a silent allow)."""
    if result.answer is None:
        return ""
    if "reason" in result.answer:
        return str(result.answer["reason"])
    if "systemMessage" in result.answer:
        return str(result.answer["systemMessage"])
    spec = result.answer["hookSpecificOutput"]
    return str(spec.get("permissionDecisionReason") or spec.get("additionalContext"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: pyproject, a root README, ci/existing.py (2 lines), ci/big.py (700)."""
    root = tmp_path / "proj"
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": ROOT_README,
        "ci/existing.py": "VALUE = 1\nname = 'x'\n",
        "ci/big.py": "x = 1\n" * 700,
        "ci/hooks/README.md": DIR_README,
        "crates/.keep": "",
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def hook(project: Path) -> Callable[..., Result]:
    """``hook("loc_guard", payload_dict, agent="claude")`` against the ``project`` fixture."""

    def call(guard: str, data: Any, agent: str = "claude", raw: bytes | None = None) -> Result:
        return run_hook(guard, data, project, agent, raw)

    return call


def copy_project(dst: Path) -> Path:
    """A runnable project in ``dst`` (a git repository, like a clone) carrying the hook files
    ``ci-gates adopt`` writes (entry script, both agents' settings), a pyproject.toml and a
    README, and the record of where the library is installed (as a gates run leaves it)."""
    import ci_gates
    from ci_gates.template.hookfiles import files

    for rel, text in {**files(), "pyproject.toml": PYPROJECT, "README.md": ROOT_README}.items():
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        (dst / rel).write_text(text, encoding="utf-8")
    (dst / "ci" / "hooks" / "README.md").write_text(DIR_README, encoding="utf-8")
    (dst / "ci" / "sub" / "deeper").mkdir(parents=True)
    where = Path(ci_gates.__file__).resolve().parents[1]
    record = dst / "target" / "ci-gates" / "library.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"path": str(where)}), encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(dst)], check=True, env=env)
    return dst


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One runnable copy of the project per test module (see :func:`copy_project`)."""
    return copy_project(tmp_path_factory.mktemp("copy") / "proj")
