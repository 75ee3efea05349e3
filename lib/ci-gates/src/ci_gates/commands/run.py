"""``ci-gates run [--with-requires] [--report] [--verbose] [--no-cache] [--jobs=N] (--all | NAME ...)``.

Exit status: 0 when every gate asked for passed (or is skipped in config); otherwise 2 if any
could not run, else 1 (a failure, or a gate not run because a prerequisite failed).

``--with-requires`` also runs every prerequisite of the named gates first (what ``inv NAME``
and ``nox -s tests`` do; ``nox -s NAME`` runs the prerequisites as sessions of their own).
``--report`` prints the results table at the end and writes ``target/ci-gates/report.json``
and ``report.sarif``; ``--verbose`` lists every finding above the table.
``--no-cache`` (or ``CI_GATES_NO_CACHE=1``) runs every gate even when its inputs match its
last pass (:mod:`ci_gates.core.cache`). ``--jobs=N`` (or ``CI_GATES_JOBS``; ``auto``: one per
core) runs up to N independent gates at once, with the same verdicts and the output still in
order (:mod:`ci_gates.core.parallel`); ``nox -s gates`` passes ``--jobs=auto``. ``ci-gates rules [GATE ...]`` (``--rules``) lists every
rule with its explanation.
"""

from __future__ import annotations

import os
import sys

from ci_gates.core.context import project_root
from ci_gates.core.registry import load, load_rules
from ci_gates.core.runner import CANNOT_RUN, CONFIG_SKIPPED, PASSED, run_many

USAGE = (
    "usage: ci-gates run [--with-requires] [--report] [--verbose] [--no-cache] [--jobs=N|auto]\n"
    "                    (--all | NAME ...)\n"
    "       ci-gates rules [GATE ...]"
)
FLAGS = {"--all", "--with-requires", "--report", "--verbose", "--rules", "--no-cache", "--jobs"}
JOBS = "CI_GATES_JOBS"  # the default of --jobs (1: one gate at a time)


def option_name(arg: str) -> str:
    """``--jobs=2`` -> ``--jobs`` (what FLAGS holds)."""
    return arg.partition("=")[0]


def rules_text(root: str, gates: list[str]) -> str:
    """Every declared rule (of ``gates``, or all), grouped by gate, with its whole docstring."""
    out = []
    for rule in sorted(load_rules(root).values(), key=lambda r: (r.gate, r.id)):
        if gates and rule.gate not in gates:
            continue
        owner = rule.gate or "runner"
        out.append(f"{rule.id}  {owner}.{rule.name}  [{rule.severity}]")
        out.extend(f"    {line}".rstrip() for line in rule.help.splitlines())
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    root = project_root()
    reg = load(root)
    if not argv or "-h" in argv or "--help" in argv:
        print(f"{USAGE}\ngates: {', '.join(reg.names)}")
        return 0 if argv else 2
    flags = {option_name(a) for a in argv if a.startswith("--")}
    names = [a for a in argv if not a.startswith("--")]
    jobs_arg = next((a.partition("=")[2] for a in argv if option_name(a) == "--jobs"), "")
    unknown_flags = sorted(flags - FLAGS)
    if unknown_flags:
        print(f"ci-gates: unknown option {unknown_flags[0]}\n{USAGE}", file=sys.stderr)
        return 2
    unknown = [n for n in names if n not in reg]
    if unknown:
        print(
            f"ci-gates: unknown gate {unknown[0]!r}; known gates: {', '.join(reg.names)}",
            file=sys.stderr,
        )
        return 2
    if "--rules" in flags:
        sys.stdout.write(rules_text(root, names))
        return 0
    if "--all" in flags:
        if names:
            print(f"ci-gates: --all takes no gate names\n{USAGE}", file=sys.stderr)
            return 2
        names = list(reg.names)
    if not names:
        print(f"ci-gates: no gate named; known gates: {', '.join(reg.names)}", file=sys.stderr)
        return 2
    if "--no-cache" in flags:  # the gates see it too (the pytest gate then runs every test)
        os.environ["CI_GATES_NO_CACHE"] = "1"
    if "--with-requires" in flags:
        names = reg.with_requires(names)
    from ci_gates.core.parallel import jobs_from

    try:
        jobs = jobs_from(jobs_arg or os.environ.get(JOBS, "").strip() or "1")
    except ValueError:
        print(f"ci-gates: --jobs takes a number or auto\n{USAGE}", file=sys.stderr)
        return 2
    use_cache = "--no-cache" not in flags
    if jobs > 1 and len(names) > 1:
        from ci_gates.core import parallel

        results = parallel.run_many(names, root, jobs, use_cache=use_cache, reg=reg)
    else:
        results = run_many(names, root, use_cache=use_cache, reg=reg)
    if "--report" in flags:
        from ci_gates.core import report

        report.emit(results, root, verbose="--verbose" in flags)
    worst = 0
    for r in results:
        if r.status not in (PASSED, CONFIG_SKIPPED):
            worst = max(worst, 2 if r.status == CANNOT_RUN else 1)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
