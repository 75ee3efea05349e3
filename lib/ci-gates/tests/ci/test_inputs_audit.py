"""Every gate reads only project files its declared inputs cover: the result cache cannot lie.

Each registered gate runs in-process over a fixture project under an audit hook
(``sys.addaudithook``, event ``open``); a project file it opens that its ``inputs`` globs do not
match (nor the build's inputs, for the gates of the artifact chain) would let a cached pass
survive a change of that file, so it fails the test. Tools run as subprocesses are not seen by
the hook: the gates declare their inputs and config files instead. ``target/`` (artifacts,
caches) and ``.git/`` are not project files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.core.cache import _glob_regex, artifact_chain
from ci_gates.core.registry import Gate, Registry, builtin

PROJECT = Path(__file__).parent / "fixtures" / "project"
REG = Registry(builtin())
SOURCES = {
    "crates/acme-core/src/lib.rs": "pub fn one() -> u32 { 1 }\n",
    "crates/acme-count/src/main.rs": "fn main() {}\n",
    "crates/acme-py/src/lib.rs": "",
    "python/acme_wc/__init__.py": "from acme_wc._native import __version__\n",
    "python/acme_wc/_native.pyi": "__version__: str\n",
    "tests/test_x.py": "def test_x() -> None:\n    assert True\n",
    "tests/vectors/vectors.json": '{"vectors": []}\n',
    "docs/guide.md": "# Guide\n\n```sh\nnox -s gates\n```\n",
    "scripts/run.sh": "#!/bin/sh\nnox -s gates\n",
    ".gitignore": "target/\n",
}
# Reading these is reading the config: the digest holds the [tool.ci-gates] sections a gate
# declares (``config``) and the ignore table; a gate that reads more of them declares the file.
CONFIG_FILES = {"pyproject.toml"}

_OPENED: list[str] = []
_ACTIVE: list[bool] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _ACTIVE and event == "open" and isinstance(args[0], (str, bytes)):
        path = args[0].decode("utf-8", "replace") if isinstance(args[0], bytes) else args[0]
        _OPENED.append(os.path.abspath(path))


sys.addaudithook(_audit)  # for the whole process; recording only while a gate runs


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audit") / "acme"
    shutil.copytree(PROJECT, root)
    for rel, text in SOURCES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    ident = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    for cmd in (["init", "-q"], ["add", "-A"], [*ident, "commit", "-qm", "feat: fixture"]):
        subprocess.run(["git", *cmd], cwd=root, check=True, env=env, capture_output=True)
    return root


def covered(gate: Gate, rel: str, build_inputs: set[str]) -> bool:
    if any(_glob_regex(p).match(rel) for p in gate.inputs):
        return True
    if artifact_chain(gate, REG.by_name) and (rel in build_inputs or rel == "pyproject.toml"):
        return True  # the build's input hash holds these files and pyproject's build tables
    return rel in CONFIG_FILES and bool(gate.config)


def reads(gate: Gate, root: Path) -> list[str]:
    """Project files (relative) the gate opened while it ran over ``root``."""
    import importlib

    module = importlib.import_module(gate.module)
    _OPENED.clear()
    _ACTIVE.append(True)
    try:
        module.run(str(root))
    except BaseException:  # a gate that cannot run here still shows what it read first
        pass
    finally:
        _ACTIVE.clear()
    top = str(root) + os.sep
    rels = {p[len(top) :].replace(os.sep, "/") for p in _OPENED if p.startswith(top)}
    return sorted(r for r in rels if r.split("/")[0] not in ("target", ".git"))


@pytest.mark.slow
@pytest.mark.parametrize("gate", REG.gates, ids=lambda g: g.name)
def test_a_gate_reads_only_project_files_its_inputs_declare(
    gate: Gate, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI_GATES_PYTEST_ARGS", "--collect-only")  # the suite itself is not tested
    build_inputs = set(artifacts.input_paths(str(project)))
    undeclared = [rel for rel in reads(gate, project) if not covered(gate, rel, build_inputs)]
    assert undeclared == [], (
        f"{gate.name} reads {undeclared} but its inputs are {gate.inputs}: a change to them "
        "would be served a cached pass; declare them in its GATE"
    )


def test_the_audit_sees_a_gate_reading_an_undeclared_file(project: Path) -> None:
    """The check can fail: a gate declaring only docs that reads Cargo.toml is caught."""
    import types

    sneaky = types.ModuleType("sneaky_gate")
    sneaky.run = lambda root: [Path(root, "Cargo.toml").read_text()] and []  # type: ignore[attr-defined]
    sys.modules["sneaky_gate"] = sneaky
    gate = Gate("sneaky", "reads more than it says", inputs=("docs/**",), module="sneaky_gate")
    try:
        assert reads(gate, project) == ["Cargo.toml"]
        assert not covered(gate, "Cargo.toml", set())
    finally:
        del sys.modules["sneaky_gate"]
