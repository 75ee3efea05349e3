"""Assertions over saved gate results, for .ci/run's proofs.

``python3 .ci/verdicts.py same DIR_A DIR_B``: every gate has the same status in both results
directories (the same gates run by CI's steps and by `nox -s gates`).
``python3 .ci/verdicts.py cached REPORT [GATE ...]``: in report.json, the listed gates ran and
every other gate that ran was served from the cache (no list: every cacheable gate was served).
``python3 .ci/verdicts.py affected PATH``: the gates whose declared inputs match PATH, and the
gates of the artifact chain after them (what a change to PATH must re-run).
Prints what it compared; exits 1 on a difference.
"""

from __future__ import annotations

import json
import os
import sys

UNCACHEABLE = {"commits"}  # judged from git history: never served from the cache


def statuses(directory: str) -> dict[str, str]:
    out = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                data = json.load(f)
            out[data["gate"]] = data["status"]
    return out


def same(a: str, b: str) -> int:
    left, right = statuses(a), statuses(b)
    differ = {
        g: (left.get(g), right.get(g))
        for g in set(left) | set(right)
        if left.get(g) != right.get(g)
    }
    for gate in sorted(left):
        print(f"  {gate:<16} {left[gate]:<14} {right.get(gate)}")
    if differ:
        print(f"verdicts differ: {differ}")
        return 1
    print(f"same verdict for all {len(left)} gates, whichever command ran them")
    return 0


def cached(report: str, expected_to_run: list[str]) -> int:
    with open(report, encoding="utf-8") as f:
        results = json.load(f)["results"]
    ran = sorted(r["gate"] for r in results if not r.get("cached") and r["status"] == "passed")
    served = sorted(r["gate"] for r in results if r.get("cached"))
    failed = sorted(r["gate"] for r in results if r["status"] not in ("passed", "skipped"))
    print(f"  ran: {', '.join(ran) or '-'}\n  served from the cache: {', '.join(served) or '-'}")
    want = set(expected_to_run) | UNCACHEABLE
    if failed or set(ran) != want:
        print(f"expected to run exactly {sorted(want)}; failed: {failed}")
        return 1
    return 0


def affected(rel: str) -> int:
    sys.path.insert(0, os.path.join(os.getcwd(), "lib", "ci-gates", "src"))
    from ci_gates.core.cache import _glob_regex, artifact_chain
    from ci_gates.core.registry import load

    reg = load(".")
    out = {g.name for g in reg.gates if any(_glob_regex(p).match(rel) for p in g.inputs)}
    for g in reg.gates:  # registry order: prerequisites first
        if any(r in out and artifact_chain(reg[r], reg.by_name) for r in g.requires):
            out.add(g.name)
    print(" ".join(sorted(out - UNCACHEABLE)))
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "same":
        return same(argv[1], argv[2])
    if len(argv) >= 2 and argv[0] == "cached":
        return cached(argv[1], argv[2:])
    if len(argv) == 2 and argv[0] == "affected":
        return affected(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
