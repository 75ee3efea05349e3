"""``python -m ci_gates.hooks.stoprun ROOT [GATE ...]``: the Stop hook's gate run, in the gates env.

The Stop hook (:mod:`ci_gates.hooks.stop`) starts this with the gates environment's
interpreter, the environment's ``bin`` first on PATH (what ``ci-gates run`` does when it enters
the environment), and a deadline. It runs exactly what ``ci-gates run --with-requires GATE ...``
runs — :func:`ci_gates.core.runner.run_many` over the named gates and their prerequisites,
through the result cache, saving ``target/ci-gates/results/`` — and tells the hook, one JSON
object per line on its stdout:

- ``{"plan": [gate, ...]}`` first: what it is about to run, in order;
- ``{"result": {...}}`` as each gate's result is saved (:meth:`Result.as_dict`), so a run cut
  short by the deadline still reports what it finished;
- ``{"error": "..."}`` instead of a plan when it cannot run (unknown gate, broken config).

Without GATE: every gate CI runs (``in_ci``). Everything the gates print goes to stderr (the
process's stdout is moved there first), so nothing but these lines reaches the hook.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

    from ci_gates.core.runner import Result


def _emit(channel: IO[str], obj: dict[str, object]) -> None:
    channel.write(json.dumps(obj) + "\n")
    channel.flush()


def plan(root: str, names: list[str]) -> list[str]:
    """The gates to run, in order: ``names`` (default: every ``in_ci`` gate) and their requires."""
    from ci_gates.core.registry import load

    reg = load(root)
    unknown = [n for n in names if n not in reg]
    if unknown:
        raise ValueError(
            f"[tool.ci-gates.hooks] stop-gates names unknown gate {unknown[0]!r}; "
            f"known gates: {', '.join(reg.names)}"
        )
    return reg.with_requires(names or [g.name for g in reg.gates if g.in_ci])


PROBES = os.path.join("target", "ci-gates", "hook-probes.json")


class Prefetch:
    """Fill the run's digest memo before the run, the slow parts side by side.

    A digest asks each gate's tools for ``--version`` and runs its ``machine`` commands
    (``python -m ci_gates.checks.interpreters`` looks for interpreters: most of a cached run's
    time). :class:`~ci_gates.core.cache.Digester` memoises their output per run; here the one
    Digester :func:`~ci_gates.core.runner.run_many` will use asks them all at once, on threads:
    the commands the last run asked (:data:`PROBES`) before the registry is even loaded, the
    rest once it is, while this thread hashes the files. Same calls, same values: only sooner.
    """

    def __init__(self, root: str) -> None:
        from ci_gates.core import cache

        self.root, self.cache = root, cache
        self.digester = cache.Digester(root) if not cache.disabled() else None
        self.started: set[str] = set()
        self.threads: list[Any] = []
        self.known: list[str] | None = None  # None: nothing remembered yet
        try:
            with open(os.path.join(root, PROBES), encoding="utf-8") as f:
                self.known = sorted(str(c) for c in json.load(f))
        except (OSError, ValueError, TypeError):
            pass
        self.start(self.known or [])

    def start(self, commands: list[str]) -> None:
        import threading

        if self.digester is None:
            return
        for command in sorted(set(commands) - self.started):
            thread = threading.Thread(target=self.digester.output, args=(command,), daemon=True)
            thread.start()
            self.threads.append(thread)
            self.started.add(command)

    def finish(self, runner: Any, order: list[str]) -> None:
        from ci_gates.core.registry import load

        if self.digester is None:
            return
        reg, skip = load(self.root), runner.skip_table(self.root)
        skipped: set[str] = set()  # not digested: skipped in config, or requiring one that is
        for gate in reg.gates:
            if gate.name in skip or skipped.intersection(gate.requires):
                skipped.add(gate.name)
        wanted = [
            command
            for name in order
            if name not in skipped
            for command in (*(f"{c} --version" for c in reg[name].commands), *reg[name].machine)
        ]
        self.start(wanted)
        self.cache.environment()
        for rel in self.digester.files():
            self.digester.file_hash(rel)
        for thread in self.threads:
            thread.join()
        if sorted(set(wanted)) != self.known:
            try:
                with open(os.path.join(self.root, PROBES), "w", encoding="utf-8") as f:
                    json.dump(sorted(set(wanted)), f)
            except OSError:
                pass
        digester = self.digester
        runner.Digester = lambda _root: digester  # run_many makes one Digester: this one


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m ci_gates.hooks.stoprun ROOT [GATE ...]\n")
        return 2
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the gates' output: to stderr
    where, names = os.path.abspath(argv[0]), argv[1:]
    from ci_gates.core import runner
    from ci_gates.core.config import ConfigError
    from ci_gates.core.registry import RegistryError

    runner.stable_cargo_env()  # as run_many does first: PYO3_PYTHON is part of some digests
    prefetch = Prefetch(where)
    try:
        order = plan(where, names)
    except (ValueError, ConfigError, RegistryError) as exc:
        _emit(channel, {"error": str(exc)})
        return 2
    _emit(channel, {"plan": order})
    prefetch.finish(runner, order)
    save = runner.save

    def save_and_tell(result: Result, root: str) -> None:
        save(result, root)
        _emit(channel, {"result": result.as_dict()})

    runner.save = save_and_tell  # the runner's one hook point per finished gate
    results = runner.run_many(order, where)
    return 0 if all(r.status in (runner.PASSED, runner.CONFIG_SKIPPED) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
