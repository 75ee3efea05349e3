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


def _prefetch(runner: Any, root: str, order: list[str]) -> None:
    """Fill the run's digest memo before the run, the slow parts side by side.

    A digest asks each gate's tools for ``--version`` and runs its ``machine`` commands
    (``python -m ci_gates.checks.interpreters`` finds interpreters: most of a cached run's
    second). :class:`~ci_gates.core.cache.Digester` memoises their output per run; here the
    one Digester :func:`~ci_gates.core.runner.run_many` will use asks them all at once, on
    threads, while this thread hashes the files. Same calls, same values: only sooner.
    """
    import threading

    from ci_gates.core import cache
    from ci_gates.core.registry import load

    if cache.disabled():
        return
    runner.stable_cargo_env()  # as run_many does first: PYO3_PYTHON is part of some digests
    reg = load(root)
    digester = cache.Digester(root)
    commands = {
        command
        for name in order
        for command in (*(f"{c} --version" for c in reg[name].commands), *reg[name].machine)
    }
    threads = [threading.Thread(target=digester.output, args=(c,)) for c in sorted(commands)]
    for thread in threads:
        thread.start()
    cache.environment()
    for rel in digester.files():
        digester.file_hash(rel)
    for thread in threads:
        thread.join()
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

    try:
        order = plan(where, names)
    except (ValueError, ConfigError, RegistryError) as exc:
        _emit(channel, {"error": str(exc)})
        return 2
    _emit(channel, {"plan": order})
    _prefetch(runner, where, order)
    save = runner.save

    def save_and_tell(result: Result, root: str) -> None:
        save(result, root)
        _emit(channel, {"result": result.as_dict()})

    runner.save = save_and_tell  # the runner's one hook point per finished gate
    results = runner.run_many(order, where)
    return 0 if all(r.status in (runner.PASSED, runner.CONFIG_SKIPPED) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
