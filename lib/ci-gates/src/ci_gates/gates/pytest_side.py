"""The pytest gate's suite runs, side by side where that costs no verdict and saves the wait.

A suite run that starts pytest-xdist (a whole suite, or a selection of more than
:data:`ci_gates.gates.pytest_select.PARALLEL_FROM` seconds) keeps every core busy itself: it
runs alone, as before. The others — the few tests a change reaches, the package tests under
another CPython — are one pytest process each, mostly waiting on its start-up and its tests'
processes: consecutive ones run together, up to one per core, each with its output in a file
of its own. The output is then printed in the suites' order and each run's records are kept in
that order, exactly as one at a time (:meth:`~ci_gates.gates.pytest_select.Job.finish`), so
only the waiting changes.
"""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ci_gates.core.findings import Finding
from ci_gates.gates.pytest_select import Job


def batches(jobs: list[Job]) -> list[list[Job]]:
    """``jobs`` in order, cut into groups that run together: an ``alone`` run by itself."""
    out: list[list[Job]] = []
    for job in jobs:
        if job.alone or not out or out[-1][0].alone:
            out.append([job])
        else:
            out[-1].append(job)
    return out


def run_all(run_suite: Any, jobs: list[Job], cores: int | None = None) -> list[list[Finding]]:
    """Each job's findings (in ``jobs``' order), run through ``run_suite``."""
    cores = cores or os.cpu_count() or 1
    results: list[list[Finding]] = []
    for group in batches(jobs):
        running = [job for job in group if job.runs]
        if len(running) < 2 or cores < 2:
            results += [job.finish(job.execute(run_suite)) for job in group]
            continue
        with tempfile.TemporaryDirectory(prefix="ci-gates-pytest-") as tmp:
            logs = [os.path.join(tmp, f"{i}.log") for i in range(len(group))]
            print(f"pytest: {', '.join(j.label for j in running)} side by side", flush=True)
            with ThreadPoolExecutor(max_workers=min(cores, len(running))) as pool:
                found = list(pool.map(_execute, group, logs, [run_suite] * len(group)))
            for job, log, got in zip(group, logs, found):
                if job.runs:
                    _show(log)
                results.append(job.finish(got))
    return results


def _execute(job: Job, log: str, run_suite: Any) -> list[Finding]:
    if not job.runs:
        return []
    with open(log, "wb") as out:
        return job.execute(run_suite, out)


def _show(log: str) -> None:
    with open(log, "rb") as f:
        sys.stdout.write(f.read().decode("utf-8", "replace"))
    sys.stdout.flush()
