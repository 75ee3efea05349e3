"""Package tests run against the installed wheel or the `nox -s dev` venv, never a bare tree.

If the package (named by the manifests, through ``ci.project.names``) is missing, or is
imported from anywhere but an installation directory (site-packages), the whole run stops with
a message saying how to run these tests: a skip would let a broken build pass silently. In the dev venv (``.venv``,
made by ``nox -s dev``) the run stops when the extension is older than the Rust sources.
"""

from __future__ import annotations

import importlib
import os
import site
import sys
import sysconfig
from pathlib import Path

import pytest

from ci_gates.core.project import Names, ProjectError, names

REPO_ROOT = Path(__file__).resolve().parents[2]
HOW_TO = (
    "build and install the wheel into a virtual environment, then run pytest from it: "
    "pip wheel . --no-deps -w out/ && python -m venv .venv && "
    ".venv/bin/pip install out/*.whl pytest tomli && .venv/bin/python -m pytest tests/package"
)


def _install_dirs() -> list[Path]:
    dirs = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()}
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    return [Path(d).resolve() for d in dirs if d]


def _names() -> Names:
    try:
        return names(REPO_ROOT)
    except ProjectError as exc:
        pytest.exit(f"tests/package: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)


def _require_installed_package() -> Path:
    package = _names().package
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        pytest.exit(
            f"tests/package: {package} is not installed ({exc}); {HOW_TO}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    location = Path(str(module.__file__)).resolve().parent
    if (Path(sys.prefix) / "ci-gates-dev.json").is_file():  # the `nox -s dev` venv
        from ci_gates.commands.dev import stale

        why = stale(str(REPO_ROOT), sys.prefix)
        if why:
            pytest.exit(f"tests/package: {why}", returncode=pytest.ExitCode.USAGE_ERROR)
        return location
    inside_install = any(location.is_relative_to(d) for d in _install_dirs())
    if not inside_install or location.is_relative_to(REPO_ROOT / "python"):
        pytest.exit(
            f"tests/package: {package} is imported from {location}, not from an "
            f"installed wheel in site-packages (an editable install or the source tree?); {HOW_TO}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    return location


def pytest_configure(config: pytest.Config) -> None:
    # A hook rather than import-time code, so pytest reports the reason, not a traceback.
    _require_installed_package()


@pytest.fixture(scope="session")
def cli() -> Path:
    """The project's CLI executable, as the wheel installed it into this environment."""
    cli = _names().cli
    if cli is None:
        pytest.fail("ci/project.py finds no CLI crate in this project; these tests need one")
    name = f"{cli}.exe" if os.name == "nt" else cli
    candidates = [Path(sysconfig.get_path("scripts")) / name, Path(sys.executable).parent / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    pytest.fail(f"{cli} not found in {', '.join(map(str, candidates))}: the wheel must install it")
