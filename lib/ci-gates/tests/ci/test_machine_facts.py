"""Machine facts kept between runs: kept only while nothing they depend on changed.

A tool's ``--version`` is kept only for a tool installed in the running environment, keyed by
that environment and the tool's stat; every other command is asked every run. The interpreter
matrix is kept with a witness of what the discovery reads: a new interpreter on PATH, a pyenv
version, a changed variable, each makes it found again.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ci_gates.checks import discovery
from ci_gates.core import machine, statcache


def script(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{text}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A facts file of its own, and no racy window (the files here are all brand new)."""
    path = tmp_path / "facts.json"
    monkeypatch.setattr(machine, "_facts_path", lambda: str(path))
    monkeypatch.setattr(statcache, "RACY_NS", -(10**18))
    return path


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
def test_a_version_of_a_tool_in_the_environment_is_kept_until_it_or_the_env_changes(
    tmp_path: Path, facts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "asked"
    tool = script(tmp_path / "bin" / "tool", f"echo x >> {log}; echo tool 1")
    monkeypatch.setenv("PATH", f"{tool.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(machine, "_env_tool", lambda command: str(tool))
    monkeypatch.setattr(machine, "environment", lambda: "env-a")

    def asked() -> int:
        return len(log.read_text().splitlines()) if log.exists() else 0

    assert machine.outputs(["tool --version"], str(tmp_path)) == {"tool --version": "0:tool 1\n"}
    assert machine.outputs(["tool --version"], str(tmp_path))["tool --version"] == "0:tool 1\n"
    assert asked() == 1
    script(tool, f"echo x >> {log}; echo tool 2")  # upgraded in place: its stat changes
    assert machine.outputs(["tool --version"], str(tmp_path))["tool --version"] == "0:tool 2\n"
    monkeypatch.setattr(machine, "environment", lambda: "env-b")
    machine.outputs(["tool --version"], str(tmp_path))
    assert asked() == 3


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
def test_other_commands_are_asked_every_time(
    tmp_path: Path, facts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "asked"
    script(tmp_path / "bin" / "head-of", f"echo x >> {log}; echo abc")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    for _ in range(3):
        got = machine.outputs(["head-of HEAD", "head-of --version"], str(tmp_path))
        assert got == {"head-of HEAD": "0:abc\n", "head-of --version": "0:abc\n"}
    assert len(log.read_text().splitlines()) == 6  # not in the environment: never kept


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
def test_only_a_tool_inside_the_running_venv_counts_as_an_environment_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = tmp_path / "venv"
    tool = script(venv / "bin" / "tool", "echo 1")
    (venv / "bin" / "linked").symlink_to(tool)
    (venv / "bin" / "outside").symlink_to(script(tmp_path / "elsewhere", "echo 1"))
    monkeypatch.setenv("PATH", str(venv / "bin"))
    monkeypatch.setattr(sys, "prefix", str(venv))
    assert machine._env_tool("tool --version") == str(tool)
    assert machine._env_tool("linked --version")
    assert machine._env_tool("outside --version") == ""  # a symlink out of the venv
    assert machine._env_tool("tool --help") == ""  # only a version is a fact of the install
    assert machine._env_tool("tool -m x --version") == ""
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)  # not a venv: nothing is kept
    assert machine._env_tool("tool --version") == ""


def test_a_failing_command_is_an_answer_too(tmp_path: Path, facts: Path) -> None:
    got = machine.outputs(["no-such-tool-xyz --version"], str(tmp_path))
    assert got["no-such-tool-xyz --version"].startswith("cannot run")


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
@pytest.mark.parametrize(
    "change", ["python on PATH", "pyenv version", "variable", "found interpreter", "venv"]
)
def test_the_interpreter_matrix_is_found_again_when_discovery_can_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    root, bin_dir, pyenv = tmp_path / "p", tmp_path / "bin", tmp_path / "pyenv"
    (root).mkdir()
    (pyenv / "versions").mkdir(parents=True)
    found = script(tmp_path / "py" / "python3.9", "echo 3.9")
    bin_dir.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(pyenv))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setattr(statcache, "RACY_NS", -(10**18))
    calls: list[str] = []

    def find(where: str) -> str:
        calls.append(where)
        return f"3.9 {found}\n3.13 -\n"

    assert discovery.cached_output(str(root), find) == f"3.9 {found}\n3.13 -\n"
    assert discovery.cached_output(str(root), find) == f"3.9 {found}\n3.13 -\n"
    assert len(calls) == 1
    if change == "python on PATH":
        script(bin_dir / "python3.13", "echo 3.13")
    elif change == "pyenv version":
        (pyenv / "versions" / "3.13.1").mkdir()
    elif change == "variable":
        monkeypatch.setenv("UV_PYTHON_PREFERENCE", "only-managed")
    elif change == "found interpreter":
        found.unlink()
    else:
        (root / ".venv").mkdir()
    discovery.cached_output(str(root), find)
    assert len(calls) == 2, change


def test_a_matrix_found_while_discovery_was_changing_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # written just now: inside the racy window
    calls: list[str] = []

    def find(where: str) -> str:
        calls.append(where)
        return "3.9 -\n"

    discovery.cached_output(str(tmp_path), find)
    discovery.cached_output(str(tmp_path), find)
    assert len(calls) == 2


def test_installed_distributions_are_read_again_when_their_metadata_changes(
    tmp_path: Path, facts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from importlib import metadata

    site = tmp_path / "site"
    meta = site / "pkg-1.0.dist-info" / "METADATA"
    meta.parent.mkdir(parents=True)
    meta.write_text("Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n", encoding="utf-8")
    monkeypatch.setattr(sys, "path", [str(site)])
    assert machine._distributions() == ["pkg==1.0"]
    real = metadata.distributions
    monkeypatch.setattr(metadata, "distributions", lambda: iter(()))
    assert machine._distributions() == ["pkg==1.0"]  # kept: nothing changed
    meta.write_text("Metadata-Version: 2.1\nName: pkg\nVersion: 2.0\n", encoding="utf-8")
    st = os.stat(meta)
    os.utime(meta, ns=(st.st_atime_ns, st.st_mtime_ns + 1))  # rewritten in place
    monkeypatch.setattr(metadata, "distributions", real)
    assert machine._distributions() == ["pkg==2.0"]
    (site / "other-3.dist-info").mkdir()
    (site / "other-3.dist-info" / "METADATA").write_text("Name: other\nVersion: 3\n")
    assert machine._distributions() == ["other==3", "pkg==2.0"]
