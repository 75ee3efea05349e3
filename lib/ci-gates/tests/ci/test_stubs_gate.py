"""The ``stubs`` gate: allowlist reasons, stubtest output parsing, and run() without a build."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from ci_gates.core.findings import CANNOT_RUN_RULE
from ci_gates.core.project import Names, names
from ci_gates.core.runner import CANNOT_RUN, FAILED, PASSED
from ci_gates.gates import stubs
from ci_gates.testing import run_gate

MakeRepo = Callable[..., Path]

ACME = """\
[project]
name = "acme-wc"
version = "0"

[tool.maturin]
python-source = "python"
module-name = "acme_wc._native"
"""


@pytest.fixture
def acme(make_repo: MakeRepo) -> Names:
    return names(make_repo({"pyproject.toml": ACME}, git=False))


@pytest.mark.parametrize(
    ("text", "entries", "bad"),
    [
        ("", [], []),
        ("# header only\n", [], []),
        ("# why: pyo3 adds it\npkg.mod.__all__\n", [(2, "pkg.mod.__all__")], []),
        ("pkg.mod.__all__  # pyo3 adds it\n", [(1, "pkg.mod.__all__")], []),
        ("pkg.mod.__all__\n", [(1, "pkg.mod.__all__")], [("STB001", 1)]),
        ("pkg.mod.x  #\n", [(1, "pkg.mod.x")], [("STB001", 1)]),  # an empty comment is no reason
        # one comment covers the block below it, up to a blank line
        ("# reason\na\nb\n\nc\n", [(2, "a"), (3, "b"), (5, "c")], [("STB001", 5)]),
        # the header, separated by a blank line, is nobody's reason
        ("# header\n\npkg.x\n", [(3, "pkg.x")], [("STB001", 3)]),
        ("# r\npkg.(\n", [(2, "pkg.(")], [("STB002", 2)]),  # not a valid regex
        ("  # indented reason\n  pkg.y\n", [(2, "pkg.y")], []),
    ],
)
def test_parse_allowlist(
    text: str, entries: list[tuple[int, str]], bad: list[tuple[str, int]]
) -> None:
    got, found = stubs.parse_allowlist(text, "al.txt")
    assert [(e.line, e.entry) for e in got] == entries
    assert [(f.rule, f.line) for f in found] == bad
    assert all(f.path == "al.txt" and f.fix for f in found)


def test_entry_without_reason_says_what_to_do() -> None:
    f = stubs.entry_without_reason("al.txt", 3, "pkg.x")
    assert f.text() == (
        "al.txt:3: allowlist entry 'pkg.x' has no reason; put a `# why` comment on the line "
        "above it (or after it), or fix the stub and drop the entry [STB001]"
    )


def test_stub_path_follows_the_manifests(acme: Names) -> None:
    assert stubs.stub_path(acme) == "python/acme_wc/_native.pyi"
    installed = "/v/lib/python3.11/site-packages/acme_wc/_native.pyi"
    assert stubs.repo_path(installed, acme) == "python/acme_wc/_native.pyi"
    assert stubs.repo_path("/elsewhere/x.pyi", acme) == "/elsewhere/x.pyi"


# Real mypy 2.4.1 stubtest output (paths shortened, the package renamed).
STUBTEST_OUTPUT = """\
error: acme_wc._native.__all__ is not present in stub
Stub: in file /v/lib/python3.11/site-packages/acme_wc/_native.pyi
MISSING
Runtime:
<module 'acme_wc._native' from '/v/lib/pytho...

error: acme_wc._native.count_file is inconsistent, stub parameter "p" differs from runtime parameter "path"
Stub: in file /v/lib/python3.11/site-packages/acme_wc/_native.pyi:41
def (p: builtins.str | os.PathLike[builtins.str]) -> acme_wc._native.Stats
Runtime:
def (path)

note: unused allowlist entry acme_wc._native.Stats.__match_args__
Found 3 errors (checked 2 modules)
"""


def test_parse_stubtest_maps_errors_to_the_repository_stub(acme: Names) -> None:
    errors, unused = stubs.parse_stubtest(STUBTEST_OUTPUT, acme)
    pyi = "python/acme_wc/_native.pyi"
    assert errors == [
        stubs.StubError(pyi, 0, "acme_wc._native.__all__ is not present in stub"),
        stubs.StubError(
            pyi,
            41,
            'acme_wc._native.count_file is inconsistent, stub parameter "p" '
            'differs from runtime parameter "path"',
        ),
    ]
    assert unused == ["acme_wc._native.Stats.__match_args__"]
    finding = stubs.stub_mismatch(*errors[1], "al.txt")
    assert (finding.rule, finding.path, finding.line) == ("STB005", pyi, 41)
    assert "allowlist the symbol in al.txt with a reason" in finding.fix


def test_parse_stubtest_success(acme: Names) -> None:
    assert stubs.parse_stubtest("Success: no issues found in 2 modules\n", acme) == ([], [])


def test_run_fails_on_an_allowlist_entry_without_a_reason(make_repo: MakeRepo) -> None:
    root = make_repo({"ci/stubtest-allowlist.txt": "# header\n\npkg.x\n"}, git=False)
    # The allowlist is checked before anything needs a build: the finding names file and line,
    # and the missing build is reported too.
    outcome = run_gate("stubs", root)
    assert outcome.rules == ["STB001", CANNOT_RUN_RULE]
    assert outcome.findings[0].location() == "ci/stubtest-allowlist.txt:3"
    assert "nox -s build" in outcome.findings[1].message


def test_no_allowlist_is_no_finding_but_a_configured_one_must_exist(make_repo: MakeRepo) -> None:
    outcome = run_gate("stubs", make_repo({}, git=False))  # the default path, absent: none
    assert outcome.status == CANNOT_RUN and "nox -s build" in outcome.text
    pyproject = (
        '[project]\nname = "x"\nversion = "0"\n\n[tool.ci-gates.stubs]\nallowlist = "al.txt"\n'
    )
    outcome = run_gate("stubs", make_repo({"pyproject.toml": pyproject}, git=False))
    assert outcome.status == FAILED and outcome.rules == ["STB003"]
    assert outcome.text.startswith("al.txt: cannot read the stubtest allowlist")


def test_the_projects_own_allowlist_is_used_as_it_is(make_repo: MakeRepo) -> None:
    """A project's ``stubtest-allowlist.txt`` (its own, by a usual name) needs no reasons."""
    root = make_repo({"stubtest-allowlist.txt": "pkg.x\npkg.(\n"}, git=False)
    assert stubs.allowlist_of(str(root), stubs.DEFAULT_ALLOWLIST, "") == (
        "stubtest-allowlist.txt",
        True,
    )
    outcome = run_gate("stubs", root)
    assert outcome.rules == ["STB002", CANNOT_RUN_RULE]  # a broken regex is still one


def test_stub_paths_of_a_pure_rust_module_and_a_stub_package(make_repo: MakeRepo) -> None:
    pure = '[project]\nname = "rs-thing"\nversion = "0"\n\n[tool.maturin]\nmodule-name = "thing"\n'
    root = make_repo({"pyproject.toml": pure, "thing.pyi": "x: int\n"}, git=False)
    n = names(root)
    assert stubs.stub_paths(n) == ["thing.pyi", "thing/__init__.pyi", "thing/thing.pyi"]
    installed = "/v/site-packages/thing/__init__.pyi"  # maturin ships thing.pyi there
    assert stubs.repo_path(installed, n, str(root)) == "thing.pyi"
    assert stubs.installed_stubs("/s", "pkg.ext") == ["/s/pkg/ext.pyi", "/s/pkg/ext/__init__.pyi"]
    mixed = ACME.replace('"acme_wc._native"', '"acme_wc.main_mod"')
    root = make_repo({"pyproject.toml": mixed, "python/acme_wc/main_mod/__init__.pyi": ""})
    assert stubs.stub_path(names(root), str(root)) == "python/acme_wc/main_mod/__init__.pyi"


def test_run_reads_the_allowlist_path_from_config(make_repo: MakeRepo) -> None:
    pyproject = (
        '[project]\nname = "x"\nversion = "0"\n\n[tool.ci-gates.stubs]\nallowlist = "al.txt"\n'
    )
    root = make_repo({"pyproject.toml": pyproject, "al.txt": "nope.x\n"}, git=False)
    outcome = run_gate("stubs", root)
    assert outcome.findings[0].location() == "al.txt:1" and outcome.rules[0] == "STB001"


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    root = make_repo({"ci/stubtest-allowlist.txt": "# header\n"}, git=False)
    outcome = run_gate("stubs", root)
    assert outcome.status == CANNOT_RUN and outcome.rules == [CANNOT_RUN_RULE]
    assert "nox -s build" in outcome.text


def _acme_with_wheel(make_repo: MakeRepo, files: dict[str, bytes], allowlist: str) -> Path:
    from ci_gates.testing.wheels import repo_with_wheel

    # ACME: the same names, with python-source = "python"
    extra = {"pyproject.toml": ACME, "ci/stubtest-allowlist.txt": allowlist}
    return repo_with_wheel(make_repo, dict(files), cli=False, extra=extra)


RUNTIME = b"__version__ = '0.1.0'\ndef count(path):\n    return 1\n"


@pytest.mark.slow
def test_stubtest_mismatch_and_unused_entry_are_findings(make_repo: MakeRepo) -> None:
    stub = b"__version__: str\n\ndef count(p: str) -> int: ...\n"
    files = {
        "acme_wc/__init__.py": b"",
        "acme_wc/py.typed": b"",
        "acme_wc/_native.py": RUNTIME,
        "acme_wc/_native.pyi": stub,
    }
    root = _acme_with_wheel(make_repo, files, "# pyo3 used to add it\nacme_wc._native.gone\n")
    outcome = run_gate("stubs", root)
    assert outcome.status == FAILED and sorted(outcome.rules) == ["STB005", "STB006"]
    (mismatch,) = [f for f in outcome.findings if f.rule == "STB005"]
    assert (mismatch.path, mismatch.line) == ("python/acme_wc/_native.pyi", 3)
    assert 'stub parameter "p" differs from runtime parameter "path"' in mismatch.message
    (unused,) = [f for f in outcome.findings if f.rule == "STB006"]
    assert unused.location() == "ci/stubtest-allowlist.txt:2"


@pytest.mark.slow
def test_a_pure_rust_module_stub_is_checked_where_the_project_keeps_it(
    make_repo: MakeRepo,
) -> None:
    from ci_gates.testing.wheels import repo_with_wheel

    pure = '[project]\nname = "acme-wc"\nversion = "0.1.0"\n\n[tool.maturin]\nmodule-name = "acme_wc"\n'
    stub = "__version__: str\n\ndef count(p: str) -> int: ...\n"
    files = {"acme_wc/__init__.py": RUNTIME, "acme_wc/__init__.pyi": stub.encode()}
    files["acme_wc/py.typed"] = b""  # maturin adds it beside the stub
    root = repo_with_wheel(
        make_repo, files, cli=False, extra={"pyproject.toml": pure, "acme_wc.pyi": stub}
    )
    outcome = run_gate("stubs", root)
    assert outcome.status == FAILED and outcome.rules == ["STB005"]
    assert outcome.findings[0].location() == "acme_wc.pyi:3"


@pytest.mark.slow
def test_a_wheel_without_the_stub_fails(make_repo: MakeRepo) -> None:
    files = {"acme_wc/__init__.py": b"", "acme_wc/_native.py": RUNTIME}
    outcome = run_gate("stubs", _acme_with_wheel(make_repo, files, "# none\n"))
    assert outcome.status == FAILED and outcome.rules == ["STB004"]
    assert outcome.findings[0].path == "python/acme_wc/_native.pyi"


@pytest.mark.slow
def test_the_projects_stubtest_arguments_are_passed(make_repo: MakeRepo) -> None:
    """A project that runs stubtest with ``--ignore-missing-stub`` is judged the same way."""
    files = {
        "acme_wc/__init__.py": b"",
        "acme_wc/py.typed": b"",
        "acme_wc/_native.py": RUNTIME,
        "acme_wc/_native.pyi": b"__version__: str\n",  # count() has no stub
    }
    outcome = run_gate("stubs", _acme_with_wheel(make_repo, files, "# none\n"))
    assert outcome.rules == ["STB005"] and "count is not present in stub" in outcome.text
    args = ACME + '\n[tool.ci-gates.stubs]\nargs = ["--ignore-missing-stub"]\n'
    extra = {"pyproject.toml": args, "ci/stubtest-allowlist.txt": "# none\n"}
    from ci_gates.testing.wheels import repo_with_wheel

    root = repo_with_wheel(make_repo, dict(files), cli=False, extra=extra)
    assert run_gate("stubs", root).status == PASSED


MIXED_TOP = ACME.replace('"acme_wc._native"', '"acme_wc"')


@pytest.mark.slow
def test_a_top_level_module_inside_its_package_and_the_py_typed_marker(
    make_repo: MakeRepo,
) -> None:
    """``module-name = "pkg"`` with ``python/pkg/``: maturin installs ``pkg/pkg.<tag>.so``
    beside ``pkg/pkg.pyi``; without ``py.typed`` mypy (and stubtest) ignores that stub."""
    from ci_gates.testing.wheels import repo_with_wheel

    stub = "__version__: str\n\ndef count(path: str) -> int: ...\n"
    files = {
        "acme_wc/__init__.py": b"from .acme_wc import *\n",
        "acme_wc/acme_wc.py": RUNTIME,
        "acme_wc/acme_wc.pyi": stub.encode(),
    }
    extra = {"pyproject.toml": MIXED_TOP, "python/acme_wc/acme_wc.pyi": stub}
    root = repo_with_wheel(make_repo, dict(files), cli=False, extra=extra)
    assert stubs.stub_path(names(root), str(root)) == "python/acme_wc/acme_wc.pyi"
    outcome = run_gate("stubs", root)
    assert outcome.rules == ["STB007"] and outcome.findings[0].path == "python/acme_wc"
    files["acme_wc/py.typed"] = b""
    root = repo_with_wheel(make_repo, files, cli=False, extra=extra)
    assert run_gate("stubs", root).rules in ([], ["STB005"])  # stubtest ran on the stub


def test_a_stub_mypy_rejects_is_a_finding_per_error_at_its_line(make_repo: MakeRepo) -> None:
    """stubtest checks nothing when mypy rejects the stub: mypy's errors are the findings."""
    pure = '[project]\nname = "rs-thing"\nversion = "0"\n\n[tool.maturin]\nmodule-name = "thing"\n'
    root = make_repo({"pyproject.toml": pure, "thing.pyi": "x: int\n"}, git=False)
    output = (
        "error: not checking stubs due to mypy build errors:\n"
        "lib/python3.11/site-packages/thing/__init__.pyi:19: error: Variance of TypeVar "
        '"_KT_co" incompatible with variance in parent type  [type-var]\n'
        "lib/python3.11/site-packages/thing/__init__.pyi:25: error: Cannot use a covariant "
        "type variable as a parameter  [misc]\n"
    )
    errors, unused = stubs.parse_stubtest(output, names(root), str(root))
    assert [(e.path, e.line) for e in errors] == [("thing.pyi", 19), ("thing.pyi", 25)]
    assert errors[1].message.startswith("mypy rejects it: Cannot use a covariant")
    assert unused == []
