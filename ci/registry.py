"""The ONE list of gates. nox sessions, invoke tasks, the CI workflow check and the report
all read it; adding a gate is one module under ``ci/gates/`` and one entry here.

Order in :data:`GATES` does not matter: :func:`ordered` sorts by ``requires``. An unknown
name in ``requires`` or a cycle raises :class:`RegistryError` at import time, so a typo can
never turn into a gate that silently does not run.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ci.pins import (
    BUILD_TOOLS,
    CHECK_JSONSCHEMA,
    CIBUILDWHEEL,
    EVERYTHING,
    FLOOR_ENV,
    FLOOR_MACHINE,
    GIT_CLIFF,
    GRIFFE,
    GRIFFE_OLD_PYTHON,
    MYPY,
    PY_INPUTS,
    PYYAML,
    REHEARSAL_TOOLS,
    RUFF,
    RUST_INPUTS,
    TOMLI,
    TOMLKIT,
    UPLOAD_TOOLS,
    WORKFLOW_INPUTS,
    ZIZMOR,
)
from ci.sessions import EXTRA_SESSIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci.findings import Rule


class Gate(NamedTuple):
    name: str
    description: str
    requires: tuple[str, ...] = ()
    # Python requirements installed into the gate's venv (pinned where output matters).
    packages: tuple[str, ...] = ()
    # Executables that must be on PATH; without them the gate exits 2 ("could not run").
    commands: tuple[str, ...] = ()
    # False for gates CI does not run as a step of its own (none today).
    in_ci: bool = True
    # What the result depends on, for the result cache (ci/cache.py): globs of repo files
    # (``**`` spans directories), the [tool.ci-gates] sections read, commands whose output
    # describes the machine, environment variables, and whether the build's input hash counts.
    # The gate's own module and the ci modules it imports, its packages, the --version of its
    # commands and the digests of the gates it requires are always included.
    inputs: tuple[str, ...] = ()
    config: tuple[str, ...] = ()
    machine: tuple[str, ...] = ()
    env: tuple[str, ...] = ()
    build_inputs: bool = False
    cacheable: bool = True


class RegistryError(Exception):
    """The gate list is inconsistent (unknown ``requires``, a cycle, a duplicate name)."""


GATES: tuple[Gate, ...] = (
    Gate(
        "loc",
        "Line budget of git-tracked source files (warn/fail thresholds, allowlist)",
        commands=("git",),
        inputs=EVERYTHING,
        config=("loc",),
    ),
    Gate(
        "readme",
        "READMEs exist, stay within size bounds, and name only real nox sessions",
        # READMEs, the sessions they may name, the manifests naming the crates whose READMEs
        # are declared, and the registry whose gate table `nox -s sync` writes into README.md.
        inputs=("**/*.md", "noxfile.py", "**/Cargo.toml", "pyproject.toml", "ci/registry.py"),
        config=("readme", "skip"),
    ),
    Gate(
        "commits",
        "Every commit of the branch is a Conventional Commit with a valid Release: trailer",
        commands=("git",),
        config=("commits",),
        cacheable=False,  # judged from the git history, not from files
    ),
    Gate(
        "api_compat",
        "The commits' version bump covers each API change since the last release (Rust, Python, CLI)",
        # griffe 2 needs Python >= 3.11; 1.14 is the last for 3.9/3.10 (same breakage API).
        packages=(GRIFFE, GRIFFE_OLD_PYTHON, TOMLI),
        # cargo and cargo-semver-checks are needed only once a package has a release tag: the
        # gate checks for them then and says how to install them (`nox -s install_semver_checks`).
        commands=("git",),
        inputs=(*RUST_INPUTS, *PY_INPUTS),
        config=("release",),
        # The baseline is a tag and the declared bump comes from the commits since it.
        machine=(
            "git rev-parse HEAD",
            "git tag --list",
            "rustc --version",
            "cargo semver-checks --version",
        ),  # fmt: skip
    ),
    Gate(
        "action_yaml",
        "Composite actions parse, are well-formed (steps, shells, documented inputs), validate",
        packages=(PYYAML, CHECK_JSONSCHEMA),
        inputs=WORKFLOW_INPUTS,
    ),
    Gate(
        "tool_guard",
        "Commands in workflows, actions, scripts and docs obey the tool rule table",
        packages=(PYYAML,),
        # Scripts named by `uv run X.py` are read for PEP 723 metadata, hence every .py; a
        # `uv run --project DIR` is judged by the pyproject.toml uv would find from DIR.
        inputs=(
            *WORKFLOW_INPUTS,
            "**/*.sh",
            "**/*.ps1",
            "**/*.md",
            "**/*.py",
            "**/pyproject.toml",
            ".ci/**",
        ),
        config=("tool-guard",),
    ),
    Gate(
        "workflows",
        "ci.yml and release.yml run one nox session a step; pinned, injection-free, zizmor clean",
        requires=("tool_guard",),
        packages=(PYYAML, CHECK_JSONSCHEMA, ZIZMOR),
        commands=("check-jsonschema", "zizmor"),
        inputs=(*WORKFLOW_INPUTS, "noxfile.py", "ci/requirements-dev.txt", "README.md"),
        config=("skip", "tool-guard"),
    ),
    Gate(
        "release_doctor",
        "Release prerequisites: trusted publishers match release.yml, id-token only there, no tokens",
        packages=(PYYAML, TOMLI),
        inputs=(*WORKFLOW_INPUTS, "pyproject.toml", "**/Cargo.toml"),
        config=("release",),
    ),
    Gate(
        "fmt",
        "Rust formatting: cargo fmt --all --check",
        commands=("cargo", "rustfmt"),
        inputs=RUST_INPUTS,
    ),
    Gate(
        "clippy",
        "Rust lints: cargo clippy --workspace --all-targets --locked -D warnings",
        requires=("fmt",),
        commands=("cargo",),
        inputs=RUST_INPUTS,
        env=("PYO3_PYTHON",),
    ),
    Gate(
        "ruff",
        "Python lint and format check (ruff check, ruff format --check)",
        packages=(RUFF,),
        inputs=PY_INPUTS,
    ),
    Gate(
        "typecheck",
        "mypy over ci/, noxfile.py, tasks.py and python/",
        requires=("ruff",),
        # Every third-party module ci/ imports, so `nox -s typecheck` in its own venv sees
        # what the `gates` venv (the union of all gates' packages) sees.
        packages=(
            MYPY,
            PYYAML,
            "types-PyYAML",
            "nox",
            "invoke",
            "rich",
            "pyelftools",
            "packaging>=24",
            "filelock>=3.12",
            "installer>=0.7",
            TOMLKIT,
        ),
        inputs=PY_INPUTS,
    ),
    Gate(
        "build",
        "Build the wheel and sdist once through PEP 517; reuse them while inputs match",
        packages=BUILD_TOOLS,
        commands=("cargo",),
        build_inputs=True,
        # PYO3_PYTHON, the platform setting, and ci.artifacts.BUILD_ENV_VARS (what the
        # manifest records as shaping the artifacts; a test keeps the two lists together).
        env=(
            "PYO3_PYTHON",
            "CI_GATES_BUILD_COMPATIBILITY",
            "MATURIN_PEP517_ARGS",
            "CARGO_BUILD_TARGET",
            "CARGO_PROFILE_RELEASE_LTO",
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
        ),
        config=("build", "project"),
    ),
    Gate(
        "native_import",
        "Install the built wheel offline in a fresh venv; import it, run the CLI",
        requires=("build",),
        machine=FLOOR_MACHINE,
        env=FLOOR_ENV,
    ),
    Gate(
        "action_surface",
        "Every call of the project's CLI in actions, workflows and docs is real",
        requires=("build",),
        packages=(PYYAML,),
        inputs=(*WORKFLOW_INPUTS, "**/*.md"),
        config=("project",),
    ),
    Gate(
        "wheel",
        "Wheel and sdist contents, RECORD, twine, abi3audit, auditwheel, glibc floor",
        requires=("build",),
        # twine >= 6.1 reads metadata 2.4 (License-Expression); auditwheel 6.8 is the tested
        # floor (the gate parses `show --json`); pyelftools reads each ELF's GLIBC versions;
        # installer validates RECORD as installers do.
        packages=(
            "twine>=6.1",
            "abi3audit",
            "auditwheel>=6.8",
            "pyelftools",
            "packaging>=24",
            "installer>=0.7",
        ),
    ),
    Gate(
        "stubs",
        "mypy stubtest: _native.pyi matches the installed module",
        requires=("native_import",),
        # Installed with the wheel into the venv stubtest runs in (ci/gates/stubs.py).
        packages=(MYPY,),
        inputs=("ci/stubtest-allowlist.txt",),
        config=("stubs",),
        machine=FLOOR_MACHINE,
        env=FLOOR_ENV,
    ),
    Gate(
        "parity",
        "tests/vectors through the CLI and the Python API agree (and with wc)",
        requires=("native_import",),
        inputs=("tests/vectors/**",),
        # The gate compares with this machine's wc, whose word rule depends on its version.
        machine=("wc --version", *FLOOR_MACHINE),
        env=FLOOR_ENV,
    ),
    Gate(
        "cargo_test",
        "cargo test --workspace --locked --no-fail-fast",
        requires=("clippy",),
        commands=("cargo",),
        inputs=(*RUST_INPUTS, "crates/**"),
        env=("PYO3_PYTHON",),
    ),
    Gate(
        "pytest",
        "Python tests against the installed wheel in a venv (not the source tree)",
        requires=("native_import",),
        # Installed with the wheel into the suite's venv, plus every gate's packages: the
        # suite tests every gate (ci/gates/pytest.py).
        packages=(
            "pytest",
            "pytest-xdist",
            "hypothesis",
            PYYAML,
            TOMLI,
            "nox",
            "invoke",
            "rich",
            GIT_CLIFF,
            TOMLKIT,
            *REHEARSAL_TOOLS,
            CIBUILDWHEEL,
            *UPLOAD_TOOLS,
        ),
        # The suite tests the whole repository (gates, hooks, docs, workflows): every file.
        inputs=EVERYTHING,
        machine=("wc --version", "git --version", *FLOOR_MACHINE),
        # `nox -s pytest -- ARGS` passes ARGS through it (ci/gates/pytest.py).
        env=("CI_GATES_PYTEST_ARGS", *FLOOR_ENV),
    ),
)


def _check(gates: tuple[Gate, ...]) -> dict[str, Gate]:
    by_name: dict[str, Gate] = {}
    for gate in gates:
        if gate.name in by_name:
            raise RegistryError(f"ci/registry.py: gate {gate.name!r} is declared twice")
        by_name[gate.name] = gate
    for gate in gates:
        for req in gate.requires:
            if req not in by_name:
                raise RegistryError(
                    f"ci/registry.py: gate {gate.name!r} requires unknown gate {req!r}; "
                    f"known gates: {', '.join(sorted(by_name))}"
                )
    return by_name


def ordered(gates: tuple[Gate, ...] = GATES) -> list[Gate]:
    """Gates in dependency order (stable: declaration order among independent gates)."""
    from ci.toposort import Cycle
    from ci.toposort import ordered as dependency_order

    by_name = _check(gates)
    try:
        names = dependency_order(by_name, {g.name: g.requires for g in gates})
    except Cycle as exc:
        raise RegistryError(f"ci/registry.py: requires cycle: {exc}") from None
    return [by_name[name] for name in names]


ORDERED: list[Gate] = ordered()
BY_NAME: dict[str, Gate] = {gate.name: gate for gate in ORDERED}
NAMES: list[str] = [gate.name for gate in ORDERED]
SESSIONS: tuple[str, ...] = (*NAMES, *EXTRA_SESSIONS)


def with_requires(names: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` plus everything they require, transitively, in dependency order."""
    wanted: set[str] = set()
    stack = list(names)
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(BY_NAME[name].requires)
    return [name for name in NAMES if name in wanted]


def packages_union(names: list[str] | tuple[str, ...] = tuple(NAMES)) -> list[str]:
    """The union of the Python requirements of ``names``, deduplicated, sorted."""
    return sorted({pkg for name in names for pkg in BY_NAME[name].packages})


def load_rules() -> dict[str, Rule]:
    """Every declared rule (``ci.findings.RULES``), after importing every module declaring one.

    Gate modules, and the helpers some import only inside ``run()`` (``ci/wheel_checks.py``,
    ``ci/elf.py``, ...), import only the standard library at module level, so this is cheap.
    Which helpers declare rules is read from their source (``@rule(``), so a new one needs no
    list kept by hand. A missing gate module is left out (the runner reports it when it runs).
    """
    import importlib

    from ci.findings import RULES

    for name in NAMES:
        try:
            importlib.import_module(f"ci.gates.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"ci.gates.{name}":
                raise
    here = os.path.dirname(os.path.abspath(__file__))
    for dirpath, dirnames, filenames in os.walk(here):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")) and d != "bench")
        for filename in sorted(f for f in filenames if f.endswith(".py")):
            path = os.path.join(dirpath, filename)
            with open(path, encoding="utf-8") as f:
                if "@rule(" not in f.read():
                    continue
            rel = os.path.relpath(path, os.path.dirname(here))[: -len(".py")]
            importlib.import_module(rel.replace(os.sep, ".").removesuffix(".__init__"))
    return dict(RULES)
