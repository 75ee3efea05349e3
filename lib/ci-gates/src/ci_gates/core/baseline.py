"""A baseline: existing findings a project records with a reason, so only new ones fail.

Turning on a rule (a house-style group, or adopting the gates at all) in a project with years
of history finds what is already there. Each such finding can be recorded once::

    [[tool.ci-gates.baseline]]
    rule = "LOC001"
    path = "src/legacy/parser.py"       # a path, or a glob (fnmatch)
    fingerprint = "5c1e0a9b3f27"        # optional: only findings with this message
    reason = "split planned in #214"

A matching finding is still shown, as a note starting ``baseline (<reason>):``, and no longer
fails its gate. The fingerprint is a hash of the rule, the path and the finding's message with
its numbers blanked, so the entry follows the finding when lines move or a count changes (the
same message twice in one file is one entry); an entry without one covers every finding of that
rule in that path. An entry that matches nothing
any more is itself a finding (BASE001, an error): delete it, so the baseline only shrinks.
``ci-gates baseline GATE ... --reason TEXT`` prints (``--write``: appends) the entries for what
those gates find now. The gates that take a baseline are :data:`GATES`; every other gate's
findings are ignored per rule and path in ``[tool.ci-gates] ignore``.
"""

from __future__ import annotations

import hashlib
import re
from fnmatch import fnmatchcase

from ci_gates.core.findings import ERROR, NOTE, Finding, finding_of, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The gates whose run() applies the baseline to their findings.
GATES = ("loc", "readme", "workflows", "tool_guard", "action_yaml")
KEYS = ("rule", "path", "fingerprint", "reason")


def fingerprint(finding: Finding) -> str:
    """12 hex digits over the rule, the path and the message with every number blanked."""
    message = re.sub(r"\d+", "#", finding.message)
    data = f"{finding.rule}\0{finding.path}\0{message}".encode()
    return hashlib.sha256(data).hexdigest()[:12]


def validate(value: object) -> list[dict[str, str]]:
    """``[[tool.ci-gates.baseline]]``: tables of rule, path, reason (+ fingerprint)."""
    where = "pyproject.toml [[tool.ci-gates.baseline]]"
    if not isinstance(value, list):
        raise ValueError(f"{where}: must be a list of tables (rule, path, reason)")
    out = []
    for index, entry in enumerate(value, 1):
        here = f"{where} entry {index}"
        if not isinstance(entry, dict):
            raise ValueError(f"{here}: must be a table with rule, path and reason")
        unknown = sorted(set(entry) - set(KEYS))
        if unknown:
            raise ValueError(f"{here}: unknown key {unknown[0]!r}; known keys: {', '.join(KEYS)}")
        for key in KEYS:
            if key == "fingerprint" and key not in entry:
                continue
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise ValueError(f"{here}: {key} must be a non-empty string")
        out.append({k: str(v) for k, v in entry.items()})
    return out


def matches(entry: dict[str, str], finding: Finding) -> bool:
    if entry["rule"] != finding.rule or not fnmatchcase(finding.path, entry["path"]):
        return False
    return "fingerprint" not in entry or entry["fingerprint"] == fingerprint(finding)


@rule("BASE001", gate="")
def stale_entry(entry: dict[str, str]) -> Finding:
    """A ``[[tool.ci-gates.baseline]]`` entry matches no finding any more.

    What it recorded was fixed (or its rule is off): delete the entry, so the baseline only
    shrinks and a new finding of the same kind is not hidden by an old one.
    """
    shown = f"{entry['rule']} {entry['path']}" + (
        f" ({entry['fingerprint']})" if "fingerprint" in entry else ""
    )
    return finding_of(
        stale_entry,
        f"baseline entry {shown} matches no finding any more",
        "pyproject.toml",
        fix="delete it from [[tool.ci-gates.baseline]] (the baseline only shrinks)",
    )


def apply(findings: list[Finding], config: dict[str, Any], gate: str) -> list[Finding]:
    """``findings`` of ``gate`` with the baselined ones turned into notes, plus a BASE001 for
    every entry of this gate's rules that matched none."""
    from ci_gates.core.findings import RULES

    entries = [e for e in config.get("baseline") or () if _gate_of(e["rule"], RULES) == gate]
    if not entries:
        return findings
    used: set[int] = set()
    out = []
    for f in findings:
        hit = next((i for i, e in enumerate(entries) if matches(e, f)), None)
        if hit is None or f.severity == NOTE:
            out.append(f)
            continue
        used.add(hit)
        reason = entries[hit]["reason"]
        out.append(f._replace(severity=NOTE, message=f"baseline ({reason}): {f.message}"))
    # an entry stands as long as one finding still matches it (notes included)
    used |= {i for i, e in enumerate(entries) for f in findings if matches(e, f)}
    return out + [stale_entry(e) for i, e in enumerate(entries) if i not in used]


def _gate_of(rule_id: str, rules: dict[str, Any]) -> str:
    known = rules.get(rule_id)
    return str(known.gate) if known is not None else ""


def entries_for(findings: list[Finding], reason: str) -> list[dict[str, str]]:
    """Baseline entries (one per fingerprint) for the errors among ``findings``."""
    out: dict[str, dict[str, str]] = {}
    for f in findings:
        if f.severity != ERROR or f.ignored or not f.path:
            continue
        fp = fingerprint(f)
        out.setdefault(fp, {"rule": f.rule, "path": f.path, "fingerprint": fp, "reason": reason})
    return list(out.values())


def toml_text(entries: list[dict[str, str]], messages: dict[str, str] | None = None) -> str:
    """The ``[[tool.ci-gates.baseline]]`` tables for ``entries`` (a comment quotes each finding)."""
    import json

    blocks = []
    for e in entries:
        lines = []
        if messages and e.get("fingerprint") in messages:
            lines.append(f"# {messages[e['fingerprint']][:110]}")
        lines.append("[[tool.ci-gates.baseline]]")
        lines += [f"{k} = {json.dumps(e[k])}" for k in KEYS if k in e]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")
