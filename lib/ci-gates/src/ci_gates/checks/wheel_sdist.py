"""The ``wheel`` gate's comparison of the wheel built from the sdist with the tree's (WHL009-012).

pip builds from the sdist whenever no wheel fits the platform, so the sdist must hold what the
tree build used: the two wheels are compared file by file and byte by byte.
"""

from __future__ import annotations

import zipfile

from ci_gates.checks.wheel_files import file_list
from ci_gates.core.findings import WARNING, Finding, finding_of, rule

# Members expected to differ between two builds of the same source: maturin's SBOM carries a
# random serial number, a timestamp and absolute paths; RECORD lists the hashes of the rest.
_VOLATILE = (".dist-info/sboms/", ".dist-info/RECORD")


@rule("WHL009", gate="wheel")
def no_wheel_from_sdist(sdist_name: str, why: str) -> Finding:
    """No wheel could be built from the sdist: ``pip install <sdist>`` fails for users."""
    return finding_of(
        no_wheel_from_sdist,
        f"{sdist_name}: no wheel could be built from the sdist ({why})",
        "pyproject.toml",
        fix="ship what the build needs in the sdist ([tool.maturin] include, the backend-path)",
    )


@rule("WHL010", gate="wheel")
def sdist_wheel_files_differ(tree: set[str], from_sdist: set[str], sdist: str) -> list[Finding]:
    """The wheel built from the sdist has other files than the one built from the tree."""
    fix = "include what it needs in the sdist ([tool.maturin] include in pyproject.toml)"
    found = [
        finding_of(
            sdist_wheel_files_differ,
            f"{sdist}: the wheel built from the sdist lacks {p}",
            "pyproject.toml",
            fix=fix,
        )
        for p in sorted(tree - from_sdist)
    ]
    found += [
        finding_of(
            sdist_wheel_files_differ,
            f"{sdist}: the wheel built from the sdist has an extra file {p}",
        )
        for p in sorted(from_sdist - tree)
    ]
    return found


@rule("WHL011", gate="wheel")
def sdist_wheel_content_differs(path: str, sdist: str) -> Finding:
    """A file of the wheel built from the sdist differs from the tree wheel's.

    The sdist build compiles every project crate again from the sdist's own sources (in the
    shared target dir, with fresh mtimes), so equal bytes prove the sdist holds the same
    code; a Python file, stub or metadata that differs means the sdist ships other sources.
    """
    return finding_of(
        sdist_wheel_content_differs,
        f"{sdist}: {path} in the wheel built from the sdist differs from the tree wheel's",
        "pyproject.toml",
        fix="the sdist ships other sources than the tree: check [tool.maturin] include/exclude",
    )


@rule("WHL012", severity=WARNING, gate="wheel")
def sdist_native_differs(path: str, sdist: str) -> Finding:
    """A native file built from the sdist differs from the tree build's (a warning).

    Same sources, same toolchain and target dir give the same bytes on Linux; a linker that
    stamps times or paths (some Windows setups) makes them differ without a real problem.
    """
    return finding_of(
        sdist_native_differs,
        f"{sdist}: native {path} built from the sdist differs from the tree build's",
        fix="compare the two builds' cargo output; a non-reproducible linker explains it",
        severity=WARNING,
    )


def compare_contents(tree: zipfile.ZipFile, other: zipfile.ZipFile, sdist: str) -> list[Finding]:
    """WHL010-012: the sdist's wheel against the tree's, file by file and byte by byte."""
    from ci_gates.checks.elf import is_native

    mine, theirs = file_list(tree), file_list(other)
    found = sdist_wheel_files_differ(mine, theirs, sdist)
    for path in sorted(mine & theirs):
        if any(v in path for v in _VOLATILE):
            continue
        data = tree.read(path)
        if data == other.read(path) or _same_entry_points(path, data, other.read(path)):
            continue
        native = is_native(data)
        found.append((sdist_native_differs if native else sdist_wheel_content_differs)(path, sdist))
    return found


def _same_entry_points(path: str, mine: bytes, theirs: bytes) -> bool:
    """The same entry points in another order (older maturin writes them from a hash map)."""
    if not path.endswith(".dist-info/entry_points.txt"):
        return False

    def parsed(data: bytes) -> dict[str, set[str]]:
        sections: dict[str, set[str]] = {}
        current = sections.setdefault("", set())
        for line in data.decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                current = sections.setdefault(line, set())
            elif line:
                current.add(line)
        return sections

    return parsed(mine) == parsed(theirs)
