"""A tiny project for the pytest gate's test selection: a package installed (not editable) in a
venv of its own, its tests, and the gate's selected runs of them.

``calc`` has ``add`` (used by ``mul``; a class body runs at its import), ``mul``, ``const`` (a module-level constant),
``scale`` (uses it), ``table`` (its body runs ``mul``; first imported by ``test_add.py``, so
``test_table`` only imports it) and ``memo`` (a ``functools`` cache of ``add``: its second test
hits the first one's memo); ``tests/`` has one file per module, a test reading fixture data and
a ``conftest.py``. :func:`install` copies the package into the venv with the metadata a
non-editable install from a directory leaves (PEP 610 ``dir_info``), as ``uv pip install DIR``
does in the gate's suite venv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from ci_gates.core.findings import Finding
from ci_gates.gates import pytest as pytest_gate
from ci_gates.gates import pytest_select, pytest_select_env

FILES = {
    ".gitignore": "target/\n",
    "pyproject.toml": '[project]\nname = "calc"\nversion = "0.0.0"\n',
    "src/calc/__init__.py": "",
    "src/calc/add.py": (
        "def add(a, b):\n    return a + b\n\n\nclass Adder:\n    NAME = str([i for i in (1, 2)])\n"
    ),
    "src/calc/mul.py": (
        "from calc.add import add\n\n\ndef mul(a, b):\n    total = 0\n"
        "    for _ in range(b):\n        total = add(total, a)\n    return total\n"
    ),
    "src/calc/const.py": "SCALE = 10\n",
    "src/calc/scale.py": "from calc.const import SCALE\n\n\ndef scale(x):\n    return x * SCALE\n",
    "src/calc/table.py": "from calc.mul import mul\n\nTABLE = [mul(i, 2) for i in range(3)]\n",
    "src/calc/memo.py": (
        "import functools\n\nfrom calc.add import add\n\n\n@functools.cache\n"
        "def double(n):\n    return add(n, n)\n"
    ),
    "crates/core/src/lib.rs": "pub fn add(a: u32, b: u32) -> u32 { a + b }\n",
    "tests/conftest.py": "",
    "tests/data/cases.json": "[[2, 3, 5]]\n",
    "tests/test_add.py": (
        "import calc.table  # noqa: F401\nfrom calc.add import add\n\n\n"
        "def test_add():\n    assert add(2, 3) == 5\n"
    ),
    "tests/test_mul.py": (
        "from calc.mul import mul\n\n\ndef test_mul():\n    assert mul(4, 3) == 12\n\n\n"
        "def test_mul_by_zero():  # runs no add\n    assert mul(4, 0) == 0\n"
    ),
    "tests/test_table.py": (
        "from calc.table import TABLE\n\n\ndef test_table():\n    assert TABLE == [0, 2, 4]\n"
    ),
    "tests/test_memo.py": (
        "from calc.memo import double\n\n\ndef test_double():\n    assert double(2) == 4\n\n\n"
        "def test_double_again():\n    assert double(2) == 4\n"
    ),
    "tests/test_scale.py": (
        "from calc.scale import scale\n\n\ndef test_scale():\n    assert scale(2) == 20\n"
    ),
    "tests/test_data.py": (
        "import json\nimport pathlib\n\nfrom calc.add import add\n\n\ndef test_cases():\n"
        "    path = pathlib.Path(__file__).parent / 'data' / 'cases.json'\n"
        "    for a, b, want in json.loads(path.read_text()):\n        assert add(a, b) == want\n\n\n"
        "def test_add_is_named():  # imports add, runs none of it\n    assert add.__name__ == 'add'\n"
    ),
}
TESTS = {
    *("test_add", "test_mul", "test_mul_by_zero", "test_scale", "test_cases", "test_table"),
    *("test_double", "test_double_again", "test_add_is_named"),
}
# What decides whether the gate may select (a CI run of the suite itself sets some of them).
SAYS_CI = ("CI", "CI_GATES_NO_CACHE", "GITHUB_REF", "GITHUB_EVENT_PATH")


def make(root: Path, venv: Path) -> Path:
    """The project at ``root`` (a git repository) and its venv at ``venv``, package installed."""
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    cmd = [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)]
    subprocess.run(cmd, check=True)  # pytest comes from this suite's venv
    install(root, venv)
    # A checkout that has run the suite before: its next run records (the first one does not).
    (root / "target" / "ci-gates" / "select" / "root").mkdir(parents=True)
    return root


def install(root: Path, venv: Path) -> None:
    site = Path(pytest_select_env.site_packages(str(venv)))
    shutil.rmtree(site / "calc", ignore_errors=True)
    shutil.copytree(root / "src" / "calc", site / "calc")
    info = site / "calc-0.0.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: calc\nVersion: 0.0.0\n")
    (info / "direct_url.json").write_text(json.dumps({"url": root.as_uri(), "dir_info": {}}))
    record = [f"calc/{p.name},," for p in (site / "calc").glob("*.py")]
    (info / "RECORD").write_text("\n".join([*record, "calc-0.0.0.dist-info/RECORD,,"]) + "\n")


def new_wheel(venv: Path, sha: str) -> None:
    """What the gate's suite venv holds after a new build: another wheel in its marker."""
    (venv / ".ci-gates-wheel.json").write_text(json.dumps({"wheel": sha, "stamp": ""}))


def run(
    root: Path, venv: Path, select: bool = True, environ: dict[str, str] | None = None
) -> tuple[set[str], list[Finding]]:
    """One gate run of the project's suite (in CI or not as ``environ`` says, else not): the
    tests that ran, and the findings."""
    scripts = os.path.join(str(venv), "bin")
    env = pytest_gate.suite_env(scripts, pycache=str(root / "target" / "pycache"))
    for name in SAYS_CI:
        env.pop(name, None)
    python = os.path.join(scripts, "python")
    saved = {k: os.environ.pop(k, None) for k in SAYS_CI}
    os.environ.update(environ or {})
    junit = root / pytest_gate.JUNIT
    if junit.exists():
        junit.unlink()
    try:
        found = pytest_select.run(
            pytest_gate.run_suite,
            python,
            str(root),
            env,
            "",
            "",
            ("tests",),
            select,
            False,
            junit=pytest_gate.JUNIT,
        )
    finally:
        for name in SAYS_CI:
            os.environ.pop(name, None)
        os.environ.update({k: v for k, v in saved.items() if v is not None})
    ran = set()
    if junit.exists():
        ran = {case.get("name", "") for case in ET.parse(junit).iter("testcase")}
    return ran, found


def failed(found: list[Finding]) -> bool:
    return any(f.rule == "PY001" for f in found)
