"""The nox sessions, generated from ci/registry.py: one per gate, plus the sessions of ci/sessions.py.

``nox -l`` lists them with their descriptions; ``nox -s <gate>`` runs that gate after the gates
it requires (nox ``requires=``: a failed prerequisite stops its dependents); ``nox`` alone runs
``gates``, every gate in one venv, and prints the results table. Every session ends in
``python -m ci.gates ...`` (or ``python -m ci.<module>``), the same entry the invoke tasks use.
Options after ``--`` reach ``ci.gates``: ``nox -s gates -- --no-cache --verbose``.

Venvs are reused, and a venv's packages are installed only when its requirement list changed
(a hash in ``<venv>/ci-gates-requirements.sha256``), so a warm run installs nothing. Gates
that need no packages run with the interpreter running nox (no venv at all).

The project's ``noxfile.py`` only imports this module (so ruff and a project that adopts the
gates judge this code by ``ci/``'s settings, not the project's).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys

import nox

from ci.gates.__main__ import FLAGS as GATES_FLAGS
from ci.pins import (
    GIT_CLIFF,
    GRIFFE,
    GRIFFE_OLD_PYTHON,
    PUBLISH_TOOLS,
    PYYAML,
    REHEARSAL_TOOLS,
    RUFF,
    TOMLI,
    TOMLKIT,
)
from ci.registry import ORDERED, Gate, packages_union, with_requires
from ci.sessions import EXTRA_SESSIONS

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = True
nox.options.error_on_external_run = True

MARKER = "ci-gates-requirements.sha256"
TESTS = ("cargo_test", "pytest")


def install(session: nox.Session, requirements: list[str]) -> None:
    """``session.install`` the requirements unless this venv already holds exactly these."""
    if not requirements:
        return
    location = getattr(session.virtualenv, "location", None)
    digest = hashlib.sha256("\n".join(sorted(requirements)).encode()).hexdigest()
    marker = os.path.join(location, MARKER) if location else None
    if marker and os.path.isfile(marker):
        with open(marker, encoding="utf-8") as f:
            if f.read().strip() == digest:
                session.log(f"requirements unchanged ({len(requirements)}); installing nothing")
                return
    session.install(*requirements)
    if marker:
        # Written by an install-step command: `nox -R` / `--no-install` skips it exactly when
        # it skips the install above, so the marker never claims an install that did not happen.
        write = "import sys; open(sys.argv[1], 'w', encoding='utf-8').write(sys.argv[2] + '\\n')"
        session.run_install("python", "-c", write, marker, digest, silent=True, log=False)


def gates_cli(
    session: nox.Session, *args: str, python: str = "python", env: dict[str, str] | None = None
) -> None:
    session.run(python, "-m", "ci.gates", *args, env=env)


def gate_session(gate: Gate) -> None:
    """Register the nox session for one gate."""
    backend = None if gate.packages else "none"

    def session_func(session: nox.Session) -> None:
        # `nox -s NAME -- --no-cache`: options of ci.gates. The pytest gate gives the rest of
        # its arguments (`nox -s pytest -- -m "not slow"`) to pytest, through its variable.
        options, env = list(session.posargs), {}
        if gate.name == "pytest":
            options = [a for a in session.posargs if a in GATES_FLAGS]
            rest = [a for a in session.posargs if a not in GATES_FLAGS]
            env = {"CI_GATES_PYTEST_ARGS": shlex.join(rest)} if rest else {}
        if gate.packages:
            install(session, list(gate.packages))
            gates_cli(session, gate.name, *options, env=env)
        else:  # no venv: the interpreter running nox
            gates_cli(session, gate.name, *options, python=sys.executable, env=env)

    session_func.__name__ = session_func.__qualname__ = gate.name
    session_func.__doc__ = gate.description
    nox.session(name=gate.name, requires=list(gate.requires), venv_backend=backend, default=False)(
        session_func
    )


for _gate in ORDERED:
    gate_session(_gate)


@nox.session(default=True)  # `nox` alone runs this one
def gates(session: nox.Session) -> None:
    """Every gate in dependency order in one venv, then the results table; fails if any did not pass"""
    install(session, packages_union())
    gates_cli(session, "--all", "--report", *session.posargs)


@nox.session(default=False)
def tests(session: nox.Session) -> None:
    """cargo test and pytest (against the installed wheel), after the gates they require"""
    install(session, packages_union(with_requires(TESTS)))
    gates_cli(session, "--with-requires", "--report", *session.posargs, *TESTS)


@nox.session(venv_backend="none", default=False)
def report(session: nox.Session) -> None:
    """Table of the saved gate results (and $GITHUB_STEP_SUMMARY); fails if any did not pass"""
    session.run(sys.executable, "-m", "ci.report")


@nox.session(venv_backend="none", default=False)
def rules(session: nox.Session) -> None:
    """Every rule ID of every gate with its explanation (-- GATE ... for some gates)"""
    gates_cli(session, "--rules", *session.posargs, python=sys.executable)


@nox.session(default=False)
def ci_local(session: nox.Session) -> None:
    """Run the CI workflow's steps locally, in order, the way CI runs them"""
    install(session, [PYYAML])  # to read ci.yml; the steps themselves run nox as CI does
    session.run("python", "-m", "ci.ci_local", *session.posargs)


@nox.session(venv_backend="none", default=False)
def dev(session: nox.Session) -> None:
    """Development venv .venv: the extension and the CLI built by cargo, Python sources live"""
    session.run(sys.executable, "-m", "ci.dev", *session.posargs)


@nox.session(default=False)
def rename(session: nox.Session) -> None:
    """Rename the template: -- --dist NAME --package NAME --cli NAME [--crate-prefix NAME]"""
    install(session, [RUFF])  # the rename formats what it rewrote with the pinned ruff
    session.run("python", "-m", "ci.template", "rename", *session.posargs)


@nox.session(venv_backend="none", default=False)
def sync(session: nox.Session) -> None:
    """Rewrite what the registry derives: ci.yml's gate steps, README's gate table (--check: report)"""
    session.run(sys.executable, "-m", "ci.sync", *session.posargs)


@nox.session(venv_backend="none", default=False)
def adopt(session: nox.Session) -> None:
    """Copy the gate library into an existing maturin project: -- PATH [--force]"""
    session.run(sys.executable, "-m", "ci.template", "adopt", *session.posargs)


if "bench" in EXTRA_SESSIONS:

    @nox.session(venv_backend="none", default=False)
    def bench(session: nox.Session) -> None:
        """Benchmarks (figures go to BENCHMARKS.md); never part of the gates"""
        session.run(sys.executable, "-m", "ci.bench", *session.posargs)


# The release layer (ci/release; docs/releasing.md): plan -> bump -> push tags -> CI publishes.
@nox.session(default=False)
def release_plan(session: nox.Session) -> None:
    """What ships, at which version, why, in which order (`-- --json` for the workflow)"""
    install(session, [TOMLI, GRIFFE, GRIFFE_OLD_PYTHON])  # griffe: the API check (ci/api)
    session.run("python", "-m", "ci.release", "plan", *session.posargs)


@nox.session(default=False)
def release_bump(session: nox.Session) -> None:
    """Apply the plan: versions, Cargo.lock, CHANGELOG.md, one commit, tags (never pushes)"""
    install(session, [GIT_CLIFF, TOMLKIT, TOMLI, GRIFFE, GRIFFE_OLD_PYTHON])
    session.run("python", "-m", "ci.release", "bump", *session.posargs)


@nox.session(default=False)
def release_notes(session: nox.Session) -> None:
    """Release notes of one package, from git-cliff (`nox -s release_notes -- NAME`)"""
    install(session, [GIT_CLIFF, TOMLI])
    session.run("python", "-m", "ci.release", "notes", *session.posargs)


@nox.session(default=False)
def release_stage(session: nox.Session) -> None:
    """Copy the built wheel and sdist, with receipts of the gates they passed, for publishing"""
    install(session, [TOMLI])
    session.run("python", "-m", "ci.release", "stage", *session.posargs)


@nox.session(default=False)
def publish(session: nox.Session) -> None:
    """Publish the plan: crates, then sdist + wheels, skipping what a registry has (`-- --tagged`)"""
    install(session, [GIT_CLIFF, TOMLI, *PUBLISH_TOOLS])
    session.run("python", "-m", "ci.release", "publish", *session.posargs)


@nox.session(default=False)
def release_rehearsal(session: nox.Session) -> None:
    """The whole release in a throwaway clone against local pypiserver and cargo-http-registry"""
    gates = packages_union(with_requires(["wheel", "native_import"]))  # built in the clone
    install(session, [GIT_CLIFF, TOMLKIT, TOMLI, *PUBLISH_TOOLS, *REHEARSAL_TOOLS, *gates])
    session.run("python", "-m", "ci.release.rehearsal", *session.posargs)


@nox.session(venv_backend="none", default=False)
def install_semver_checks(session: nox.Session) -> None:
    """Install the pinned cargo-semver-checks api_compat runs, once a crate is released (~5 min)"""
    from ci.api.rust import INSTALL, VERSION, installed_version
    from ci.api.verdict import semver_checks_needed

    if installed_version() == VERSION:
        session.log(f"cargo-semver-checks {VERSION} is installed")
    elif "--force" not in session.posargs and not semver_checks_needed("."):
        session.log("no library crate has a release tag yet: api_compat does not need it (-- --force)")  # fmt: skip
    else:
        session.run(*INSTALL.split(), external=True)


@nox.session(venv_backend="none", default=False)
def install_hooks(session: nox.Session) -> None:
    """Install git's commit-msg hook (the commits gate's check) without pre-commit"""
    session.run(sys.executable, "-m", "ci.release", "install-hooks")


@nox.session(default=False)
def fix(session: nox.Session) -> None:
    """Apply the mechanical fixes the gates ask for: ruff --fix, ruff format, cargo fmt, a stale Cargo.lock"""
    install(session, [RUFF])
    session.run("python", "-m", "ci.fix")
