"""``python -m ci_gates.commands.check_install PROJECT``: the native_import checks, here.

cibuildwheel's ``test-command`` runs this in its test venv after installing the wheel it built,
so a maintainer on the cibuildwheel seed path gets the same guarantee as the ``native_import``
gate: the extension imports, ``__version__`` is the project's, and the CLI in the venv's
scripts directory is the native executable printing its version. With ci-gates in
``test-requires``::

    test-command = "python -m ci_gates.commands.check_install {project}"

Run as a file (``python .../ci_gates/commands/check_install.py {project}``) it finds the
library next to itself, for a project that carries the library's source. Exit 0 when every
check passes, 1 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    from ci_gates.checks.artifacts import cli_version, workspace_version
    from ci_gates.core.project import ProjectError, names
    from ci_gates.gates.native_import import check_installed

    if len(argv) != 1:
        print("usage: python -m ci_gates.commands.check_install PROJECT_ROOT", file=sys.stderr)
        return 2
    root = os.path.abspath(argv[0])
    try:
        n = names(root)
    except ProjectError as exc:
        print(f"check_install: {exc}", file=sys.stderr)
        return 2
    found = check_installed(sys.prefix, n, workspace_version(root), cli_version(root))
    for f in found:
        print(f"{f.severity}: {f.text()}", file=sys.stderr)
    errors = [f for f in found if f.severity == "error"]
    if not errors:
        print(f"check_install: {n.extension} and {n.cli or 'no CLI'} check out in {sys.prefix}")
    return 1 if errors else 0


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a file: the library is three directories up
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, os.path.dirname(os.path.dirname(here)))
    sys.exit(main(sys.argv[1:]))
