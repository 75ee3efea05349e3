"""Agent guard hooks (Claude Code, Codex): thin wrappers over the gates' pure check functions.

Each ``ci/hooks/<name>.py`` is run as a script by the agent (``python3 -I -S path``); see
README.md in this directory for the protocol and the configuration files that call them.
"""
