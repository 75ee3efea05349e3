"""invoke tasks (``inv --list``): defined in ci/invoke_tasks.py, generated from ci/registry.py."""

from __future__ import annotations

from ci.invoke_tasks import ns

__all__ = ["ns"]
