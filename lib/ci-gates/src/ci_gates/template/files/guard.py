"""Agent hooks: ``python3 -I -S ci/hooks/guard.py GUARD [codex]`` runs the ci-gates guard GUARD.

The agents' settings (.claude/settings.json, .codex/hooks.json) call this script; the guards
live in the ci-gates library (``ci_gates.hooks``). The library is imported from where the
gates environment installed it (``target/ci-gates/library.json``, written by any ``nox -s``
gate run) without paying for site-packages; failing that, from site-packages. A hook that
cannot find the library allows the action and says once how to install it.
"""

import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
try:
    with open(os.path.join(root, "target", "ci-gates", "library.json"), encoding="utf-8") as f:
        sys.path.append(json.load(f)["path"])
except (OSError, ValueError, KeyError, TypeError):
    import site

    site.main()
try:
    from ci_gates.hooks.entry import main
except Exception as exc:  # not installed, or broken: never block the agent
    told = os.path.join(root, "target", "ci-gates", "hook-told")
    if not os.path.exists(told):
        why = f"{type(exc).__name__}: {exc}"
        sys.stderr.write(f"ci-gates hooks: cannot import the library ({why}); allowed. ")
        sys.stderr.write("Install it: run `nox -s gates` once\n")
        try:
            os.makedirs(os.path.dirname(told), exist_ok=True)
            open(told, "w").close()
        except OSError:
            pass
    sys.exit(0)
sys.exit(main(sys.argv[1:], root))
