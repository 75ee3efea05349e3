"""native_import gate: fresh venv, offline install, import, native CLI; every name from the manifests.

The fixture project is named ``acme-wc`` / ``acme_wc`` / ``acme-count``: nothing here may depend
on the template's own names.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.core import venvs
from ci_gates.core.findings import CANNOT_RUN_RULE, NOTE
from ci_gates.core.project import names
from ci_gates.core.runner import CANNOT_RUN, FAILED, PASSED
from ci_gates.gates import native_import
from ci_gates.testing import run_gate
from ci_gates.testing.plugin import MakeRepo
from ci_gates.testing.wheels import (
    CARGO,
    CLI_CRATE,
    PKG,
    PYPROJECT,
    SCRIPT,
    VERSION,
    importable,
    repo_with_wheel,
)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x7fELF\x02\x01", "ELF"),
        (b"\xcf\xfa\xed\xfe", "Mach-O"),
        (b"\xca\xfe\xba\xbe", "Mach-O"),
        (b"MZ\x90\x00", "PE"),
        (b"#!/usr/bin/env python", None),
        (b"", None),
    ],
)
def test_executable_kind(head: bytes, kind: str | None) -> None:
    assert native_import.executable_kind(head) == kind


def test_check_cli_file(tmp_path: Path) -> None:
    launcher = tmp_path / "acme-count"
    launcher.write_text("#!/venv/bin/python\nfrom acme_wc.cli import main\n")
    (found,) = native_import.check_cli_file(str(launcher), "acme-count")
    assert found.rule == "NI005" and "is a script (#!), not the native acme-count" in found.message
    (missing,) = native_import.check_cli_file(str(tmp_path / "nope"), "acme-count")
    assert missing.rule == "NI004" and "not installed" in missing.message
    other = tmp_path / "data"
    other.write_bytes(b"\x00\x01\x02\x03")
    (not_native,) = native_import.check_cli_file(str(other), "acme-count")
    assert not_native.rule == "NI006" and "first bytes" in not_native.message
    real = shutil.which("true")
    if real:  # any native executable of this machine
        assert native_import.check_cli_file(str(Path(real).resolve()), "true") == []


def test_rule_functions_say_what_and_what_to_do() -> None:
    lacks = native_import.wheel_lacks_cli("a.whl", SCRIPT)
    assert (lacks.rule, lacks.message) == (
        "NI001",
        f"a.whl: no {SCRIPT}: the CLI is missing from the wheel",
    )
    wrong = native_import.cli_version_wrong("acme-count", "acme-count 0.0.9", 0, VERSION)
    assert wrong.rule == "NI007" and "expected 'acme-count 0.1.0'" in wrong.message
    assert native_import.no_cli().severity == NOTE
    for finding in (lacks, wrong, native_import.version_mismatch(PKG, "9", VERSION)):
        assert finding.fix


def test_wheel_script_uses_the_wheel_name_of_the_distribution(make_repo: MakeRepo) -> None:
    n = names(make_repo({"pyproject.toml": PYPROJECT, "Cargo.toml": CARGO, **CLI_CRATE}))
    assert native_import.wheel_script(n.wheel_dist, VERSION, str(n.cli)) == SCRIPT


@pytest.fixture(scope="module")
def native_cli(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real native executable that prints ``acme-count 0.1.0`` (built with the C compiler)."""
    cc = shutil.which("cc")
    if cc is None:
        pytest.skip("needs a C compiler (cc) to build a native stand-in CLI")
    src = tmp_path_factory.mktemp("cli") / "main.c"
    src.write_text(
        f'#include <stdio.h>\nint main(void) {{ puts("acme-count {VERSION}"); return 0; }}\n'
    )
    subprocess.run([cc, "-o", str(src.with_suffix("")), str(src)], check=True)
    return src.with_suffix("").read_bytes()


def test_a_good_wheel_passes(make_repo: MakeRepo, native_cli: bytes) -> None:
    files = importable(cli=(native_cli, 0o755))
    assert run_gate("native_import", repo_with_wheel(make_repo, files)) == (PASSED, [])


def test_a_source_tree_in_the_callers_directory_is_not_what_is_imported(
    make_repo: MakeRepo, native_cli: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -c`` puts its working directory on ``sys.path``: a package directory at the
    caller's cwd (a pure-Python layout, a stale copy) must not stand in for the wheel's."""
    files = importable(cli=(native_cli, 0o755))
    stale = {f"{PKG}/__init__.py": "__version__ = '6.6.6'\n"}
    root = repo_with_wheel(make_repo, files, extra=stale)
    monkeypatch.chdir(root)
    assert run_gate("native_import", root) == (PASSED, [])


def test_a_cli_that_cannot_execute_fails(make_repo: MakeRepo) -> None:
    outcome = run_gate("native_import", repo_with_wheel(make_repo, importable()))
    assert outcome.status == FAILED and outcome.rules == ["NI007"]
    assert "cannot execute" in outcome.text


def test_wheel_without_the_cli_fails_naming_it(make_repo: MakeRepo) -> None:
    outcome = run_gate("native_import", repo_with_wheel(make_repo, importable(cli=None)))
    assert outcome.status == FAILED and outcome.rules == ["NI001", "NI004"]
    assert f"no {SCRIPT}: the CLI is missing from the wheel" in outcome.findings[0].message
    assert "import from the installed wheel failed" not in outcome.text


def test_launcher_script_instead_of_native_cli_fails(make_repo: MakeRepo) -> None:
    files = importable(cli=(b"#!python\nimport sys\n", 0o755))
    outcome = run_gate("native_import", repo_with_wheel(make_repo, files))
    assert outcome.status == FAILED and outcome.rules == ["NI005"]


def test_version_mismatch_fails(make_repo: MakeRepo) -> None:
    outcome = run_gate("native_import", repo_with_wheel(make_repo, importable("9.9.9", cli=None)))
    assert "NI003" in outcome.rules
    (finding,) = [f for f in outcome.findings if f.rule == "NI003"]
    assert finding.message == (
        "acme_wc.__version__ is '9.9.9', the wheel's version (bindings crate) is '0.1.0'"
    )


def test_import_failure_names_the_module(make_repo: MakeRepo) -> None:
    files = {
        **importable(),
        f"{PKG}/_native.py": b"raise ImportError('no symbol PyInit__native')\n",
    }
    outcome = run_gate("native_import", repo_with_wheel(make_repo, files))
    assert outcome.rules == ["NI002"]
    assert outcome.findings[0].message.startswith(
        "acme_wc._native: import from the installed wheel failed"
    )
    assert "no symbol PyInit__native" in outcome.findings[0].message


def test_a_project_without_a_cli_passes_with_a_note(make_repo: MakeRepo) -> None:
    outcome = run_gate("native_import", repo_with_wheel(make_repo, importable(cli=None), cli=False))
    assert outcome.status == PASSED and outcome.rules == ["NI009"]
    assert "no CLI" in outcome.text


def test_without_a_build_it_cannot_run_saying_what_to_run(make_repo: MakeRepo) -> None:
    outcome = run_gate(
        "native_import", make_repo({"pyproject.toml": PYPROJECT, "Cargo.toml": CARGO})
    )
    assert outcome.status == CANNOT_RUN and outcome.rules == [CANNOT_RUN_RULE]
    assert "nox -s build" in outcome.text


@pytest.mark.cargo
def test_the_real_wheel_passes() -> None:
    """The built wheel of this repository (the pytest gate runs after native_import)."""
    root = Path(__file__).resolve().parents[2]
    try:
        artifacts.current_manifest(str(root))
    except artifacts.ArtifactError as exc:
        pytest.skip(f"needs a current build of this repo: {exc}")
    assert run_gate("native_import", root) == (PASSED, [])


def test_synthetic_wheel_cli_mode_survives_install(make_repo: MakeRepo) -> None:
    """Installers keep the 755 of a wheel script: what the wheel gate's mode check protects."""
    root = repo_with_wheel(make_repo, importable())
    venv = artifacts.wheel_venv(str(root), "mode")
    cli = Path(venvs.venv_scripts(venv)) / "acme-count"
    assert cli.read_bytes() == b"\x7fELF fake"
    assert cli.stat().st_mode & stat.S_IXUSR
