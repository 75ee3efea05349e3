"""ci-gates: CI gates for Rust+Python (maturin/PyO3) projects, run the same way everywhere.

Layers, each importing only the ones below it: ``core`` (registry, runner, cache, findings,
config, report, environment) < ``parsers`` (shell, Markdown, GitHub YAML and expressions) <
``checks`` (artifacts, API, versions) < ``gates`` (one module or package per gate) < the front
ends (``commands``: nox, invoke, CLI; ``hooks``; ``release``; ``template``; ``testing``).
Standard library only here: the agent hooks import this package on every call.
"""

__version__ = "0.1.0"
