"""Area 5: counting throughput of the CLI and the Python API on a generated 200 MB file."""

from __future__ import annotations

import json
import os
import random
import subprocess

from ci.bench.common import RUNS, Row, interleave, run_cmd, verdict

SIZE = int(os.environ.get("BENCH_FILE_MB", "200")) * 1024 * 1024
WORDS = [b"alpha", b"be", b"c", b"delta\xc3\xa9", b"epsilon_long_identifier", b"\x00nul", b"42"]
SPACES = [b" ", b" ", b"  ", b"\t", b"\n", b"\r\n", b"\x0b", b"\x0c"]


def make_file(path: str) -> None:
    """Mixed content: prose-like text, a few very long lines, and random binary runs."""
    if os.path.exists(path) and os.path.getsize(path) == SIZE:
        return
    rng = random.Random(20261121)
    parts: list[bytes] = []
    total = 0
    while total < SIZE:
        kind = rng.random()
        if kind < 0.6:  # text with every whitespace kind
            chunk = b"".join(rng.choice(WORDS) + rng.choice(SPACES) for _ in range(20000))
        elif kind < 0.8:  # one long line
            chunk = b"x" * rng.randrange(100_000, 2_000_000) + b"\n"
        else:  # binary
            chunk = rng.randbytes(rng.randrange(100_000, 1_000_000))
        parts.append(chunk)
        total += len(chunk)
    data = b"".join(parts)[:SIZE]
    with open(path, "wb") as f:
        f.write(data)


# Runs inside the wheel venv: the Python API against the pure-Python equivalent, and count_file
# from 1, 2 and 4 threads (the GIL is released while reading and counting).
PY_SCRIPT = r"""
import importlib, json, statistics, sys, threading, time
path, runs, package = sys.argv[1], int(sys.argv[2]), importlib.import_module(sys.argv[3])
count_bytes, count_file = package.count_bytes, package.count_file
data = open(path, "rb").read(32 * 1024 * 1024)
def pure():  # bytes.split() with no argument splits on exactly the C-locale whitespace bytes
    return (data.count(b"\n"), len(data.split()), len(data))
def native():
    s = count_bytes(data)
    return (s.lines, s.words, s.bytes)
assert pure() == native(), (pure(), native())
def passes():  # three passes per thread: each sample ~60 ms, well above thread start-up
    for _ in range(3): count_file(path)
def threads(k):
    ts = [threading.Thread(target=passes) for _ in range(k)]
    for t in ts: t.start()
    for t in ts: t.join()
variants = {"pure": pure, "native": native, "t1": lambda: threads(1), "t2": lambda: threads(2),
            "t4": lambda: threads(4)}
for fn in variants.values(): fn()
samples = {k: [] for k in variants}
for _ in range(runs):
    for k, fn in variants.items():
        t = time.perf_counter(); fn(); samples[k].append(time.perf_counter() - t)
print(json.dumps({k: statistics.median(v) for k, v in samples.items()}))
"""


def measure(cli: str, package: str, python: str, workdir: str) -> list[Row]:
    """``cli``: the installed executable; ``package``: the import package, in ``python``'s venv."""
    name = os.path.basename(cli)
    path = os.path.join(workdir, "bench-200mb.bin")
    make_file(path)
    mb = SIZE / 1e6  # decimal MB, as MB/s is usually quoted
    wc_env = {**os.environ, "LC_ALL": "C"}
    t = interleave(
        {
            "cli": run_cmd([cli, "count", path]),
            "wc": run_cmd(["wc", "-l", "-w", "-c", path], env=wc_env),
            "cat": run_cmd(["sh", "-c", 'cat "$0" > /dev/null', path]),
        }
    )
    out = subprocess.run(
        [python, "-c", PY_SCRIPT, path, str(RUNS), package],
        capture_output=True,
        text=True,
        check=True,
    )
    p = json.loads(out.stdout)
    speedup2 = 2 * p["t1"] / p["t2"]
    speedup4 = 4 * p["t1"] / p["t4"]
    cores = os.cpu_count() or 1
    return [
        Row(
            "throughput",
            f"`{name} count` on {mb:.0f} MB",
            f"{t['cli'] * 1000:.0f} ms ({mb / t['cli']:.0f} MB/s)",
            "",
            "info",
        ),
        Row(
            "throughput",
            f"`LC_ALL=C wc -l -w -c` / `{name} count`",
            f"{t['wc'] / t['cli']:.2f}× ({t['wc'] * 1000:.0f} ms)",
            "≥ 2× faster than wc",
            verdict(t["wc"] / t["cli"] >= 2),
        ),
        Row(
            "throughput",
            f"`{name} count` / `cat FILE > /dev/null`",
            f"{t['cli'] / t['cat']:.2f}× ({t['cat'] * 1000:.0f} ms)",
            "≤ 3× the read floor",
            verdict(t["cli"] / t["cat"] <= 3),
        ),
        Row(
            "throughput",
            "pure Python / `count_bytes` (32 MB buffer)",
            f"{p['pure'] / p['native']:.1f}× ({p['native'] * 1000:.1f} ms vs "
            f"{p['pure'] * 1000:.0f} ms)",
            "faster than pure Python",
            verdict(p["pure"] > p["native"]),
        ),
        Row(
            "throughput",
            "`count_file` speed-up, 2 threads",
            f"{speedup2:.2f}×",
            "close to 2× on ≥ 2 cores",
            verdict(speedup2 >= 1.6 or cores < 2),
        ),
        Row(
            "throughput",
            f"`count_file` speed-up, 4 threads ({cores} cores)",
            f"{speedup4:.2f}×",
            f"≈ min(4, cores) = {min(4, cores)}×",
            "info",
        ),
    ]
