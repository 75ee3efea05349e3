"""The tool_guard gate over the repository's files: workflows, actions, scripts, Markdown.

Which files: git-tracked ones plus untracked ones git does not ignore (what is about to be
committed), minus ``[tool.ci-gates.tool-guard] exclude``. Workflow and action steps are read
by :mod:`ci_gates.parsers.steps` (shell, ``env:``, working directory, checkouts, release-only jobs),
Markdown by :mod:`ci_gates.parsers.markdown`; the commands go through :func:`ci_gates.gates.tool_guard.rules.findings`.
Gate-only (yaml, subprocess): the hook never imports this module.
"""

from __future__ import annotations

import os
import re

from ci_gates.core.findings import CannotRun, Finding
from ci_gates.gates.tool_guard.rules import (
    RELEASE,
    Scope,
    _norm,
    _section,
    context_for,
    findings,
    invalid_yaml,
    step_not_checked,
)
from ci_gates.parsers import shell

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_ACTION_OR_WORKFLOW = (
    r"\.github/workflows/[^/]+\.ya?ml|(\.github/actions/(.+/)?|action/(.+/)?)?action\.ya?ml"
)
# A composite action under .github/actions/ runs in this repository's own jobs (a checkout of it
# in the workspace); one at the root or under action/ is published, and runs in its users' jobs.
_THIS_WORKSPACE = (("", True),)
_THEIR_WORKSPACE = (("", False),)


def listed(root: str) -> list[str]:
    """Git-tracked files plus untracked ones git does not ignore."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError as exc:
        raise CannotRun(
            f"cannot run git ({exc})", "install git and re-run `nox -s tool_guard`"
        ) from None
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git failed"]
        raise CannotRun(
            f"{root}: cannot list files with `git ls-files` ({why[0]})",
            "run the tool_guard gate in a git checkout",
        )
    return sorted({f for f in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if f})


def step_findings(rel: str, text: str, context: str, root: str) -> list[Finding]:
    """Findings for the ``run:`` steps of a workflow or action; raises ``yaml.YAMLError``.

    The steps of one job are read in order: a project a step synced (``uv sync``) is synced
    for the later steps of that job that run whenever it ran (no ``if:``, or the same one).
    """
    from ci_gates.parsers.steps import dialect, steps
    from ci_gates.parsers.uvrun import synced_after

    out: list[Finding] = []
    synced: dict[tuple[str, str], tuple[str, ...]] = {}  # (job, if:) -> projects synced
    for step in steps(text):
        checkouts = step.checkouts
        if checkouts is None:
            checkouts = _THIS_WORKSPACE if rel.startswith(".github/") else _THEIR_WORKSPACE
        before = synced.get((step.job, ""), ()) + synced.get((step.job, step.cond), ())
        context_here = RELEASE if step.release else context
        scope = Scope(context_here, root, step.cwd, checkouts, tuple(dict.fromkeys(before)))
        if "{0}" in step.shell:  # a template is itself a command: `uv run python {0}` builds
            template = step.shell.replace("{0}", "step.script")
            out += findings(template, scope, line=step.shell_line, path=rel)
        kind = dialect(step.shell)
        if kind is None:
            out.append(step_not_checked(rel, step.shell_line + 1, step.shell))
        elif kind != "python":
            out += findings(step.script, scope, kind, step.env, step.line, rel)
            after = synced_after(step.script, scope, kind, step.env)
            gone = set(before) - set(after)  # a wheel installed over a sync undoes it
            for key in [k for k in synced if k[0] == step.job]:
                synced[key] = tuple(p for p in synced[key] if p not in gone)
            synced[(step.job, step.cond)] = after
    return out


def file_findings(rel: str, text: str, config: dict[str, Any], root: str = "") -> list[Finding]:
    """The findings for a workflow, action, script or Markdown file (``rel`` repo-relative)."""
    from ci_gates.parsers.markdown import shell_blocks

    context = context_for(rel, config)
    if re.fullmatch(_ACTION_OR_WORKFLOW, rel):
        import yaml

        try:
            return step_findings(rel, text, context, root)
        except yaml.YAMLError as exc:
            return [invalid_yaml(rel, exc)]
    scope = Scope(context, root, "", None)
    if rel.endswith(".md"):
        return [
            f
            for block in shell_blocks(text)
            for f in findings(block.script, scope, block.dialect, None, block.line, rel)
        ]
    dialect = shell.POWERSHELL if rel.endswith(".ps1") else shell.BASH
    return findings(text, scope, dialect, None, 0, rel)


def checked(rel: str, section: dict[str, Any]) -> bool:
    from fnmatch import fnmatchcase

    if any(fnmatchcase(rel, pattern) for pattern in section["exclude"]):
        return False
    scripts = {_norm(p) for p in section["scripts"]}
    return bool(
        re.fullmatch(_ACTION_OR_WORKFLOW, rel)
        or rel.endswith((".sh", ".ps1", ".md"))
        or rel in scripts
    )


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.core.context import config_for

    root, config = config_for(root)
    try:
        import yaml  # noqa: F401
    except ImportError:
        raise CannotRun("tool_guard: needs pyyaml", "run `nox -s tool_guard`") from None
    from ci_gates.core.baseline import apply
    from ci_gates.core.policy import keep

    section = _section(config)
    out: list[Finding] = []
    for rel in listed(root):
        if not checked(rel, section):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError:
            continue  # listed but deleted in the work tree
        out += file_findings(rel, text, config, root)
    return apply(keep(out, config), config, "tool_guard")
