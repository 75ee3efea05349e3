"""cargo_test gate: failing tests and compile errors named from cargo's output."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci import gates
from ci.gates import cargo_test

FAILING_RUN = """\
   Compiling template-core v0.1.0 (/w/crates/template-core)
    Finished `test` profile [unoptimized + debuginfo] target(s) in 1.00s
     Running unittests src/lib.rs (target/debug/deps/template_core-abc)

running 3 tests
test tests::counts_words ... ok
test tests::counts_lines ... FAILED
test scan::tests::empty ... FAILED

failures:

---- tests::counts_lines stdout ----

thread 'tests::counts_lines' (4242) panicked at crates/template-core/src/tests.rs:12:5:
assertion `left == right` failed
---- scan::tests::empty stdout ----
thread 'scan::tests::empty' panicked at crates/template-core/src/scan.rs:88:9:
boom

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out

error: test failed, to rerun pass `-p template-core --lib`
     Running tests/cli.rs (target/debug/deps/cli-def)

running 1 test
test src/lib.rs - count (line 5) ... FAILED

error: test failed, to rerun pass `-p template-cli --test cli`
error: 2 targets failed:
    `-p template-core --lib`
    `-p template-cli --test cli`
"""

COMPILE_ERROR = """\
   Compiling template-py v0.1.0 (/w/crates/template-py)
error[E0432]: unresolved import `pyo3::buffer`
 --> crates/template-py/src/lib.rs:3:5
  |
3 | use pyo3::buffer;
error: could not compile `template-py` (lib test) due to 1 previous error
"""


def test_failing_tests_are_named_with_their_location() -> None:
    found = cargo_test.failures(FAILING_RUN.splitlines(keepends=True))
    assert found == [
        "crates/template-core/src/tests.rs:12: test tests::counts_lines failed; "
        "rerun: cargo test -p template-core --lib tests::counts_lines",
        "crates/template-core/src/scan.rs:88: test scan::tests::empty failed; "
        "rerun: cargo test -p template-core --lib scan::tests::empty",
        "cargo test: test src/lib.rs - count (line 5) failed; "
        "rerun: cargo test -p template-cli --test cli src/lib.rs - count (line 5)",
    ]


def test_compile_error_is_named_with_file_and_line() -> None:
    found = cargo_test.failures(COMPILE_ERROR.splitlines())
    assert found == [
        "crates/template-py/src/lib.rs:3: does not compile: unresolved import `pyo3::buffer`; fix it"
    ]


def test_stale_lock_file() -> None:
    line = "error: the lock file /w/Cargo.lock needs to be updated but --locked was passed"
    assert cargo_test.failures([line])[0].startswith("Cargo.lock: out of date")


def test_passing_output_has_no_failures() -> None:
    assert cargo_test.failures(["test a ... ok\n", "test result: ok. 1 passed\n"]) == []


def test_without_cargo_it_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda cmd, *a, **k: None)
    assert cargo_test.run(str(tmp_path)) == 2
    assert "cargo not found" in gates.messages[0]


@pytest.mark.cargo
@pytest.mark.skipif(shutil.which("cargo") is None, reason="needs cargo")
def test_fixture_crate_with_a_failing_test(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "Cargo.toml").write_text(
        '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n'
    )
    (tmp_path / "Cargo.lock").write_text(
        'version = 4\n\n[[package]]\nname = "fixture"\nversion = "0.1.0"\n'
    )
    (tmp_path / "src/lib.rs").write_text(
        "#[test]\nfn good() {}\n#[test]\nfn bad() {\n    assert_eq!(1, 2);\n}\n"
    )
    assert cargo_test.run(str(tmp_path)) == 1
    assert gates.messages == ["src/lib.rs:5: test bad failed; rerun: cargo test --lib bad"]
