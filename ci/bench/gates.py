"""Area 3: gate overhead — warm ``nox -s gates`` against the same tools run directly."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time

from ci.bench.common import Row, nox_gates, verdict

TRACE_DIR = os.path.join(os.path.dirname(__file__), "trace")


def _nox_gates(root: str, trace: str | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    if trace:
        env["CI_GATES_TRACE"] = trace
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [TRACE_DIR, env.get("PYTHONPATH")]))
    # The overhead of the runner itself: every gate runs, none is served from the cache, one
    # after the other (the trace sees the commands of the runner's own process).
    return nox_gates(root, ("--no-cache", "--jobs=1"), env)


def _direct(commands: list[dict[str, object]]) -> float:
    start = time.perf_counter()
    for c in commands:
        subprocess.run(
            c["argv"],
            cwd=c["cwd"],
            env=c["env"],
            shell=bool(c["shell"]),  # type: ignore[call-overload]
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - start


def measure(root: str) -> list[Row]:
    """Three whole-suite runs, interleaved: nox (traced), the traced tools directly, nox again.

    A warm ``nox -s gates`` runs the full test suite, so ten pairs would take most of an hour;
    the session budget (10 minutes) allows A B A. The second nox run follows a touch of a file
    under ``ci/``, so it also shows that such a change compiles no Rust.
    """
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "trace.jsonl")
        first, _ = _nox_gates(root, trace)
        with open(trace, encoding="utf-8") as f:
            commands = [json.loads(line) for line in f]
    if not commands:
        raise RuntimeError("bench: the trace of `nox -s gates` recorded no command")
    direct = _direct(commands)
    probe = os.path.join(root, "ci", "gates", "__init__.py")
    os.utime(probe)
    second, out = _nox_gates(root)
    # Only this workspace's crates and its dependencies count; test fixtures build tiny
    # crates of their own in temp dirs.
    compiled = [
        ln.strip()
        for ln in out.splitlines()
        if ln.strip().startswith("Compiling ") and "/tmp" not in ln
    ]
    rebuilt = "inputs unchanged" not in out and "reusing" not in out
    nox_m = (first + second) / 2
    return [
        Row(
            "gates",
            "warm `nox -s gates` (mean of 2 runs)",
            f"{nox_m:.1f} s ({first:.1f} s, {second:.1f} s)",
            "",
            "info",
        ),
        Row(
            "gates",
            f"the {len(commands)} commands it ran, run directly with the same arguments",
            f"{direct:.1f} s",
            "",
            "info",
        ),
        Row(
            "gates",
            "overhead: `nox -s gates` / direct tools",
            f"{nox_m / direct:.2f}×",
            "≤ 1.25×",
            verdict(nox_m / direct <= 1.25),
        ),
        Row(
            "gates",
            "`nox -s gates` after touching `ci/gates/__init__.py`",
            f"{len(compiled)} `Compiling` lines; build {'rebuilt' if rebuilt else 'reused'}",
            "no Rust compilation",
            verdict(not compiled and not rebuilt),
        ),
    ]
