"""Area 1: hook latency through the exact commands in the agent settings, against the floor
(the post-edit and Stop hooks: :mod:`ci.bench.hook_loop`)."""

from __future__ import annotations

import json
import os
import re

from ci.bench.common import RUNS, Row, interleave, ms, run_cmd, verdict

FLOOR = 'python3 -I -S -c "import json"'


def _commands(settings_file: str, event: str, tool: str) -> list[str]:
    with open(settings_file, encoding="utf-8") as f:
        hooks = json.load(f).get("hooks", {})
    out = []
    for entry in hooks.get(event, []):
        if re.fullmatch(entry.get("matcher") or ".*", tool):
            out += [h["command"] for h in entry.get("hooks", []) if h.get("type") == "command"]
    return out


def _payload(root: str, tool: str, tool_input: dict[str, object]) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": "/tmp/bench.jsonl",
            "cwd": root,
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": tool_input,
        }
    ).encode()


def _subdir(root: str) -> str:
    """A crate's directory (its own Cargo.toml is a false root marker), else ci/gates/."""
    from ci_gates.core.project import names

    inner = [c.path for c in names(root).crates if c.path]
    return os.path.join(root, inner[0] if inner else os.path.join("ci", "gates"))


def measure(root: str) -> list[Row]:
    small = "".join(f"x{i} = {i}\n" for i in range(50))
    big = "".join(f"x{i} = {i}\n" for i in range(2000))
    target = os.path.join(root, "ci", "gates", "bench_probe.py")
    readme = os.path.join(root, "README.md")
    patch = (
        "*** Begin Patch\n*** Add File: ci/gates/bench_probe.py\n"
        + "".join(f"+x{i} = {i}\n" for i in range(50))
        + "*** End Patch\n"
    )
    cases: list[tuple[str, str, str, dict[str, object]]] = [
        ("claude", "Write", "small Write (50 lines)", {"file_path": target, "content": small}),
        ("claude", "Write", "2,000-line Write (deny)", {"file_path": target, "content": big}),
        (
            "claude",
            "Edit",
            "Edit of README.md",
            {"file_path": readme, "old_string": "# ", "new_string": "# ", "replace_all": False},
        ),
        ("claude", "Bash", "Bash allow (`nox -s gates`)", {"command": "nox -s gates"}),
        ("claude", "Bash", "Bash deny (`uv run pytest`)", {"command": "uv run pytest"}),
        ("codex", "Bash", "Codex Bash allow", {"command": "cargo fmt --all"}),
        ("codex", "Bash", "Codex Bash deny (subdir)", {"command": "uv run pytest"}),
        ("codex", "apply_patch", "Codex apply_patch (add 50 lines)", {"command": patch}),
    ]
    files = {
        "claude": os.path.join(root, ".claude", "settings.json"),
        "codex": os.path.join(root, ".codex", "hooks.json"),
    }
    env = {**os.environ, "CLAUDE_PROJECT_DIR": root}
    subdir = _subdir(root)
    variants = {"floor": run_cmd([FLOOR], shell=True, cwd=root)}
    labels = {}
    for agent, tool, label, tool_input in cases:
        cmds = _commands(files[agent], "PreToolUse", tool)
        if not cmds:
            raise RuntimeError(f"bench: {files[agent]} has no PreToolUse hook for {tool}")
        payload = _payload(root, tool, tool_input)
        for i, cmd in enumerate(cmds):
            key = f"{agent}:{label}:{i}"
            labels[key] = f"{agent} {label}"
            # Codex runs hooks in the session's cwd; "(subdir)" cases start in a crate.
            cwd = subdir if "(subdir)" in label else root
            variants[key] = run_cmd([cmd], shell=True, stdin=payload, env=env, cwd=cwd)
    # Each run is ~30 ms, so many runs are cheap and tighten the medians a ±5% target needs.
    t = interleave(variants, runs=max(RUNS, 40))
    rows = [Row("hooks", f"floor `{FLOOR}` (via `sh -c`)", ms(t["floor"]), "", "info")]
    for key, label in labels.items():
        ratio = t[key] / t["floor"]
        rows.append(
            Row(
                "hooks",
                label,
                f"{ms(t[key])} = {ratio:.2f}× floor",
                "≤ 1.25×",
                verdict(ratio <= 1.25),
            )
        )
    from ci.bench import hook_loop

    return rows + hook_loop.post_edit(root) + hook_loop.stop(root)
