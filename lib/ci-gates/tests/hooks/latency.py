"""Hook latency against the floor ``python3 -I -S -c "import json"`` (a measurement, not a test).

``python3 tests/hooks/latency.py [RUNS]`` runs each guard on a typical payload, interleaved with
the floor (floor, hook A, floor, hook B, ...) so machine load hits all alike, and prints per
case the median wall time and the median CPU time (user + sys of the child, which load on a
busy machine inflates far less than wall time), each as a ratio to the floor. The target is a
ratio within 1.25. The "configured" rows run the exact commands of .claude/settings.json and
.codex/hooks.json through ``sh -c`` and compare with ``sh -c 'python3 -I -S -c "import json"'``.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOOR = ["python3", "-I", "-S", "-c", "import json"]
SH_FLOOR = ["sh", "-c", 'python3 -I -S -c "import json" || true']


def _payload(event: str, tool: str, tool_input: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": None,
            "cwd": ROOT,
            "hook_event_name": event,
            "tool_name": tool,
            "tool_input": tool_input,
        }
    ).encode()


EXAMPLE = os.path.join(ROOT, "ci", "example.py")
WRITE = _payload("PreToolUse", "Write", {"file_path": EXAMPLE, "content": "x = 1\n" * 120})
BASH = _payload("PreToolUse", "Bash", {"command": "git status && git diff --stat"})
POST = _payload("PostToolUse", "Write", {"file_path": EXAMPLE, "content": "x = 1\n"})
README = _payload("PostToolUse", "Write", {"file_path": os.path.join(ROOT, "README.md")})
PATCH = _payload(
    "PreToolUse",
    "apply_patch",
    {
        "command": "*** Begin Patch\n*** Add File: "
        "ci/example.py\n" + "+x = 1\n" * 120 + "*** End Patch\n"
    },
)


def _script(name: str) -> list[str]:
    return ["python3", "-I", "-S", os.path.join(ROOT, "ci", "hooks", name)]


def _configured(rel: str, event: str, tool: str) -> list[str]:
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        groups = json.load(f)["hooks"][event]
    import re

    (cmd,) = [h["command"] for g in groups if re.fullmatch(g["matcher"], tool) for h in g["hooks"]]
    return ["sh", "-c", cmd]


CASES: dict[str, tuple[list[str], bytes, list[str]]] = {  # run from the project root
    "loc_guard    Write 120 lines": (_script("loc_guard.py"), WRITE, FLOOR),
    "tool_guard   Bash git status": (_script("tool_guard.py"), BASH, FLOOR),
    "readme_guard Write ci/x.py": (_script("readme_guard.py"), POST, FLOOR),
    "readme_guard Write README.md": (_script("readme_guard.py"), README, FLOOR),
    "configured claude loc_guard": (
        _configured(".claude/settings.json", "PreToolUse", "Write"),
        WRITE,
        SH_FLOOR,
    ),
    "configured claude tool_guard": (
        _configured(".claude/settings.json", "PreToolUse", "Bash"),
        BASH,
        SH_FLOOR,
    ),
    "configured codex apply_patch": (
        _configured(".codex/hooks.json", "PreToolUse", "apply_patch"),
        PATCH,
        SH_FLOOR,
    ),
    "configured codex tool_guard": (
        _configured(".codex/hooks.json", "PreToolUse", "Bash"),
        BASH,
        SH_FLOOR,
    ),
    "configured codex tool_guard, in ci/": (
        ["sh", "-c", "cd ci && " + _configured(".codex/hooks.json", "PreToolUse", "Bash")[2]],
        BASH,
        SH_FLOOR,
    ),
}


def _time(cmd: list[str], stdin: bytes, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, capture_output=True, check=False, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(runs: int) -> int:
    env = {**os.environ, "CLAUDE_PROJECT_DIR": ROOT}
    times: dict[str, list[tuple[float, float]]] = {}
    for _ in range(runs):
        for name, (cmd, stdin, floor) in CASES.items():
            times.setdefault(" ".join(floor), []).append(_time(floor, b"", env))
            times.setdefault(name, []).append(_time(cmd, stdin, env))

    def medians(name: str) -> tuple[float, float]:
        return (
            statistics.median(t[0] for t in times[name]),
            statistics.median(t[1] for t in times[name]),
        )

    print(f"{'':34} {'wall ms':>8} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}   ({runs} runs)")
    for floor in (FLOOR, SH_FLOOR):
        wall, cpu = medians(" ".join(floor))
        print(f"{'floor ' + ' '.join(floor)[:28]:34} {wall * 1e3:8.1f} {'':6} {cpu * 1e3:8.1f}")
    for name, (_, _, floor) in CASES.items():
        wall, cpu = medians(name)
        fwall, fcpu = medians(" ".join(floor))
        print(f"{name:34} {wall * 1e3:8.1f} {wall / fwall:6.2f} {cpu * 1e3:8.1f} {cpu / fcpu:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
