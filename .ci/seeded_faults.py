"""The result cache cannot lie: after a warm pass, a seeded fault for each gate makes it fail.

``python3 .ci/seeded_faults.py [GATE ...]`` (from a clone of the project whose `nox -s gates` just passed)
seeds, for every gate in turn, one fault into the files that gate reads, runs `nox -s <gate>`
the way CI's step does, and requires a failure naming the expected rule, never
`passed (cached)` for that gate; then restores the tree. Prints the table and exits 1 if any
fault went unseen. Names come from the manifests (the rename proof runs this too).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.getcwd(), "lib", "ci-gates", "src"))

from ci_gates.core.project import names

N = names(".")
CORE = next(c for c in N.crates if c not in (N.cli_crate, N.bindings))
PKG = f"{N.python_source}/{N.package}" if N.python_source else N.package
BAD_PY = '\n\ndef _seeded() -> int:\n    return "not an int"\n'  # ruff-clean: only mypy objects
VERSION = next(c.version for c in N.crates if c == N.bindings) if N.bindings else "0.1.0"


def edit(rel: str, old: str, new: str) -> None:
    with open(rel, encoding="utf-8") as f:
        text = f.read()
    assert old in text, f"{rel}: {old!r} not found"
    with open(rel, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def append(rel: str, text: str) -> None:
    with open(rel, "a", encoding="utf-8") as f:
        f.write(text)


def write(rel: str, text: str) -> None:
    os.makedirs(os.path.dirname(rel) or ".", exist_ok=True)
    with open(rel, "w", encoding="utf-8") as f:
        f.write(text)


def tracked(rel: str, text: str) -> None:
    """A new file git tracks (the line budget judges tracked files)."""
    write(rel, text)
    subprocess.run(["git", "add", rel], check=True)


def commit_bad_message() -> None:
    subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "made it work"], check=True)


def breaking_change_under_a_fix() -> None:
    """The wheel released at HEAD, then a public name removed by a `fix:` commit."""
    subprocess.run(["git", "tag", f"{N.dist}-v{VERSION}"], check=True)
    edit(f"{PKG}/__init__.py", "__version__, count_bytes,", "__version__,")
    edit(f"{PKG}/__init__.py", '"__version__", "count_bytes",', '"__version__",')
    subprocess.run(["git", "commit", "-qam", "fix: count_bytes is gone"], check=True)


SHA = re.compile(r"(uses: actions/checkout@)[0-9a-f]{40}")
FAULTS = {  # gate -> (rule expected, how the fault is seeded)
    "loc": ("LOC001", lambda: tracked("tools/huge.py", "x = 1\n" * 700)),
    "readme": ("RDM", lambda: append("README.md", "\n```sh\nnox -s no_such_session\n```\n")),
    "commits": ("CMT001", commit_bad_message),
    "api_compat": ("API001", breaking_change_under_a_fix),
    "action_yaml": ("AY", lambda: edit("action.yml", "shell: bash", "shell: ")),
    "tool_guard": ("TG001", lambda: append("README.md", "\n```sh\nuv run pytest\n```\n")),
    "workflows": ("WF003", lambda: edit_re(".github/workflows/ci.yml", SHA, r"\1v4")),
    "release_doctor": (
        "RD003",
        lambda: edit("pyproject.toml", 'environment = "pypi"', 'environment = "release"'),
    ),
    "fmt": ("FMT001", lambda: append(f"{CORE.path}/src/lib.rs", "\npub fn  seeded( ) {}\n")),
    "clippy": (
        "CLP001",
        lambda: append(
            f"{CORE.path}/src/lib.rs",
            "\npub fn seeded() -> i32 {\n    let x = 1;\n    #[allow(clippy::let_and_return)]\n    let y = x.clone();\n    y\n}\n",
        ),
    ),
    "ruff": ("RUFF001", lambda: append(f"{PKG}/__init__.py", "\nimport os\n")),
    "typecheck": ("TYP001", lambda: append(f"{PKG}/__init__.py", BAD_PY)),
    "build": (
        "BLD",
        lambda: append(f"{N.bindings.path}/src/lib.rs" if N.bindings else "x", "\nfn seeded( {}\n"),
    ),
    "native_import": (
        "NI",
        lambda: append(f"{PKG}/__init__.py", "\nraise ImportError('seeded')\n"),
    ),
    "action_surface": (
        "AS",
        lambda: append("README.md", f"\n```sh\n{N.cli} count --no-such-flag x\n```\n"),
    ),
    "wheel": ("WHL010", lambda: sdist_drops(f"{PKG}/seeded.txt")),
    "stubs": ("STB", lambda: append(f"{PKG}/_native.pyi", "\ndef seeded_missing() -> int: ...\n")),
    "parity": ("PAR", lambda: edit("tests/vectors/vectors.json", '"lines": 0', '"lines": 1')),
    "cargo_test": (
        "CT",
        lambda: append(
            f"{CORE.path}/src/lib.rs",
            "\n#[test]\nfn seeded() {\n    assert_eq!(std::env::args().count(), 999);\n}\n",
        ),
    ),
    "pytest": (
        "PY001",
        lambda: write(
            "tests/package/test_seeded.py", "def test_seeded() -> None:\n    assert 1 == 2\n"
        ),
    ),
}


def sdist_drops(rel: str) -> None:
    """A package file that `[tool.maturin] exclude` keeps out of the sdist: pip's wheel lacks it."""
    tracked(rel, "seeded\n")
    edit_re(
        "pyproject.toml",
        re.compile(r"^\[tool\.maturin\]\n", re.M),
        f'[tool.maturin]\nexclude = [{{ path = "{rel}", format = "sdist" }}]\n',
    )


def edit_re(rel: str, pattern: re.Pattern[str], repl: str) -> None:
    with open(rel, encoding="utf-8") as f:
        text = f.read()
    new, n = pattern.subn(repl, text, count=1)
    assert n, f"{rel}: {pattern.pattern} not found"
    with open(rel, "w", encoding="utf-8") as f:
        f.write(new)


def restore() -> None:
    subprocess.run(["git", "tag", "-d", f"{N.dist}-v{VERSION}"], capture_output=True, check=False)
    subprocess.run(["git", "reset", "-q", "--hard", "ORIG"], check=True)
    subprocess.run(["git", "clean", "-qfd", "-e", "target"], check=True)


def main(only: list[str]) -> int:
    subprocess.run(["git", "update-ref", "ORIG", "HEAD"], check=True)
    rows, missed = [], []
    for gate, (rule, seed) in FAULTS.items():
        if only and gate not in only:
            continue
        seed()
        start = time.monotonic()
        proc = subprocess.run(["nox", "-s", gate], capture_output=True, text=True, check=False)
        took = time.monotonic() - start
        out = proc.stdout + proc.stderr
        block = out.split(f"=== gate {gate}:", 1)[-1].split("=== gate ", 1)[0]
        cached = "passed (cached" in block
        caught = proc.returncode != 0 and f"[{rule}" in out and not cached
        rows.append(f"{gate:<16} {rule:<8} {'caught' if caught else 'MISSED':<7} {took:6.1f}s")
        if not caught:
            missed.append(gate)
            sys.stderr.write(out[-3000:])
        restore()
    print("gate             rule     fault    time")
    print("\n".join(rows))
    print(f"{len(rows) - len(missed)}/{len(rows)} seeded faults caught after a warm pass")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
