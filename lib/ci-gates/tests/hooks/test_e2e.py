"""End to end: the commands in .claude/settings.json and .codex/hooks.json, run as the agents run
them (``sh -c CMD``, payload on stdin, cwd deep inside a copy of the project; Claude with
``CLAUDE_PROJECT_DIR`` set, Codex without it), give the designed decisions, and a missing
script, a broken gate or a missing interpreter never blocks (never exit 2, never JSON).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import namedtuple
from pathlib import Path

import pytest

from tests.hooks.conftest import copy_project, payload

Hook = namedtuple("Hook", "agent event matcher command")
Ran = namedtuple("Ran", "code out err")
SH = shutil.which("sh") or "/bin/sh"
CONFIGS = {"claude": ".claude/settings.json", "codex": ".codex/hooks.json"}


def configured(root: Path) -> list[Hook]:
    hooks = []
    for agent, rel in CONFIGS.items():
        for event, groups in json.loads((root / rel).read_text())["hooks"].items():
            for group in groups:
                for handler in group["hooks"]:
                    hooks.append(Hook(agent, event, group.get("matcher", ""), handler["command"]))
    return hooks


def run_as_agent(
    root: Path,
    agent: str,
    data: dict[str, object],
    env: dict[str, str] | None = None,
    where: str = "ci/sub/deeper",
) -> Ran:
    """Every configured command matching this call, run like the agent: its combined result."""
    event, tool = data["hook_event_name"], str(data.get("tool_name", ""))
    cmds = [
        h.command
        for h in configured(root)
        if h.agent == agent and h.event == event and re.fullmatch(h.matcher, tool)
    ]
    assert len(cmds) == 1, (agent, event, tool, cmds)
    base = {k: v for k, v in os.environ.items() if k != "CLAUDE_PROJECT_DIR"}
    if agent == "claude":
        base["CLAUDE_PROJECT_DIR"] = str(root)
    proc = subprocess.run(
        [SH, "-c", cmds[0]],
        input=json.dumps(data).encode(),
        capture_output=True,
        cwd=root / where,
        env={**base, **(env or {})},
        timeout=60,
    )
    return Ran(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def verdict(ran: Ran) -> tuple[str, str]:
    """(``allow`` | ``deny`` | ``note`` | ``context`` | ``block`` | ``message``, text); checks
    the protocol rules."""
    assert ran.code == 0, ran
    assert "Traceback" not in ran.err, ran
    if not ran.out:
        return "allow", ""
    assert ran.out.endswith("\n") and ran.out.count("\n") == 1 and "\r" not in ran.out
    answer = json.loads(ran.out)
    if "decision" in answer:
        return "block", answer["reason"]
    if "systemMessage" in answer:
        return "message", answer["systemMessage"]
    spec = answer["hookSpecificOutput"]
    if spec.get("permissionDecision") == "deny":
        return "deny", spec["permissionDecisionReason"]
    kind = "context" if spec["hookEventName"] == "PostToolUse" else "note"
    return kind, spec["additionalContext"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("e2e") / "proj")


def _patch(path: str, lines: int) -> str:
    return "*** Begin Patch\n*** Add File: " + path + "\n" + "+x = 1\n" * lines + "*** End Patch\n"


def _write(root: Path, agent: str, lines: int) -> dict[str, object]:
    if agent == "claude":
        return payload(
            "claude_pre_write", root, file_path=str(root / "ci/new.py"), content="x = 1\n" * lines
        )
    return payload("codex_pre_apply_patch", root, command=_patch("ci/new.py", lines))


def _bash(root: Path, agent: str, command: str) -> dict[str, object]:
    return payload(f"{agent}_pre_bash", root, command=command)


AGENTS = ["claude", "codex"]


def test_every_configured_command_is_exercised(root: Path) -> None:
    guards = {
        (h.agent, re.search(r'ci/hooks/guard\.py" (\w+)', h.command)) for h in configured(root)
    }
    scripts = {(agent, m[1]) for agent, m in guards if m is not None}
    wired = ("loc_guard", "tool_guard", "post_edit", "stop")
    assert scripts == {(a, s) for a in AGENTS for s in wired}


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("where", ["ci/sub/deeper", "."])
def test_line_budget(root: Path, agent: str, where: str) -> None:
    kind, reason = verdict(run_as_agent(root, agent, _write(root, agent, 2000), where=where))
    assert kind == "deny" and "ci/new.py: 2000 lines" in reason and "600-line" in reason
    assert verdict(run_as_agent(root, agent, _write(root, agent, 50), where=where)) == ("allow", "")


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize(
    "command",
    ["uv run pytest", "bash -c 'uv run pytest'", "env X=1 uv run pytest", "cd . && uv run pytest"],
)
def test_uv_run_is_denied_with_the_session(root: Path, agent: str, command: str) -> None:
    kind, reason = verdict(run_as_agent(root, agent, _bash(root, agent, command)))
    assert kind == "deny" and "nox -s pytest" in reason


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("command", ["nox -s gates", 'git commit -m "docs: uv run"'])
def test_allowed_silently(root: Path, agent: str, command: str) -> None:
    assert verdict(run_as_agent(root, agent, _bash(root, agent, command))) == ("allow", "")


def test_notes_only_for_claude(root: Path) -> None:
    kind, text = verdict(run_as_agent(root, "claude", _bash(root, "claude", "pytest -x")))
    assert kind == "note" and "nox -s pytest" in text
    assert verdict(run_as_agent(root, "codex", _bash(root, "codex", "pytest -x"))) == ("allow", "")


def test_readme_feedback(root: Path) -> None:
    (root / "crates/newcrate/src").mkdir(parents=True, exist_ok=True)
    (root / "crates/newcrate/src/lib.rs").write_text("pub fn f() {}\n")
    for agent, name in (("claude", "claude_post_write"), ("codex", "codex_post_apply_patch")):
        kind, reason = verdict(run_as_agent(root, agent, payload(name, root)))
        assert kind == "context" and "crates/newcrate/README.md: missing" in reason


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "proj")


@pytest.mark.parametrize("agent", AGENTS)
@pytest.mark.parametrize("script", ["loc_guard", "tool_guard", "post_edit", "stop"])
@pytest.mark.parametrize("where", ["ci/sub/deeper", "."])
def test_missing_script_never_blocks(scratch: Path, agent: str, script: str, where: str) -> None:
    hooks = scratch / "ci" / "hooks"
    (hooks / "guard.py").rename(hooks / "guard.py.moved")
    calls = {
        "loc_guard": _write(scratch, agent, 2000),
        "tool_guard": _bash(scratch, agent, "uv run pytest"),
        "post_edit": payload(
            f"{agent}_post_{'write' if agent == 'claude' else 'apply_patch'}", scratch
        ),
        "stop": payload(f"{agent}_stop", scratch),
    }
    ran = run_as_agent(scratch, agent, calls[script], where=where)
    assert ran.code == 0 and ran.out == "" and "can't open file" in ran.err


def test_bare_python_on_a_missing_script_exits_2(tmp_path: Path) -> None:
    """Why every command ends in ``|| true``: the interpreter itself exits 2 (= block)."""
    proc = subprocess.run(["python3", str(tmp_path / "missing.py")], capture_output=True)
    assert proc.returncode == 2


def _library_at(scratch: Path, where: Path) -> None:
    (scratch / "target/ci-gates/library.json").write_text(json.dumps({"path": str(where)}))


def test_broken_library_never_blocks_and_says_so_once(scratch: Path, tmp_path: Path) -> None:
    broken = tmp_path / "site"
    (broken / "ci_gates" / "hooks").mkdir(parents=True)
    (broken / "ci_gates" / "__init__.py").write_text("")
    (broken / "ci_gates" / "hooks" / "__init__.py").write_text("")
    (broken / "ci_gates" / "hooks" / "entry.py").write_text("def broken(:\n")
    _library_at(scratch, broken)
    said = []
    for agent in (*AGENTS, *AGENTS):
        ran = run_as_agent(scratch, agent, _bash(scratch, agent, "uv run pytest"))
        assert verdict(ran) == ("allow", "") and "Traceback" not in ran.err
        said.append(ran.err)
    assert "cannot import the library (SyntaxError" in said[0] and "`nox -s gates`" in said[0]
    assert said[1:] == ["", "", ""]


def test_missing_library_allows_and_tells_how_to_install(scratch: Path, tmp_path: Path) -> None:
    _library_at(scratch, tmp_path / "nowhere")
    bash = _bash(scratch, "claude", "uv run pytest")
    ran = run_as_agent(scratch, "claude", bash, env={"PYTHONNOUSERSITE": "1"})
    assert ran.code == 0 and "Traceback" not in ran.err


def test_no_project_dir_no_python_never_blocks(scratch: Path) -> None:
    write = _write(scratch, "claude", 2000)
    ran = run_as_agent(scratch, "claude", write, env={"CLAUDE_PROJECT_DIR": ""})
    assert ran.code == 0 and ran.out == ""
    ran = run_as_agent(scratch, "claude", write, env={"PATH": "/nonexistent"})
    assert ran.code == 0 and ran.out == ""
    # Codex finds the root by walking up with shell builtins: no git process, no .git needed.
    (scratch / ".git").rename(scratch / "not-git")
    ran = run_as_agent(scratch, "codex", _write(scratch, "codex", 2000))
    assert ran.code == 0 and verdict(ran)[0] == "deny"
    ran = run_as_agent(
        scratch, "codex", _write(scratch, "codex", 2000), env={"PATH": "/nonexistent"}
    )
    assert ran.code == 0 and ran.out == ""
