"""A finding is data: rule ID, path, line, column, message, fix, severity.

Every gate returns a list of :class:`Finding`; the runner derives the verdict from it
(``GATE001`` → could not run, an error that is not ignored → failed, else passed), and the
table, the JSON report, GitHub annotations and SARIF are views of the same list.

A rule is one small function decorated with :func:`rule`; its docstring is the explanation
shown by ``python -m ci_gates.gates --rules`` and in SARIF. The decorator only records the rule in
:data:`RULES`; it does not wrap the function, so hooks call rule functions at full speed.
Standard library only, imported by the hooks on every call.
"""

from __future__ import annotations

ERROR, WARNING, NOTE = "error", "warning", "note"
SEVERITIES = (ERROR, WARNING, NOTE)

# typing and inspect cost more to import than a hook may take: typed views for mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NamedTuple, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

    class _Finding(NamedTuple):
        rule: str
        message: str
        path: str = ""
        line: int = 0
        column: int = 0
        fix: str = ""
        severity: str = ERROR
        ignored: str = ""

    class _Rule(NamedTuple):
        id: str
        name: str
        gate: str
        severity: str
        doc: str
else:
    from ci_gates.core.records import (
        record,  # half of namedtuple's import-time cost: hooks import this module
    )

    _Finding = record(
        "_Finding",
        "rule message path line column fix severity ignored",
        ("", 0, 0, "", ERROR, ""),
    )
    _Rule = record("_Rule", "id name gate severity doc")


class Finding(_Finding):
    """One thing a gate found.

    ``message`` says what is wrong (one line); ``path`` is repo-relative with "/" (or "" when
    the finding is not about a file); ``line``/``column`` are 1-based, 0 when unknown; ``fix``
    says what to do, runnable as printed where it names a command; ``ignored`` holds the
    reason from ``[tool.ci-gates] ignore`` when that covers the finding.
    """

    __slots__ = ()

    def location(self) -> str:
        if not self.path:
            return ""
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        return f"{self.path}:{self.line}" if self.line else self.path

    def text(self) -> str:
        """``path:line: message; fix [RULE]``: the one line a person reads."""
        where = self.location()
        body = f"{where}: {self.message}" if where else self.message
        if self.fix:
            body = f"{body}; {self.fix}"
        return f"{body} [{self.rule}]"

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self._fields, self))


class Rule(_Rule):
    """A declared rule: ``name`` is its function's name, ``gate`` the gate that reports it
    ("" for the runner's own rules), ``summary`` the docstring's first line, ``help`` all of it.
    The docstring is cleaned only when read (``--rules``, SARIF), never on a hook's import.
    """

    __slots__ = ()

    @property
    def help(self) -> str:
        return cleandoc(self.doc)

    @property
    def summary(self) -> str:
        return self.help.splitlines()[0]


def cleandoc(doc: str) -> str:
    """``inspect.cleandoc`` without importing inspect (hooks import this module)."""
    lines = doc.expandtabs().splitlines()
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents) if indents else 0
    out = [lines[0].strip()] if lines else []
    out.extend(ln[margin:].rstrip() for ln in lines[1:])
    while out and not out[-1]:
        out.pop()
    while out and not out[0]:
        out.pop(0)
    return "\n".join(out)


RULES: dict[str, Rule] = {}
_OF_FUNCTION: dict[object, Rule] = {}


def _register(rule_id: str, name: str, gate: str, severity: str, doc: str) -> Rule:
    if severity not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: severity {severity!r} is not one of {SEVERITIES}")
    if not doc or not doc.strip():
        raise ValueError(f"rule {rule_id} ({name}): needs a docstring; it is the rule's help")
    known = RULES.get(rule_id)
    if known is not None and (known.name, known.gate) != (name, gate):
        raise ValueError(
            f"rule {rule_id} is declared twice: {known.gate}.{known.name}, {gate}.{name}"
        )
    entry = Rule(rule_id, name, gate, severity, doc)
    RULES[rule_id] = entry
    return entry


def rule(rule_id: str, severity: str = ERROR, gate: str | None = None) -> Callable[[F], F]:
    """Declare ``rule_id`` for the decorated function; its docstring is the rule's help.

    ``gate`` defaults to the name after ``gates`` in the module's path (``ci_gates.gates.loc``,
    ``ci_gates.gates.tool_guard.rules`` and a project's ``ci.gates.parity`` are ``loc``,
    ``tool_guard`` and ``parity``), else the module's last name.
    """

    def decorate(func: F) -> F:
        owner = gate if gate is not None else gate_of_module(func.__module__)
        _OF_FUNCTION[func] = _register(rule_id, func.__name__, owner, severity, func.__doc__ or "")
        return func

    return decorate


def finding_of(
    rule_function: Callable[..., Any],
    message: str,
    path: str = "",
    line: int = 0,
    column: int = 0,
    fix: str = "",
    severity: str = "",
) -> Finding:
    """A finding of the rule ``rule_function`` declares: its ID (written once, in ``@rule``)
    and its severity unless ``severity`` says otherwise."""
    declared = _OF_FUNCTION[rule_function]
    return Finding(declared.id, message, path, line, column, fix, severity or declared.severity)


def gate_of_module(module: str) -> str:
    """The gate a module belongs to: the package name after ``gates`` (see :func:`rule`)."""
    parts = module.split(".")
    if "gates" in parts[:-1]:
        return parts[parts.index("gates") + 1]
    return parts[-1]


def could_not_run() -> None:
    """The gate could not run: a tool is missing, the config or an input is unreadable.

    A gate that cannot do its job never passes silently; the message names what is missing
    and the fix says how to get it. This rule cannot be ignored.
    """


def crashed() -> None:
    """The gate crashed: an exception escaped its ``run()``. This is a bug in the gate.

    The traceback is printed above the table; the message names the exception. This rule
    cannot be ignored.
    """


def unknown_rule() -> None:
    """A gate reported a finding under a rule ID that no rule declares.

    Every finding must name a declared rule so ``--rules``, the ignore list and SARIF can
    explain it. This rule cannot be ignored.
    """


def ran_as(label: str, detail: str = "") -> Finding:
    """The gate checked one variant (an interpreter, a target): one row of the results table.

    A gate that runs the same checks under several variants reports one of these notes per
    variant; the table shows a row for each under the gate's row. A finding counts for every
    variant unless its message starts ``on <label>[, <label>]:`` (see :func:`labelled`).
    """
    where = f" ({detail})" if detail else ""
    return Finding(VARIANT_RULE, f"{CHECKED}{label}{where}", severity=NOTE)


CANNOT_RUN_RULE, CRASHED_RULE, UNKNOWN_RULE = "GATE001", "GATE002", "GATE003"
VARIANT_RULE = "GATE004"
CHECKED, ON = "checked under ", "on "
rule(CANNOT_RUN_RULE, gate="")(could_not_run)
rule(CRASHED_RULE, gate="")(crashed)
rule(UNKNOWN_RULE, gate="")(unknown_rule)
rule(VARIANT_RULE, severity=NOTE, gate="")(ran_as)


def labelled(finding: Finding, labels: list[str]) -> Finding:
    """``finding`` said of some variants only: ``on CPython 3.9, CPython 3.13: <message>``."""
    return finding._replace(message=f"{ON}{', '.join(labels)}: {finding.message}")


def variant_labels(findings: list[Finding] | tuple[Finding, ...]) -> list[str]:
    """The variants a gate ran as, from its :func:`ran_as` notes, in order."""
    return [
        f.message[len(CHECKED) :].partition(" (")[0]
        for f in findings
        if f.rule == VARIANT_RULE and f.message.startswith(CHECKED)
    ]


def concerns(finding: Finding, label: str) -> bool:
    """Does ``finding`` concern the variant ``label`` (every variant unless :func:`labelled`)?"""
    if not finding.message.startswith(ON) or ": " not in finding.message:
        return True
    head = finding.message[len(ON) :].partition(": ")[0]
    labels = [x.strip() for x in head.split(",")]
    return label in labels if all(labels) else True


# Findings under these mean "could not run", whatever the ignore list says.
UNIGNORABLE = frozenset({CANNOT_RUN_RULE, CRASHED_RULE, UNKNOWN_RULE})


def cannot_run(message: str, fix: str = "", path: str = "", line: int = 0) -> list[Finding]:
    """The one-element finding list of a gate that could not run (``return cannot_run(...)``)."""
    return [Finding(CANNOT_RUN_RULE, message, path, line, 0, fix)]


def from_dict(data: dict[str, Any]) -> Finding:
    """A finding saved by :meth:`Finding.as_dict` (unknown keys are dropped)."""
    return Finding(**{k: data[k] for k in Finding._fields if k in data})


class CannotRun(Exception):
    """Raised anywhere inside a gate's ``run()``: the runner reports it as ``GATE001``."""

    def __init__(self, message: str, fix: str = "", path: str = "") -> None:
        super().__init__(message)
        self.message, self.fix, self.path = message, fix, path

    def finding(self) -> Finding:
        return Finding(CANNOT_RUN_RULE, self.message, self.path, 0, 0, self.fix)
