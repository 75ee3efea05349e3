"""``ci-gates rename --dist D --package P --cli C [--crate-prefix X]`` and ``ci-gates adopt PATH``:
what ``nox -s rename`` and ``nox -s adopt`` run."""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ci-gates")
    sub = parser.add_subparsers(dest="command", required=True)
    rename = sub.add_parser("rename", help="rename the distribution, package, CLI and crates")
    rename.add_argument("--dist", required=True, help="distribution name ([project].name)")
    rename.add_argument("--package", required=True, help="import package name")
    rename.add_argument("--cli", required=True, help="the CLI executable's name")
    rename.add_argument(
        "--crate-prefix", help="prefix of the crate names (default: the --dist name)"
    )
    adopt = sub.add_parser("adopt", help="bring the gates to an existing maturin project")
    adopt.add_argument("path", help="the project's root (its pyproject.toml's directory)")
    adopt.add_argument(
        "--requirement", help="how the project pins ci-gates (default: the library running now)"
    )
    adopt.add_argument(
        "--project",
        help="the maturin project's directory under PATH, when there are several (a workspace)",
    )
    return parser


def main(argv: list[str]) -> int:
    from ci_gates.core.context import project_root

    args = _parser().parse_args(argv)
    if args.command == "rename":
        from ci_gates.core.project import ProjectError
        from ci_gates.template.names import NameError_
        from ci_gates.template.rename import RenameError, rename

        try:
            changed = rename(project_root(), args.dist, args.package, args.cli, args.crate_prefix)
        except (RenameError, NameError_, ProjectError) as exc:
            print(f"rename: {exc}", file=sys.stderr)
            return 2
        if not changed:
            print("rename: the project already has these names; nothing changed")
            return 0
        print(f"rename: {len(changed)} path(s) changed (review with `git diff`, then commit):")
        print("\n".join(f"  {line}" for line in changed))
        print("next: run `nox -s gates`")
        return 0
    from ci_gates.template.adopt import AdoptError, adopt

    try:
        report = adopt(args.path, args.requirement, args.project)
    except AdoptError as exc:
        print(f"adopt: {exc}", file=sys.stderr)
        return 2
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
