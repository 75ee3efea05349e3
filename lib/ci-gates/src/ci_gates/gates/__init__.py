"""The library's gates: one module (or package) each, declaring ``GATE = Gate(...)``, its rules and ``run()``.

A gate module imports, at its top, every module that declares rules for it (the registry loads
the gate modules and so knows every rule). The list of built-in gates is the registry's
(``ci_gates.core.registry.BUILTIN``); a project adds its own gates as plugins
(``[tool.ci-gates] plugins``), never here. The guide to writing one: README.md here.
"""
