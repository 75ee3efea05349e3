"""Area 3: gate overhead — warm ``nox -s gates`` against the same tools run directly."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

from ci.bench.common import Row, verdict

RUNS = int(os.environ.get("BENCH_GATE_RUNS", "3"))
TRACE_DIR = os.path.join(os.path.dirname(__file__), "trace")


def _nox_gates(root: str, trace: str | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    if trace:
        env["CI_GATES_TRACE"] = trace
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [TRACE_DIR, env.get("PYTHONPATH")]))
    start = time.perf_counter()
    proc = subprocess.run(
        ["nox", "--non-interactive", "-s", "gates"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"bench: `nox -s gates` failed; run it and fix it first:\n{proc.stdout[-2000:]}"
        )
    return took, proc.stdout + proc.stderr


def _direct(commands: list[dict[str, object]]) -> float:
    start = time.perf_counter()
    for c in commands:
        subprocess.run(
            c["argv"],
            cwd=c["cwd"],
            shell=bool(c["shell"]),  # type: ignore[call-overload]
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def measure(root: str) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.jsonl")
        _nox_gates(root)  # warm-up: builds whatever is missing
        _nox_gates(root, trace)
        with open(trace, encoding="utf-8") as f:
            commands = [json.loads(line) for line in f]
    if not commands:
        raise RuntimeError("bench: the trace of `nox -s gates` recorded no command")
    nox_t, direct_t = [], []
    for _ in range(RUNS):  # interleaved: nox, direct, nox, direct, …
        nox_t.append(_nox_gates(root)[0])
        direct_t.append(_direct(commands))
    nox_m, direct_m = sorted(nox_t)[RUNS // 2], sorted(direct_t)[RUNS // 2]
    # Touch one file under ci/: no Rust may compile, nothing may be rebuilt.
    probe = os.path.join(root, "ci", "gates", "__init__.py")
    os.utime(probe)
    touched_t, out = _nox_gates(root)
    compiled = [ln.strip() for ln in out.splitlines() if ln.strip().startswith("Compiling ")]
    return [
        Row("gates", f"warm `nox -s gates`, median of {RUNS}", f"{nox_m:.1f} s", "", "info"),
        Row(
            "gates",
            f"the {len(commands)} tools it runs, run directly with the same arguments",
            f"{direct_m:.1f} s",
            "",
            "info",
        ),
        Row(
            "gates",
            "overhead: `nox -s gates` / direct tools",
            f"{nox_m / direct_m:.2f}×",
            "≤ 1.25×",
            verdict(nox_m / direct_m <= 1.25),
        ),
        Row(
            "gates",
            "`nox -s gates` after touching `ci/gates/__init__.py`",
            f"{touched_t:.1f} s; {len(compiled)} `Compiling` lines",
            "no Rust compilation",
            verdict(not compiled),
        ),
    ]
