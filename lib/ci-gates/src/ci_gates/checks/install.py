"""``python ci/check_install.py``: the native_import checks against the environment running it.

cibuildwheel's ``test-command`` (``[tool.cibuildwheel]`` in pyproject.toml) runs this in its
test venv after installing the wheel it built, so a maintainer on the cibuildwheel seed path
gets the same guarantee as the ``native_import`` gate: the extension imports, ``__version__``
is the manifest's, and the CLI in the venv's scripts directory is the native executable
printing its version. It runs as a file (cibuildwheel's cwd is a temp dir), so it puts the
project root on ``sys.path`` itself. Exit 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    sys.path.insert(0, ROOT)
    from ci_gates.checks.artifacts import cli_version, workspace_version
    from ci_gates.core.project import names
    from ci_gates.gates.native_import import check_installed

    n = names(ROOT)
    found = check_installed(sys.prefix, n, workspace_version(ROOT), cli_version(ROOT))
    for f in found:
        print(f"{f.severity}: {f.text()}", file=sys.stderr)
    errors = [f for f in found if f.severity == "error"]
    if not errors:
        print(f"check_install: {n.extension} and {n.cli or 'no CLI'} check out in {sys.prefix}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
