"""The pytest side of the test-selection recorder: one context per test, per test file's
collection and per broader fixture, the selected run's list of tests to keep, and the memos of
the tracked modules emptied before each test (:func:`_clear_memos`).

The gate copies it into the suite's venv as ``ci_gates_select_plugin`` (pytest loads it with
``-p``) beside the recorder, ``ci_gates_select_recorder`` (:mod:`ci_gates.gates.
pytest_recorder`); it imports only the standard library, pytest and that module.
"""

from __future__ import annotations

import json
import os
import sys
import types

import pytest

try:  # in the suite's venv, beside this copy
    from ci_gates_select_recorder import (  # type: ignore[import-not-found]
        KEY,
        ONLY,
        OUT,
        RECORDER,
        SESSION,
        Recorder,
    )
except ImportError:  # the library's own module (its tests, the type checker)
    from ci_gates.gates.pytest_recorder import KEY, ONLY, OUT, RECORDER, SESSION, Recorder


def pytest_configure(config: object) -> None:
    workers = getattr(getattr(config, "option", None), "numprocesses", None)
    if workers and not hasattr(config, "workerinput"):
        return  # an xdist controller runs no test: its workers record
    if os.environ.get(OUT) and not RECORDER:
        os.environ.pop(KEY, None)
        RECORDER.append(Recorder())


def pytest_unconfigure(config: object) -> None:
    if RECORDER and RECORDER[0].key == SESSION:
        RECORDER[0].flush()


def _context(name: str) -> None:
    if RECORDER:
        RECORDER[0].switch(name, child_key=name != SESSION)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: object) -> object:
    module = isinstance(collector, pytest.Module)
    if module:
        _context(f"collect {collector.nodeid}")  # type: ignore[attr-defined]
    yield
    if module:
        _context(SESSION)


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: object, request: object) -> object:
    broad = getattr(fixturedef, "scope", "function") != "function"
    outer = RECORDER[0].name if RECORDER else SESSION
    if broad:
        _context(f"fixture {fixturedef.argname}")  # type: ignore[attr-defined]
    yield
    if broad:
        _context(outer)


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int, str]) -> None:
    _clear_memos()
    _context(nodeid)


_MEMOS: dict[int, object] = {}
_SCANNED: set[tuple[str, int]] = set()  # the modules already looked at (a name may be reloaded)


def _clear_memos() -> None:
    """Empty every memo a tracked module holds (functools' ``cache_clear()`` protocol) before a
    test: what the test uses it computes again, so its record holds the code that did. A memo
    kept from an earlier test would hide that code from this test's record, and an edit of it
    would not select the test."""
    if not RECORDER:
        return
    for name, module in list(sys.modules.items()):  # the modules loaded since: those only
        if (name, id(module)) in _SCANNED:
            continue
        _SCANNED.add((name, id(module)))
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not RECORDER[0].owned(file):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, (type, types.ModuleType)):
                continue  # a class's ``cache_clear`` is unbound; a module's may be lazy
            try:
                if callable(getattr(value, "cache_clear", None)):
                    _MEMOS[id(value)] = value
            except Exception:
                continue
    for memo in _MEMOS.values():
        try:
            memo.cache_clear()  # type: ignore[attr-defined]
        except Exception:
            pass


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int, str]) -> None:
    _context(SESSION)


def pytest_runtest_logreport(report: object) -> None:
    if RECORDER:
        test = RECORDER[0].tests.setdefault(report.nodeid, {"seconds": 0.0, "failed": False})  # type: ignore[attr-defined]
        test["seconds"] = float(test["seconds"]) + float(getattr(report, "duration", 0.0))
        test["failed"] = bool(test["failed"]) or bool(report.failed)  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: object, items: list[object]) -> None:
    if RECORDER:
        for item in items:
            test = RECORDER[0].tests.setdefault(item.nodeid, {"seconds": 0.0, "failed": False})  # type: ignore[attr-defined]
            test["file"] = item.nodeid.split("::", 1)[0]  # type: ignore[attr-defined]
            test["fixtures"] = sorted(getattr(item, "fixturenames", ()))
    only = os.environ.get(ONLY)
    if not only:
        return
    with open(only, encoding="utf-8") as f:
        wanted = json.load(f)
    keep, known = set(wanted["ids"]), set(wanted["known"])  # a test never seen runs too
    chosen = [i for i in items if i.nodeid in keep or i.nodeid not in known]  # type: ignore[attr-defined]
    dropped = [i for i in items if i not in chosen]
    if dropped:
        config.hook.pytest_deselected(items=dropped)  # type: ignore[attr-defined]
        items[:] = chosen
