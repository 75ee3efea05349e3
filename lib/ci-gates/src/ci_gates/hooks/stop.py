"""Stop / SubagentStop hook: "done" means the gates pass, checked before the agent stops.

It runs the gates (``[tool.ci-gates.hooks] stop-gates``, default every gate CI runs, with their
prerequisites) in the project's gates environment — ``target/ci-gates/env``, the one
``nox -s gates`` runs in — through the result cache, as :mod:`ci_gates.hooks.stoprun`, within
``stop-budget`` seconds (default 60). With nothing changed since the last pass every gate is a
cache hit, and a gate that needs the build runs only when its inputs changed.

- a gate **failed**: the stop is blocked, ``{"decision": "block", "reason": ...}``, the reason
  naming each failing gate, its first findings and ``nox -s <gate>`` to re-run it — unless
  ``stop_hook_active`` says the agent is already continuing because of a stop hook, or the same
  failures (their digest, kept in ``target/ci-gates/hook-stop.json``) were the last ones
  blocked: then the stop goes through with a ``systemMessage`` to the user. Never a loop.
- the budget ran out, a gate could not run, no gates environment: the stop goes through, with a
  ``systemMessage`` naming what was not checked and how to check it;
- everything passed: no output.

Its own errors let the stop through (:func:`ci_gates.hooks.protocol.run`). A ``SubagentStop``
of a read-only agent (``Explore``, ``Plan``) runs nothing. ``[tool.ci-gates.hooks] stop = false``
turns the hook off. ``CI_GATES_HOOK_PYTHON`` names another interpreter to run the gates with
(tests point it at their own, with fixture gates).
"""

from __future__ import annotations

import json
import os

from ci_gates.hooks.protocol import BLOCK, MESSAGE, STOP_EVENTS, Call, Skip, config, entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.findings import Finding
    from ci_gates.hooks.protocol import Answer

STATE = os.path.join("target", "ci-gates", "hook-stop.json")
LOG = os.path.join("target", "ci-gates", "hook-stop.log")
READ_ONLY_AGENTS = ("Explore", "Plan")
PER_GATE = 3  # findings quoted per failing gate
PASSED, CONFIG_SKIPPED, FAILED = "passed", "skipped", "failed"


def settings(cfg: dict[str, Any]) -> dict[str, Any]:
    """``[tool.ci-gates.hooks]`` over its defaults (a config cached before the section existed)."""
    from ci_gates.core.config import DEFAULTS

    return {**DEFAULTS["hooks"], **cfg.get("hooks", {})}


def run_gates(root: str, python: str, names: list[str], budget: float) -> tuple[Any, bool]:
    """``(messages, finished)``: what :mod:`~ci_gates.hooks.stoprun` said, and whether it ended
    before the deadline (when not, its whole process group is killed)."""
    import signal
    import subprocess

    env = dict(os.environ)
    from ci_gates.hooks.tools import PYTHON_ENV

    if not os.environ.get(PYTHON_ENV):  # as `ci-gates run` enters the env: its tools first
        env["VIRTUAL_ENV"] = os.path.dirname(os.path.dirname(python))
        env["PATH"] = os.pathsep.join([os.path.dirname(python), env.get("PATH", "")])
    env.pop("PYTHONHOME", None)
    os.makedirs(os.path.join(root, os.path.dirname(LOG)), exist_ok=True)
    with open(os.path.join(root, LOG), "wb") as log:
        proc = subprocess.Popen(
            [python, "-m", "ci_gates.hooks.stoprun", root, *names],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=log,
            start_new_session=True,  # one process group: the deadline ends every gate's tools
        )
        finished = True
        try:
            out, _ = proc.communicate(timeout=budget)
        except subprocess.TimeoutExpired:
            finished = False
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (OSError, AttributeError):  # gone already; Windows has no process groups
                proc.kill()
            try:
                out, _ = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired as exc:  # a tool that left the group holds the pipe
                out = exc.output or b""
    messages = []
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return messages, finished


def _state(root: str) -> dict[str, Any]:
    try:
        with open(os.path.join(root, STATE), encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember(root: str, digest: str | None) -> None:
    path = os.path.join(root, STATE)
    try:
        if digest is None:
            os.remove(path)
            return
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"digest": digest}, f)
        os.replace(tmp, path)
    except OSError:
        pass  # nothing remembered: at worst one more block, never a loop (stop_hook_active)


def _counted(result: dict[str, Any]) -> list[Finding]:
    from ci_gates.core.findings import from_dict

    found = [from_dict(f) for f in result.get("findings") or () if isinstance(f, dict)]
    found = [f for f in found if not f.ignored and f.rule != "PYV003"]
    return sorted(found, key=lambda f: f.severity != "error")


def digest(failed: list[dict[str, Any]]) -> str:
    """What identifies a failing state: each failing gate and where its findings are (rule,
    path, line; not the message, which may carry a duration or a count that varies)."""
    import hashlib

    state = sorted(
        (str(r.get("gate")), sorted([f.rule, f.path, f.line] for f in _counted(r))) for r in failed
    )
    return hashlib.sha256(json.dumps(state).encode()).hexdigest()


def _failure(result: dict[str, Any]) -> str:
    gate, found = result.get("gate"), _counted(result)
    lines = [f"- {gate}: re-run with `nox -s {gate}`"]
    lines += [f"    {f.text()}" for f in found[:PER_GATE]]
    if len(found) > PER_GATE:
        lines.append(f"    (and {len(found) - PER_GATE} more)")
    elif not found and result.get("reason"):
        lines.append(f"    {result.get('reason')}")
    return "\n".join(lines)


def _unchecked(plan: list[str], results: dict[str, dict[str, Any]], budget: float) -> str:
    """Which gates were not checked, and why ("" when every gate was)."""
    parts = [
        f"{g} ({results[g].get('reason')})"
        for g in plan
        if g in results and results[g].get("status") not in (PASSED, CONFIG_SKIPPED, FAILED)
    ]
    late = [g for g in plan if g not in results]
    if late:
        parts.append(f"{', '.join(late)} (the {budget:g} s stop-budget ran out)")
    return "; ".join(parts)


def verdict(call: Call, messages: list[Any], budget: float) -> Answer:
    """Block, tell, or stay silent, from what the gate run reported."""
    plan = next((m["plan"] for m in messages if isinstance(m, dict) and "plan" in m), None)
    error = next((m["error"] for m in messages if isinstance(m, dict) and "error" in m), None)
    if plan is None:
        why = error or f"the gate run ended without a plan (see {LOG})"
        return MESSAGE, f"ci-gates Stop hook: no gate checked: {why}"
    results = {
        str(m["result"].get("gate")): m["result"]
        for m in messages
        if isinstance(m, dict) and isinstance(m.get("result"), dict)
    }
    failed = [results[g] for g in plan if results.get(g, {}).get("status") == FAILED]
    unchecked = _unchecked(plan, results, budget)
    if not failed:
        _remember(call.root, None)
        if not unchecked:
            return None
        return MESSAGE, (
            f"ci-gates Stop hook: no gate failed, but not checked: {unchecked}. "
            "`nox -s gates` checks them all."
        )
    body = "\n".join(_failure(r) for r in failed)
    if unchecked:
        body += f"\nNot checked: {unchecked}."
    key = digest(failed)
    again = call.payload.get("stop_hook_active") is True or _state(call.root).get("digest") == key
    if again:  # told once already: the user decides what happens next
        names = ", ".join(str(r.get("gate")) for r in failed)
        return MESSAGE, f"ci-gates Stop hook: still failing: {names}.\n{body}"
    _remember(call.root, key)
    return BLOCK, (
        "The project's gates (what CI runs) do not pass yet, so the work is not done:\n"
        f"{body}\nFix these, then finish. Gate output: {LOG}."
    )


def check(call: Call) -> Answer:
    if call.event not in STOP_EVENTS:
        raise Skip(f"{call.event} is not a stop this hook checks")
    if call.event == "SubagentStop" and call.payload.get("agent_type") in READ_ONLY_AGENTS:
        return None
    hooks = settings(config(call.root))
    if not hooks["stop"]:
        return None
    from ci_gates.hooks.tools import gates_python

    python = gates_python(call.root)
    if python is None or not os.path.isfile(python):
        return MESSAGE, (
            "ci-gates Stop hook: no gate checked: the gates environment (target/ci-gates/env) "
            "does not exist yet. Create it once with `nox -s gates` (any `nox -s <gate>` does)."
        )
    budget = hooks["stop-budget"] if hooks["stop-budget"] > 0 else 60
    messages, _ = run_gates(call.root, python, list(hooks["stop-gates"]), float(budget))
    return verdict(call, messages, float(budget))


main = entry("stop", check)
