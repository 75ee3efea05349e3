"""invoke tasks (``inv --list``): one per gate of the ci-gates library, plus ``gates`` and ``tests``."""

from __future__ import annotations

import os
import sys

# This repository develops the library (lib/ci-gates): run the source here.
sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "ci-gates", "src")
)

from ci_gates.commands.invoke_tasks import ns

__all__ = ["ns"]
