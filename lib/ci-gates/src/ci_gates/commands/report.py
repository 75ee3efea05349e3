"""``ci-gates report`` (``nox -s report``): the table of the saved results, then the release preview.

CI's last step. Under GitHub Actions (``$GITHUB_STEP_SUMMARY``) the job summary also gets what
the next release would ship (the plan: package, version, why) with its API verdict, computed
offline from git and the sources, with no token: a pull request shows its release consequences
before it merges. A plan that cannot be made says why in the summary and never fails the step.
"""

from __future__ import annotations

import os


def preview(root: str) -> str:
    """The release plan as Markdown for the job summary (never raises)."""
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.core.config import ConfigError
    from ci_gates.release.plan import make_plan

    try:
        plan = make_plan(root, api=True)
    except (ReleaseError, ConfigError) as exc:
        return f"\n### Release preview\n\nNo plan: {exc}\n"
    if not plan.entries:
        return (
            "\n### Release preview\n\nNothing to release: no package changed since its last tag.\n"
        )
    rows = ["| package | next | bump | why | API |", "|---|---|---|---|---|"]
    for e in plan.entries:
        api = "not compared" if e.api is None else _api(e.api)
        reason = e.reason.replace("|", "\\|")
        rows.append(f"| `{e.name}` | {e.version} | {e.bump} | {reason} | {api} |")
    return "\n### Release preview\n\n" + "\n".join(rows) + "\n"


def _api(verdict: dict[str, object]) -> str:
    if not verdict.get("baseline"):
        return "first release"
    counts = {}
    for kind in ("breaking", "additive"):
        items = verdict.get(kind)
        counts[kind] = len(items) if isinstance(items, list) else 0
    if not any(counts.values()):
        return "unchanged"
    parts = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)
    required = verdict.get("required")
    return parts + (f" (needs {required})" if required else "")


def main(argv: list[str]) -> int:
    from ci_gates.core import report
    from ci_gates.core.context import project_root

    status = report.main(argv)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        text = preview(project_root())
        with open(summary, "a", encoding="utf-8") as f:
            f.write(text)
    return status
