"""The development loop: ``nox -s dev`` and ``ci-gates dev`` against cargo's own rebuild."""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time

from ci.bench.common import Row, verdict


def _core_probe(root: str) -> str:
    """The lib.rs of the core crate (neither the bindings nor the CLI), else of the bindings."""
    from ci_gates.core.project import names

    n = names(root)
    libs = [c for c in n.crates if c.lib and c not in (n.bindings, n.cli_crate)]
    crate = libs[0] if libs else n.bindings
    if crate is None:
        raise RuntimeError("bench: the project has no library crate to edit (ci/project.py)")
    return os.path.join(root, crate.path, "src", "lib.rs")


def _nox(root: str, *args: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.run(
        ["nox", "--non-interactive", *args], cwd=root, env=env, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"bench: `nox {' '.join(args)}` failed:\n{proc.stdout[-1500:]}")
    return took


def _edit_core(root: str, n: int) -> None:
    """A one-line change to code the core compiles (a constant, not a comment)."""
    path = _core_probe(root)
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    marker = "pub const BENCH_PROBE: u32 = "
    lines = [ln for ln in lines if not ln.startswith(marker)]
    lines.append(f"{marker}{n};\n")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def _within(tool: float, cargo: float) -> bool:
    return tool <= 1.3 * cargo + 0.1


def dev(root: str, rounds: int = 7) -> list[Row]:
    """`cargo build`, `nox -s dev` and `ci-gates dev` of the same crates, each after its own
    one-line change, interleaved."""
    from ci_gates.core.env import source_dir
    from ci_gates.core.project import names
    from ci_gates.core.runner import stable_cargo_env

    n = names(root)
    crates = [c.name for c in (n.bindings, n.cli_crate) if c is not None]
    cargo = ["cargo", "build", "--locked", *(f"-p={c}" for c in crates)]
    stable_cargo_env()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # What the `ci-gates` console script runs, from this checkout's library source.
    direct_env = dict(env)
    if source_dir():
        direct_env["PYTHONPATH"] = os.path.join(source_dir(), "src")
    direct = [sys.executable, "-m", "ci_gates", "dev"]
    path = _core_probe(root)
    with open(path, encoding="utf-8") as f:
        original = f.read()
    raw: list[float] = []
    cli: list[float] = []
    nox: list[float] = []
    edits = itertools.count()
    try:
        _nox(root, "-s", "dev")  # the venv exists and everything is built once
        for _ in range(rounds):
            for samples, argv, environ in ((raw, cargo, env), (cli, direct, direct_env)):
                _edit_core(root, next(edits))
                start = time.perf_counter()
                subprocess.run(argv, cwd=root, env=environ, check=True, capture_output=True)
                samples.append(time.perf_counter() - start)
            _edit_core(root, next(edits))
            nox.append(_nox(root, "-s", "dev"))
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
        _nox(root, "-s", "dev")
    r, d, c = statistics.median(raw), statistics.median(nox), statistics.median(cli)
    target = "≤ 1.3× + 0.1 s"
    return [
        Row("loop", f"`{' '.join(cargo)}` after a one-line core change", f"{r:.2f} s", "", "info"),
        Row(
            "loop",
            "`nox -s dev` (the README's loop) after a one-line core change",
            f"{d:.2f} s = {d / r:.2f}× + {d - r:.2f} s; 1.3× + 0.1 s = {1.3 * r + 0.1:.2f} s",
            target,
            verdict(_within(d, r)),
        ),
        Row(
            "loop",
            "`ci-gates dev` (the same build, copy and record without nox's start-up)",
            f"{c:.2f} s = {c / r:.2f}× + {c - r:.2f} s",
            target,
            verdict(_within(c, r)),
        ),
    ]
