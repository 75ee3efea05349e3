"""``python -m ci.gates NAME [NAME ...]`` or ``--all``: run gates, exit non-zero if any did not pass."""

from __future__ import annotations

import sys

from ci.gates import project_root
from ci.registry import NAMES
from ci.runner import PASSED, run_many


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(f"usage: python -m ci.gates (--all | NAME ...)\ngates: {', '.join(NAMES)}")
        return 0 if argv else 2
    names = list(NAMES) if argv == ["--all"] else argv
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        print(f"ci.gates: unknown gate {unknown[0]!r}; known gates: {', '.join(NAMES)}",
              file=sys.stderr)
        return 2
    results = run_many(names, project_root())
    worst = 0
    for r in results:
        if r.status != PASSED:
            worst = max(worst, 2 if r.status == "could not run" else 1)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
