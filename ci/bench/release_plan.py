"""Area 7: the release plan at monorepo scale, reading the history in one pass or per package.

:func:`workspace` writes a synthetic Cargo workspace (N release crates, M commits since their
tags) with one ``git fast-import`` (:mod:`ci_gates.testing.histories`; the library's tests build
their histories with it too). :func:`measure` times ``make_plan`` both ways on it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from typing import Callable

from ci.bench.common import Row, interleave, verdict
from ci_gates.testing.histories import workspace

RUNS = 7  # seconds per run for the per-package reading: fewer runs than the other areas
# What `ci-gates release plan --no-api --json` does, with the reading chosen.
_PLAN = "import sys; from ci_gates.release.plan import make_plan; "
_PLAN += "sys.stdout.write(make_plan({root!r}, per_package={per_package}).as_json())"


def _plan(root: str, per_package: bool, out: dict[bool, str]) -> None:
    """One ``make_plan`` in a fresh interpreter, as the CLI runs it; its JSON into ``out``."""
    argv = [sys.executable, "-c", _PLAN.format(root=os.path.abspath(root), per_package=per_package)]
    env = dict(os.environ)
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench: the plan in {root} failed: {proc.stderr[-500:]}")
    out[per_package] = proc.stdout


def measure(workdir: str) -> list[Row]:
    """Old (per package) against new (one pass), as the CLI runs it, on three sizes."""
    rows = []
    for packages, commits in ((50, 5000), (50, 1000), (10, 5000)):
        root = os.path.join(workdir, f"plan-{packages}x{commits}")
        workspace(root, packages, commits)
        plans: dict[bool, str] = {}
        variants: dict[str, Callable[[], object]] = {
            "old": partial(_plan, root, True, plans),
            "new": partial(_plan, root, False, plans),
        }
        t = interleave(variants, runs=RUNS)
        same = plans[True] == plans[False]
        size = f"{packages} packages × {commits:,} commits"
        before = f"plan, per-package git calls (before), {size}"
        rows.append(Row("release_plan", before, f"{t['old']:.2f} s", "", "info"))
        target = "≤ 1 s" if (packages, commits) == (50, 5000) else ""
        ok = same and (not target or t["new"] <= 1.0)
        figure = f"{t['new']:.2f} s = {t['old'] / t['new']:.1f}× faster; "
        figure += "plans identical" if same else "plans DIFFER"
        now = f"plan, one pass (now), {size}"
        rows.append(Row("release_plan", now, figure, target or "identical plans", verdict(ok)))
    return rows
