"""``python -m ci_gates.release plan|bump|notes|stage|publish|check-msg|install-hooks``: the release CLI.

``plan [--json] [--tagged]``  what ships (a table, or one JSON document; ``$GITHUB_OUTPUT``
gets ``matrix=<json>`` when set); ``--tagged`` reads the tags at HEAD instead (the release
workflow). ``bump`` applies the plan: versions, Cargo.lock, CHANGELOG.md, commit, tags.
``notes NAME`` prints one package's notes. ``stage [PACKAGE ...]`` copies the gated build with
its receipts (a python package: builds and checks it first, ci_gates/release/purepy.py);
``publish [all|crates|pypi|python|github] [--tagged]`` uploads what the plan says
(ci_gates/release/publish.py). ``check-msg FILE`` is git's commit-msg hook;
``install-hooks`` installs it. Errors are one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

SCOPES = ("all", "crates", "pypi", "python", "github")  # = ci_gates.release.publish.SCOPES


def _plan(root: str, args: argparse.Namespace) -> int:
    from ci_gates.release.plan import make_plan, tagged

    plan = tagged(root) if args.tagged else make_plan(root, api=not args.no_api)
    print(plan.as_json() if args.json else plan.table())
    output = os.environ.get("GITHUB_OUTPUT")
    if output:
        with open(output, "a", encoding="utf-8") as f:
            f.write(f"matrix={json.dumps(plan.matrix(), separators=(',', ':'))}\n")
            names = [e.name for e in plan.entries]
            f.write(f"packages={json.dumps(names, separators=(',', ':'))}\n")
    return 0


def _bump(root: str, args: argparse.Namespace) -> int:
    from ci_gates.release.bump import apply

    plan = apply(root, api=not args.no_api)
    if not plan.entries:
        print("Nothing to release: no package changed since its last tag.")
        return 0
    print(plan.table())
    tags = " ".join(e.tag for e in plan.entries)
    print(f"\nCommitted and tagged {tags}. Nothing was pushed. Review, then:")
    print(f"  git push --atomic origin HEAD {tags}")
    return 0


def _notes(root: str, args: argparse.Namespace) -> int:
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.release import notes
    from ci_gates.release.plan import tagged

    entry = next((e for e in tagged(root).entries if e.name == args.name), None)
    if entry is None:
        raise ReleaseError(
            f"{args.name}: not in the release plan (nothing to release, or no such package)"
        )
    from ci_gates.checks.versioning import history

    released = entry.tag in history.tags_at(root)
    print(notes.from_changelog(root, entry.tag) if released else notes.render(root, entry), end="")
    return 0


def _publish(root: str, args: argparse.Namespace) -> int:
    if args.scope == "github":
        from ci_gates.release.ghrelease import release

        release(root, args.dist or os.environ.get("RELEASE_DIST") or "dist")
        return 0
    from ci_gates.release.publish import publish, settings

    s = settings(
        crate_registry=args.crate_registry,
        crates_index=args.crates_index,
        index_url=args.index_url,
        upload_url=args.upload_url,
        dist=args.dist,
    )
    publish(root, args.scope, args.tagged, s)
    return 0


def _stage(root: str, args: argparse.Namespace) -> int:
    from ci_gates.checks.versioning.config import load
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.release import dist, purepy

    staged: list[str] = []
    packages = {p.name: p for p in load(root)} if args.names else {}
    for name in args.names or [""]:
        pkg = packages.get(name)
        if name and pkg is None:
            known = ", ".join(packages) or "none"
            raise ReleaseError(f"stage: no release package {name!r} (declared: {known})")
        if pkg is not None and pkg.kind == "crates":
            raise ReleaseError(f"stage {name}: a crate is not staged (cargo publish packages it)")
        staged += purepy.stage(root, pkg) if pkg and pkg.kind == "python" else dist.stage(root)
    for path in staged:
        print(f"staged {os.path.relpath(path, root)} (+ receipt)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ci_gates.release", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    plan = sub.add_parser("plan", help="what ships, at which version, in which order")
    plan.add_argument("--json", action="store_true", help="one JSON document on stdout")
    plan.add_argument("--tagged", action="store_true", help="the packages tagged at HEAD")
    no_api = "do not compare the APIs with the last releases (ci/api; the api_compat gate)"
    plan.add_argument("--no-api", action="store_true", help=no_api)
    bump = sub.add_parser("bump", help="apply the plan: versions, lock, changelog, commit, tags")
    bump.add_argument("--no-api", action="store_true", help=no_api)
    pub = sub.add_parser("publish", help="upload what the plan says, skipping what is there")
    pub.add_argument("scope", nargs="?", default="all", choices=SCOPES)
    pub.add_argument("--tagged", action="store_true", help="the packages tagged at HEAD")
    pub.add_argument("--crate-registry", help="cargo registry name (default: crates.io)")
    pub.add_argument("--crates-index", help="crate index URL, sparse layout, for look-ups")
    pub.add_argument("--index-url", help="package index (simple API) for look-ups")
    pub.add_argument("--upload-url", help="package upload endpoint")
    pub.add_argument("--dist", help="directory of the staged sdist, wheels and receipts")
    stage = sub.add_parser("stage", help="stage the checked artifacts with receipts for publishing")
    stage.add_argument(
        "names",
        nargs="*",
        metavar="PACKAGE",
        help="packages to stage (default: the build gate's wheel and sdist); a python package "
        "is built here (uv build) and checked (twine check --strict)",
    )
    notes = sub.add_parser("notes", help="release notes of one package (Markdown)")
    notes.add_argument("name")
    msg = sub.add_parser("check-msg", help="git commit-msg hook: check the message file")
    msg.add_argument("file")
    sub.add_parser("install-hooks", help="write .git/hooks/commit-msg")
    args = parser.parse_args(argv)

    from ci_gates.checks.api import ApiError
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.core.config import ConfigError
    from ci_gates.core.context import project_root

    root = project_root()
    try:
        if args.command == "check-msg":
            from ci_gates.release.githooks import check_file

            return check_file(args.file)
        if args.command == "install-hooks":
            from ci_gates.release.githooks import install

            print(f"installed {install(root)}")
            return 0
        handlers = {
            "plan": _plan,
            "bump": _bump,
            "notes": _notes,
            "publish": _publish,
            "stage": _stage,
        }
        handler = handlers[args.command]
        return handler(root, args)
    except (ReleaseError, ConfigError, ApiError) as exc:
        fix = f"; {exc.fix}" if isinstance(exc, ApiError) and exc.fix else ""
        print(f"release {args.command}: {exc}{fix}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
