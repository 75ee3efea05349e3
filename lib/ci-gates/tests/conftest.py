"""Suite-wide: every test that builds with cargo is also ``slow``; no test sees the caller's
run controls.

``nox -s pytest -- -m "not slow"`` then skips the end-to-end tests (cargo builds, real venvs,
whole tools on fixture repositories) for a quick loop; the gate itself runs everything.
``nox -s pytest -- --no-cache`` (``CI_GATES_NO_CACHE=1``) and the like are the caller's choice
for the run of the suite, not for the runs the tests make: the tests of the cache would fail.
"""

from __future__ import annotations

import pytest

# What a maintainer sets for their own run; each test sets what it tests itself.
CALLERS = (
    "CI_GATES_NO_CACHE",
    "CI_GATES_CACHE_DIR",
    "CI_GATES_JOBS",
    "CI_GATES_NO_HOOKS",
    "CI_GATES_PYTEST_ARGS",
)


@pytest.fixture(autouse=True)
def _callers_run_controls(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CALLERS:
        monkeypatch.delenv(name, raising=False)


pytest_plugins = ["ci_gates.testing.plugin"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("cargo") is not None:
            item.add_marker(pytest.mark.slow)
