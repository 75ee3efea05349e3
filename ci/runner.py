"""Run gates by name: dependency order, "not run because X failed", results as JSON.

``python -m ci.gates NAME [NAME ...]`` and ``python -m ci.gates --all`` both land here, so the
nox session of one gate, the ``gates`` session and the invoke tasks execute the same code.
Each gate's result is written to ``target/ci-gates/results/<name>.json``; ``nox -s report``
turns those files into the summary table.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import time
import traceback
from typing import NamedTuple

from ci import gates as gate_helpers
from ci.registry import BY_NAME, ORDERED

RESULTS_DIR = os.path.join("target", "ci-gates", "results")

PASSED, FAILED, CANNOT_RUN, SKIPPED = "passed", "failed", "could not run", "not run"
_STATUS = {0: PASSED, 1: FAILED, 2: CANNOT_RUN}


class Result(NamedTuple):
    gate: str
    status: str
    seconds: float
    reason: str


def _reason(messages: list[str]) -> str:
    if not messages:
        return ""
    first = messages[0].splitlines()[0] if messages[0] else ""
    more = len(messages) - 1
    return f"{first} (and {more} more)" if more else first


def _call_gate(name: str, root: str) -> object:
    """Import ``ci.gates.<name>`` and call its ``run(root)``; turn every failure into a code."""
    try:
        module = importlib.import_module(f"ci.gates.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"ci.gates.{name}":
            raise
        return gate_helpers.cannot_run(
            f"ci/gates/{name}.py: no such gate module; write it (see ci/gates/README.md)"
        )
    try:
        return module.run(root)
    except SystemExit as exc:  # a gate that calls sys.exit() must not end a whole --all run
        return exc.code if exc.code in _STATUS else 2


def stable_cargo_env() -> None:
    """Pin ``PYO3_PYTHON`` (unless set) to the base interpreter, for every gate that runs cargo.

    Without it pyo3's build script picks the interpreter from ``VIRTUAL_ENV`` or ``PATH`` and
    re-runs whenever they change, and every nox session has its own venv: ``nox -s clippy``
    then ``nox -s gates`` would recompile pyo3 each time. With one fixed value a warm run
    compiles nothing, whichever session or invoke task runs the gate.
    """
    if not os.environ.get("PYO3_PYTHON"):
        base = getattr(sys, "_base_executable", "") or sys.executable
        os.environ["PYO3_PYTHON"] = os.path.realpath(base)
    # Gates parse their tools' output; a developer's colour settings must not break that.
    os.environ.pop("FORCE_COLOR", None)
    os.environ.pop("CLICOLOR_FORCE", None)
    os.environ["NO_COLOR"] = "1"
    os.environ["CARGO_TERM_COLOR"] = "never"


def run_one(name: str, root: str) -> Result:
    gate = BY_NAME[name]
    stable_cargo_env()
    gate_helpers.messages.clear()
    start = time.perf_counter()
    missing = [cmd for cmd in gate.commands if shutil.which(cmd) is None]
    code: object
    if missing:
        code = gate_helpers.cannot_run(
            f"{name}: needs {', '.join(missing)} on PATH; install it and re-run `nox -s {name}`"
        )
    else:
        try:
            code = _call_gate(name, root)
        except Exception as exc:  # a crashing gate is a bug in the gate: show where
            traceback.print_exc()
            code = gate_helpers.cannot_run(f"{name}: gate crashed: {type(exc).__name__}: {exc}")
    if code not in _STATUS:
        code = gate_helpers.cannot_run(f"{name}: run() returned {code!r}, expected 0, 1 or 2")
    status = _STATUS[code]
    return Result(name, status, time.perf_counter() - start, _reason(gate_helpers.messages))


def _blocked_reason(prerequisite: Result) -> str:
    """Why a dependent did not run, naming the gate that actually failed."""
    if prerequisite.status == SKIPPED:
        return prerequisite.reason  # transitively: "not run because fmt failed"
    if prerequisite.status == CANNOT_RUN:
        return f"not run because {prerequisite.gate} could not run"
    return f"not run because {prerequisite.gate} failed"


def save(result: Result, root: str) -> None:
    directory = os.path.join(root, RESULTS_DIR)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, f"{result.gate}.json"), "w", encoding="utf-8") as f:
        json.dump(result._asdict(), f, indent=1)


def run_many(names: list[str], root: str) -> list[Result]:
    """Run ``names`` in registry order; a gate whose prerequisite did not pass is not run.

    Prerequisites that are not in ``names`` are not run here (nox runs them as sessions of
    their own); use :func:`ci.registry.with_requires` to include them.
    """
    wanted = set(names)
    results: dict[str, Result] = {}
    for gate in ORDERED:
        if gate.name not in wanted:
            continue
        blocked = [results[r] for r in gate.requires if r in results]
        blocked = [r for r in blocked if r.status != PASSED]
        if blocked:
            result = Result(gate.name, SKIPPED, 0.0, _blocked_reason(blocked[0]))
            print(f"=== gate {gate.name}: {result.reason}", flush=True)
        else:
            print(f"=== gate {gate.name}: {gate.description}", flush=True)
            result = run_one(gate.name, root)
        results[gate.name] = result
        save(result, root)
    return [results[g.name] for g in ORDERED if g.name in results]


def load_saved(root: str) -> list[Result]:
    """Saved results of every registry gate that has one, in registry order."""
    out = []
    for gate in ORDERED:
        path = os.path.join(root, RESULTS_DIR, f"{gate.name}.json")
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            out.append(Result(**data))
        except (OSError, ValueError, TypeError):
            continue
    return out
