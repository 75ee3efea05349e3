"""Agent hook: PreToolUse Bash/PowerShell (Claude), Bash (Codex): the tool_guard gate's rule table.

The script the agent runs: ``python3 -I -S "$ROOT/ci/hooks/tool_guard.py" [codex] || true``.
It stays this small because the interpreter compiles a script on every run but loads modules
from cached bytecode; the logic is in ``ci/hooks/_tool.py``. ``-I`` leaves the project off
``sys.path``, so the script appends it (appends: the project must never shadow the stdlib).
"""

import os
import sys

sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from ci.hooks._tool import main

sys.exit(main())
