"""Agent hooks (Claude Code, Codex): the gates' rule functions and runner inside the agent's loop.

A project's ``ci/hooks/guard.py`` runs one of :data:`ci_gates.hooks.entry.GUARDS` per call:
``loc_guard`` and ``tool_guard`` before a write or a command, ``post_edit`` after a write,
``stop`` before the agent stops. README.md in this directory has the protocol and the switches.
"""
