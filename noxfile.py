#!/usr/bin/env python3
# /// script
# dependencies = ["nox>=2025.2.9"]
# ///
"""nox sessions: defined in ci/nox_sessions.py, generated from ci/registry.py (`nox -l`)."""

from __future__ import annotations

import importlib
import os
import sys

import nox

nox.needs_version = ">=2025.2.9"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Importing ci.nox_sessions registers every session, so each load imports it afresh.
sys.modules.pop("ci.nox_sessions", None)
importlib.import_module("ci.nox_sessions")

if __name__ == "__main__":
    nox.main()
