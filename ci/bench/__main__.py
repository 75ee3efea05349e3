"""Run every benchmark area and rewrite BENCHMARKS.md (``nox -s bench`` → ``python -m ci.bench``)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Callable

from ci.bench import cached, cold, gates, hooks, loop, release_plan, startup, throughput
from ci.bench.common import Row, machine, table
from ci_gates.checks.artifacts import ArtifactError, current_manifest, wheel_venv
from ci_gates.core.context import project_root
from ci_gates.core.project import ProjectError, names
from ci_gates.core.venvs import venv_python, venv_scripts

# `{cli}` stands for the project's CLI (ci/project.py).
METHOD = {
    "hooks": "Each hook command is read from `.claude/settings.json` / `.codex/hooks.json` and run exactly "
    "as the agent runs it (`sh -c COMMAND`, payload on stdin, `CLAUDE_PROJECT_DIR` set, cwd = "
    'project root), interleaved with the floor `python3 -I -S -c "import json"` run the same way '
    "through `sh -c`. Payloads are shaped like Claude Code / Codex PreToolUse payloads. "
    "PostToolUse: a 400-line probe file (`.py` under ci/bench, `.rs` in the first crate) is "
    "written, then the configured post-edit command (Claude Edit, Codex apply_patch) and the raw "
    "tools on the same file (the gates environment's `ruff check` then `ruff format --check`; "
    "`rustfmt --check --edition E`) are interleaved, 40 runs after 2 warm-up rounds; p95. "
    "Stop: the configured Claude Stop command after a settling run (every gate then a cache hit; "
    "the row names any that ran), 5 runs; then one line appended to a Markdown file, 1 run, "
    "naming what ran and what the budget left out; the file is restored after.",
    "startup": "`{cli} --version` from the wheel venv's `bin/`, interleaved with `python3 -c pass`, "
    "a console-script style launcher (a Python script that imports the package and `execv`s "
    "the same binary, like a `[project.scripts]` shim) and `/bin/true`.",
    "gates": "See each row. Gate runs are too long for 10+ repetitions inside a 10-minute session, so "
    "this area uses the run count stated in the row.",
    "cached": "On this checkout, after a passing `nox -s gates`, with Python writing bytecode as it does "
    "by default: (a) the warm no-change `nox -s gates` (every gate served by the result cache), "
    "interleaved with its two parts: nox's start-up (an empty session of a throwaway noxfile) "
    "and `ci-gates run --all --report` started directly in the gates environment; "
    f"{cached.WARM_RUNS} rounds after 2 warm-up rounds, medians; (b) one line appended to a test "
    "file of the library's suite (`test_loc.py`: 1.5 s of tests, the median test file), then "
    "`nox -s gates`, naming the gates that ran and how many tests the pytest gate selected "
    "(restored after), judged on the pytest gate's own seconds (from the run's report.json; "
    "the other gates the file is an input of run beside it); (c) the same for a gate module of the library (the library that runs is "
    "in every gate's digest, so every gate runs again; the pytest gate selects the tests that "
    "reach the module). Selection data from a recorded run first (an untimed edit when there "
    "is none). One run each.",
    "cold": "Fresh clones of this checkout's HEAD in a temporary directory (no `target/`, no gates "
    "environment, no result cache; the machine's cargo registry and uv caches warm, as on a "
    "developer's machine), `nox -s gates` (gates side by side, `--jobs=auto`) and `nox -s gates "
    "-- --jobs=1` (one gate at a time, the old schedule) alternated; "
    f"{cold.PAIRS} pair(s) (`BENCH_COLD_PAIRS`), medians, with the load average before→after each run. "
    "The machine's 2 cores are shared with other work: compare within the area.",
    "loop": "After `nox -s dev` built the venv once: a one-line change to a constant in the core "
    "crate, then `cargo build --locked -p <bindings> -p <cli>` (debug); another one-line change, "
    "then `ci-gates dev` (`python -m ci_gates dev`, what the console script runs); another, then "
    "`nox -s dev` (same crates, same profile); 7 rounds, medians. Target: the loop costs at most "
    "1.3× cargo's own rebuild plus 0.1 s.",
    "release_plan": "`make_plan` (what `python -m ci.release plan --no-api --json` runs) in a fresh "
    "interpreter, the history read per package (two git calls each: before) and in one pass "
    "(now), interleaved, on synthetic Cargo workspaces written by `git fast-import` "
    "(ci/bench/release_plan.py: every package tagged on the first commit, then commits touching "
    "one package's files, some two, and side branches merged back, ~1.5% of commits merges); "
    f"{release_plan.RUNS} runs after 2 warm-up rounds, medians. Both plans must be identical.",
    "size": "File sizes of the wheel built by the `build` gate (from its manifest) and of each native "
    "file inside it (uncompressed / compressed).",
    "throughput": "A deterministic 200 MB file (60% text with every C-locale whitespace byte, 20% long "
    "lines, 20% random binary) in the page cache. `{cli} count FILE`, "
    "`LC_ALL=C wc -l -w -c FILE` and `cat FILE > /dev/null` are interleaved. The Python "
    "figures come from one interpreter in the wheel venv: `count_bytes` vs "
    "`(data.count(b'\\n'), len(data.split()), len(data))` on a 32 MB buffer, and "
    "`count_file` of the whole file from 1, 2 and 4 threads at once "
    "(speed-up = k × t1 / tk).",
}
TITLES = {
    "hooks": "1. Hook latency",
    "startup": "2. CLI start-up",
    "gates": "3. Gate overhead",
    "size": "4. Wheel size",
    "throughput": "5. Counting throughput",
    "cached": "6. Cached runs and one changed file",
    "cold": "7. Cold start on a fresh clone",
    "loop": "8. Development loop",
    "release_plan": "9. Release plan at monorepo scale",
}
# Areas that measure the built wheel and its CLI (the others need no build).
BUILT = ("size", "startup", "throughput", "gates", "cached", "loop")


ROWS_FILE = os.path.join("target", "ci-gates", "bench-rows.json")


def _saved_rows(root: str) -> list[Row]:
    import json

    try:
        with open(os.path.join(root, ROWS_FILE), encoding="utf-8") as f:
            return [Row(*r) for r in json.load(f)]
    except (OSError, ValueError, TypeError):
        return []


def _save_rows(root: str, rows: list[Row]) -> None:
    import json

    os.makedirs(os.path.dirname(os.path.join(root, ROWS_FILE)), exist_ok=True)
    with open(os.path.join(root, ROWS_FILE), "w", encoding="utf-8") as f:
        json.dump([list(r) for r in rows], f)


def main(argv: list[str] | None = None) -> int:
    """``python -m ci.bench [AREA ...]``: every area, or the named ones (the others' last rows
    are kept from ``target/ci-gates/bench-rows.json``, so a long area can be re-taken alone)."""
    wanted = list(argv or [])
    unknown = [a for a in wanted if a not in TITLES]
    if unknown:
        print(f"bench: unknown area {unknown[0]!r}; areas: {', '.join(TITLES)}", file=sys.stderr)
        return 2
    root = project_root()
    try:
        project = names(root)
        built = not wanted or any(a in BUILT for a in wanted)
        manifest = current_manifest(root) if built else {}
    except (ArtifactError, ProjectError) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    if project.cli is None and built:
        print(
            "bench: this project builds no CLI (ci/project.py found none); the start-up and "
            "throughput areas measure it",
            file=sys.stderr,
        )
        return 2
    venv = wheel_venv(root, "bench") if built else ""
    cli = os.path.join(venv_scripts(venv), project.cli or "") if built else ""
    started = time.perf_counter()
    kept = [r for r in _saved_rows(root) if wanted and r.area not in wanted]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-") as work:
        areas: tuple[tuple[str, Callable[[], list[Row]]], ...] = (
            ("size", lambda: startup.wheel_size(manifest["wheel"])),
            ("startup", lambda: startup.cli_startup(cli, project.package, venv_python(venv), work)),
            ("hooks", lambda: hooks.measure(root)),
            (
                "throughput",
                lambda: throughput.measure(cli, project.package, venv_python(venv), work),
            ),
            ("gates", lambda: gates.measure(root)),
            ("cached", lambda: cached.measure(root)),
            ("loop", lambda: loop.dev(root)),
            ("cold", lambda: cold.measure(root)),
            ("release_plan", lambda: release_plan.measure(work)),
        )
        for area, fn in areas:
            if wanted and area not in wanted:
                continue
            print(f"bench: {TITLES[area]} …", flush=True)
            area_rows = fn()
            for r in area_rows:
                print(f"  {r.what}: {r.figure} [{r.verdict}]", flush=True)
            rows += area_rows
            _save_rows(root, kept + rows)  # a later failure keeps what was measured
    rows = kept + rows
    elapsed = time.perf_counter() - started
    write(root, rows, elapsed, project.cli or "", wanted)
    missed = [r for r in rows if r.verdict == "missed"]
    print(f"bench: BENCHMARKS.md rewritten in {elapsed:.0f} s; {len(missed)} target(s) missed")
    return 0


def write(
    root: str, rows: list[Row], elapsed: float, cli: str, areas: list[str] | None = None
) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `nox -s bench` (`python -m ci.bench`); do not edit by hand. Every comparison "
        "is taken side by side in one run, interleaved (A B A B …), and reported as medians and "
        "ratios: absolute times on a shared machine drift, ratios hold.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- Bench session: {elapsed:.0f} s"
        + (
            f" (re-took {', '.join(areas)}; the other areas are from earlier runs of this checkout)"
            if areas
            else ""
        ),
        "",
    ]
    order = ("hooks", "startup", "gates", "size", "throughput", "cached", "cold", "loop")
    for area in (*order, "release_plan"):
        lines += [f"## {TITLES[area]}", "", f"How: {METHOD[area].replace('{cli}', cli)}", ""]
        lines += table([r for r in rows if r.area == area]) + [""]
    notes = os.path.join(root, "ci", "bench", "NOTES.md")
    if os.path.exists(notes):
        with open(notes, encoding="utf-8") as f:
            lines += [f.read().rstrip(), ""]
    with open(os.path.join(root, "BENCHMARKS.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
