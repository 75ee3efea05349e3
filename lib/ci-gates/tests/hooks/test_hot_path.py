"""The hooks' hot path imports only the standard library and the rule modules.

Each case runs one hook in a fresh ``python -S`` on a project and lists the heavy modules that
ended up imported (the config cache warm, as any gate run leaves it): none of typing, dataclasses, tomllib, yaml or the runner, ever; and for a
file no tool covers, not even subprocess (it costs nothing but the hook's start-up).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LIBRARY = str(Path(__file__).resolve().parents[2] / "src")
HEAVY = {"typing", "dataclasses", "tomllib", "yaml", "ci_gates.core.runner", "ci_gates.core.cache"}
CODE = """
import io, json, sys
sys.path.append({library!r})
from ci_gates.hooks import {module} as hook
payload = json.dumps({payload!r}).encode()
out = io.BytesIO()
hook.main([], io.BytesIO(payload), out, io.BytesIO(), root={root!r})
print(json.dumps([sorted(m for m in {heavy!r} if m in sys.modules), out.getvalue().decode()]))
"""


def _run(
    module: str, data: dict[str, object], root: Path, heavy: set[str]
) -> tuple[list[str], str]:
    code = CODE.format(
        library=LIBRARY, module=module, payload=data, root=str(root), heavy=sorted(heavy)
    )
    argv = [sys.executable, "-S", "-c", code]
    subprocess.run(argv, capture_output=True, check=True)  # the config cache, as after a gate run
    proc = subprocess.run(argv, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    found, out = json.loads(proc.stdout)
    return found, out


def _post(root: Path, rel: str) -> dict[str, object]:
    return {
        "hook_event_name": "PostToolUse",
        "tool_name": "Write",
        "cwd": str(root),
        "tool_input": {"file_path": str(root / rel), "content": ""},
    }


@pytest.mark.parametrize(
    ("rel", "text", "also"),
    [
        ("docs/notes.txt", "x\n", {"subprocess"}),
        ("ci/data.json", "{}\n", {"subprocess"}),
        ("ci/a.py", "import os\n", set()),
        ("x.rs", "fn  f(){}\n", set()),
    ],
)
def test_post_edit_imports_no_heavy_module(
    project: Path, rel: str, text: str, also: set[str]
) -> None:
    (project / rel).parent.mkdir(parents=True, exist_ok=True)
    (project / rel).write_text(text)
    found, _ = _run("post_edit", _post(project, rel), project, HEAVY | also)
    assert found == []


def test_stop_imports_no_heavy_module(project: Path) -> None:
    data = {"hook_event_name": "Stop", "stop_hook_active": False, "cwd": str(project)}
    found, out = _run("stop", data, project, HEAVY)
    assert found == [] and "gates environment" in out  # no env in the fixture: let through
