"""Suite-wide: every test that builds with cargo is also ``slow``.

``nox -s pytest -- -m "not slow"`` then skips the end-to-end tests (cargo builds, real venvs,
whole tools on fixture repositories) for a quick loop; the gate itself runs everything.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("cargo") is not None:
            item.add_marker(pytest.mark.slow)
