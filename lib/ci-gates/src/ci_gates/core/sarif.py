"""The gates' findings as SARIF 2.1.0, the format GitHub code scanning uploads.

One run, tool ``ci-gates``: every declared rule (its docstring is the help text) and one
result per finding that has a path, with its physical location relative to ``%SRCROOT%``.
An ignored finding keeps its result with an external suppression carrying the configured
reason. Findings without a path (a missing tool, a gate that could not run) have no location
GitHub could show, so they go to the invocation's ``toolExecutionNotifications``; the same
findings appear in the table, the JSON report and the annotations.
"""

from __future__ import annotations

from ci_gates.core.findings import ERROR, NOTE, WARNING, Finding, Rule
from ci_gates.core.registry import load_rules

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.runner import Result

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {ERROR: "error", WARNING: "warning", NOTE: "note"}


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": [rule.gate or "runner"]},
    }


def _message(finding: Finding) -> dict[str, str]:
    text = finding.message + (f"\nFix: {finding.fix}" if finding.fix else "")
    return {"text": text}


def _location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"}}
    if finding.line > 0:
        region = {"startLine": finding.line}
        if finding.column > 0:
            region["startColumn"] = finding.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _result(finding: Finding, gate: str, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVEL.get(finding.severity, "error"),
        "message": _message(finding),
        "locations": [_location(finding)],
        "properties": {"gate": gate},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.ignored:
        result["suppressions"] = [{"kind": "external", "justification": finding.ignored}]
    return result


def _notification(finding: Finding, gate: str, index: dict[str, int]) -> dict[str, Any]:
    note: dict[str, Any] = {
        "level": _LEVEL.get(finding.severity, "error"),
        "message": {"text": f"{gate}: {_message(finding)['text']}"},
        "descriptor": {"id": finding.rule},
    }
    if finding.rule in index:
        note["associatedRule"] = {"id": finding.rule, "index": index[finding.rule]}
    return note


def document(results: list[Result], root: str) -> dict[str, Any]:
    """The SARIF log for ``results`` of the project at ``root`` (a JSON-ready dict)."""
    rules = sorted(load_rules(root).values(), key=lambda r: r.id)
    index = {r.id: i for i, r in enumerate(rules)}
    found, notes = [], []
    for result in results:
        for finding in result.findings:
            if finding.path:
                found.append(_result(finding, result.gate, index))
            else:
                notes.append(_notification(finding, result.gate, index))
    ok = all(r.status in ("passed", "skipped") for r in results)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "ci-gates", "rules": [_rule(r) for r in rules]}},
                "invocations": [{"executionSuccessful": ok, "toolExecutionNotifications": notes}],
                "results": found,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
