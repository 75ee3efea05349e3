"""The nox sessions and invoke tasks of a project that adopted the library list the registry's gates.

The fixture project carries what ``ci-gates adopt`` writes: a three-line noxfile and, for invoke,
a tasks.py importing the library's namespace.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ci_gates.core.registry import Registry, builtin
from ci_gates.core.sessions import EXTRA_SESSIONS
from ci_gates.template.adoptfiles import NOXFILE
from ci_gates.testing.plugin import MakeRepo

nox = pytest.importorskip("nox")
invoke = pytest.importorskip("invoke")
REG = Registry(builtin())
TASKS = "from ci_gates.commands.invoke_tasks import ns\n\n__all__ = ['ns']\n"


def run(
    *cmd: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``cmd`` in ``cwd``; nox refuses NO_COLOR and FORCE_COLOR together and colours with
    FORCE_COLOR, so neither is passed unless ``env`` says so (colour is not tested here)."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, check=False, timeout=120, env=env
    )


@pytest.fixture
def project(make_repo: MakeRepo) -> Path:
    return make_repo({"noxfile.py": NOXFILE, "tasks.py": TASKS, "README.md": "# x\n"})


@pytest.fixture
def sessions(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The sessions ``register()`` defines for ``project``, in an empty nox registry."""
    import nox.registry

    from ci_gates.commands.nox_sessions import register

    monkeypatch.setattr(nox.registry, "_REGISTRY", {})
    register(str(project))
    return dict(nox.registry.get())


def test_register_defines_every_gate_and_the_librarys_sessions(sessions: dict[str, Any]) -> None:
    assert set(sessions) == {*REG.names, *EXTRA_SESSIONS}
    for gate in REG.gates:
        func = sessions[gate.name]
        assert list(getattr(func, "requires", None) or []) == list(gate.requires), gate.name
        assert (getattr(func, "__doc__", "") or "").strip() == gate.description
        # One gates environment for every gate: no session venv of its own.
        assert getattr(func, "venv_backend", None) == "none", gate.name
    defaults = [name for name, func in sessions.items() if getattr(func, "default", True)]
    assert defaults == ["gates"]  # `nox` alone runs only the gates


def test_nox_list_shows_every_session_with_its_description(project: Path) -> None:
    proc = run(sys.executable, "-m", "nox", "-l", cwd=project)
    assert proc.returncode == 0, proc.stderr
    listed = dict(re.findall(r"^[*-] (\S+) -> (.+)$", proc.stdout, flags=re.M))
    assert set(listed) == {*REG.names, *EXTRA_SESSIONS}
    for gate in REG.gates:
        assert listed[gate.name] == gate.description


def test_invoke_tasks_match_the_registry(project: Path) -> None:
    proc = run(sys.executable, "-m", "invoke", "--list", "--list-format", "json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    tasks = json.loads(proc.stdout)["tasks"]
    assert {t["name"].replace("-", "_") for t in tasks} == {*REG.names, "gates", "tests"}
    help_by_name = {t["name"]: t["help"] for t in tasks}
    assert help_by_name["native-import"] == REG["native_import"].description


def test_a_failed_prerequisite_stops_its_dependent_and_is_named(tmp_path: Path) -> None:
    """The nox behaviour the gate sessions rely on (guards against a nox upgrade changing it)."""
    (tmp_path / "noxfile.py").write_text(
        textwrap.dedent(
            """
            import sys
            import nox

            @nox.session(venv_backend="none")
            def first(session):
                session.run(sys.executable, "-c", "raise SystemExit(1)")

            @nox.session(venv_backend="none", requires=["first"])
            def second(session):
                session.run(sys.executable, "-c", "print('SECOND RAN')")
            """
        ),
        encoding="utf-8",
    )
    proc = run(sys.executable, "-m", "nox", "-s", "second", cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "SECOND RAN" not in output
    assert "Prerequisite session first was not successful" in output


class Session:
    """What a gate session uses of nox's Session: posargs, run, log."""

    def __init__(self, posargs: list[str]) -> None:
        self.posargs = posargs
        self.ran: list[tuple[tuple[str, ...], dict[str, str]]] = []
        self.logged: list[str] = []

    def run(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.ran.append((args, dict(env or {})))

    def log(self, msg: str) -> None:
        self.logged.append(msg)


def test_arguments_reach_the_gate_they_name_and_no_prerequisite(sessions: dict[str, Any]) -> None:
    session = Session(["tests/x.py::test_y", "--no-cache"])
    sessions["pytest"](session)
    ((args, env),) = session.ran
    assert args[-4:] == ("ci_gates", "run", "pytest", "--no-cache")
    assert env["CI_GATES_PYTEST_ARGS"] == "tests/x.py::test_y"
    build = Session(["tests/x.py::test_y", "--no-cache"])  # nox hands posargs to prerequisites too
    sessions["build"](build)
    ((args, env),) = build.ran
    assert args[-4:] == ("ci_gates", "run", "build", "--no-cache")
    assert "CI_GATES_PYTEST_ARGS" not in env and "ignoring tests/x.py::test_y" in build.logged[0]


@pytest.mark.parametrize(("env", "escapes"), [({}, False), ({"FORCE_COLOR": "1"}, True)])
def test_invoke_prints_no_ansi_escapes_into_a_pipe(
    project: Path, env: dict[str, str], escapes: bool
) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    clean["CI_GATES_NO_ENV"] = "1"  # the fixture's gates environment is not what is tested
    proc = run(sys.executable, "-m", "invoke", "loc", cwd=project, env={**clean, **env})
    assert proc.returncode == 0, proc.stderr
    assert ("\x1b[" in proc.stdout + proc.stderr) is escapes


def test_the_projects_own_sessions_keep_their_names(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import nox.registry

    from ci_gates.commands.nox_sessions import register

    monkeypatch.setattr(nox.registry, "_REGISTRY", {})

    @nox.session(venv_backend="none")
    def build(session: object) -> None:
        """The project's own build"""

    register(str(project))
    sessions = dict(nox.registry.get())
    assert sessions["build"].__doc__ == "The project's own build"
    assert "'build' is kept" in capsys.readouterr().err
    native = sessions["native_import"]  # requires the gate build: run by the runner instead
    assert not list(getattr(native, "requires", None) or [])
    session = Session([])
    native(session)
    assert session.ran[0][0][-3:] == ("run", "--with-requires", "native_import")
