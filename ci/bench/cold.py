"""Area 7: a cold ``nox -s gates`` on a fresh clone, gates side by side and one at a time.

Each run clones this checkout's HEAD into a temporary directory (nothing built there: no
``target/``, no gates environment, no result cache) and runs ``nox -s gates`` in it, the way a
developer's first run goes on a machine whose cargo and uv caches are warm (crates downloaded,
wheels cached). The default (``--jobs=auto``) and ``-- --jobs=1`` (every gate one after the
other, as before the parallel runner) are alternated, :data:`PAIRS` pairs, so the machine's
drift falls on both alike. Each row names the critical path: the build gate and what waits for
it (native_import, then pytest), and the CPU time of every process the run started: divided by
the machine's cores, it is the least wall time any schedule of the same work can take.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile

from ci.bench.common import Row, nox_gates, verdict

PAIRS = int(os.environ.get("BENCH_COLD_PAIRS", "1"))
TARGET = 120.0


def _load() -> str:
    with open("/proc/loadavg", encoding="utf-8") as f:
        return f.read().split()[0]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cold_run(root: str, *args: str) -> tuple[float, dict[str, float], str, float]:
    """Wall seconds of ``nox -s gates ARGS`` in a fresh clone, each gate's seconds, the load,
    and the CPU seconds of every process it started (each waited for by its parent)."""
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        clone = os.path.join(tmp, "clone")
        subprocess.run(["git", "clone", "-q", root, clone], check=True)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        load = _load()
        cpu = _children_cpu()
        took, _ = nox_gates(clone, args, env)
        cpu = _children_cpu() - cpu
        with open(os.path.join(clone, "target", "ci-gates", "report.json"), encoding="utf-8") as f:
            results = json.load(f)["results"]
        shutil.rmtree(clone, ignore_errors=True)
    return took, {r["gate"]: float(r["seconds"]) for r in results}, f"{load}→{_load()}", cpu


def measure(root: str) -> list[Row]:
    parallel: list[float] = []
    serial: list[float] = []
    gates: dict[str, float] = {}
    loads = []
    cpus: list[float] = []
    for _ in range(PAIRS):
        took, gates, load, cpu = cold_run(root)
        parallel.append(took)
        loads.append(load)
        cpus.append(cpu)
        took, _, load, cpu = cold_run(root, "--jobs=1")
        serial.append(took)
        loads.append(load)
        cpus.append(cpu)
    p, s = statistics.median(parallel), statistics.median(serial)
    cpu, cores = statistics.median(cpus), os.cpu_count() or 1
    path = " + ".join(f"{g} {gates.get(g, 0):.0f} s" for g in ("build", "native_import", "pytest"))
    runs = f"{PAIRS} pair{'s' if PAIRS > 1 else ''}, alternated; load averages {', '.join(loads)}"
    return [
        Row(
            "cold",
            f"cold `nox -s gates` on a fresh clone, gates side by side ({runs})",
            f"{p:.0f} s (critical path: {path})",
            f"≤ {TARGET:.0f} s",
            verdict(p <= TARGET),
        ),
        Row(
            "cold",
            "cold `nox -s gates -- --jobs=1` on a fresh clone (one gate at a time)",
            f"{s:.0f} s = {s / p:.2f}× the side-by-side run",
            "",
            "info",
        ),
        Row(
            "cold",
            "CPU time of a cold run, every process it started (median of the runs above)",
            f"{cpu:.0f} s: on {cores} cores no schedule of this work takes under {cpu / cores:.0f} s",
            f"≤ {TARGET:.0f} s needs ≤ {TARGET * cores:.0f} CPU-s",
            "info",
        ),
    ]
