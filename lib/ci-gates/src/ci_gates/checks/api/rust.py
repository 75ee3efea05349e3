"""The Rust surface of one library crate: cargo-semver-checks, plus the public items added.

cargo-semver-checks (pinned: :data:`VERSION`) runs on the rustdoc JSON of both sides
(:mod:`ci_gates.checks.api.build`), with ``--release-type patch`` so every lint runs whatever the
manifests' versions say; each lint it fails is reported per item, as breaking when the lint
requires a major release and additive (a minor one) otherwise. The human output is parsed
(it has no machine format); the pinned version keeps that stable, and a test runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from ci_gates.checks.api import ADDITIVE, BREAKING, ApiError, Change

VERSION = "0.51.0"
INSTALL = f"cargo install cargo-semver-checks --locked --version {VERSION}"
NOX_INSTALL = "nox -s install_semver_checks"

_BLOCK = re.compile(r"^--- (failure|warning) ([\w-]+): (.*?) ---$", re.M)
_LEVEL = re.compile(r"^\s*(?:FAIL|WARN)\s+\[\s*[\d.]+s\]\s+(major|minor)\s+([\w-]+)\s*$", re.M)
_PATH = re.compile(r"\b[A-Za-z_]\w*(?:::[A-Za-z_]\w*)+")
_SPAN = re.compile(r"(?:in file|in) (\S+?):(\d+)\s*$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def installed_version() -> str | None:
    """The installed cargo-semver-checks' version, or None when it is missing."""
    if shutil.which("cargo-semver-checks") is None:
        return None
    try:
        out = subprocess.run(
            ["cargo-semver-checks", "semver-checks", "--version"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+\.\d+\.\d+)", out)
    return m.group(1) if m else None


def require_tool() -> None:
    found = installed_version()
    if found == VERSION:
        return
    what = "is not installed" if found is None else f"is {found}, not the pinned {VERSION}"
    raise ApiError(
        f"rust: cargo-semver-checks {what}",
        f"run `{NOX_INSTALL}` (it runs `{INSTALL}`; about 5 minutes, once per machine)",
    )


def parse(stdout: str, stderr: str, crate: str) -> list[Change]:
    """The findings in cargo-semver-checks' ``--verbose`` output (stdout blocks, stderr levels)."""
    stdout, stderr = _ANSI.sub("", stdout), _ANSI.sub("", stderr)
    levels = {lint: level for level, lint in _LEVEL.findall(stderr)}
    blocks = list(_BLOCK.finditer(stdout))
    out = []
    for i, m in enumerate(blocks):
        lint, title = m.group(2), m.group(3)
        end = blocks[i + 1].start() if i + 1 < len(blocks) else len(stdout)
        body = stdout[m.end() : end]
        _, _, failed = body.partition("Failed in:")
        kind = ADDITIVE if levels.get(lint) == "minor" else BREAKING
        lines = [ln.strip() for ln in failed.splitlines() if ln.startswith("  ") and ln.strip()]
        for text in lines or [title]:
            path = _PATH.search(text)
            span = _SPAN.search(text)
            item = path.group(0) if path else crate
            restore = (
                f"restore `{item}` as it was ({lint}; see `cargo semver-checks --explain {lint}`)"
            )
            out.append(
                Change(
                    "rust",
                    item,
                    kind,
                    f"{title}: {text}",
                    restore if kind == BREAKING else "",
                    span.group(1) if span else "",
                    int(span.group(2)) if span else 0,
                )
            )
    return out


def semver_checks(root: str, crate: str, old_json: str, new_json: str) -> list[Change]:
    """cargo-semver-checks on two rustdoc JSON files of ``crate``."""
    require_tool()
    cmd = [
        "cargo",
        "semver-checks",
        "check-release",
        "--baseline-rustdoc",
        old_json,
        "--current-rustdoc",
        new_json,
        "--release-type",
        "patch",
        "--verbose",
        "--color",
        "never",
    ]
    env = {**os.environ, "CARGO_TERM_COLOR": "never"}
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    changes = parse(proc.stdout, proc.stderr, crate)
    if proc.returncode != 0 and not changes:
        tail = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][-2:]
        raise ApiError(
            f"rust: cargo semver-checks failed on {crate}: {' / '.join(tail)}",
            "run the command by hand: `cargo semver-checks check-release -p "
            f"{crate} --baseline-rustdoc {old_json} --current-rustdoc {new_json}`",
        )
    return changes


def additions(old_json: str, new_json: str) -> list[Change]:
    """Public paths at HEAD that the baseline did not have."""
    from ci_gates.checks.api.rustdoc import load, public_paths

    before, after = public_paths(load(old_json)), public_paths(load(new_json))
    return [
        Change("rust", path, ADDITIVE, f"new public {kind.replace('_', ' ')}", "")
        for path, kind in after.items()
        if path not in before
    ]


def compare(root: str, crate: str, old_json: str, new_json: str) -> list[Change]:
    return [*semver_checks(root, crate, old_json, new_json), *additions(old_json, new_json)]
