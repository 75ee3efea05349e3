"""workflows gate: the real files pass; each seeded fault fails naming the file and line.

Fixture repositories copy this repository's real workflow and action files (so the clean case
is the real thing) and seed one fault each. The gate runs check-jsonschema and zizmor; without
them these tests cannot say anything, so they fail rather than skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ci import gates
from ci.gates import workflows

REPO = Path(__file__).resolve().parents[2]
REAL_FILES = (
    ".github/workflows/ci.yml",
    ".github/workflows/release.yml",
    "action.yml",
    "action/cleanup/action.yml",
    "ci/requirements-dev.txt",
)


@pytest.fixture(autouse=True)
def _tools() -> None:
    missing = [t for t in ("check-jsonschema", "zizmor") if shutil.which(t) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not on PATH; run these tests through `nox -s tests`")


def _repo(make_repo, edits: dict[str, tuple[str, str]] | None = None, extra=None) -> Path:  # type: ignore[no-untyped-def]
    files: dict[str, str] = {}
    for rel in REAL_FILES:
        files[rel] = (REPO / rel).read_text(encoding="utf-8")
    for rel, (old, new) in (edits or {}).items():
        assert old in files[rel], f"fixture edit: {old!r} not in {rel}"
        files[rel] = files[rel].replace(old, new, 1)
    files.update(extra or {})
    return make_repo(files, git=False)  # type: ignore[no-any-return]


def _line_of(root: Path, rel: str, needle: str, whole: bool = False) -> int:
    for n, line in enumerate((root / rel).read_text(encoding="utf-8").splitlines(), 1):
        if (line == needle) if whole else (needle in line):
            return n
    raise AssertionError(f"{needle!r} not in {rel}")


def _fails_with(root: Path, rel: str, line: int, *words: str) -> None:
    code = workflows.run(str(root))
    text = "\n".join(gates.messages)
    assert code == gates.FAIL, text
    hits = [m for m in gates.messages if m.startswith(f"{rel}:{line}:")]
    assert hits, f"no message for {rel}:{line} in:\n{text}"
    assert any(all(w in m for w in words) for m in hits), text


def test_real_files_pass(make_repo) -> None:  # type: ignore[no-untyped-def]
    root = _repo(make_repo)
    assert workflows.run(str(root)) == gates.PASS, "\n".join(gates.messages)


def test_this_repository_passes() -> None:
    assert workflows.run(str(REPO)) == gates.PASS, "\n".join(gates.messages)


def test_run_pytest_step_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(
        make_repo,
        {
            ci: (
                "        run: nox -s cargo_test\n",
                "        run: nox -s cargo_test\n      - run: pytest\n",
            )
        },
    )
    _fails_with(root, ci, _line_of(root, ci, "run: pytest"), "pytest", "nox -s")


def test_action_pinned_to_tag_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    rel = ".github/workflows/release.yml"
    root = _repo(
        make_repo,
        {
            rel: (
                "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093",
                "actions/download-artifact@v4",
            )
        },
    )
    _fails_with(root, rel, _line_of(root, rel, "download-artifact@v4"), "@v4", "SHA")


def test_gate_missing_from_ci_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    step = "      - name: parity\n        if: ${{ !cancelled() }}\n        run: nox -s parity\n"
    root = _repo(make_repo, {ci: (step, "")})
    _fails_with(root, ci, _line_of(root, ci, "    steps:"), "nox -s parity")


def test_unknown_session_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(make_repo, {ci: ("run: nox -s parity", "run: nox -s parrity")})
    _fails_with(root, ci, _line_of(root, ci, "nox -s parrity"), "parrity", "known sessions")


def test_expression_inside_action_run_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    rel = "action.yml"
    root = _repo(
        make_repo, {rel: ("for path in $INPUT_PATHS; do", "for path in ${{ inputs.paths }}; do")}
    )
    _fails_with(
        root, rel, _line_of(root, rel, "${{ inputs.paths }}; do"), "${{ inputs.paths }}", "env:"
    )


def test_id_token_at_workflow_level_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    rel = ".github/workflows/release.yml"
    root = _repo(make_repo, {rel: ("permissions: {}\n", "permissions:\n  id-token: write\n")})
    _fails_with(root, rel, _line_of(root, rel, "  id-token: write", whole=True), "workflow level")


def test_id_token_on_a_build_job_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    rel = ".github/workflows/release.yml"
    old = "    timeout-minutes: 5\n    permissions:\n      contents: read\n"
    root = _repo(make_repo, {rel: (old, old + "      id-token: write\n")})
    _fails_with(
        root,
        rel,
        _line_of(root, rel, "      id-token: write", whole=True),
        "job plan",
        "not a publish job",
    )


def test_continue_on_error_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(
        make_repo,
        {
            ci: (
                "        run: nox -s ruff\n",
                "        run: nox -s ruff\n        continue-on-error: true\n",
            )
        },
    )
    _fails_with(root, ci, _line_of(root, ci, "continue-on-error"), "green")


def test_gate_step_without_continuation_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    step = "      - name: fmt\n        if: ${{ !cancelled() }}\n"
    root = _repo(make_repo, {ci: (step, "      - name: fmt\n")})
    _fails_with(root, ci, _line_of(root, ci, "run: nox -s fmt"), "cancelled")


def test_nox_setup_must_match_the_pin(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(make_repo, {ci: ("uv tool install nox==", "uv tool install nox==1.0.0#")})
    _fails_with(root, ci, _line_of(root, ci, "uv tool install"), "requirements-dev")


def test_schema_error_names_the_line(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(
        make_repo,
        {ci: ("    timeout-minutes: 60\n", "    timeout-minutes: 60\n    bogus-key: 1\n")},
    )
    code = workflows.run(str(root))
    assert code == gates.FAIL
    assert any(m.startswith(f"{ci}:") and "schema" in m for m in gates.messages), gates.messages


def test_zizmor_finding_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    rel = ".github/workflows/release.yml"
    root = _repo(make_repo, {rel: ("        with:\n          persist-credentials: false\n", "")})
    code = workflows.run(str(root))
    assert code == gates.FAIL
    assert any(m.startswith(f"{rel}:") and "artipacked" in m for m in gates.messages), (
        gates.messages
    )


@pytest.mark.parametrize(
    ("ref", "ok"),
    [
        ("actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd", True),
        ("./action/cleanup", True),
        ("docker://alpine@sha256:" + "a" * 64, True),
        ("actions/checkout@v4", False),
        ("actions/checkout@main", False),
        ("actions/checkout@de0fac2", False),
        ("docker://alpine:3.20", False),
    ],
)
def test_uses_problem(ref: str, ok: bool) -> None:
    assert (workflows.uses_problem(ref) is None) is ok


@pytest.mark.parametrize(
    ("command", "ok"),
    [
        ("nox -s loc", True),
        ("nox -s report", True),
        ("uv tool install nox==2026.10.20", True),
        ("pipx install nox==2026.10.20", True),
        ("uv tool install nox==2025.1.1", False),
        ("nox -s loc -- -x", False),
        ("nox -s nosuch", False),
        ("nox -s loc && nox -s readme", False),
        ("pytest", False),
        ("cargo test", False),
    ],
)
def test_run_problem(command: str, ok: bool) -> None:
    sessions = ("loc", "readme", "report")
    assert (workflows.run_problem(command, sessions, "2026.10.20") is None) is ok


def test_job_without_timeout_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    rel = ".github/workflows/release.yml"
    root = _repo(
        make_repo, {rel: ("    timeout-minutes: 5\n    permissions:\n", "    permissions:\n")}
    )
    _fails_with(root, rel, _line_of(root, rel, "  plan:", whole=True), "timeout-minutes")


def test_ci_without_cancel_in_progress_fails(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(make_repo, {ci: ("cancel-in-progress: true", "cancel-in-progress: false")})
    _fails_with(root, ci, 1, "cancel-in-progress")


def test_missing_tool_cannot_run(make_repo, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    root = _repo(make_repo)
    monkeypatch.setenv("PATH", str(root))  # neither zizmor nor check-jsonschema
    assert workflows.run(str(root)) == gates.CANNOT_RUN
    assert "not on PATH" in gates.messages[-1]


def test_setup_uv_must_match_the_pin(make_repo) -> None:  # type: ignore[no-untyped-def]
    ci = ".github/workflows/ci.yml"
    root = _repo(make_repo, {ci: ('version: "0.13.9"', 'version: "0.5.0"')})
    _fails_with(root, ci, _line_of(root, ci, 'version: "0.5.0"'), "uv 0.13.9")


def test_pin_of() -> None:
    text = "# comment\nnox==2026.10.20\nuv == 0.13.9 ; python_version >= '3.9'\n"
    assert workflows.pin_of(text, "nox") == "2026.10.20"
    assert workflows.pin_of(text, "uv") == "0.13.9"
    assert workflows.pin_of(text, "ruff") is None
