"""cargo_test gate: failing tests and compile errors named from cargo's output."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core.findings import CANNOT_RUN_RULE
from ci_gates.core.runner import CANNOT_RUN, FAILED, PASSED
from ci_gates.gates import cargo_test
from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]

FAILING_RUN = """\
   Compiling acme-core v0.1.0 (/w/crates/acme-core)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1.00s
     Running unittests src/lib.rs (target/debug/deps/acme_core-abc)

running 3 tests
test tests::counts_words ... ok
test tests::counts_lines ... FAILED
test scan::tests::empty ... FAILED

failures:

---- tests::counts_lines stdout ----

thread 'tests::counts_lines' (4242) panicked at crates/acme-core/src/tests.rs:12:5:
assertion `left == right` failed
---- scan::tests::empty stdout ----
thread 'scan::tests::empty' panicked at crates/acme-core/src/scan.rs:88:9:
boom

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out

error: test failed, to rerun pass `-p acme-core --lib`
     Running tests/cli.rs (target/debug/deps/cli-def)

running 1 test
test src/lib.rs - count (line 5) ... FAILED

error: test failed, to rerun pass `-p acme-count --test cli`
error: 2 targets failed:
    `-p acme-core --lib`
    `-p acme-count --test cli`
"""

COMPILE_ERROR = """\
   Compiling acme-py v0.1.0 (/w/crates/acme-py)
error[E0432]: unresolved import `pyo3::buffer`
 --> crates/acme-py/src/lib.rs:3:5
  |
3 | use pyo3::buffer;
error: could not compile `acme-py` (lib test) due to 1 previous error
"""


def test_failing_tests_are_named_with_their_location() -> None:
    found = cargo_test.failures(FAILING_RUN.splitlines(keepends=True))
    assert [(f.rule, f.location(), f.message) for f in found] == [
        ("CT001", "crates/acme-core/src/tests.rs:12:5", "test tests::counts_lines failed"),
        ("CT001", "crates/acme-core/src/scan.rs:88:9", "test scan::tests::empty failed"),
        ("CT001", "", "test src/lib.rs - count (line 5) failed"),
    ]
    assert [f.fix for f in found] == [
        "rerun it alone: `cargo test -p acme-core --lib -- --exact tests::counts_lines`",
        "rerun it alone: `cargo test -p acme-core --lib -- --exact scan::tests::empty`",
        "rerun it alone: `cargo test -p acme-count --test cli -- --exact 'src/lib.rs - count (line 5)'`",
    ]


def test_compile_error_is_named_with_file_line_and_column() -> None:
    (found,) = cargo_test.failures(COMPILE_ERROR.splitlines())
    assert found.text() == (
        "crates/acme-py/src/lib.rs:3:5: does not compile: unresolved import `pyo3::buffer`; "
        "fix it [CT002]"
    )


def test_stale_lock_file_says_nox_s_fix() -> None:
    line = "error: the lock file /w/Cargo.lock needs to be updated but --locked was passed"
    (found,) = cargo_test.failures([line])
    assert (found.rule, found.path) == ("CT003", "Cargo.lock") and "`nox -s fix`" in found.fix


def test_a_binary_failing_without_a_named_test() -> None:
    (found,) = cargo_test.failures(["error: test failed, to rerun pass `-p x --test t`"])
    assert found.rule == "CT004" and "`cargo test -p x --test t`" in found.fix


def test_passing_output_has_no_failures() -> None:
    assert cargo_test.failures(["test a ... ok\n", "test result: ok. 1 passed\n"]) == []


def test_without_cargo_it_cannot_run(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None)
    outcome = run_gate("cargo_test", make_repo({"Cargo.toml": "[workspace]\n"}))
    assert outcome.status == CANNOT_RUN and outcome.rules == [CANNOT_RUN_RULE]
    assert "cargo: not on PATH" in outcome.text


@pytest.mark.cargo
@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_fixture_crate_with_a_failing_test(make_repo: MakeRepo) -> None:
    crate = {
        "Cargo.toml": '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n',
        "Cargo.lock": 'version = 4\n\n[[package]]\nname = "fixture"\nversion = "0.1.0"\n',
        "src/lib.rs": "#[test]\nfn good() {}\n#[test]\nfn bad() {\n    assert_eq!(1, 2);\n}\n",
    }
    outcome = run_gate("cargo_test", make_repo(crate, git=False))
    assert outcome.status == FAILED
    assert outcome.text == (
        "src/lib.rs:5:5: test bad failed; rerun it alone: `cargo test --lib -- --exact bad` [CT001]"
    )
    crate["src/lib.rs"] = "#[test]\nfn good() {}\n"
    assert run_gate("cargo_test", make_repo(crate, git=False)) == (PASSED, [])
