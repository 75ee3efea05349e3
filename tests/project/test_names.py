"""Only docs, manifests and examples spell the project's names (issue #12).

The names live in the manifests and are read by :func:`ci.project.names`; `nox -s rename`
rewrites every tracked file. Gates, tests and tools that hard-code a name break on an adopted
or renamed project, so every tracked file outside :data:`ALLOWED` must get them from
``names(root)``. This file builds the name forms from the manifests, so it spells none itself.
"""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

from ci_gates.core.project import Names, names

ROOT = Path(__file__).resolve().parents[2]

# pattern (fnmatch over the repo-relative path; `*` crosses `/`) -> why it may spell the names.
# The list only shrinks: test_every_allowlist_entry_is_needed fails on an entry no file needs.
ALLOWED = {
    "pyproject.toml": "manifest: the distribution, the module name, release packages",
    "Cargo.toml": "manifest: the workspace's crates",
    "crates/*/Cargo.toml": "manifest: each crate's name, binary and dependencies",
    "Cargo.lock": "manifest: resolved from the Cargo.toml files",
    "*.md": "docs: they show the real commands and imports",
    "LICENSE": "docs: the copyright line names the project",
    "action.yml": "example: the composite action installs and calls the CLI",
    "action/*": "example: the composite action's parts",
    ".github/*": "example: the workflows build, test and release the real packages",
    "crates/*.rs": "Rust code must name the crates it uses (`use x::…`, `CARGO_BIN_EXE_x`)",
    "python/*": "the package's own sources: its stub and docstrings are its names",
}


def name_forms(n: Names) -> tuple[list[str], list[str]]:
    """(the names as written, the CLI's UPPER_CASE form), longest first: the longest is reported."""
    forms = {n.dist, n.normalized_dist, n.wheel_dist, n.package}
    upper = set()
    if n.cli:
        forms.add(n.cli)
        upper.add(n.cli.upper().replace("-", "_"))
    for crate in n.crates:
        forms |= {crate.name, crate.name.replace("-", "_")}
    return sorted(forms, key=lambda f: (-len(f), f)), sorted(upper, key=lambda f: (-len(f), f))


def spelling(n: Names) -> re.Pattern[str]:
    """A form as a word, bounded as `nox -s rename` bounds it (ci/template/rename.py).

    A name may head a derived one (`x-tests`, `X_EOF`) and follow `_` (`CARGO_BIN_EXE_x`);
    `xy`, `x_y` and `my-x` are other words.
    """
    written, upper = name_forms(n)
    words = [rf"(?<![A-Za-z0-9-])(?:{'|'.join(map(re.escape, written))})(?![A-Za-z0-9_])"]
    if upper:
        words.append(rf"(?<![A-Z0-9_])(?:{'|'.join(map(re.escape, upper))})(?![A-Z0-9])")
    return re.compile("|".join(words))


def tracked(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    return [p for p in out.split("\0") if p and (root / p).is_file()]


def allowed(rel: str) -> str | None:
    """The allowlist pattern covering ``rel``, if any."""
    return next((p for p in ALLOWED if fnmatch.fnmatchcase(rel, p)), None)


def spellings(root: Path, rel: str, pattern: re.Pattern[str]) -> list[tuple[int, str]]:
    """(line number, form) for each line of ``rel`` that spells a name."""
    try:
        text = (root / rel).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []  # binary: test vectors, images
    return [
        (number, match.group(0))
        for number, line in enumerate(text.splitlines(), 1)
        if (match := pattern.search(line))
    ]


def offenders(root: Path) -> list[str]:
    pattern = spelling(names(root))
    return [
        f"{rel}:{line}: spells `{form}`"
        for rel in tracked(root)
        if allowed(rel) is None
        for line, form in spellings(root, rel, pattern)
    ]


def test_only_docs_manifests_and_examples_spell_the_names() -> None:
    found = offenders(ROOT)
    assert not found, (
        "these files spell the project's names; read them with `ci.project.names(root)` "
        "(or use neutral names in fixture repositories), or add the path to ALLOWED in "
        "tests/ci/test_names.py with the reason it must:\n" + "\n".join(found)
    )


def test_every_allowlist_entry_is_needed() -> None:
    pattern = spelling(names(ROOT))
    needed = {
        allowed(rel) for rel in tracked(ROOT) if allowed(rel) and spellings(ROOT, rel, pattern)
    }
    unused = [p for p in ALLOWED if p not in needed]
    assert not unused, f"no tracked file these patterns cover spells a name; drop them: {unused}"


def test_the_check_sees_each_form(make_repo) -> None:  # type: ignore[no-untyped-def]
    """The scan itself, on a fixture project: each form is caught, outside the allowlist only."""
    root = make_repo(
        {
            "pyproject.toml": (
                '[project]\nname = "Acme.Words"\nversion = "0.1.0"\n\n'
                '[tool.maturin]\nmodule-name = "acme_words._native"\n'
            ),
            "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
            "crates/acme-core/Cargo.toml": '[package]\nname = "acme-core"\nversion = "0.1.0"\n',
            "crates/acme-core/src/lib.rs": "pub fn f() {}\n",
            "crates/acme-tool/Cargo.toml": (
                '[package]\nname = "acme-tool"\nversion = "0.1.0"\n\n[[bin]]\nname = "acme"\n'
            ),
            "crates/acme-tool/src/main.rs": "use acme_core::f;\nfn main() { f() }\n",
            "README.md": "pip install Acme.Words\n",
            "gate.py": (
                "A = 'acme_words-0.1.0.whl'\nB = 'acme-words'\nC = 'ACME_BIN'\n"
                "D = 'acme_core'\nE = 'acmes and acme_wordsmith'\nF = 'run acme-x'\n"
            ),
        }
    )
    assert offenders(root) == [
        "gate.py:1: spells `acme_words`",
        "gate.py:2: spells `acme-words`",
        "gate.py:3: spells `ACME`",
        "gate.py:4: spells `acme_core`",
        "gate.py:6: spells `acme`",
    ]
