"""Hook latency against the floor ``python3 -I -S -c "import json"`` (not a test; a measurement).

``python3 tests/hooks/latency.py [RUNS]`` runs each hook on a typical payload and the floor,
interleaved (floor, hook A, floor, hook B, ...) so machine load hits all alike, and prints the
median wall time of each and its ratio to the floor. The target is a ratio within 1.25.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOOR = [sys.executable, "-I", "-S", "-c", "import json"]


def _payload(event: str, tool: str, tool_input: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": "/tmp/bench.jsonl",
            "cwd": ROOT,
            "hook_event_name": event,
            "tool_name": tool,
            "tool_input": tool_input,
        }
    ).encode()


CASES = {
    "loc_guard (Write, 120 lines)": (
        "loc_guard.py",
        _payload(
            "PreToolUse",
            "Write",
            {"file_path": os.path.join(ROOT, "ci", "example.py"), "content": "x = 1\n" * 120},
        ),
    ),
    "tool_guard (Bash, git status)": (
        "tool_guard.py",
        _payload("PreToolUse", "Bash", {"command": "git status && git diff --stat"}),
    ),
    "readme_guard (Write, ci/x.py)": (
        "readme_guard.py",
        _payload(
            "PostToolUse",
            "Write",
            {"file_path": os.path.join(ROOT, "ci", "example.py"), "content": "x = 1\n"},
        ),
    ),
    "readme_guard (Write, README.md)": (
        "readme_guard.py",
        _payload(
            "PostToolUse", "Write", {"file_path": os.path.join(ROOT, "README.md"), "content": ""}
        ),
    ),
}


def _time(cmd: list[str], stdin: bytes) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, input=stdin, capture_output=True, check=False)
    return time.perf_counter() - start


def main(runs: int) -> int:
    times: dict[str, list[float]] = {"floor": [], **{name: [] for name in CASES}}
    for _ in range(runs):
        for name, (script, stdin) in CASES.items():
            times["floor"].append(_time(FLOOR, b""))
            cmd = [sys.executable, "-I", "-S", os.path.join(ROOT, "ci", "hooks", script)]
            times[name].append(_time(cmd, stdin))
    floor = statistics.median(times["floor"])
    label = 'floor: python3 -I -S -c "import json"'
    print(f"{label:45} {floor * 1000:7.1f} ms")
    for name in CASES:
        median = statistics.median(times[name])
        print(f"{name:45} {median * 1000:7.1f} ms  ratio {median / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
