"""nox sessions, invoke tasks and ci.registry list the same gates (the registry is the source)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from ci_gates.core import registry

ROOT = Path(__file__).resolve().parents[2]
nox = pytest.importorskip("nox")
invoke = pytest.importorskip("invoke")


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_under_test_{name}", ROOT / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture(scope="module")
def loaded_noxfile() -> tuple[ModuleType, dict[str, object]]:
    """The noxfile imported once into an empty nox registry (as ``nox`` does), and its sessions."""
    import nox.registry

    saved = dict(nox.registry._REGISTRY)
    nox.registry._REGISTRY.clear()
    sys.modules.pop(
        "ci_gates.commands.nox_sessions", None
    )  # importing it again registers the sessions
    try:
        load("noxfile")
        return sys.modules["ci_gates.commands.nox_sessions"], dict(nox.registry._REGISTRY)
    finally:
        nox.registry._REGISTRY.clear()
        nox.registry._REGISTRY.update(saved)


@pytest.fixture
def noxfile(loaded_noxfile: tuple[ModuleType, dict[str, object]]) -> ModuleType:
    return loaded_noxfile[0]


@pytest.fixture
def nox_sessions(loaded_noxfile: tuple[ModuleType, dict[str, object]]) -> dict[str, object]:
    return loaded_noxfile[1]


def test_noxfile_registers_exactly_the_registry_sessions(nox_sessions: dict[str, object]) -> None:
    assert set(nox_sessions) == set(registry.SESSIONS)


def test_gate_sessions_take_requires_and_description_from_the_registry(
    nox_sessions: dict[str, object],
) -> None:
    for gate in registry.ORDERED:
        func = nox_sessions[gate.name]
        assert list(getattr(func, "requires", None) or []) == list(gate.requires), gate.name
        assert (getattr(func, "__doc__", "") or "").strip() == gate.description
        # Gates without packages need no venv; gates with packages get one.
        assert (getattr(func, "venv_backend", None) == "none") == (not gate.packages), gate.name


def test_nox_list_shows_every_session_with_its_description() -> None:
    proc = run(sys.executable, "-m", "nox", "-l")
    assert proc.returncode == 0, proc.stderr
    listed = dict(re.findall(r"^[*-] (\S+) -> (.+)$", proc.stdout, flags=re.M))
    assert set(listed) == set(registry.SESSIONS)
    for gate in registry.ORDERED:
        assert listed[gate.name] == gate.description


def test_invoke_tasks_match_the_registry() -> None:
    tasks = load("tasks")
    expected = {*registry.NAMES, "gates", "tests"}
    assert {name.replace("-", "_") for name in tasks.ns.task_names} == expected
    proc = run(sys.executable, "-m", "invoke", "--list", "--list-format", "json")
    assert proc.returncode == 0, proc.stderr
    listed = {t["name"].replace("-", "_") for t in json.loads(proc.stdout)["tasks"]}
    assert listed == expected
    help_by_name = {t["name"]: t["help"] for t in json.loads(proc.stdout)["tasks"]}
    assert help_by_name["native-import"] == registry.BY_NAME["native_import"].description


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


class FakeVenv:
    def __init__(self, location: str) -> None:
        self.location = location


class FakeSession:
    def __init__(self, location: str) -> None:
        self.virtualenv = FakeVenv(location)
        self.installed: list[tuple[str, ...]] = []
        self.logged: list[str] = []

        self.no_install = False  # `nox --no-install` on a reused venv

    def install(self, *args: str) -> None:
        if not self.no_install:
            self.installed.append(args)

    def run_install(
        self, program: str, *args: str, silent: bool = False, log: bool = True
    ) -> bool | None:
        """nox's public contract: skipped (None) exactly when ``install`` is."""
        if self.no_install:
            return None
        subprocess.run([sys.executable if program == "python" else program, *args], check=True)
        return True

    def log(self, msg: str) -> None:
        self.logged.append(msg)


def test_install_only_when_the_requirements_change(noxfile: ModuleType, tmp_path: Path) -> None:
    session = FakeSession(str(tmp_path))
    noxfile.install(session, ["ruff==0.17.6", "pyyaml>=6"])
    noxfile.install(session, ["pyyaml>=6", "ruff==0.17.6"])  # same set: a warm run
    assert session.installed == [("ruff==0.17.6", "pyyaml>=6")]
    assert "installing nothing" in session.logged[0]
    noxfile.install(session, ["ruff==0.17.7"])  # a new pin installs again
    assert session.installed[-1] == ("ruff==0.17.7",)
    noxfile.install(session, [])  # a gate without packages installs nothing
    assert len(session.installed) == 2


def test_no_install_leaves_no_marker_claiming_an_install(
    noxfile: ModuleType, tmp_path: Path
) -> None:
    session = FakeSession(str(tmp_path))
    session.no_install = True
    noxfile.install(session, ["ruff==0.17.6"])
    assert not (tmp_path / noxfile.MARKER).exists()
    session.no_install = False
    noxfile.install(session, ["ruff==0.17.6"])  # so the next real run installs
    assert session.installed == [("ruff==0.17.6",)]


def test_noxfile_reads_no_private_nox_state_and_runs_as_a_script() -> None:
    text = (ROOT / "noxfile.py").read_text()
    sessions = (ROOT / "ci" / "nox_sessions.py").read_text()
    for source in (text, sessions):
        assert "._runner" not in source and "global_config" not in source
    assert text.startswith("#!") and 'if __name__ == "__main__":\n    nox.main()' in text
    assert run(sys.executable, "noxfile.py", "-l").returncode == 0


def test_pytest_session_passes_its_posargs_to_the_gate(
    nox_sessions: dict[str, object], tmp_path: Path
) -> None:
    ran: list[tuple[tuple[str, ...], dict[str, str] | None]] = []

    class Session(FakeSession):
        posargs = ["-m", "not slow"]

        def run(self, *args: str, env: dict[str, str] | None = None) -> None:
            ran.append((args, env))

    nox_sessions["pytest"](Session(str(tmp_path)))  # type: ignore[operator]
    ((args, env),) = ran
    assert args[-3:] == ("-m", "ci_gates.gates", "pytest")
    assert env == {"CI_GATES_PYTEST_ARGS": "-m 'not slow'"}
    ran.clear()
    nox_sessions["ruff"](Session(str(tmp_path)))  # type: ignore[operator]
    assert ran[0][1] == {}  # only the pytest gate takes arguments


def test_nox_alone_runs_only_the_gates_session(nox_sessions: dict[str, object]) -> None:
    defaults = [name for name, func in nox_sessions.items() if getattr(func, "default", True)]
    assert defaults == ["gates"]  # every other session says `default=False`


@pytest.mark.parametrize(("env", "escapes"), [({}, False), ({"FORCE_COLOR": "1"}, True)])
def test_invoke_prints_no_ansi_escapes_into_a_pipe(env: dict[str, str], escapes: bool) -> None:
    clean = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run(
        [sys.executable, "-m", "invoke", "loc"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert ("\x1b[" in proc.stdout + proc.stderr) is escapes
