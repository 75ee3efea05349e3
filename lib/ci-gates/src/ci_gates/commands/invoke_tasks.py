"""The invoke tasks, generated from the registry: one per gate, plus ``gates`` and ``tests``.

``inv gates`` runs every gate and prints the table; ``inv <gate>`` runs one gate after the
gates it requires; ``inv tests`` runs cargo test and pytest with their prerequisites. Every
task runs ``ci-gates run ...``, the same entry nox uses, so it runs in the same gates
environment (:mod:`ci_gates.core.env`) with the same verdict.

Task names: invoke turns underscores into dashes, and we keep its convention rather than
fight it (an underscore alias is folded back into the same dashed name). So the gate
``native_import`` is ``inv native-import``, ``cargo_test`` is ``inv cargo-test``;
``inv --list`` shows them. (An ``invoke.yaml`` with ``tasks: {auto_dash_names: false}`` would
switch a checkout to underscores; the template does not ship one.)

A project's ``tasks.py`` only imports ``ns`` from here.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import Task

from ci_gates.core.context import project_root
from ci_gates.core.env import source_dir
from ci_gates.core.registry import load

TESTS = ("cargo_test", "pytest")
GATES_DOC = "Every gate in dependency order, then the results table"
TESTS_DOC = "cargo test and pytest, after the gates they require"


def colour() -> bool:
    """Colour only on a terminal, unless ``NO_COLOR`` or ``FORCE_COLOR`` says otherwise."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


def gates_cli(c: Context, *args: str) -> None:
    """Run ``ci-gates run ARGS`` with this interpreter; a non-zero exit fails the task."""
    command = shlex.join([sys.executable, "-m", "ci_gates", "run", *args])
    source = source_dir()
    if source:  # the library runs from a source checkout: so does the command
        command = f"PYTHONPATH={shlex.quote(os.path.join(source, 'src'))} {command}"
    # invoke echoes the command in bold white (ANSI escapes) by default, even into a pipe.
    echo_format = "\033[1;37m{command}\033[0m" if colour() else "{command}"
    c.run(command, echo=True, echo_format=echo_format, pty=sys.stdout.isatty())


def make_task(name: str, doc: str, *args: str) -> Task[Callable[[Context], None]]:
    def body(c: Context) -> None:
        gates_cli(c, *args)

    body.__name__ = body.__qualname__ = name
    body.__doc__ = doc
    return Task(body, name=name)


def collection() -> Collection:
    ns = Collection()
    for gate in load(project_root()).gates:
        ns.add_task(make_task(gate.name, gate.description, "--with-requires", gate.name))
    ns.add_task(make_task("gates", GATES_DOC, "--all", "--report"))
    ns.add_task(make_task("tests", TESTS_DOC, "--with-requires", "--report", *TESTS))
    return ns


ns = collection()
