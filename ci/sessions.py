"""The nox sessions that are not gates: ``noxfile.py`` defines exactly these plus one per gate.

``ci/registry.py`` adds the gate sessions (``SESSIONS``); the readme gate and the hooks accept
only these names in a ``nox -s`` they read, and ``tests/ci/test_sessions.py`` keeps the noxfile
in step.
"""

from __future__ import annotations

import os

# nox sessions that are not gates; noxfile.py defines exactly these plus one per gate.
EXTRA_SESSIONS: tuple[str, ...] = (
    "gates",
    "tests",
    "report",
    "rules",
    "ci_local",
    "dev",
    "rename",
    "adopt",
    "sync",
    "fix",
    # The template's own benchmarks (of its wc domain); `nox -s adopt` does not copy them.
    *(("bench",) if os.path.isdir(os.path.join(os.path.dirname(__file__), "bench")) else ()),
    # The release layer (ci/release; docs/releasing.md).
    "release_plan",
    "release_bump",
    "release_notes",
    "release_stage",
    "publish",
    "release_rehearsal",
    "install_hooks",
    # The api_compat gate's Rust tool (cargo install, pinned in ci/api/rust.py; once per machine).
    "install_semver_checks",
)
