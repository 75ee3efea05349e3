"""``ci-gates COMMAND ...`` (or ``python -m ci_gates``): the library's own command line.

Every nox session and invoke task ends here, so a project without nox (or without this
template) runs the same code: ``ci-gates run --all --report`` is ``nox -s gates``.
"""

from __future__ import annotations

import sys

# Commands that run inside the project's gates environment, made or updated first
# (CI_GATES_NO_ENV=1: in this interpreter); ENTERED marks the process started there.
from ci_gates.core.env import ENTERED, IN_ENV, NO_ENV

COMMANDS = {
    "run": ("ci_gates.commands.run", "run gates: [--with-requires] [--report] (--all | NAME ...)"),
    "rules": ("ci_gates.commands.run", "every rule with its explanation: [GATE ...]"),
    "report": (
        "ci_gates.commands.report",
        "the saved results' table (+ the release preview in CI)",
    ),
    "sync": ("ci_gates.core.sync", "rewrite what derives from the registry (--check: report)"),
    "fix": ("ci_gates.commands.fix", "apply the mechanical fixes the gates ask for"),
    "baseline": (
        "ci_gates.commands.baseline",
        "record today's findings with a reason: --reason TEXT [--write] [GATE ...]",
    ),
    "adopt": ("ci_gates.template.__main__", "bring the gates to a maturin project: PATH"),
    "rename": ("ci_gates.template.__main__", "rename a project made from the template"),
    "release": ("ci_gates.release.__main__", "plan, bump, notes, stage, publish"),
    "ci-local": ("ci_gates.commands.ci_local", "run ci.yml's Linux job's steps here, in order"),
    "dev": ("ci_gates.commands.dev", "a development venv: the extension and the CLI, sources live"),
}
USAGE = "usage: ci-gates COMMAND [ARGS] | --version | --help\n" + "".join(
    f"  {name:<9} {about}\n" for name, (_, about) in COMMANDS.items()
)


def main(argv: list[str]) -> int:
    import importlib

    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        import ci_gates

        print(f"ci-gates {ci_gates.__version__}")
        return 0
    command, args = argv[0], argv[1:]
    if command not in COMMANDS:
        sys.stderr.write(f"ci-gates: unknown command {command!r}\n{USAGE}")
        return 2
    if command in IN_ENV and not _flag(NO_ENV):
        moved = _into_env(argv)
        if moved is not None:
            return moved
    module = importlib.import_module(COMMANDS[command][0])
    if command == "ci-local":
        return int(module.main(list_only="--list" in args))
    if command == "rules":
        args = ["--rules", *args]
    elif command in ("adopt", "rename"):
        args = [command, *args]
    result: int = module.main(args)
    return result


def _flag(name: str) -> bool:
    import os

    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _into_env(argv: list[str]) -> int | None:
    """Re-run this command inside the gates environment; None when already there."""
    import os

    from ci_gates.core import env
    from ci_gates.core.context import project_root
    from ci_gates.core.findings import CannotRun

    root = project_root()
    if env.inside(root):
        os.environ.pop(ENTERED, None)  # what this process starts may enter another one
        return None
    if os.environ.get(ENTERED) == env.env_dir(root):
        sys.stderr.write(f"ci-gates: {env.ENV_DIR} is not a venv this interpreter can enter\n")
        return 2
    try:
        python = env.ensure(root)
    except CannotRun as exc:
        sys.stderr.write(f"ci-gates: cannot prepare {env.ENV_DIR}: {exc.message}\n")
        return 2
    for name, value in env.entry_environ(root, python).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(python, [python, "-m", "ci_gates", *argv])


def entry() -> None:
    """The ``ci-gates`` console script."""
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    entry()
