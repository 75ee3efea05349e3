"""A fixture project for the Stop hook: fast plugin gates a test can make fail, wait or pass.

``fixture_gates.probe`` fails while ``probe.txt`` has a line ``FAIL`` (rule PRB001 at that
line); ``needs`` requires it; ``slow`` waits as many seconds as ``slow.txt`` says, in a child
``sleep`` whose pid it writes to ``slow.pid``; ``local_only`` always fails but is not a gate CI
runs (``in_ci=False``). Every built-in gate is skipped in config, so "every gate CI runs" is the
three CI gates here. The hook runs the gates with this interpreter (``CI_GATES_HOOK_PYTHON``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ci_gates.core.registry import gate_names

BUILTIN = tuple(gate_names(".", plugins=()))  # the library's own gates, by name

GATES = {
    "probe": '''
GATE = Gate("probe", "fails while probe.txt says FAIL", inputs=("probe.txt",))


@rule("PRB001")
def says_fail(line: int) -> Finding:
    """probe.txt has a line FAIL."""
    return Finding("PRB001", "probe.txt says FAIL", "probe.txt", line, fix="write OK instead")


def run(root: str) -> list[Finding]:
    lines = open(os.path.join(root, "probe.txt")).read().splitlines()
    return [says_fail(n) for n, text in enumerate(lines, 1) if text == "FAIL"]
''',
    "needs": """
GATE = Gate("needs", "runs after probe", requires=("probe",), inputs=("needs.txt",))


def run(root: str) -> list[Finding]:
    return []
""",
    "slow": """
GATE = Gate("slow", "waits slow.txt seconds", inputs=("slow.txt",))


def run(root: str) -> list[Finding]:
    import subprocess

    seconds = open(os.path.join(root, "slow.txt")).read().strip()
    proc = subprocess.Popen(["sleep", seconds])
    open(os.path.join(root, "slow.pid"), "w").write(str(proc.pid))
    proc.wait()
    return []
""",
    "local_only": '''
GATE = Gate("local_only", "always fails; CI does not run it", in_ci=False, inputs=())


@rule("LCL001")
def always() -> Finding:
    """It always fails."""
    return Finding("LCL001", "local_only always fails")


def run(root: str) -> list[Finding]:
    return [always()]
''',
}
HEADER = (
    "import os\n\nfrom ci_gates.core.findings import Finding, rule\n"
    "from ci_gates.core.registry import Gate\n"
)


def pyproject(hooks: str = "") -> str:
    plugins = ", ".join(f'"fixture_gates.{name}"' for name in GATES)
    skip = "\n".join(f'{name} = "not in this fixture"' for name in BUILTIN)
    section = f"\n[tool.ci-gates.hooks]\n{hooks}\n" if hooks else ""
    return (
        '[project]\nname = "fixture"\nversion = "0.0.0"\n\n'
        f"[tool.ci-gates]\nplugins = [{plugins}]\n\n[tool.ci-gates.skip]\n{skip}\n{section}"
    )


def make(root: Path, hooks: str = "", probe: str = "OK\n", slow: str = "0\n") -> Path:
    """The fixture project at ``root`` (a git repository, as the result cache needs)."""
    files = {
        "pyproject.toml": pyproject(hooks),
        "probe.txt": probe,
        "needs.txt": "x\n",
        "slow.txt": slow,
        ".gitignore": "target/\nslow.pid\n",
        **{f"fixture_gates/{name}.py": HEADER + body for name, body in GATES.items()},
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=env)
    return root


def ci_gates_run(root: Path, *names: str) -> int:
    """``ci-gates run --with-requires NAMES`` in this interpreter (CI_GATES_NO_ENV=1)."""
    env = {**os.environ, "CI_GATES_NO_ENV": "1"}
    argv = [sys.executable, "-m", "ci_gates", "run", "--with-requires", *names]
    return subprocess.run(argv, cwd=root, env=env, capture_output=True, check=False).returncode
