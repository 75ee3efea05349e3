"""Loaded only by ``nox -s bench`` (via PYTHONPATH) to log the commands the gate runner starts.

Logs argv, cwd and wall time of every subprocess started by the ``python -m ci_gates.gates`` process
itself (not by its children), so the bench can re-run exactly those commands directly.
"""

import json
import os
import subprocess
import sys
import time

_TRACE = os.environ.get("CI_GATES_TRACE", "")
if _TRACE:
    _orig_run = subprocess.run

    def _traced_run(*args, **kwargs):  # type: ignore[no-untyped-def]
        main = sys.modules.get("__main__")
        spec = getattr(main, "__spec__", None)
        if getattr(spec, "name", "") != "ci_gates.__main__":
            return _orig_run(*args, **kwargs)
        start = time.perf_counter()
        try:
            return _orig_run(*args, **kwargs)
        finally:
            argv = args[0] if args else kwargs.get("args")
            record = {
                "argv": argv if isinstance(argv, str) else [str(a) for a in argv or ()],
                "cwd": str(kwargs.get("cwd") or os.getcwd()),
                "shell": bool(kwargs.get("shell")),
                # The gate runner pins PYO3_PYTHON and colour settings; the direct re-run must
                # use the same environment or cargo would rebuild pyo3 and skew the figure.
                "env": dict(kwargs.get("env") or os.environ),
                "seconds": time.perf_counter() - start,
            }
            with open(_TRACE, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    subprocess.run = _traced_run
