"""Where a test suite runs, what it runs, and which suite a re-run's arguments belong to.

A suite runs from the directory of its pytest configuration, found the way pytest finds it:
the nearest of ``pytest.ini``, ``.pytest.ini``, ``pyproject.toml`` with ``[tool.pytest]`` /
``[tool.pytest.ini_options]``, ``tox.ini`` with ``[pytest]``, ``setup.cfg`` with
``[tool:pytest]`` at or above the project's directory (up to the repository root); without
one, the project's directory. pytest's rootdir is then the suite's directory, so the test ids
it reports are relative to it, and the ids the gate prints carry the suite's directory in
front: ``py/tests/test_x.py::test_y`` runs as printed (:func:`route` sends it back there).

What runs: pytest's own ``testpaths`` when configured, else ``tests/`` (or ``test/``) when the
directory exists. Standard library only.
"""

from __future__ import annotations

import configparser
import os

TEST_DIRS = ("tests", "test")


def _toml(path: str) -> dict:  # type: ignore[type-arg]
    from ci_gates.core.shape import Reader, ShapeError

    try:
        return Reader(os.path.dirname(path)).optional(path) or {}
    except ShapeError:
        return {}


def _ini_section(path: str, section: str) -> dict[str, str] | None:
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def pytest_config(directory: str) -> dict[str, object] | None:
    """The pytest settings a directory's own configuration file holds, or None without one."""
    for name in ("pytest.ini", ".pytest.ini"):
        if os.path.isfile(os.path.join(directory, name)):
            return dict(_ini_section(os.path.join(directory, name), "pytest") or {})
    tool = _toml(os.path.join(directory, "pyproject.toml")).get("tool", {})
    table = tool.get("pytest", {})
    if isinstance(table, dict) and table:
        options = table.get("ini_options", table)
        return dict(options) if isinstance(options, dict) else {}
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        found = _ini_section(os.path.join(directory, name), section)
        if found is not None:
            return dict(found)
    return None


def suite_dir(root: str, project: str) -> str:
    """The directory (relative, "" the root) the project's suite runs from."""
    probe = project
    while True:
        if pytest_config(os.path.join(root, probe) if probe else root) is not None:
            return probe
        if not probe:
            return project
        probe = probe.rpartition("/")[0]


def test_paths(root: str, suite: str) -> tuple[list[str], bool]:
    """(the paths the suite runs, whether pytest's ``testpaths`` names them itself)."""
    directory = os.path.join(root, suite) if suite else root
    configured = (pytest_config(directory) or {}).get("testpaths")
    if isinstance(configured, str):
        configured = configured.split()
    if isinstance(configured, list) and configured:
        return [str(p) for p in configured], True
    return [d for d in TEST_DIRS if os.path.isdir(os.path.join(directory, d))][:1], False


def route(args: list[str], suites: list[str], main: str) -> tuple[str, list[str]]:
    """The suite the first path argument lies in (``main`` when none names one), and the
    arguments made relative to it."""
    by_length = sorted((s for s in suites if s), key=len, reverse=True)
    paths = [a for a in args if not a.startswith("-")]
    for suite in by_length:
        prefix = suite.rstrip("/") + "/"
        if any(a.startswith(prefix) for a in paths):
            return suite, [a[len(prefix) :] if a.startswith(prefix) else a for a in args]
    if main and "" in suites and any(not a.startswith("-") for a in args):
        return "", args  # a path outside every sub-directory suite: the root's
    return main, args


def prefixed(suite: str, path: str) -> str:
    """``path`` (relative to the suite) relative to the root."""
    return f"{suite.rstrip('/')}/{path}" if suite and path else path
