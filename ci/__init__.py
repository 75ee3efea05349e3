"""The gate library: one registry of checks run the same way by nox, invoke, CI and agent hooks."""
