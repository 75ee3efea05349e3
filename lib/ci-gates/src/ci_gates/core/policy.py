"""Safety is on for every project; this template's house style is opt-in, group by group.

A rule protects every project (SHA-pinned actions, script injection, token permissions, zizmor,
publishing only from the release workflow, a stale lock file, stubs that lie) or it encodes the
way this template works (one ``nox -s`` per workflow step, a README per directory, a line budget,
tool pins in the workflows, Conventional Commits). The first kind always runs. The second kind
runs only where ``[tool.ci-gates] policy`` names its group, or ``"house-style"`` for all of them:

    [tool.ci-gates]
    policy = ["house-style"]                 # every group below
    policy = ["line-budget", "readmes"]      # or some of them

A group is whole gates (skipped with a reason when the group is off, see :func:`skips`) or single
rules inside a gate that also has safety rules (their findings are dropped, see :func:`keep`).
``ci-gates adopt`` writes ``policy = []`` with every group and what it turns on, as comments.
Standard library only: the agent hooks import it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.findings import Finding

HOUSE_STYLE = "house-style"

# group -> (what it asks for, whole gates it turns on, rules it turns on inside other gates)
GROUPS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "line-budget": (
        "no source file over [tool.ci-gates.loc] fail lines (the loc gate)",
        ("loc",),
        (),
    ),
    "readmes": (
        "a README.md in every [tool.ci-gates.readme] dirs directory, within min/max lines, "
        "and the gate table in README.md",
        (),
        ("RDM001", "RDM002", "RDM003", "RDM008", "SYN002"),
    ),
    "thin-workflows": (
        "every run: step of ci.yml and the release files is one `nox -s <session>`; ci.yml runs "
        "every gate, continues after a failure, reports, and cancels superseded runs",
        (),
        (
            "WF002",
            "WF011",
            "WF012",
            "WF014",
            "WF016",
            "WF017",
            "WF018",
            "WF019",
            "WF020",
            "WF021",
            "WF022",
            "WF023",
            "SYN001",
            "TG003",
        ),
    ),
    "tool-pins": (
        "workflows install nox and uv (setup-uv) at the pins of ci/requirements-dev.txt",
        (),
        ("WF013", "WF015"),
    ),
    "job-timeouts": ("every workflow job that runs steps sets timeout-minutes", (), ("WF007",)),
    "conventional-commits": (
        "commit subjects are Conventional Commits (the commits gate)",
        ("commits",),
        (),
    ),
}

RULE_GROUP = {rule: group for group, (_, _, rules) in GROUPS.items() for rule in rules}
GATE_GROUP = {gate: group for group, (_, gates, _) in GROUPS.items() for gate in gates}


def validate(value: object) -> list[str]:
    """``policy``: a list of group names (or ``"house-style"``); raises ``ValueError`` (the config reports it)."""
    where = "pyproject.toml [tool.ci-gates] policy"
    known = [HOUSE_STYLE, *GROUPS]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f'{where}: must be a list of group names, e.g. ["{HOUSE_STYLE}"]')
    for name in value:
        if name not in known:
            raise ValueError(f"{where}: unknown group {name!r}; known: {', '.join(known)}")
    return list(value)


def groups_on(config: dict[str, Any]) -> set[str]:
    """The house-style groups this project turned on."""
    chosen = set(config.get("policy") or ())
    return set(GROUPS) if HOUSE_STYLE in chosen else chosen & set(GROUPS)


def rule_on(config: dict[str, Any], rule_id: str) -> bool:
    """Is ``rule_id`` in force? Safety rules always are; a house-style rule when its group is on."""
    group = RULE_GROUP.get(rule_id)
    return group is None or group in groups_on(config)


def group_on(config: dict[str, Any], group: str) -> bool:
    return group in groups_on(config)


def keep(findings: list[Finding], config: dict[str, Any]) -> list[Finding]:
    """``findings`` without those of house-style rules whose group is off."""
    on = groups_on(config)
    return [f for f in findings if RULE_GROUP.get(f.rule, "") in on or f.rule not in RULE_GROUP]


def how_to_turn_on(group: str) -> str:
    return f'add "{group}" (or "{HOUSE_STYLE}") to [tool.ci-gates] policy'


def skips(policy: list[str]) -> dict[str, str]:
    """Gates whose whole group is off: gate -> the reason the runner shows for the skip."""
    on = groups_on({"policy": policy})
    return {
        gate: f"house style {group!r} is off ({GROUPS[group][0]}); {how_to_turn_on(group)}"
        for gate, group in GATE_GROUP.items()
        if group not in on
    }


def comment_lines() -> list[str]:
    """The commented list of groups ``ci-gates adopt`` writes above ``policy = []``."""
    lines = [
        "# House style (conventions some projects keep, none needs), off here: name a group in",
        f'# `policy` to turn it on, or "{HOUSE_STYLE}" for all. Safety rules (pinned actions,',
        "# injection, token permissions, zizmor, publishing only from the release workflow) are",
        "# always on.",
    ]
    lines += [f"#   {name}: {what}" for name, (what, _, _) in GROUPS.items()]
    return lines
