"""git's ``commit-msg`` hook: the commits gate's check on the message being committed.

Two ways in, one check (:func:`ci_gates.gates.commits.check_message`): the pre-commit framework
(``.pre-commit-config.yaml``, a local hook at ``stages: [commit-msg]``; ``pre-commit install``
or prek) or, without it, ``nox -s install_hooks``, which writes :data:`SCRIPT` to git's hooks
directory (``git rev-parse --git-path hooks``, so worktrees and ``core.hooksPath`` work).
"""

from __future__ import annotations

import os
import sys

MARKER = "installed by `nox -s install_hooks`"
ENV_PYTHON = "target/ci-gates/env/bin/python"
SCRIPT = f"""#!/bin/sh
# commit-msg: {MARKER} (ci_gates/release/githooks.py).
# The commits gate's check on the message; `git commit --no-verify` skips it. The gates
# environment holds the library; before it exists, the ci-gates the developer installed.
py="$(git rev-parse --show-toplevel)/{ENV_PYTHON}"
[ -x "$py" ] || py=python3
exec "$py" -m ci_gates release check-msg "$1"
"""


def check_file(path: str) -> int:
    """Exit status for git: 0 when the message in ``path`` passes, 1 with the reasons."""
    from ci_gates.checks.versioning.conventional import clean
    from ci_gates.gates.commits import check_message

    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            message = clean(f.read())
    except OSError as exc:
        print(f"commit-msg: cannot read {path} ({exc.strerror})", file=sys.stderr)
        return 1
    found = check_message(message, branch=False)
    for finding in found:
        print(f"commit-msg: {finding.text()}", file=sys.stderr)
    return 1 if found else 0


def install(root: str) -> str:
    """Write the commit-msg hook; refuses to replace a hook it did not write."""
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.checks.versioning.history import git

    hooks = git(root, "rev-parse", "--git-path", "hooks").strip()
    hooks = hooks if os.path.isabs(hooks) else os.path.join(root, hooks)
    path = os.path.join(hooks, "commit-msg")
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            if MARKER not in f.read():
                raise ReleaseError(
                    f"{path}: a commit-msg hook is already there; merge it by hand or remove it"
                )
    os.makedirs(hooks, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(SCRIPT)
    os.chmod(path, 0o755)
    return path
