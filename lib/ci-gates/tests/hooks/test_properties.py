"""Property: whatever the payload, a guard exits 0, prints no traceback, answers in a designed
shape, and blocks only by design (a deny the gate's own rules would give).

Over 1,000 generated payloads run in-process (random JSON, random shapes, random commands,
paths and patches); a smaller sample runs the real scripts as subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_gates.gates.commits import command_denial
from ci_gates.gates.loc import count_lines, is_counted
from ci_gates.gates.tool_guard.rules import Scope, evaluate
from ci_gates.hooks.protocol import Call
from tests.hooks.conftest import GUARDS, Result, copy_project, decision, run_hook, text_of

FAIL = 600  # the fixture projects' (and this repository's) fail threshold

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
WORDS = [
    "uv",
    "run",
    "pytest",
    "nox",
    "-s",
    "gates",
    "cargo",
    "publish",
    "clippy",
    "twine",
    "upload",
    "maturin",
    "git",
    "commit",
    "-m",
    '"uv run"',
    "'cargo publish'",
    "&&",
    "||",
    ";",
    "|",
    "bash",
    "-c",
    "-lc",
    "env",
    "X=1",
    "$(",
    ")",
    "`",
    "python",
    "-m",
    "--no-project",
    "echo",
    "\\",
    "\n",
    "'",
    '"',
    "#",
    "<<'EOF'",
    "EOF",
    "apply_patch",
    "*** Begin Patch",
    "*** End Patch",
    "sudo",
]
CORES = [
    "uv run pytest",
    "cargo publish",
    "twine upload d/*",
    "nox -s gates",
    "pytest -x",
    "git commit -m 'uv run'",
    "cargo clippy",
    "uv run --no-project x",
    "ls",
    "echo uv run",
]
commands = st.builds(
    "{} {} {}".format,
    st.sampled_from(["", "env X=1", "bash -c '", 'sh -c "', "cd x &&", "time", "echo $(", "#"]),
    st.sampled_from(CORES),
    st.sampled_from(["", "'", '"', ")", "| tee log", "&& echo ok", "; ls"]),
) | st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=14).map(" ".join)
rel_paths = (
    st.sampled_from(
        [
            "ci/x.py",
            "ci/big.py",
            "ci/existing.py",
            "README.md",
            "crates/c/src/lib.rs",
            "x.rs",
            "ci/hooks/README.md",
            "docs/a.md",
            "../../etc/x.py",
            "C:\\x\\y.py",
            "ci\\w.py",
            "",
            ".",
        ]
    )
    | st.sampled_from(["ci/new.py", "ci/big.py", "python/p/m.pyi", "build.sh"])
    | st.text(max_size=24)
)

sizes = (
    st.sampled_from([0, 50, 401, 600, 601, 700, 1400])
    | st.integers(550, 700)
    | st.integers(0, 1400)
)
contents = sizes.map(lambda n: "x = 1\n" * n) | st.text(max_size=80)
patch_ops: st.SearchStrategy[tuple[str, str, list[str]]] = st.one_of(
    st.tuples(st.just("*** Add File: "), rel_paths, sizes.map(lambda n: ["+x"] * n)),
    st.tuples(
        st.just("*** Update File: "),
        rel_paths,
        st.lists(
            st.sampled_from(
                ["@@", " x = 1", "-x = 1", "+y", "", "*** End of File", "@@ def f():", "-VALUE = 1"]
            ),
            max_size=8,
        ),
    ),
    st.tuples(st.just("*** Delete File: "), rel_paths, st.just([])),
)
patches = st.lists(patch_ops, max_size=3).map(
    lambda ops: "\n".join(
        [
            "*** Begin Patch",
            *[line for head, path, body in ops for line in (head + path, *body)],
            "*** End Patch",
        ]
    )
)
edits = st.fixed_dictionaries(
    {},
    optional={
        "old_string": contents | json_values,
        "new_string": contents | json_values,
        "replace_all": st.booleans() | json_values,
    },
)
tool_inputs = st.fixed_dictionaries(
    {},
    optional={
        "file_path": rel_paths | json_values,
        "content": contents | json_values,
        "old_string": st.sampled_from(["x = 1\n", "VALUE = 1\n", "", "nope"]) | contents,
        "new_string": contents,
        "replace_all": st.booleans() | json_values,
        "edits": st.lists(edits | json_values, max_size=3) | json_values,
        "command": commands | patches | json_values,
    },
)
events = (
    st.sampled_from(["PreToolUse", "PostToolUse", "Stop", "SubagentStop", "SessionStart", ""])
    | json_values
)
OWN_EVENT = {"post_edit": "PostToolUse", "stop": "Stop"}
tools = (
    st.sampled_from(
        ["Write", "Edit", "MultiEdit", "Bash", "PowerShell", "apply_patch", "Read", "mcp__a__b"]
    )
    | json_values
)


@st.composite
def wellformed(draw: st.DrawFn, root: Path, guard: str) -> dict[str, Any]:
    """A payload as an agent would send it (mostly of the guard's own kind), random content."""
    mine = ["Bash", "PowerShell"] if guard == "tool_guard" else ["Write", "Edit", "MultiEdit"]
    tool = draw(st.sampled_from([*mine, "apply_patch", "Write" if mine[0] == "Bash" else "Bash"]))
    path = draw(rel_paths)
    path = os.path.join(str(root), path) if draw(st.booleans()) else path
    old = st.sampled_from(["x = 1\n", "VALUE = 1\n", "", "nope"])
    makers: dict[str, Callable[[], dict[str, Any]]] = {
        "Write": lambda: {"file_path": path, "content": draw(contents)},
        "Edit": lambda: {
            "file_path": path,
            "old_string": draw(old),
            "new_string": draw(contents),
            "replace_all": draw(st.booleans()),
        },
        "MultiEdit": lambda: {
            "file_path": path,
            "edits": draw(
                st.lists(
                    st.fixed_dictionaries({"old_string": old, "new_string": contents}), max_size=3
                )
            ),
        },
        "Bash": lambda: {"command": draw(commands)},
        "PowerShell": lambda: {"command": draw(commands)},
        "apply_patch": lambda: {"command": draw(patches)},
    }
    ti = makers[tool]()
    return {
        "session_id": "s",
        "transcript_path": None,
        "cwd": draw(st.sampled_from([str(root), str(root / "ci")])),
        "hook_event_name": draw(
            st.sampled_from([OWN_EVENT.get(guard, "PreToolUse")])
            | st.sampled_from(["PreToolUse", "PostToolUse"])
        ),
        "tool_name": tool,
        "tool_input": ti,
    }


@st.composite
def payloads(draw: st.DrawFn, root: Path, guard: str) -> Any:
    shape = draw(st.sampled_from(range(10)))
    if shape == 0:
        return draw(json_values)  # not even an object, sometimes
    if shape >= 4:
        return draw(wellformed(root, guard))
    data = draw(
        st.fixed_dictionaries(
            {
                "hook_event_name": events,
                "tool_name": tools,
                "tool_input": tool_inputs | json_values,
            },
            optional={
                "session_id": st.text(max_size=10),
                "transcript_path": st.none() | st.text(),
                "cwd": st.sampled_from([str(root), str(root / "ci"), "/", "rel"]) | json_values,
            },
        )
    )
    ti: Any = data["tool_input"]
    path = ti.get("file_path") if isinstance(ti, dict) else None
    if isinstance(path, str) and draw(st.booleans()):
        ti["file_path"] = os.path.join(str(root), path)
    return data


def check_by_design(guard: str, data: Any, agent: str, result: Result, root: Path) -> None:
    """The result is a designed one, and a deny is exactly what the gate's rules say."""
    kind = decision(result)  # exit 0, no traceback, an exact answer shape
    assert result.err.count("\n") <= 1 and (not result.err or result.err.startswith(guard))
    shaped = isinstance(data, dict) and isinstance(data.get("tool_input"), dict)
    event = data.get("hook_event_name") if isinstance(data, dict) else None
    tool = data.get("tool_name") if isinstance(data, dict) else None
    ti = data["tool_input"] if shaped else {}
    if kind == "context":
        assert guard == "post_edit" and event == "PostToolUse"
    # No gates environment in these projects: a stop is let through, saying so; never blocked.
    assert kind != "block"
    if kind == "message":
        assert guard == "stop" and event in ("Stop", "SubagentStop")
        assert "gates environment" in text_of(result)
    if kind == "note":
        assert agent == "claude" and guard in ("loc_guard", "tool_guard")
    if kind == "deny":
        assert guard in ("loc_guard", "tool_guard") and event == "PreToolUse" and shaped
    command = ti.get("command")
    if guard == "tool_guard" and event == "PreToolUse" and tool in ("Bash", "PowerShell"):
        call = Call(data, agent, str(root))
        scope = Scope("shell", str(root), call.cwd if call.cwd_given else str(root))
        dialect = "powershell" if tool == "PowerShell" else "bash"
        found = evaluate(command, "shell", dialect, scope) if isinstance(command, str) else []
        if any(f.severity == "error" for f in found):
            assert kind == "deny", (command, result)
        elif kind == "deny" and isinstance(command, str) and command_denial(command):
            assert "commits gate" in text_of(result)  # a `git commit -m` the gate would reject
        elif kind == "deny":
            assert isinstance(command, str) and "*** Begin Patch" in command
            assert "over the 600-line budget" in text_of(result)
    if guard == "loc_guard" and kind == "deny":
        assert f"over the {FAIL}-line budget" in text_of(result)
    if guard == "loc_guard" and event == "PreToolUse" and tool == "Write" and shaped:
        path, content = ti.get("file_path"), ti.get("content")
        if isinstance(path, str) and isinstance(content, str):
            rel = Call(data, agent, str(root)).path(path)
            lines = count_lines(content)
            over = rel is not None and is_counted(rel, {}) and lines > FAIL
            current = root / rel if rel is not None else None
            if over and current is not None and current.is_file():  # may shrink, not grow
                over = lines > count_lines(current.read_text(errors="replace"))
            assert (kind == "deny") == over, (rel, count_lines(content), result)


@pytest.fixture(scope="module")
def root(project_copy: Path) -> Path:
    for rel, text in {"ci/existing.py": "VALUE = 1\n", "ci/big.py": "x = 1\n" * 700}.items():
        (project_copy / rel).write_text(text)
    return project_copy


@pytest.mark.parametrize("guard", sorted(GUARDS))
@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_generated_payloads_in_process(root: Path, guard: str, agent: str) -> None:
    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=payloads(root, guard))
    def prop(data: Any) -> None:
        check_by_design(guard, data, agent, run_hook(guard, data, root, agent), root)

    prop()  # 3 guards x 2 agents x 200 = 1,200 payloads


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=64), guard=st.sampled_from(sorted(GUARDS)))
def test_random_bytes(guard: str, raw: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    result = run_hook(guard, None, tmp_path_factory.getbasetemp(), "claude", raw=raw)
    assert decision(result) in ("allow", "deny", "note", "context", "message")
    assert result.code == 0


def test_generated_payloads_as_subprocesses(tmp_path: Path) -> None:
    """A smaller sample through the real scripts: exit status, stdout and stderr as the agent
    sees them (``python3 -I -S script``, no ``|| true`` to hide anything)."""
    root = copy_project(tmp_path / "proj")
    (root / "ci/existing.py").write_text("VALUE = 1\n")
    (root / "ci/big.py").write_text("x = 1\n" * 700)
    seen: list[tuple[str, str, Any]] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        guard=st.sampled_from(sorted(GUARDS)),
        agent=st.sampled_from(["claude", "codex"]),
        data=st.data(),
    )
    def collect(guard: str, agent: str, data: st.DataObject) -> None:
        seen.append((guard, agent, data.draw(payloads(root, guard))))

    collect()
    for guard, agent, data in seen:
        script = str(root / "ci" / "hooks" / "guard.py")
        argv = [sys.executable, "-I", "-S", script, guard, *(["codex"] if agent == "codex" else [])]
        proc = subprocess.run(
            argv,
            input=json.dumps(data).encode(),
            capture_output=True,
            cwd=root / "ci" / "sub",
            timeout=60,
        )
        answer = json.loads(proc.stdout) if proc.stdout else None
        err = proc.stderr.decode("utf-8", "replace")
        check_by_design(guard, data, agent, Result(proc.returncode, proc.stdout, err, answer), root)


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_write_and_command_oracles(root: Path, agent: str) -> None:
    """Targeted payloads where the designed decision is known exactly: a Write of N lines
    (deny iff a counted project file over the fail threshold) and a shell command (deny iff
    the rule table denies it). Both kinds must actually occur, or the oracle proves nothing."""
    kinds: list[str] = []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(path=rel_paths, absolute=st.booleans(), lines=st.integers(0, 1500), cmd=commands)
    def prop(path: str, absolute: bool, lines: int, cmd: str) -> None:
        path = os.path.join(str(root), path) if absolute else path
        write = {
            "hook_event_name": "PreToolUse",
            "tool_name": "Write",
            "cwd": str(root),
            "tool_input": {"file_path": path, "content": "x = 1\n" * lines},
        }
        result = run_hook("loc_guard", write, root, agent)
        check_by_design("loc_guard", write, agent, result, root)
        kinds.append("loc " + decision(result))
        bash = {
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "cwd": str(root),
            "tool_input": {"command": cmd},
        }
        result = run_hook("tool_guard", bash, root, agent)
        check_by_design("tool_guard", bash, agent, result, root)
        kinds.append("tool " + decision(result))

    prop()
    assert {"loc deny", "loc allow", "tool deny", "tool allow"} <= set(kinds)
