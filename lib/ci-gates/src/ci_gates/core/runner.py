"""Run gates by name: dependency order, "not run because X failed", results as JSON.

``python -m ci_gates run NAME [NAME ...]`` and ``python -m ci_gates run --all`` both land here,
so the nox session of one gate, the ``gates`` session and the invoke tasks execute the same code.
A gate returns findings (:mod:`ci_gates.core.findings`); this module applies ``[tool.ci-gates] ignore``,
derives the status, and writes ``target/ci-gates/results/<name>.json``; ``nox -s report``
turns those files into the summary table.
"""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import shutil
import sys
import time
import traceback
from typing import Any, NamedTuple

from ci_gates.core import cache
from ci_gates.core.cache import Digester
from ci_gates.core.findings import (
    CANNOT_RUN_RULE,
    CRASHED_RULE,
    ERROR,
    RULES,
    UNIGNORABLE,
    UNKNOWN_RULE,
    VARIANT_RULE,
    CannotRun,
    Finding,
    from_dict,
)
from ci_gates.core.registry import Gate, Registry, load

RESULTS_DIR = os.path.join("target", "ci-gates", "results")

PASSED, FAILED, CANNOT_RUN = "passed", "failed", "could not run"
SKIPPED = "not run"  # a prerequisite did not pass
CONFIG_SKIPPED = "skipped"  # [tool.ci-gates] skip, with its reason


class Result(NamedTuple):
    gate: str
    status: str
    seconds: float
    reason: str  # the first finding that counts, one line; or why the gate did not run
    findings: tuple[Finding, ...] = ()
    cached: bool = False  # a pass reused from the result cache; ``seconds`` is the original run

    def counted(self) -> list[Finding]:
        """Findings that are not ignored (nor the per-interpreter row markers)."""
        return [f for f in self.findings if not f.ignored and f.rule not in ROW_MARKERS]

    def as_dict(self) -> dict[str, object]:
        data = self._asdict()
        data["findings"] = [f.as_dict() for f in self.findings]
        return data


def _call_gate(gate: Gate, root: str) -> object:
    """Import the gate's module and call its ``run(root)``."""
    try:
        module = importlib.import_module(gate.module)
    except ModuleNotFoundError as exc:
        if exc.name != gate.module:
            raise
        raise CannotRun(
            f"{gate.module}: no such gate module", "write it, or fix its name"
        ) from None
    try:
        return module.run(root)
    except SystemExit as exc:  # a gate that calls sys.exit() must not end a whole --all run
        return [
            Finding(
                CRASHED_RULE,
                f"{gate.name}: run() called sys.exit({exc.code!r})",
                fix=f"return findings from {gate.module} instead",
            )
        ]


def _as_findings(gate: Gate, value: object) -> list[Finding]:
    if isinstance(value, (list, tuple)) and all(isinstance(f, Finding) for f in value):
        return list(value)
    return [
        Finding(
            CRASHED_RULE,
            f"{gate.name}: run() returned {value!r}, expected a list of findings",
            fix=f"fix {gate.module}",
        )
    ]


def _declared(findings: list[Finding]) -> list[Finding]:
    out = []
    for f in findings:
        if f.rule in RULES:
            out.append(f)
        else:
            why = f"finding under undeclared rule {f.rule!r}: {f.message}"
            out.append(
                Finding(UNKNOWN_RULE, why, f.path, f.line, f.column, "declare it with @rule")
            )
    return out


def ignore_reason(finding: Finding, ignore: dict[str, str]) -> str:
    """The configured reason that ignores ``finding`` (``RULE`` or ``RULE:path-glob``), or ""."""
    if finding.rule in UNIGNORABLE:
        return ""
    if finding.rule in ignore:
        return ignore[finding.rule]
    for key, reason in ignore.items():
        rule_id, sep, pattern = key.partition(":")
        if sep and rule_id == finding.rule and finding.path:
            if fnmatch.fnmatchcase(finding.path, pattern):
                return reason
    return ""


def ignore_table(root: str) -> dict[str, str]:
    from ci_gates.core.config import ConfigError, load

    try:
        return dict(load(root).get("ignore", {}))
    except ConfigError:
        return {}  # the gates report the broken config themselves


def status_of(findings: list[Finding] | tuple[Finding, ...]) -> str:
    """could not run > failed > passed, from the findings that are not ignored."""
    counted = [f for f in findings if not f.ignored]
    if any(f.rule in UNIGNORABLE for f in counted):
        return CANNOT_RUN
    if any(f.severity == ERROR for f in counted):
        return FAILED
    return PASSED


# Notes that only make the table's per-variant rows (findings.ran_as): never a reason.
ROW_MARKERS = frozenset({VARIANT_RULE})


def first_reason(findings: list[Finding] | tuple[Finding, ...]) -> str:
    counted = [f for f in findings if not f.ignored and f.rule not in ROW_MARKERS]
    if not counted:
        return ""
    order = {CANNOT_RUN_RULE: 0, CRASHED_RULE: 0, UNKNOWN_RULE: 0}
    ranked = sorted(counted, key=lambda f: (order.get(f.rule, 1), f.severity != ERROR))
    first = ranked[0].text().splitlines()[0]
    more = len(counted) - 1
    return f"{first} (and {more} more)" if more else first


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


def _execute(gate: Gate, root: str) -> list[Finding]:
    name = gate.name
    missing = [cmd for cmd in gate.commands if shutil.which(cmd) is None]
    if missing:
        return [
            Finding(
                CANNOT_RUN_RULE,
                f"{name}: needs {', '.join(missing)} on PATH",
                fix=f"install it and re-run `nox -s {name}`",
            )
        ]
    try:
        return _as_findings(gate, _call_gate(gate, root))
    except CannotRun as exc:
        return [exc.finding()]
    except Exception as exc:  # a crashing gate is a bug in the gate: show where
        traceback.print_exc()
        return [Finding(CRASHED_RULE, f"{name}: gate crashed: {type(exc).__name__}: {exc}")]


def run_one(gate: Gate, root: str) -> Result:
    stable_cargo_env()
    start = time.perf_counter()
    findings = _declared(_execute(gate, root))
    ignore = ignore_table(root)
    findings = [f._replace(ignored=ignore_reason(f, ignore)) for f in findings]
    elapsed = time.perf_counter() - start
    print_findings(findings)
    return Result(gate.name, status_of(findings), elapsed, first_reason(findings), tuple(findings))


def print_findings(findings: list[Finding]) -> None:
    """Each finding on stderr, and as a workflow command under GitHub Actions."""
    from ci_gates.core.annotations import annotation

    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for f in findings:
        label = f"ignored ({f.ignored}): " if f.ignored else f"{f.severity}: "
        print(label + f.text(), file=sys.stderr, flush=True)
        if annotate and f.path and not f.ignored:
            print(annotation(f), flush=True)


def _blocked_reason(prerequisite: Result) -> str:
    """Why a dependent did not run, naming the gate that actually failed."""
    if prerequisite.status == SKIPPED:
        return prerequisite.reason  # transitively: "not run because fmt failed"
    if prerequisite.status == CONFIG_SKIPPED:
        return f"skipped because {prerequisite.gate} is skipped"
    if prerequisite.status == CANNOT_RUN:
        return f"not run because {prerequisite.gate} could not run"
    return f"not run because {prerequisite.gate} failed"


def skip_table(root: str) -> dict[str, str]:
    from ci_gates.core.config import ConfigError, load

    try:
        return dict(load(root).get("skip", {}))
    except ConfigError:
        return {}


def save(result: Result, root: str) -> None:
    """Write ``results/<gate>.json`` (left as it is when it already holds this result)."""
    directory = os.path.join(root, RESULTS_DIR)
    path = os.path.join(directory, f"{result.gate}.json")
    text = json.dumps(result.as_dict(), indent=1)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except (OSError, UnicodeDecodeError):
        pass
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def cached(
    gate: Gate, root: str, digester: Digester | None, reg: Registry
) -> tuple[str, Result | None]:
    """(the gate's digest, its cached pass when the digest matches); ("", None) uncached."""
    if digester is None or not gate.cacheable:
        return "", None
    key = digester.digest(gate, reg.by_name)
    hit = cache.lookup(root, gate.name, key) if _outputs_exist(gate, root) else None
    if hit is not None:
        try:
            result = _load(hit)._replace(cached=True)
        except (KeyError, TypeError, ValueError):
            result = None
        if result is not None and result.status == PASSED:
            return key, result
    return key, None


CACHED_LINE = "    passed (cached; ran in {:.1f}s)"


def remember(root: str, gate: Gate, key: str, result: Result) -> None:
    """Store a fresh pass under its digest ``key``; forget the gate's pass after a failure."""
    if not key:
        return
    if result.status == PASSED:
        cache.store(root, gate.name, key, result.as_dict(), keep=1 if gate.outputs else cache.KEEP)
    else:
        cache.forget(root, gate.name, None if gate.outputs else key)


def _cached_or_run(gate: Gate, root: str, digester: Digester | None, reg: Registry) -> Result:
    """The gate's cached pass when its digest matches, else a fresh run (a pass is stored)."""
    key, hit = cached(gate, root, digester, reg)
    if hit is not None:
        print(CACHED_LINE.format(hit.seconds), flush=True)
        return hit
    result = run_one(gate, root)
    remember(root, gate, key, result)
    return result


def _outputs_exist(gate: Gate, root: str) -> bool:
    """A cached pass stands only while what the gate left for its dependents is still there."""
    return all(os.path.exists(os.path.join(root, rel)) for rel in gate.outputs)


def not_run(gate: Gate, results: dict[str, Result], skip: dict[str, str]) -> Result | None:
    """The result of a gate skipped in config, or blocked by a prerequisite in ``results`` that
    did not pass; None when it is to be run (or served from the cache)."""
    blocked = [results[r] for r in gate.requires if r in results]
    blocked = [r for r in blocked if r.status != PASSED]
    if gate.name in skip:
        return Result(gate.name, CONFIG_SKIPPED, 0.0, skip[gate.name])
    if blocked:
        status = CONFIG_SKIPPED if blocked[0].status == CONFIG_SKIPPED else SKIPPED
        return Result(gate.name, status, 0.0, _blocked_reason(blocked[0]))
    return None


def header(gate: Gate, result: Result | None, skip: dict[str, str]) -> str:
    """The line that opens a gate's part of the output."""
    if result is None:
        return f"=== gate {gate.name}: {gate.description}"
    if gate.name in skip:
        return f"=== gate {gate.name}: skipped ({result.reason})"
    return f"=== gate {gate.name}: {result.reason}"


def prepare(
    names: list[str], root: str, use_cache: bool, reg: Registry
) -> tuple[dict[str, str], Digester | None]:
    """What a run needs before its first gate: the skip table and the digester (machine facts
    asked all at once), with the cargo variables pinned first (they are digest inputs)."""
    wanted = set(names)
    skip = skip_table(root)
    stable_cargo_env()  # before any digest: PYO3_PYTHON is one of their inputs
    digester = Digester(root) if use_cache and not cache.disabled() else None
    if digester is not None:  # every machine fact at once, before the first digest needs one
        chosen = [g for g in reg.gates if g.name in wanted and g.cacheable and g.name not in skip]
        digester.prefetch(
            [c for g in chosen for c in (*(f"{x} --version" for x in g.commands), *g.machine)]
        )
    return skip, digester


def run_many(
    names: list[str], root: str, use_cache: bool = True, reg: Registry | None = None
) -> list[Result]:
    """Run ``names`` in registry order; a gate whose prerequisite did not pass is not run.

    Prerequisites that are not in ``names`` are not run here (nox runs them as sessions of
    their own); use :meth:`Registry.with_requires` to include them. A gate skipped in
    config is ``skipped`` with its reason, and so are the gates that require it. A gate whose
    inputs match its last pass is reused from the result cache (:mod:`ci_gates.core.cache`) unless
    ``use_cache`` is false or ``CI_GATES_NO_CACHE`` is set. :mod:`ci_gates.core.parallel` runs
    the same gates side by side, with the same results.
    """
    reg = load(root) if reg is None else reg
    wanted = set(names)
    skip, digester = prepare(names, root, use_cache, reg)
    results: dict[str, Result] = {}
    for gate in reg.gates:
        if gate.name not in wanted:
            continue
        result = not_run(gate, results, skip)
        print(header(gate, result, skip), flush=True)
        if result is None:
            result = _cached_or_run(gate, root, digester, reg)
        results[gate.name] = result
        save(result, root)
    if digester is not None:
        digester.save()
    return [results[g.name] for g in reg.gates if g.name in results]


def _load(data: dict[str, Any]) -> Result:
    findings = tuple(from_dict(f) for f in data.get("findings") or () if isinstance(f, dict))
    return Result(
        str(data["gate"]),
        str(data["status"]),
        float(data["seconds"]),
        str(data["reason"]),
        findings,
    )


def load_saved(root: str, reg: Registry | None = None) -> list[Result]:
    """Saved results of every registry gate that has one, in registry order."""
    out = []
    for gate in (load(root) if reg is None else reg).gates:
        path = os.path.join(root, RESULTS_DIR, f"{gate.name}.json")
        try:
            with open(path, encoding="utf-8") as f:
                out.append(_load(json.load(f)))
        except (OSError, ValueError, TypeError, KeyError):
            continue
    return out
