"""This repository's own configuration: what it declares, and that it carries the library's files.

Tests of the library use fixture projects (lib/ci-gates/tests); these read this project's files.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ci_gates.checks.versioning.config import load
from ci_gates.core.project import names
from ci_gates.template.hookfiles import files as hook_files
from ci_gates.testing import run_gate

REPO = Path(__file__).resolve().parents[2]


def test_pre_commit_config_runs_the_same_check_at_commit_msg() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    (hook,) = config["repos"][0]["hooks"]
    assert hook["stages"] == ["commit-msg"] and hook["language"] == "system"
    assert hook["entry"] == "ci-gates release check-msg"
    assert "commit-msg" in config["default_install_hook_types"]


def test_the_project_declares_its_packages_in_publish_order() -> None:
    project = names(REPO)
    cli, bindings = project.cli_crate, project.bindings
    assert cli is not None and bindings is not None
    (core,) = [c for c in project.crates if c not in (cli, bindings)]
    packages = load(str(REPO))
    assert [(p.name, p.kind, p.manifest) for p in packages] == [
        (core.name, "crates", f"{core.path}/Cargo.toml"),
        (cli.name, "crates", f"{cli.path}/Cargo.toml"),
        (project.dist, "pypi", f"{bindings.path}/Cargo.toml"),
        ("ci-gates", "python", "lib/ci-gates/pyproject.toml"),
    ]
    wheel, library = packages[-2:]
    assert set(wheel.depends_on) == {core.name, cli.name}
    assert {t.libc for t in wheel.targets} == {"manylinux2014", "musllinux_1_2", ""}
    # the gate library ships on its own: its paths only, nothing of the workspace, no targets
    assert (library.path, library.paths, library.depends_on, library.targets) == (
        "lib/ci-gates",
        ("lib/ci-gates/**",),
        (),
        (),
    )


def test_the_library_version_is_its_pyproject_version() -> None:
    """One version: [project].version, which the release bumps; __version__ and --version read it."""
    import subprocess
    import sys

    import ci_gates
    from ci_gates.checks.versioning.versions import read_version

    version = read_version(str(REPO), "lib/ci-gates/pyproject.toml")
    assert ci_gates.__version__ == version
    shown = subprocess.run(
        [sys.executable, "-m", "ci_gates", "--version"], capture_output=True, text=True, check=True
    )
    assert shown.stdout == f"ci-gates {version}\n"


def test_the_hook_files_are_the_ones_adopt_writes() -> None:
    for rel, text in hook_files().items():
        assert (REPO / rel).read_text(encoding="utf-8") == text, f"{rel} differs from the library's"


def test_this_repositorys_workflows_pass() -> None:
    """The real ci.yml, release.yml and actions: one nox session a step, nothing ignored."""
    outcome = run_gate("workflows", REPO)
    assert outcome.status == "passed", outcome.text
    assert outcome.findings == [], outcome.text


def test_this_repositorys_actions_pass() -> None:
    outcome = run_gate("action_yaml", REPO)
    assert outcome.status == "passed", outcome.text


def test_this_repositorys_release_prerequisites_pass() -> None:
    outcome = run_gate("release_doctor", REPO)
    assert outcome.status == "passed", outcome.text


def test_this_repositorys_stubtest_allowlist_is_well_formed() -> None:
    from ci_gates.gates import stubs

    text = (REPO / "ci" / "stubtest-allowlist.txt").read_text()
    _, found = stubs.parse_allowlist(text, "ci/stubtest-allowlist.txt")
    assert found == []


def test_this_repository_is_in_sync() -> None:
    from ci_gates.core import sync

    assert sync.ci_steps_stale(str(REPO)) == []
    assert sync.readme_table_stale(str(REPO)) == []


def test_ci_ymls_linux_job_is_setup_then_the_gates_then_report() -> None:
    """Derived from the registry and the config: a gate skipped there has no step."""
    import yaml

    from ci_gates.commands import ci_local
    from ci_gates.core.config import load as load_config
    from ci_gates.core.registry import load
    from ci_gates.core.sync import ci_gates

    workflow = yaml.safe_load((REPO / ci_local.CI_FILE).read_text(encoding="utf-8"))
    _, job, matrix = ci_local.linux_job(workflow)
    assert matrix["os"] == "ubuntu-latest"
    runs = [str(s["run"]).strip() for s in job["steps"] if "run" in s]
    assert ci_local.SETUP.match(runs[0]), runs[0]
    skip = dict(load_config(str(REPO))["skip"])
    gates = [f"nox -s {name}" for name in ci_gates(load(str(REPO)), skip)]
    assert runs[1:] == [*gates, "nox -s report"]
