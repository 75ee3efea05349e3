"""Run one gate against a fixture the way the runner would, for tests (repo-review's shape).

``outcome = run_gate("loc", root)`` calls ``ci_gates.gates.loc.run(root)``, turns ``CannotRun`` into
its ``GATE001`` finding and applies the fixture's ``[tool.ci-gates] ignore``, exactly as
:func:`ci_gates.core.runner.run_one` does; ``outcome.status`` is ``passed`` / ``failed`` /
``could not run`` and ``outcome.rules`` the rule IDs found, in order (without the
per-variant ``GATE004`` notes; :func:`variant_rows` returns those).
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

from ci_gates.core.findings import VARIANT_RULE, CannotRun, Finding
from ci_gates.core.registry import load
from ci_gates.core.runner import ignore_reason, ignore_table, status_of


class Outcome(NamedTuple):
    status: str
    findings: list[Finding]

    @property
    def rules(self) -> list[str]:
        return [f.rule for f in self.findings if not f.ignored]

    @property
    def text(self) -> str:
        """Every counted finding's one-line text, joined by newlines (for ``in`` checks)."""
        return "\n".join(f.text() for f in self.findings if not f.ignored)


def gate_module(name: str, root: str) -> Any:
    """The module of gate ``name`` in the project at ``root`` (a built-in gate or a plugin)."""
    return importlib.import_module(load(root)[name].module)


def run_gate(name: str, root: object) -> Outcome:
    module = gate_module(name, str(root))
    try:
        findings = list(module.run(str(root)))
    except CannotRun as exc:
        findings = [exc.finding()]
    ignore = ignore_table(str(root))
    findings = [f._replace(ignored=ignore_reason(f, ignore)) for f in findings]
    # The "checked under <variant>" notes only make the table's per-variant rows; a test asks
    # about them with `variant_rows`.
    return Outcome(status_of(findings), [f for f in findings if f.rule != VARIANT_RULE])


def variant_rows(name: str, root: object) -> list[str]:
    """The variants (``CPython 3.9``, ...) the gate's table rows would show."""
    from ci_gates.core.findings import variant_labels

    module = gate_module(name, str(root))
    return variant_labels(list(module.run(str(root))))
