"""Area 6: the development loop — the result cache, one changed file, and ``nox -s dev``."""

from __future__ import annotations

import json
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


def _nox(root: str, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        ["nox", "--non-interactive", *args], cwd=root, capture_output=True, text=True
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"bench: `nox {' '.join(args)}` failed:\n{proc.stdout[-1500:]}")
    return took, proc.stdout + proc.stderr


def _ran(root: str) -> list[str]:
    """Gates of the last run that ran (not served from the cache)."""
    with open(os.path.join(root, "target", "ci-gates", "report.json"), encoding="utf-8") as f:
        results = json.load(f)["results"]
    return [r["gate"] for r in results if r["status"] == "passed" and not r.get("cached")]


def _probe_test_file(root: str) -> str:
    return os.path.join(root, "tests", "ci", "test_cache.py")


def cache(root: str, runs: int = 5) -> list[Row]:
    """Warm no-change `nox -s gates` (cached), then one edited test file, each measured."""
    _nox(root, "-s", "gates")  # settle: everything passed and cached
    warm = [_nox(root, "-s", "gates")[0] for _ in range(runs)]
    path = _probe_test_file(root)
    with open(path, encoding="utf-8") as f:
        original = f.read()
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n\n# bench: one edited line\n")  # as `ruff format` would leave it
        edited, _ = _nox(root, "-s", "gates")
        ran = _ran(root)
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
    _nox(root, "-s", "gates")  # back to the committed state (re-runs the same gates)
    med = statistics.median(warm)
    expected = _expected(root, os.path.relpath(path, root).replace(os.sep, "/"))
    return [
        Row(
            "loop",
            f"warm no-change `nox -s gates` (median of {runs})",
            f"{med:.2f} s",
            "≤ 3 s",
            verdict(med <= 3.0),
        ),
        Row(
            "loop",
            "`nox -s gates` after editing one file under `tests/ci/`",
            f"{edited:.1f} s; ran: {', '.join(ran) or 'nothing'}",
            f"exactly the gates whose declared inputs include it: {', '.join(sorted(expected))}",
            verdict(set(ran) == expected),
        ),
    ]


def _expected(root: str, rel: str) -> set[str]:
    """Gates whose declared inputs match ``rel``, the uncacheable ones, and their artifact chain."""
    from ci_gates.core.cache import _glob_regex, artifact_chain
    from ci_gates.core.registry import load

    reg = load(root)
    direct = {
        g.name
        for g in reg.gates
        if not g.cacheable or any(_glob_regex(p).match(rel) for p in g.inputs)
    }
    out = set(direct)
    for g in reg.gates:  # registry order: prerequisites first
        if any(r in out and artifact_chain(reg[r], reg.by_name) for r in g.requires):
            out.add(g.name)
    return out


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


def dev(root: str, pairs: int = 5) -> list[Row]:
    """`nox -s dev` vs `cargo build` of the same crates, each after its own one-line change."""
    from ci_gates.core.project import names

    n = names(root)
    crates = [c.name for c in (n.bindings, n.cli_crate) if c is not None]
    cargo = ["cargo", "build", "--locked", *(f"-p={c}" for c in crates)]
    env = dict(os.environ)
    from ci_gates.core.runner import stable_cargo_env

    stable_cargo_env()
    env.update({k: os.environ[k] for k in ("PYO3_PYTHON",) if k in os.environ})
    path = _core_probe(root)
    with open(path, encoding="utf-8") as f:
        original = f.read()
    raw, direct, nox = [], [], []
    dev_cmd = [sys.executable, "-m", "ci_gates.commands.dev"]
    try:
        _nox(root, "-s", "dev")  # the venv exists and everything is built once
        for i in range(pairs):
            _edit_core(root, 3 * i)
            start = time.perf_counter()
            subprocess.run(cargo, cwd=root, env=env, check=True, capture_output=True)
            raw.append(time.perf_counter() - start)
            _edit_core(root, 3 * i + 1)
            start = time.perf_counter()
            subprocess.run(dev_cmd, cwd=root, check=True, capture_output=True)
            direct.append(time.perf_counter() - start)
            _edit_core(root, 3 * i + 2)
            nox.append(_nox(root, "-s", "dev")[0])
    finally:
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
        _nox(root, "-s", "dev")
    r, d, p = statistics.median(raw), statistics.median(nox), statistics.median(direct)
    return [
        Row("loop", f"`{' '.join(cargo)}` after a one-line core change", f"{r:.2f} s", "", "info"),
        Row("loop", "`nox -s dev` after a one-line core change", f"{d:.2f} s", "", "info"),
        Row(
            "loop",
            "`python -m ci_gates.commands.dev` (what the session runs, without nox's start-up) / raw `cargo build`",
            f"{p / r:.2f}× ({p:.2f} s)",
            "",
            "info",
        ),
        Row(
            "loop",
            "dev loop: `nox -s dev` / raw `cargo build`",
            f"{d / r:.2f}×",
            "≤ 1.3×",
            verdict(d / r <= 1.3),
        ),
    ]
