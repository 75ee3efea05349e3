"""The nox sessions of the gate library: one per gate (``requires=`` from the registry), plus the rest.

A project's ``noxfile.py`` is three lines::

    import nox
    from ci_gates.commands.nox_sessions import register
    register()

``nox -l`` lists every session with its description; ``nox -s <gate>`` runs that gate after the
gates it requires (a failed prerequisite stops its dependents); ``nox`` alone runs ``gates``.
Every gate session ends in ``ci-gates run``, which runs the gate inside the project's one gates
environment (:mod:`ci_gates.core.env`), so ``nox -s gates``, ``nox -s <gate>``, a CI step and
``nox -s ci_local`` give the same verdict. Options after ``--`` reach ``ci-gates run``
(``nox -s gates -- --no-cache --verbose``); the pytest session hands the rest to pytest, and a
prerequisite ignores what is not its option (``nox -s pytest -- tests/x.py`` builds as usual).

The release sessions are not gates: each gets a nox venv with the library and its tools.
"""

from __future__ import annotations

import os
import shlex
import sys

import nox

from ci_gates.commands.run import FLAGS as RUN_FLAGS
from ci_gates.commands.run import option_name
from ci_gates.core.context import project_root
from ci_gates.core.env import library_requirement, source_dir
from ci_gates.core.findings import CannotRun
from ci_gates.core.pins import (
    GIT_CLIFF,
    GRIFFE,
    GRIFFE_OLD_PYTHON,
    PUBLISH_TOOLS,
    REHEARSAL_TOOLS,
    STAGE_TOOLS,
    TOMLI,
    TOMLKIT,
    TWINE,
)
from ci_gates.core.registry import Gate, Registry, load

TESTS = ("cargo_test", "pytest")
PASS_THROUGH = {"pytest": "CI_GATES_PYTEST_ARGS"}  # gate -> variable its extra arguments go to


def ci_gates(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    """``python -m ci_gates ARGS``: a command of :data:`ci_gates.core.env.IN_ENV` with the
    gates environment's python (made or updated here first, in nox's process, which has the
    registry loaded already), any other with the interpreter running nox.

    When nox imported the library from a source checkout, the command runs that source too.
    """
    from ci_gates.core import env as gates_env

    environ: dict[str, str | None] = dict(env or {})
    source = source_dir()
    if source:
        src = os.path.join(source, "src")
        environ["PYTHONPATH"] = os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)
    python = sys.executable
    root = project_root()
    if args and args[0] in gates_env.IN_ENV and not gates_env.disabled():
        if not gates_env.inside(root):
            try:
                python = gates_env.ensure(root)
            except CannotRun as exc:
                session.error(f"ci-gates: cannot prepare {gates_env.ENV_DIR}: {exc.message}")
            environ.update(gates_env.entry_environ(root, python))
    session.run(python, "-m", "ci_gates", *args, env=environ)


def with_library(session: nox.Session, *requirements: str) -> None:
    """A nox venv for a non-gate session: the running library and ``requirements``."""
    session.install(library_requirement(), *requirements)


def gate_session(gate: Gate, taken: frozenset[str] = frozenset()) -> None:
    """Register the nox session for one gate.

    A prerequisite whose name the project's noxfile already uses for a session of its own is
    not a nox ``requires`` (that would run the project's session): the gate runs with
    ``--with-requires`` instead, so the runner runs (or serves from the cache) its prerequisites.
    """
    clash = bool(set(gate.requires) & taken)

    def session_func(session: nox.Session) -> None:
        options, rest = split_options(session.posargs)
        env = {}
        if gate.name in PASS_THROUGH and rest:
            env[PASS_THROUGH[gate.name]] = shlex.join(rest)
        elif rest:
            session.log(f"{gate.name}: ignoring {shlex.join(rest)} (not an option of ci-gates run)")
        with_requires = ["--with-requires"] if clash else []
        ci_gates(session, "run", *with_requires, gate.name, *options, env=env)

    session_func.__name__ = session_func.__qualname__ = gate.name
    session_func.__doc__ = gate.description
    requires = [] if clash else list(gate.requires)
    nox.session(name=gate.name, requires=requires, venv_backend="none", default=False)(session_func)


def register(root: str | None = None) -> Registry:
    """Define every session for the project at ``root`` (default: the noxfile's directory)."""
    nox.options.default_venv_backend = "uv|virtualenv"
    nox.options.reuse_venv = "yes"
    nox.options.error_on_missing_interpreters = True
    nox.options.error_on_external_run = True
    reg = load(project_root(root))
    # Sessions the noxfile defined before calling register() keep their names; a gate or a
    # session of ours with the same name is reachable as `ci-gates run NAME` / `ci-gates NAME`.
    taken = frozenset(nox.registry.get())
    for name in sorted(taken & {*reg.names, *(f.__name__ for f, _ in SESSIONS)}):
        print(
            f"ci-gates: the noxfile's own session {name!r} is kept; "
            f"the library's runs as `ci-gates run {name}`",
            file=sys.stderr,
        )
    for gate in reg.gates:
        if gate.name not in taken:
            gate_session(gate, taken)
    for func, options in SESSIONS:
        if func.__name__ not in taken:
            nox.session(**options)(func)
    return reg


def split_options(args: list[str]) -> tuple[list[str], list[str]]:
    """(options of ``ci-gates run``, the rest) of a session's arguments."""
    options = [a for a in args if option_name(a) in RUN_FLAGS]
    return options, [a for a in args if option_name(a) not in RUN_FLAGS]


def parallel(options: list[str]) -> list[str]:
    """``--jobs=auto`` unless the caller chose (independent gates run side by side)."""
    return [] if any(option_name(a) == "--jobs" for a in options) else ["--jobs=auto"]


def gates(session: nox.Session) -> None:
    """Every gate in dependency order, then the results table; fails if any did not pass"""
    options = list(session.posargs)
    ci_gates(session, "run", "--all", "--report", *parallel(options), *options)


def tests(session: nox.Session) -> None:
    """cargo test and pytest (against the installed wheel), after the gates they require"""
    options, rest = split_options(session.posargs)
    env = {PASS_THROUGH["pytest"]: shlex.join(rest)} if rest else None
    args = ("--with-requires", "--report", *parallel(options), *options, *TESTS)
    ci_gates(session, "run", *args, env=env)


def report(session: nox.Session) -> None:
    """Table of the saved gate results (and $GITHUB_STEP_SUMMARY); fails if any did not pass"""
    ci_gates(session, "report", *session.posargs)


def rules(session: nox.Session) -> None:
    """Every rule ID of every gate with its explanation (-- GATE ... for some gates)"""
    ci_gates(session, "rules", *session.posargs)


def ci_local(session: nox.Session) -> None:
    """Run the CI workflow's steps locally, in order, the way CI runs them"""
    ci_gates(session, "ci-local", *session.posargs)


def dev(session: nox.Session) -> None:
    """Development venv .venv: the extension and the CLI built by cargo, Python sources live"""
    # In nox's own process: the loop costs cargo's build plus nox's start-up, no interpreter
    # more (`ci-gates dev` is the same without nox's start-up).
    from ci_gates.commands import dev as command

    if command.main(list(session.posargs)) != 0:
        session.error("ci-gates dev failed (see above)")


def rename(session: nox.Session) -> None:
    """Rename the template: -- --dist NAME --package NAME --cli NAME [--crate-prefix NAME]"""
    ci_gates(session, "rename", *session.posargs)


def sync(session: nox.Session) -> None:
    """Rewrite what the registry derives: ci.yml's gate steps, README's gate table (--check: report)"""
    ci_gates(session, "sync", *session.posargs)


def adopt(session: nox.Session) -> None:
    """Bring the gates to an existing maturin project: -- PATH (a pin, a config; no code copied)"""
    ci_gates(session, "adopt", *session.posargs)


def fix(session: nox.Session) -> None:
    """Apply the mechanical fixes the gates ask for: ruff --fix, ruff format, cargo fmt, a stale Cargo.lock"""
    ci_gates(session, "fix", *session.posargs)


def baseline(session: nox.Session) -> None:
    """Record today's findings with a reason, so only new ones fail: -- --reason TEXT [--write]"""
    ci_gates(session, "baseline", *session.posargs)


def release_plan(session: nox.Session) -> None:
    """What ships, at which version, why, in which order (`-- --json` for the workflow)"""
    with_library(session, TOMLI, GRIFFE, GRIFFE_OLD_PYTHON)  # griffe: the API check
    session.run("python", "-m", "ci_gates", "release", "plan", *session.posargs)


def release_bump(session: nox.Session) -> None:
    """Apply the plan: versions, Cargo.lock, CHANGELOG.md, one commit, tags (never pushes)"""
    with_library(session, GIT_CLIFF, TOMLKIT, TOMLI, GRIFFE, GRIFFE_OLD_PYTHON)
    session.run("python", "-m", "ci_gates", "release", "bump", *session.posargs)


def release_notes(session: nox.Session) -> None:
    """Release notes of one package, from git-cliff (`nox -s release_notes -- NAME`)"""
    with_library(session, GIT_CLIFF, TOMLI)
    session.run("python", "-m", "ci_gates", "release", "notes", *session.posargs)


def release_stage(session: nox.Session) -> None:
    """Stage the built wheel and sdist with receipts of the gates they passed (`-- NAME`: a package)"""
    with_library(session, TOMLI, *STAGE_TOOLS)
    session.run("python", "-m", "ci_gates", "release", "stage", *session.posargs)


def publish(session: nox.Session) -> None:
    """Publish the plan: crates, then sdist + wheels, skipping what a registry has (`-- --tagged`)"""
    with_library(session, GIT_CLIFF, TOMLI, *PUBLISH_TOOLS)
    session.run("python", "-m", "ci_gates", "release", "publish", *session.posargs)


def release_rehearsal(session: nox.Session) -> None:
    """The whole release in a throwaway clone against local pypiserver and cargo-http-registry"""
    with_library(session, GIT_CLIFF, TOMLKIT, TOMLI, *PUBLISH_TOOLS, TWINE, *REHEARSAL_TOOLS)
    session.run("python", "-m", "ci_gates.release.rehearsal", *session.posargs)


def install_semver_checks(session: nox.Session) -> None:
    """Install the pinned cargo-semver-checks api_compat runs, once a crate is released (~5 min)"""
    from ci_gates.checks.api.rust import INSTALL, VERSION, installed_version
    from ci_gates.checks.api.verdict import semver_checks_needed

    if installed_version() == VERSION:
        session.log(f"cargo-semver-checks {VERSION} is installed")
    elif "--force" not in session.posargs and not semver_checks_needed(os.getcwd()):
        session.log(
            "no library crate has a release tag yet: api_compat does not need it (-- --force)"
        )
    else:
        session.run(*INSTALL.split(), external=True)


def install_hooks(session: nox.Session) -> None:
    """Install git's commit-msg hook (the commits gate's check) without pre-commit"""
    ci_gates(session, "release", "install-hooks")


_NO_VENV = {"venv_backend": "none", "default": False}
SESSIONS = (
    (gates, {"venv_backend": "none", "default": True}),  # `nox` alone runs this one
    (tests, _NO_VENV),
    (report, _NO_VENV),
    (rules, _NO_VENV),
    (ci_local, _NO_VENV),
    (dev, _NO_VENV),
    (rename, _NO_VENV),
    (sync, _NO_VENV),
    (adopt, _NO_VENV),
    (fix, _NO_VENV),
    (baseline, _NO_VENV),
    (release_plan, {"default": False}),
    (release_bump, {"default": False}),
    (release_notes, {"default": False}),
    (release_stage, {"default": False}),
    (publish, {"default": False}),
    (release_rehearsal, {"default": False}),
    (install_semver_checks, _NO_VENV),
    (install_hooks, _NO_VENV),
)
