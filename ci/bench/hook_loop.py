"""Area 1, continued: the post-edit and Stop hooks, through the commands in the agent settings.

- PostToolUse after a 400-line ``.py`` / ``.rs`` edit: p95 of the configured command (Claude
  ``Edit``, Codex ``apply_patch``) against the raw tools on the same file (``ruff check`` then
  ``ruff format --check`` with the gates environment's ruff; ``rustfmt --check --edition``),
  interleaved.
- Stop: the configured command with nothing changed since the last pass (every gate a cache
  hit), and after one changed Markdown file, naming what ran and what the budget left out.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from typing import Callable

from ci.bench.common import WARMUP, Row, ms, verdict

RUNS = 40
POST_BUDGET = 0.300  # seconds, p95
STOP_CACHED_BUDGET = 1.0
PY_PROBE = os.path.join("ci", "bench", "_hook_probe.py")
CHANGED = os.path.join("docs", "CONVENTIONS.md")


def _command(root: str, agent: str, event: str, tool: str = "") -> str:
    import re

    rel = ".claude/settings.json" if agent == "claude" else ".codex/hooks.json"
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        groups = json.load(f)["hooks"][event]
    (cmd,) = [
        h["command"]
        for g in groups
        if re.fullmatch(g.get("matcher") or ".*", tool)
        for h in g["hooks"]
    ]
    return str(cmd)


def _runner(argv: list[str] | str, stdin: bytes = b"", cwd: str = "") -> Callable[[], bytes]:
    env = {**os.environ, "CLAUDE_PROJECT_DIR": cwd}

    def go() -> bytes:
        proc = subprocess.run(
            argv, input=stdin, cwd=cwd, env=env, shell=isinstance(argv, str), capture_output=True
        )
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"bench: {argv!r} exited {proc.returncode}: {proc.stderr[-300:]!r}")
        return proc.stdout

    return go


def _chain(steps: list[Callable[[], bytes]]) -> Callable[[], bytes]:
    """One variant running ``steps`` one after the other (the raw tools, as a person runs them)."""
    return lambda: b"".join(step() for step in steps)


def _samples(variants: dict[str, Callable[[], bytes]], runs: int) -> dict[str, list[float]]:
    for _ in range(WARMUP):
        for fn in variants.values():
            fn()
    out: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(runs):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - start)
    return out


def p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def _python_text(lines: int) -> str:
    body = "".join(
        f"def step_{i}(value: int) -> int:\n"
        f'    """Step {i} of the probe."""\n'
        f"    return value + {i}\n\n\n"
        for i in range(lines // 5)
    )
    return body.rstrip("\n") + "\n"


def _rust_text(lines: int) -> str:
    body = "".join(
        f"/// Step {i} of the probe.\npub fn step_{i}(value: u64) -> u64 {{\n"
        f"    value + {i}\n}}\n\n"
        for i in range(lines // 5)
    )
    return body.rstrip("\n") + "\n"


def _post(root: str, agent: str, rel: str) -> bytes:
    if agent == "claude":
        tool, tool_input = "Edit", {"file_path": os.path.join(root, rel), "old_string": "a"}
    else:
        patch = f"*** Begin Patch\n*** Update File: {rel}\n@@\n-a\n+a\n*** End Patch\n"
        tool, tool_input = "apply_patch", {"command": patch}
    data = {"session_id": "bench", "cwd": root, "hook_event_name": "PostToolUse"}
    return json.dumps({**data, "tool_name": tool, "tool_input": tool_input}).encode()


def _rust_probe(root: str) -> str:
    from ci_gates.core.project import names

    crate = names(root).crates[0]
    return os.path.join(crate.path, "src", "_hook_probe.rs")


def post_edit(root: str) -> list[Row]:
    """PostToolUse p95 on a 400-line .py and .rs file against the raw tools."""
    from ci_gates.hooks.tools import edition, env_bin, which

    ruff, rustfmt = env_bin(root, "ruff") or which("ruff"), which("rustfmt")
    rs_probe = _rust_probe(root)
    files = {PY_PROBE: _python_text(400), rs_probe: _rust_text(400)}
    cases = [
        (
            "claude",
            PY_PROBE,
            "`.py` (Claude Edit)",
            [[ruff, "check", "--no-fix"], [ruff, "format", "--check"]],
        ),
        ("codex", PY_PROBE, "`.py` (Codex apply_patch)", None),
        (
            "claude",
            rs_probe,
            "`.rs` (Claude Edit)",
            [
                [
                    rustfmt,
                    "--check",
                    "--edition",
                    edition(root, rs_probe.replace(os.sep, "/")) or "2015",
                ]
            ],
        ),
    ]
    rows = []
    try:
        for rel, text in files.items():
            with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
                f.write(text)
        for agent, rel, label, raw in cases:
            tool = "Edit" if agent == "claude" else "apply_patch"
            hook = _runner(
                _command(root, agent, "PostToolUse", tool), _post(root, agent, rel), root
            )
            if hook():
                raise RuntimeError(f"bench: the probe {rel} is not clean: {hook()[:300]!r}")
            variants = {"hook": hook}
            if raw:
                variants["raw"] = _chain([_runner([*map(str, cmd), rel], cwd=root) for cmd in raw])
            t = _samples(variants, RUNS)
            figure = f"p95 {ms(p95(t['hook']))} (median {ms(statistics.median(t['hook']))})"
            if raw:
                raw_name = (
                    "ruff check + ruff format --check" if rel.endswith(".py") else "rustfmt --check"
                )
                figure += f"; raw {raw_name}: p95 {ms(p95(t['raw']))}"
            rows.append(
                Row(
                    "hooks",
                    f"PostToolUse after a 400-line {label}",
                    figure,
                    "p95 ≤ 300 ms",
                    verdict(p95(t["hook"]) <= POST_BUDGET),
                )
            )
    finally:
        for rel in files:
            try:
                os.remove(os.path.join(root, rel))
            except OSError:
                pass
    return rows


def _children_cpu() -> float:
    """User + system seconds of every finished child process so far (the load-proof figure)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stop_payload(root: str) -> bytes:
    data = {"session_id": "bench", "cwd": root, "hook_event_name": "Stop"}
    return json.dumps({**data, "stop_hook_active": False}).encode()


def _gate_runs(root: str, since: float) -> tuple[list[str], list[str]]:
    """Gates the Stop hook's run (its log, written after ``since``) ran, and served from the
    cache (a served gate prints ``passed (cached; …)`` under its header; a cached run writes
    no result file, so the results directory cannot tell)."""
    path = os.path.join(root, "target", "ci-gates", "hook-stop.log")
    if not os.path.exists(path) or os.path.getmtime(path) < since:
        return [], []
    ran: list[str] = []
    cached: list[str] = []
    gate = ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("=== gate "):
                if gate:
                    ran.append(gate)
                gate = line[len("=== gate ") :].split(":", 1)[0]
            elif gate and line.strip().startswith(("passed (cached", "failed (cached")):
                cached.append(gate)
                gate = ""
            elif gate and line.strip().startswith(("not run", "skipped")):
                gate = ""
    if gate:
        ran.append(gate)
    return ran, cached


def _answer(out: bytes) -> str:
    if not out:
        return "passed (no output)"
    answer = json.loads(out)
    text = answer.get("reason") or answer.get("systemMessage") or ""
    kind = "blocked" if answer.get("decision") == "block" else "let through"
    return f"{kind}: {' '.join(text.split())[:160]}"


def stop(root: str, runs: int = 5) -> list[Row]:
    """The Stop hook with nothing changed (cached) and after one changed Markdown file."""
    hook = _runner(_command(root, "claude", "Stop"), _stop_payload(root), root)
    # Settle as a developer's machine is: `nox -s gates` passed (every pass stored), then the
    # hook once (its own cached reads warm).
    settle = subprocess.run(
        ["nox", "--non-interactive", "-s", "gates"], cwd=root, capture_output=True
    )
    if settle.returncode != 0:
        raise RuntimeError("bench: `nox -s gates` fails here; run it and fix it first")
    hook()
    start = time.time()
    took, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), _children_cpu()
        out = hook()
        took.append(time.perf_counter() - t0)
        cpu.append(_children_cpu() - c0)
    ran, cached = _gate_runs(root, start)
    rows = [
        Row(
            "hooks",
            "Stop, nothing changed since the last pass (Claude)",
            f"median {ms(statistics.median(took))}, max {ms(max(took))}, CPU (all processes) "
            f"median {ms(statistics.median(cpu))} ({runs} runs, load {os.getloadavg()[0]:.1f}); "
            f"{len(cached)} gates cached, ran: {', '.join(ran) or 'none'}; {_answer(out)}",
            "≤ 1 s",
            verdict(max(took) <= STOP_CACHED_BUDGET and not out),
        )
    ]
    path = os.path.join(root, CHANGED)
    with open(path, encoding="utf-8") as f:
        original = f.read()
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nOne more line, as an agent's edit.\n")
        start = time.time()
        t0 = time.perf_counter()
        out = hook()
        took_changed = time.perf_counter() - t0
        ran, cached = _gate_runs(root, start)
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
    rows.append(
        Row(
            "hooks",
            f"Stop after one changed file ({CHANGED}, Claude)",
            f"{took_changed:.1f} s (1 run); ran: {', '.join(ran) or 'none'}; "
            f"{len(cached)} cached; {_answer(out)}",
            "≤ stop-budget + 5 s",
            verdict(took_changed <= 65),
        )
    )
    hook()  # back to the cached state for whoever runs next
    return rows
