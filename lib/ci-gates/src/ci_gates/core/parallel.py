"""Gates side by side: each independent gate in a process of its own, their output in order.

``ci-gates run --jobs=N`` (``nox -s gates`` passes ``--jobs=auto``: as many as the machine has
cores, at most :data:`MAX_AUTO`) runs up to N gates at once. A gate starts when every gate it
``requires`` (among those asked for) is decided, exactly as :func:`ci_gates.core.runner.run_many`
decides it: skipped in config, not run because a prerequisite did not pass, its cached pass, or
a run. So every verdict is the one the one-at-a-time run gives; only the waiting changes.

Among the gates ready to start, the one heading the longest chain of dependents (by the
durations of the last results or cached passes) starts first: the build, on the critical path,
never waits behind lint. Gates that run cargo (:data:`EXCLUSIVE`) run one at a time: a cargo
build already keeps every core busy, so a second one beside the build only slows the build
(measured on 2 cores: 31 s alone, 52-68 s beside clippy and cargo test); clippy and cargo test
run instead while the test suite, which leaves a core idle much of the time, waits on its tests.

Each running gate is ``python -m ci_gates.core.parallel ROOT GATE RESULT`` with its stdout and
stderr in one log; the output is printed in registry order, the first unfinished gate's live as
it comes, the others' as soon as all before them are printed, each under its ``=== gate`` line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from ci_gates.core.findings import CRASHED_RULE, Finding
from ci_gates.core.registry import Gate, Registry, load
from ci_gates.core.runner import (
    CACHED_LINE,
    RESULTS_DIR,
    Result,
    _load,
    cached,
    header,
    not_run,
    prepare,
    remember,
    run_one,
    save,
    status_of,
)

MAX_AUTO = 4
POLL = 0.05  # seconds between looks at the running gates
INLINE = 1.0  # a gate that took less at its last run runs in this process (:func:`inline`)
EXCLUSIVE = ("cargo",)  # gates running one of these tools run one at a time (each fills the cores)


def jobs_from(value: str) -> int:
    """``auto`` (this machine's cores, at most :data:`MAX_AUTO`) or a positive number."""
    if value == "auto":
        return max(1, min(os.cpu_count() or 1, MAX_AUTO))
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def last_durations(gates: list[Gate], root: str) -> dict[str, float]:
    """Seconds each gate took at its last run: its saved result, else its cached pass (CI
    restores the cache, not the results); unknown gates are left out."""
    from ci_gates.core import cache

    seconds: dict[str, float] = {}
    for gate in gates:
        try:
            with open(os.path.join(root, RESULTS_DIR, f"{gate.name}.json"), encoding="utf-8") as f:
                seconds[gate.name] = float(json.load(f)["seconds"])
            continue
        except (OSError, ValueError, KeyError, TypeError):
            pass
        stored = cache.newest(root, gate.name)
        try:
            seconds[gate.name] = float(stored["seconds"])  # type: ignore[index, arg-type]
        except (KeyError, TypeError, ValueError):
            continue
    return seconds


# What the library's heavier gates take on a first run, for the order of a run with no history
# (a fresh clone): the build and the test suite head the longest chain. Any other gate: 1 s.
FIRST_RUN_SECONDS = {"build": 60.0, "pytest": 90.0, "clippy": 30.0, "cargo_test": 20.0}


def priorities(gates: list[Gate], seconds: dict[str, float]) -> dict[str, float]:
    """Each gate's critical-path weight: its last duration (:data:`FIRST_RUN_SECONDS` or 1 s
    unknown) plus the heaviest chain of gates that require it."""
    weight: dict[str, float] = {}
    for gate in reversed(gates):  # dependents come later in registry order
        after = [weight[g.name] for g in gates if gate.name in g.requires and g.name in weight]
        own = seconds.get(gate.name, FIRST_RUN_SECONDS.get(gate.name, 1.0))
        weight[gate.name] = max(own, 0.1) + max(after, default=0.0)
    return weight


def inline(gate: Gate, root: str, log: str) -> Result:
    """Run ``gate`` in this process, with file descriptors 1 and 2 (its tools' output too) on
    ``log``: a gate of a fraction of a second is not worth an interpreter's start."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with open(log, "wb") as f:
            os.dup2(f.fileno(), 1)
            os.dup2(f.fileno(), 2)
            try:
                return run_one(gate, root)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


class _Job:
    """A gate running in a process of its own (:func:`_child`)."""

    def __init__(self, gate: Gate, key: str, tmp: str, root: str) -> None:
        self.gate, self.key = gate, key
        self.log = os.path.join(tmp, f"{gate.name}.log")
        self.out = os.path.join(tmp, f"{gate.name}.json")
        argv = [sys.executable, "-m", "ci_gates.core.parallel", root, gate.name, self.out]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                argv,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def result(self) -> Result:
        try:
            with open(self.out, encoding="utf-8") as f:
                return _load(json.load(f))
        except (OSError, ValueError, KeyError, TypeError):
            code = self.proc.returncode
            why = f"{self.gate.name}: its process exited {code} without a result (see above)"
            findings = (Finding(CRASHED_RULE, why),)
            return Result(self.gate.name, status_of(findings), 0.0, why, findings)


class _Printer:
    """Prints each gate's part in registry order; the first unfinished one's as it comes."""

    def __init__(self, order: list[Gate]) -> None:
        self.order = order
        self.head = 0
        self.opened = False
        self.offset = 0
        self.headers: dict[str, str] = {}  # gate -> its `=== gate` line, once started or decided
        self.logs: dict[str, str] = {}  # gate -> the log of its process
        self.tails: dict[str, str] = {}  # gate -> what closes its part, once decided

    def flush(self) -> None:
        out = sys.stdout
        while self.head < len(self.order):
            name = self.order[self.head].name
            if name not in self.headers:
                return
            if not self.opened:
                out.write(self.headers[name] + "\n")
                self.opened = True
            if name in self.logs:
                with open(self.logs[name], "rb") as f:
                    f.seek(self.offset)
                    chunk = f.read()
                self.offset += len(chunk)
                out.flush()
                out.buffer.write(chunk)
            if name not in self.tails:
                out.flush()
                return
            if self.tails[name]:
                out.write(self.tails[name] + "\n")
            out.flush()
            self.head, self.opened, self.offset = self.head + 1, False, 0


class _Run:
    """One run's state: what is decided, what runs, what waits for a slot."""

    def __init__(
        self, order: list[Gate], root: str, jobs: int, reg: Registry, tmp: str, use_cache: bool
    ) -> None:
        self.order, self.root, self.jobs, self.reg, self.tmp = order, root, jobs, reg, tmp
        self.skip, self.digester = prepare([g.name for g in order], root, use_cache, reg)
        self.seconds = last_durations(order, root)
        self.weight = priorities(order, self.seconds)
        self.rank = {g.name: i for i, g in enumerate(order)}
        self.wanted = {g.name for g in order}
        self.results: dict[str, Result] = {}
        self.running: dict[str, _Job] = {}
        self.lookups: dict[str, tuple[str, Result | None]] = {}
        self.printer = _Printer(order)

    def priority(self, gate: Gate) -> tuple[float, int]:
        """Heaviest chain of dependents first; then registry order."""
        return -self.weight[gate.name], self.rank[gate.name]

    def exclusive_busy(self, gate: Gate) -> bool:
        """Does ``gate`` run a tool of :data:`EXCLUSIVE` that a running gate runs too?"""
        mine = set(gate.commands) & set(EXCLUSIVE)
        return any(mine & set(job.gate.commands) for job in self.running.values())

    def decide(self, gate: Gate, result: Result, tail: str = "") -> None:
        self.results[gate.name] = result
        self.printer.headers.setdefault(gate.name, header(gate, None, self.skip))
        self.printer.tails[gate.name] = tail
        save(result, self.root)

    def start_ready(self) -> None:
        """Decide every gate that can be decided now; start what must run, while slots last."""
        changed = True
        while changed:
            changed = False
            ready = [
                g
                for g in self.order
                if g.name not in self.results
                and g.name not in self.running
                and all(r in self.results for r in g.requires if r in self.wanted)
            ]
            for gate in sorted(ready, key=self.priority):
                blocked = not_run(gate, self.results, self.skip)
                if blocked is not None:
                    self.printer.headers[gate.name] = header(gate, blocked, self.skip)
                    self.decide(gate, blocked)
                    changed = True
                    continue
                if gate.name not in self.lookups:
                    self.lookups[gate.name] = cached(gate, self.root, self.digester, self.reg)
                key, hit = self.lookups[gate.name]
                if hit is not None:
                    self.decide(gate, hit, CACHED_LINE.format(hit.seconds))
                    changed = True
                elif self.seconds.get(gate.name, INLINE) < INLINE:
                    log = os.path.join(self.tmp, f"{gate.name}.log")
                    self.printer.logs[gate.name] = log
                    result = inline(gate, self.root, log)
                    remember(self.root, gate, key, result)
                    self.decide(gate, result)
                    changed = True
                elif len(self.running) < self.jobs and not self.exclusive_busy(gate):
                    job = _Job(gate, key, self.tmp, self.root)
                    self.running[gate.name] = job
                    self.printer.headers[gate.name] = header(gate, None, self.skip)
                    self.printer.logs[gate.name] = job.log

    def collect(self) -> None:
        for name, job in list(self.running.items()):
            if job.proc.poll() is not None:
                del self.running[name]
                result = job.result()
                remember(self.root, job.gate, job.key, result)
                self.decide(job.gate, result)


def run_many(
    names: list[str], root: str, jobs: int, use_cache: bool = True, reg: Registry | None = None
) -> list[Result]:
    """:func:`ci_gates.core.runner.run_many` with up to ``jobs`` gates at once."""
    reg = load(root) if reg is None else reg
    order = [g for g in reg.gates if g.name in set(names)]
    with tempfile.TemporaryDirectory(prefix="ci-gates-run-") as tmp:
        run = _Run(order, root, jobs, reg, tmp, use_cache)
        try:
            while len(run.results) < len(order):
                run.start_ready()
                run.collect()
                run.printer.flush()
                if run.running:
                    time.sleep(POLL)
            run.printer.flush()
        finally:
            for job in run.running.values():
                job.proc.kill()
                job.proc.wait()
    if run.digester is not None:
        run.digester.save()
    return [run.results[g.name] for g in order]


def _child(root: str, name: str, out: str) -> int:
    """One gate's run in a process of its own; the result goes to ``out`` as JSON."""
    result = run_one(load(root)[name], root)
    tmp = f"{out}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result.as_dict(), f)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(_child(*sys.argv[1:4]))
