#!/usr/bin/env python3
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""nox sessions: every gate of the ci-gates library, this project's own gates (ci/gates/), the benchmarks.

`nox -l` lists them. The library's sessions come from `register()`; [tool.ci-gates] in
pyproject.toml configures them and names this project's own gates (plugins).
"""

from __future__ import annotations

import os
import sys

import nox

nox.needs_version = ">=2025.2.9"
HERE = os.path.dirname(os.path.abspath(__file__))
# This repository develops the library (lib/ci-gates): its sessions run the source here, and the
# gates environment installs it from here. An adopting project imports the pinned ci-gates;
# CI_GATES_LIBRARY=installed makes this one do the same (.ci/run proves the released wheel so).
if os.environ.get("CI_GATES_LIBRARY") != "installed":
    sys.path.insert(0, os.path.join(HERE, "lib", "ci-gates", "src"))

from ci_gates.commands.nox_sessions import register  # noqa: E402
from ci_gates.core.env import ensure  # noqa: E402

register(HERE)


@nox.session(venv_backend="none", default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks (figures go to BENCHMARKS.md); never part of the gates"""
    session.run(ensure(HERE), "-m", "ci.bench", *session.posargs, external=True)


if __name__ == "__main__":
    nox.main()
