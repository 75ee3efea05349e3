"""PostToolUse hook: after an edit, the file-level rules of the gates on the files just written.

Claude Code ``Write`` / ``Edit`` / ``MultiEdit`` (``tool_input.file_path``) and Codex
``apply_patch`` (every added, updated or renamed-to file of the patch). Which rules run is
decided from each path before anything heavy is imported:

=================================  ==========================================================
``*.py`` / ``*.pyi``               ``ruff check`` + ``ruff format --check`` (gate ``ruff``)
``*.rs``                           ``rustfmt --check --edition E`` (gate ``fmt``)
``.github/workflows/*.yml``,       the per-file rules of gates ``workflows`` and
composite ``action.yml``           ``action_yaml`` (not the schema, not zizmor)
a counted extension                the line budget, LOC001-3 (gate ``loc``)
every file                         its directory's README.md, in full for a README (``readme``)
=================================  ==========================================================

(:mod:`ci_gates.hooks.tools` runs the tools.) A gate skipped in ``[tool.ci-gates] skip`` is
skipped here too, and ``[tool.ci-gates] ignore`` applies. Findings go back to the model as
``hookSpecificOutput.additionalContext``, for both agents: one line per finding with its rule
ID, place and fix. It is not ``decision: "block"``: the edit has happened and stays, Codex would
*replace* the tool's result with the reason, and Claude labels a block as a hook error that
agents misread as a failed edit and retry. Nothing found: no output.

``[tool.ci-gates.hooks] post-edit = false`` turns it off. The agent runs
``python3 -I -S ci/hooks/guard.py post_edit [codex]`` (``readme_guard``, its old name, is an alias).
"""

from __future__ import annotations

from ci_gates.hooks.protocol import CONTEXT, Call, Skip, config, entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.findings import Finding
    from ci_gates.hooks.protocol import Answer

WRITE_TOOLS = ("Write", "Edit", "MultiEdit", "apply_patch")
MAX_FINDINGS = 25


def kind(rel: str) -> str:
    """``python``, ``rust``, ``workflow``, ``action`` or "" (no tool for it), from the path."""
    name = rel.rpartition("/")[2]
    if name.endswith((".py", ".pyi")):
        return "python"
    if name.endswith(".rs"):
        return "rust"
    if name.endswith((".yml", ".yaml")):
        from ci_gates.hooks.filerules import kind as yaml_kind

        return yaml_kind(rel)
    return ""


def _loc(call: Call, rels: list[str], cfg: dict[str, Any]) -> list[Finding]:
    from ci_gates.gates.loc import budget_findings, count_lines, is_counted

    out: list[Finding] = []
    for rel in rels:
        if not is_counted(rel, cfg):
            continue
        try:
            text = call.read(rel)
        except Skip as exc:  # binary, not UTF-8, unreadable: the gate reads it differently
            call.warnings.append(str(exc))
            continue
        if text is not None:
            out += budget_findings(rel, count_lines(text), cfg)
    return out


def findings(call: Call, rels: list[str], cfg: dict[str, Any]) -> list[Finding]:
    """Every finding of the file-level rules on ``rels`` (repo-relative, as written)."""
    import os

    from ci_gates.hooks import tools

    skip = cfg.get("skip", {})
    present = [r for r in rels if os.path.isfile(os.path.join(call.root, r))]
    kinds = {r: kind(r) for r in present}
    by_kind = {k: [r for r in present if kinds[r] == k] for k in set(kinds.values())}
    jobs = []  # every tool starts before the in-process rules run: their times overlap
    if "ruff" not in skip:
        jobs += tools.start_ruff(call.root, by_kind.get("python", []), call.warnings)
    if "fmt" not in skip:
        jobs += tools.start_rustfmt(call.root, by_kind.get("rust", []), call.warnings)
    yaml = by_kind.get("workflow", []) + by_kind.get("action", [])
    jobs += tools.start_yaml(call.root, yaml, call.warnings)
    out: list[Finding] = []
    if "loc" not in skip:
        out += _loc(call, present, cfg)
    # What git ignores is no gate's business (they walk the tree as git sees it).
    asked = [r for r in present if kinds[r] or any(f.path == r for f in out)]
    git = tools.start_ignored(call.root, asked)
    if "readme" not in skip:
        from ci_gates.hooks import readme

        out += readme.findings(call, rels, cfg)
    out = tools.collect(jobs, call.warnings) + out
    skipped = tools.ignored(git)
    return [f for f in out if f.path not in skipped]


def _counted(found: list[Finding], cfg: dict[str, Any]) -> list[Finding]:
    """Without the findings ``[tool.ci-gates] ignore`` ignores (the runner's own test)."""
    ignore = cfg.get("ignore") or {}
    if not ignore:
        return found
    from ci_gates.core.runner import ignore_reason  # heavy: only when something is ignored

    return [f for f in found if not ignore_reason(f, ignore)]


def describe(found: list[Finding]) -> str:
    """The additionalContext: factual, one finding per line (rule ID, place, fix), within the
    protocol's size cap, the rest counted."""
    from ci_gates.hooks.protocol import MAX_TEXT

    head = (
        "ci-gates post-edit check: the edit was applied; the project's gates will report "
        f"{'this' if len(found) == 1 else f'these {len(found)} findings'} on the file(s) "
        "just written (rule ID in brackets, then the fix):"
    )
    lines, size = [head], len(head)
    for f in found[:MAX_FINDINGS]:
        line = ("" if f.severity == "error" else f"({f.severity}) ") + f.text()
        if size + len(line) + 1 > MAX_TEXT - 100:
            break
        lines.append(line)
        size += len(line) + 1
    if len(lines) - 1 < len(found):
        lines.append(f"... and {len(found) - len(lines) + 1} more (`nox -s gates` lists them all)")
    return "\n".join(lines)


def check(call: Call) -> Answer:
    call.expect("PostToolUse", WRITE_TOOLS)
    from ci_gates.hooks.readme import written

    rels = written(call)
    if not rels:
        return None
    cfg = config(call.root)
    if not cfg.get("hooks", {}).get("post-edit", True):
        return None
    found = _counted(findings(call, rels, cfg), cfg)
    return (CONTEXT, describe(found)) if found else None


main = entry("post_edit", check)
