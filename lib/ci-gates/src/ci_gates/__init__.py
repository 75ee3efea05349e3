"""ci-gates: CI gates for Rust+Python (maturin/PyO3) projects, run the same way everywhere.

Layers, each importing only the ones below it: ``core`` (registry, runner, cache, findings,
config, report, environment) < ``parsers`` (shell, Markdown, GitHub YAML and expressions) <
``checks`` (artifacts, API, versions) < ``gates`` (one module or package per gate) < the front
ends (``commands``: nox, invoke, CLI; ``hooks``; ``release``; ``template``; ``testing``).
Standard library only here: the agent hooks import this package on every call.
"""

from __future__ import annotations

DIST = "ci-gates"


def __getattr__(name: str) -> str:
    """``__version__``: one version, ``[project].version`` of the library's pyproject.toml.

    The release bumps it there (a ``python`` release package); a source checkout reads it from
    there, an installed library from its metadata. Computed when asked for, so importing the
    package (every agent hook does) costs nothing.
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import os

    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pyproject = os.path.join(top, "pyproject.toml")
    if os.path.isfile(pyproject):  # <top>/src/ci_gates: a checkout (or an editable install)
        try:
            import tomllib  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # Python < 3.11
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        with open(pyproject, "rb") as f:
            project = tomllib.load(f).get("project", {})
        if project.get("name") == DIST and isinstance(project.get("version"), str):
            return str(project["version"])
    from importlib import metadata

    try:
        return metadata.version(DIST)
    except metadata.PackageNotFoundError:
        return "0+unknown"
