"""``ci-gates baseline --reason TEXT [--write] [GATE ...]``: record what the gates find now.

Runs the named gates (default: every gate that takes a baseline, :data:`ci_gates.core.baseline.
GATES`) without the result cache and prints one ``[[tool.ci-gates.baseline]]`` entry per error
they report, each with the reason given and a comment quoting the finding; ``--write`` appends
them to pyproject.toml. From then on those findings are notes, new ones still fail, and an entry
whose finding is gone fails until it is deleted (:mod:`ci_gates.core.baseline`). Exit status 0,
or 2 for a usage error or a gate that could not run (nothing is written then).
"""

from __future__ import annotations

import os
import sys

USAGE = "usage: ci-gates baseline --reason TEXT [--write] [GATE ...]"


def _arguments(argv: list[str]) -> tuple[str, bool, list[str]] | None:
    reason, write, gates = "", False, []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--write":
            write = True
        elif arg == "--reason" and args:
            reason = args.pop(0)
        elif arg.startswith("--reason="):
            reason = arg.partition("=")[2]
        elif arg.startswith("-"):
            return None
        else:
            gates.append(arg)
    return (reason.strip(), write, gates) if reason.strip() else None


def main(argv: list[str]) -> int:
    from ci_gates.core import baseline
    from ci_gates.core.context import project_root
    from ci_gates.core.registry import load
    from ci_gates.core.runner import CANNOT_RUN, run_many

    parsed = _arguments(argv)
    if parsed is None:
        print(f"{USAGE}\n  (a reason is required: it is written into every entry)", file=sys.stderr)
        return 2
    reason, write, gates = parsed
    root = project_root()
    names = gates or list(baseline.GATES)
    wrong = [g for g in names if g not in baseline.GATES]
    if wrong:
        print(
            f"ci-gates baseline: {wrong[0]} takes no baseline; gates that do: "
            f"{', '.join(baseline.GATES)}",
            file=sys.stderr,
        )
        return 2
    results = run_many([n for n in load(root).names if n in names], root, use_cache=False)
    broken = [r.gate for r in results if r.status == CANNOT_RUN]
    if broken:
        print(
            f"ci-gates baseline: {', '.join(broken)} could not run; nothing recorded",
            file=sys.stderr,
        )
        return 2
    findings = [f for r in results for f in r.findings]
    entries = baseline.entries_for(findings, reason)
    messages = {baseline.fingerprint(f): f.text() for f in findings}
    text = baseline.toml_text(entries, messages)
    if not entries:
        print("ci-gates baseline: no error to record")
        return 0
    if write:
        path = os.path.join(root, "pyproject.toml")
        with open(path, encoding="utf-8") as f:
            before = f.read()
        with open(path, "a", encoding="utf-8", newline="\n") as f:
            f.write(("" if before.endswith("\n") else "\n") + "\n" + text)
        print(f"ci-gates baseline: appended {len(entries)} entries to pyproject.toml")
    else:
        print(text, end="")
    return 0
