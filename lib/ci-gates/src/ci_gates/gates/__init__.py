"""The library's gates: one module (or package) each, declaring ``GATE = Gate(...)``, its rules and ``run()``.

:data:`BUILTIN` is the registry's one line per gate (order does not matter: ``requires`` orders
the run). A project adds its own gates as plugins (``[tool.ci-gates] plugins``), never here.
"""

from __future__ import annotations

BUILTIN: tuple[str, ...] = (
    "loc",
    "readme",
    "commits",
    "api_compat",
    "action_yaml",
    "tool_guard",
    "workflows",
    "release_doctor",
    "fmt",
    "clippy",
    "ruff",
    "typecheck",
    "build",
    "native_import",
    "action_surface",
    "wheel",
    "stubs",
    "cargo_test",
    "pytest",
)

# Modules outside the gate modules that declare rules for them (imported by `--rules`, SARIF
# and the ignore table so every rule is known without running a gate).
RULE_MODULES: tuple[str, ...] = (
    "ci_gates.checks.elf",
    "ci_gates.checks.wheel_files",
    "ci_gates.checks.interpreters",
    "ci_gates.core.sync",
    "ci_gates.gates.tool_guard.rules",
    "ci_gates.gates.workflows.structure",
    "ci_gates.gates.workflows.security",
    "ci_gates.gates.workflows.thin",
)
