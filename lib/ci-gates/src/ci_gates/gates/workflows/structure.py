"""workflows gate, ci.yml's gate steps when they are written by hand (no ``nox -s sync`` markers).

With the markers, ``ci_gates.core.sync`` writes these steps from the registry and SYN001 reports a stale
block; without them (a project that adopted the gates into its own ci.yml) these rules check
the same shape step by step: every gate CI runs, once, in registry order, each with
``if: ${{ !cancelled() }}``, and ``nox -s report`` last with ``if: always()``. A gate skipped
in ``[tool.ci-gates] skip`` (or required by nothing but skipped gates) is not demanded.
"""

from __future__ import annotations

from ci_gates.core.findings import Finding, finding_of, rule
from ci_gates.gates.workflows.thin import HAND_FIX, NOX_RUN
from ci_gates.parsers import ghyaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONTINUE_IFS = ("!cancelled()", "always()")


def nox_steps(job: Any) -> list[tuple[str, Any]]:
    """``(session, step node)`` of each ``nox -s`` step of a job, in order."""
    out = []
    for step in ghyaml.seq(ghyaml.get(job, "steps")):
        m = NOX_RUN.match((ghyaml.scalar(ghyaml.get(step, "run")) or "").strip())
        if m:
            out.append((m.group(1), step))
    return out


@rule("WF018", gate="workflows")
def gate_step_stops_later_gates(rel: str, step: Any, session: str) -> Finding | None:
    """A gate step in ci.yml has no ``if: ${{ !cancelled() }}``: one failure hides the rest.

    Without it GitHub skips every later step once a gate fails, so the table shows one red
    gate and many that never ran. The failed step still fails the job.
    """
    cond = ghyaml.scalar(ghyaml.get(step, "if")) or ""
    if any(c in cond for c in CONTINUE_IFS):
        return None
    return finding_of(
        gate_step_stops_later_gates,
        f"gate step `nox -s {session}` stops later gates after a failure",
        rel,
        ghyaml.line(ghyaml.get(step, "run")),
        fix=f"add `if: ${{{{ !cancelled() }}}}` to it, {HAND_FIX}",
    )


@rule("WF019", gate="workflows")
def report_step(rel: str, name: str, job: Any, last_gate: Any) -> Finding | None:
    """A job that runs gates lacks a final ``nox -s report`` step with ``if: always()``.

    The report writes the results table (and the job summary) even after a failed gate.
    """
    report = next((s for n, s in nox_steps(job) if n == "report"), None)
    where = ghyaml.key_line(job, "steps")
    if report is None:
        message = f"job {name} has no final `nox -s report` step"
    elif "always()" not in (ghyaml.scalar(ghyaml.get(report, "if")) or ""):
        message, where = (
            "`nox -s report` needs `if: always()` to report after a failure",
            ghyaml.line(report),
        )
    elif ghyaml.line(report) < ghyaml.line(last_gate):
        message, where = "`nox -s report` must come after the last gate", ghyaml.line(report)
    else:
        return None
    return finding_of(
        report_step, message, rel, where, fix=f"end the job with it (`if: always()`), {HAND_FIX}"
    )


@rule("WF020", gate="workflows")
def gate_missing(
    rel: str, name: str, job: Any, present: list[str], gates: list[str]
) -> list[Finding]:
    """A job that runs gates lacks the step of a registry gate that CI runs.

    Every gate of the registry with ``in_ci`` runs in CI, unless ``[tool.ci-gates] skip``
    names it (or a gate it requires) with a reason.
    """
    return [
        finding_of(
            gate_missing,
            f"job {name} has no step `nox -s {gate}` (a registry gate CI runs)",
            rel,
            ghyaml.key_line(job, "steps"),
            fix=f"add it in registry order, {HAND_FIX}",
        )
        for gate in gates
        if gate not in present
    ]


@rule("WF021", gate="workflows")
def stray_gate_step(
    rel: str, name: str, steps: list[tuple[str, Any]], gates: list[str], skipped: set[str]
) -> list[Finding]:
    """A job runs a gate twice, or a session that is not a gate CI runs, among its gate steps."""
    out, seen = [], set()
    for session, step in steps:
        if session in seen:
            message = f"`nox -s {session}` appears twice in job {name}"
        elif session not in gates and session not in skipped and session != "report":
            message = f"`nox -s {session}` in job {name} is not a registry gate that CI runs"
        else:
            seen.add(session)
            continue
        seen.add(session)
        out.append(
            finding_of(
                stray_gate_step,
                message,
                rel,
                ghyaml.line(step),
                fix=f"remove it (or declare the gate with in_ci=False), {HAND_FIX}",
            )
        )
    return out


@rule("WF022", gate="workflows")
def gates_out_of_order(
    rel: str, name: str, job: Any, present: list[str], gates: list[str]
) -> Finding | None:
    """A job runs its gates in another order than the registry's dependency order."""
    ordered = [g for g in present if g in gates]
    expected = sorted(dict.fromkeys(ordered), key=gates.index)
    if list(dict.fromkeys(ordered)) == expected:
        return None
    return finding_of(
        gates_out_of_order,
        f"job {name} runs the gates out of order; registry order: {', '.join(expected)}",
        rel,
        ghyaml.key_line(job, "steps"),
        fix=f"reorder the steps, {HAND_FIX}",
    )


@rule("WF023", gate="workflows")
def no_gate_job(rel: str) -> Finding:
    """ci.yml has no job that runs the registry gates."""
    return finding_of(
        no_gate_job,
        "no job runs the registry gates",
        rel,
        1,
        fix="add a job with one `nox -s <gate>` step per gate (`nox -s sync` writes them between its markers)",
    )


def ci_structure(rel: str, doc: Any, gates: list[str], skipped: set[str]) -> list[Finding]:
    """WF018–WF023 on a ci.yml whose gate steps are written by hand."""
    out: list[Finding] = []
    gate_jobs = 0
    for name, job in ghyaml.jobs(doc):
        steps = [(s, node) for s, node in nox_steps(job) if s != "report"]
        if not steps:
            continue
        gate_jobs += 1
        present = [s for s, _ in steps]
        out += [
            f
            for s, node in steps
            if s in gates and (f := gate_step_stops_later_gates(rel, node, s))
        ]
        out += [f for f in [report_step(rel, name, job, steps[-1][1])] if f]
        out += gate_missing(rel, name, job, present, gates)
        out += stray_gate_step(rel, name, steps, gates, skipped)
        out += [f for f in [gates_out_of_order(rel, name, job, present, gates)] if f]
    if gate_jobs == 0:
        out.append(no_gate_job(rel))
    return out
