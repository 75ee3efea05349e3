"""ci_gates.checks.interpreters: which CPython versions prove the abi3 floor, how they are found, and what a
missing one means locally and in CI."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.checks import interpreters
from ci_gates.checks.interpreters import Interpreter
from ci_gates.core.findings import CANNOT_RUN_RULE, NOTE, Finding, concerns, variant_labels
from ci_gates.core.runner import CANNOT_RUN
from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]
HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        (
            {
                "requires-python": ">=3.9",
                "classifiers": [
                    "Programming Language :: Python :: 3.13",
                    "Programming Language :: Python :: 3.10",
                    "Programming Language :: Python :: 3",
                ],
            },
            ["3.9", "3.13"],
        ),
        ({"requires-python": ">= 3.10"}, ["3.10"]),
        ({"requires-python": ">=3.9,<4"}, ["3.9"]),
        (
            {
                "classifiers": [
                    "Programming Language :: Python :: 3.11",
                    "Programming Language :: Python :: 3.12",
                ]
            },
            ["3.11", "3.12"],
        ),
        ({"classifiers": "not a list"}, [HERE]),
        ({}, [HERE]),
    ],
)
def test_supported(project: dict[str, object], expected: list[str]) -> None:
    assert interpreters.supported(project) == expected


def _fake_python(path: Path, version: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho {version}\n")
    path.chmod(0o755)


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
def test_pyenv_builds_are_found_without_activating_pyenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, answer in (("3.7.1", "3.7"), ("3.7.12", "3.7"), ("3.7.12t", "3.7"), ("3.8.0", "3.8")):
        _fake_python(tmp_path / "versions" / name / "bin" / f"python{name[:3]}", answer)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no python3.7 on PATH, no uv
    assert interpreters.find("3.7") == str(tmp_path / "versions/3.7.12/bin/python3.7")
    assert interpreters.find("3.6") == ""


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
def test_a_shim_that_is_not_the_version_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_python(tmp_path / "bin" / "python3.7", "")  # like a pyenv shim for an unselected version
    _fake_python(tmp_path / "pyenv" / "versions" / "3.7.3" / "bin" / "python3.7", "3.7")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    assert interpreters.find("3.7").endswith("versions/3.7.3/bin/python3.7")


def test_the_running_interpreter_is_found() -> None:
    assert interpreters.find(HERE)


def test_missing_interpreter_is_a_note_locally_and_could_not_run_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        interpreters, "matrix", lambda root: [Interpreter("3.9", "/py39"), Interpreter("3.99", "")]
    )
    monkeypatch.delenv("CI", raising=False)
    found, notes = interpreters.for_gate(str(tmp_path))
    assert found == [Interpreter("3.9", "/py39")]
    (note,) = notes
    assert (note.rule, note.severity) == ("PYV001", NOTE)
    assert note.message == "CPython 3.99 not found: not checked on it (CI requires it)"
    assert "uv python install 3.99" in note.fix
    monkeypatch.setenv("CI", "true")
    _, notes = interpreters.for_gate(str(tmp_path))
    assert [f.rule for f in notes] == [CANNOT_RUN_RULE]
    assert "CPython 3.99: not found; the abi3 floor cannot be proven" in notes[0].message


def test_with_none_found_locally_the_running_interpreter_stands_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(interpreters, "matrix", lambda root: [Interpreter("3.99", "")])
    monkeypatch.delenv("CI", raising=False)
    found, notes = interpreters.for_gate(str(tmp_path))
    assert found == [Interpreter(HERE, sys.executable)] and len(notes) == 1


def test_merge_keeps_common_findings_once_and_names_the_version_of_the_rest() -> None:
    old, new = Interpreter("3.9", "a"), Interpreter("3.13", "b")
    both, only_old = Finding("NI003", "version differs"), Finding("NI002", "import failed")
    merged = interpreters.merge([(old, [both, only_old, only_old]), (new, [both])])
    assert [f.message for f in merged] == [
        "version differs",
        "on CPython 3.9: import failed",
        "checked under CPython 3.9 (a)",
        "checked under CPython 3.13 (b)",
    ]
    assert variant_labels(merged) == ["CPython 3.9", "CPython 3.13"]
    assert [concerns(f, "CPython 3.13") for f in merged[:2]] == [True, False]
    single = interpreters.merge([(old, [only_old])])
    assert single[0] == only_old  # one interpreter: no label


def test_native_import_runs_once_per_supported_interpreter(
    make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_gates.testing.wheels import PYPROJECT, importable, repo_with_wheel

    versions = [v for v in ("3.9", "3.10", "3.11", "3.12", "3.13") if interpreters.find(v)]
    if len(versions) < 2:
        pytest.skip("needs two CPython versions on this machine")
    low, high = versions[0], versions[-1]
    classifiers = (
        f'classifiers = ["Programming Language :: Python :: {high}"]\nrequires-python = ">={low}"\n'
    )
    pyproject = PYPROJECT.replace('version = "0.1.0"\n', f'version = "0.1.0"\n{classifiers}', 1)
    root = repo_with_wheel(make_repo, importable(cli=None), extra={"pyproject.toml": pyproject})
    monkeypatch.delenv("CI", raising=False)
    outcome = run_gate("native_import", root)
    # Both interpreters import the wheel; the missing CLI is one finding, not one per version.
    assert outcome.rules == ["NI001", "NI004"], outcome.text
    assert "on CPython" not in outcome.text
    monkeypatch.setattr(interpreters, "find", lambda v: "" if v == high else sys.executable)
    monkeypatch.setenv("CI", "true")
    outcome = run_gate("native_import", root)
    assert outcome.status == CANNOT_RUN and f"CPython {high}: not found" in outcome.text


def test_a_wheel_that_is_not_abi3_is_checked_on_the_running_interpreter_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        interpreters, "_wheel_abi", lambda root: ("x-1-cp311-cp311-linux_x86_64.whl", "cp311")
    )
    monkeypatch.setattr(interpreters, "matrix", lambda root: [Interpreter("3.99", "")])
    monkeypatch.setenv("CI", "true")  # a missing interpreter does not matter then
    found, notes = interpreters.for_gate(str(tmp_path))
    assert found == [interpreters.current()]
    assert [(f.rule, f.severity) for f in notes] == [("PYV002", NOTE)]
    assert "x-1-cp311-cp311-linux_x86_64.whl is not an abi3 wheel" in notes[0].message


@pytest.mark.skipif(os.name == "nt", reason="POSIX shell stand-ins")
def test_the_probe_remembers_the_matrix_until_something_it_reads_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The result cache runs the probe on every digest: it looks again only when PATH, a PATH
    directory, pyenv's or uv's builds, or a .python-version/pyproject.toml changed."""
    root, bin_dir = tmp_path / "proj", tmp_path / "bin"
    (root).mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.7"\n')
    _fake_python(tmp_path / "pyenv" / "versions" / "3.7.3" / "bin" / "python3.7", "3.7")
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    looked: list[str] = []
    real_find = interpreters.find

    def find(version: str) -> str:
        looked.append(version)
        return real_find(version)

    monkeypatch.setattr(interpreters, "find", find)
    want = [Interpreter("3.7", str(tmp_path / "pyenv/versions/3.7.3/bin/python3.7"))]
    assert interpreters.remembered_matrix(str(root)) == want and looked == ["3.7"]
    assert interpreters.remembered_matrix(str(root)) == want and looked == ["3.7"]  # remembered
    _fake_python(bin_dir / "python3.7", "3.7")  # a new python3.7 on PATH: its directory changed
    assert interpreters.remembered_matrix(str(root)) == [
        Interpreter("3.7", str(bin_dir / "python3.7"))
    ]
    assert looked == ["3.7", "3.7"]
    (root / ".python-version").write_text("3.7\n")  # pyenv and uv read it
    interpreters.remembered_matrix(str(root))
    (bin_dir / "python3.7").unlink()
    (bin_dir / "python3.7").mkdir()  # still there by mtime? the directory changed anyway
    interpreters.remembered_matrix(str(root))
    assert looked == ["3.7"] * 4
