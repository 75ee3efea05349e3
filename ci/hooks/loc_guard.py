"""Agent hook: PreToolUse Write/Edit/MultiEdit (Claude), apply_patch (Codex): the loc gate's line budget.

The script the agent runs: ``python3 -I -S "$ROOT/ci/hooks/loc_guard.py" [codex] || true``.
It stays this small because the interpreter compiles a script on every run but loads modules
from cached bytecode; the logic is in ``ci/hooks/_loc.py``. ``-I`` leaves the project off
``sys.path``, so the script appends it (appends: the project must never shadow the stdlib).
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from ci.hooks._loc import main

sys.exit(main())
