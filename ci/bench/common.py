"""Shared measurement machinery: interleaved runs, medians, ratios, machine facts, Markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Callable, NamedTuple

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
WARMUP = 2


class Row(NamedTuple):
    area: str
    what: str
    figure: str
    target: str
    verdict: str  # "met", "missed" or "info"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleave(variants: dict[str, Callable[[], object]], runs: int = RUNS) -> dict[str, float]:
    """Median seconds per variant, taken A B C A B C … after a warm-up of each.

    Interleaving spreads the machine's drift (other tenants, frequency changes) over all
    variants alike, so ratios between them hold even when absolute times wander.
    """
    for _ in range(WARMUP):
        for fn in variants.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):
        for name, fn in variants.items():
            samples[name].append(timed(fn))
    return {name: statistics.median(s) for name, s in samples.items()}


def run_cmd(
    argv: Sequence[str],
    *,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    shell: bool = False,
) -> Callable[[], object]:
    """A closure running one command with output discarded, failing loudly on a bad exit."""

    def go() -> None:
        proc = subprocess.run(
            argv if not shell else argv[0],
            input=stdin,
            env=env,
            cwd=cwd,
            shell=shell,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"bench: {argv} exited {proc.returncode}: {proc.stderr[-300:]!r}")

    return go


def nox_gates(cwd: str, args: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds of one `nox -s gates -- ARGS` in ``cwd`` and its output; a failure stops the bench."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["nox", "--non-interactive", "-s", "gates", *(("--", *args) if args else ())],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(
            f"bench: `nox -s gates` failed in {cwd}; run it and fix it first:\n{proc.stdout[-2000:]}"
        )
    return took, proc.stdout + proc.stderr


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "missed"


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}",
        f"- Python: {sys.version.split()[0]} ({sys.executable})",
        f"- Rust: {rustc or 'not found'}",
        f"- Runs: {RUNS} interleaved runs per comparison (40 for the millisecond-scale hook and start-up "
        f"areas) after {WARMUP} warm-up rounds; medians.",
    ]


def table(rows: list[Row]) -> list[str]:
    out = ["| measurement | figure | target | verdict |", "|---|---|---|---|"]
    out += [f"| {r.what} | {r.figure} | {r.target} | {r.verdict} |" for r in rows]
    return out
