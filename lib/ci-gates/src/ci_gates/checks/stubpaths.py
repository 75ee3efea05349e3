"""Where the extension's stub is: in the repository, and in an installed wheel.

A dotted extension ``pkg.ext`` has ``pkg/ext.pyi`` or ``pkg/ext/__init__.pyi`` under the python
source; a top-level module (maturin's pure-Rust layout) has ``<module>.pyi`` in the project's
directory, which maturin ships as the package's ``__init__.pyi``, or lives in the same-named
package (``pkg/pkg.<tag>.so`` beside ``pkg/pkg.pyi``). Standard library only.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.project import Names


def source_dir(n: Names) -> str:
    """Where the import package's files live in the repository (``python/<pkg>``)."""
    return f"{n.python_source}/{n.package}" if n.python_source else n.package


def stub_paths(n: Names) -> list[str]:
    """Where the extension's stub may be in the repository, the usual place first:
    ``python/pkg/_native.pyi`` (or ``.../_native/__init__.pyi``) for ``pkg._native``; for a
    top-level module, ``<project>/<module>.pyi`` (maturin's pure-Rust layout) or the package's
    ``__init__.pyi``."""
    rest = n.extension.split(".")[1:]
    if rest:
        base = "/".join([source_dir(n), *rest])
        return [f"{base}.pyi", f"{base}/__init__.pyi"]
    top = "/".join(p for p in (n.python_source or n.project, n.package) if p)
    # maturin puts a top-level module into the same-named package: `pkg/pkg.<tag>.so`
    inner = f"{source_dir(n)}/{n.package}.pyi"
    return [f"{top}.pyi", f"{source_dir(n)}/__init__.pyi", inner]


def stub_path(n: Names, root: str = "") -> str:
    """The extension's stub in the repository: the first of :func:`stub_paths` that exists
    under ``root`` (the usual place when none does)."""
    found = [p for p in stub_paths(n) if root and os.path.isfile(os.path.join(root, p))]
    return (found or stub_paths(n))[0]


def repo_path(installed: str, n: Names, root: str = "") -> str:
    """``.../site-packages/<pkg>/x.pyi`` -> ``python/<pkg>/x.pyi``; other paths unchanged.

    A pure-Rust module's ``<pkg>/__init__.pyi`` is its ``<module>.pyi`` in the repository.
    """
    parts = installed.replace(os.sep, "/").split("/")
    if n.package not in parts:
        return installed
    rest = parts[len(parts) - parts[::-1].index(n.package) :]
    mapped = "/".join([source_dir(n), *rest])
    if root and not os.path.isfile(os.path.join(root, mapped)) and rest == ["__init__.pyi"]:
        return stub_path(n, root)
    return mapped


def installed_stubs(site: str, extension: str) -> list[str]:
    """Where an installed extension's stub may be, under the directory holding its package
    (a top-level module may live in the same-named package: ``pkg/pkg.pyi``)."""
    base = os.path.join(site, *extension.split("."))
    inner = [os.path.join(base, extension + ".pyi")] if "." not in extension else []
    return [base + ".pyi", os.path.join(base, "__init__.pyi"), *inner]
