"""The tool-guard rule table (shared with the agent hook) and the ``tool_guard`` gate."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci import gates
from ci.gates import tool_guard
from ci.gates.tool_guard import Finding, context_for, evaluate
from tests.ci.conftest import MakeRepo

S, CI, REL = "shell", "ci", "release"

# (command, context, decision, rule): decision is "deny", "note" or "allow"; for several
# findings the rule named must be among them.
CASES: list[tuple[str, str, str, str | None]] = [
    # uv run without --no-project: denied everywhere, however it is launched
    ("uv run pytest", S, "deny", "uv-run"),
    ("uv run pytest", CI, "deny", "uv-run"),
    ("uv run pytest", REL, "deny", "uv-run"),
    ("uv run ruff check .", S, "deny", "uv-run"),
    ("uv run python -c 'print(1)'", S, "deny", "uv-run"),
    ("uv --quiet run pytest", S, "deny", "uv-run"),
    ("uv --directory sub run pytest", S, "deny", "uv-run"),
    ("uv run --python 3.12 pytest", S, "deny", "uv-run"),
    ("uv run pytest --no-project", S, "deny", "uv-run"),
    ("/home/me/.local/bin/uv run pytest", S, "deny", "uv-run"),
    ("env X=1 uv run pytest", S, "deny", "uv-run"),
    ("env -i PATH=/bin uv run pytest", S, "deny", "uv-run"),
    ("env -S 'uv run pytest'", S, "deny", "uv-run"),
    ("X=1 Y=2 uv run pytest", S, "deny", "uv-run"),
    ("bash -c 'uv run pytest'", S, "deny", "uv-run"),
    ('sh -c "cd sub && uv run pytest"', S, "deny", "uv-run"),
    ("bash -lc 'uv run pytest'", S, "deny", "uv-run"),
    ("bash -euo pipefail -c 'uv run pytest'", S, "deny", "uv-run"),
    ("sudo -u ci bash -c 'uv run pytest'", S, "deny", "uv-run"),
    ("nox -s gates && uv run ruff check", S, "deny", "uv-run"),
    ("false || uv run pytest", S, "deny", "uv-run"),
    ("cd x; uv run pytest", S, "deny", "uv-run"),
    ("cat log | uv run python -m json.tool", S, "deny", "uv-run"),
    ("sleep 1 & uv run pytest", S, "deny", "uv-run"),
    ("echo ok\nuv run pytest", S, "deny", "uv-run"),
    ("uv run \\\n  pytest", S, "deny", "uv-run"),
    ("(cd sub && uv run pytest)", S, "deny", "uv-run"),
    ("$(uv run foo)", S, "deny", "uv-run"),
    ('echo "$(uv run foo)"', S, "deny", "uv-run"),
    ("echo `uv run foo`", S, "deny", "uv-run"),
    ("time uv run pytest", S, "deny", "uv-run"),
    ("nice -n 5 uv run pytest", S, "deny", "uv-run"),
    ("command uv run pytest", S, "deny", "uv-run"),
    ("exec uv run pytest", S, "deny", "uv-run"),
    ("timeout 60 uv run pytest", S, "deny", "uv-run"),
    ("eval 'uv run pytest'", S, "deny", "uv-run"),
    ("if uv run pytest; then echo ok; fi", S, "deny", "uv-run"),
    ("for f in a b; do uv run $f; done", S, "deny", "uv-run"),
    ('u"v" run pytest', S, "deny", "uv-run"),
    ("uv run nox -s gates", S, "deny", "uv-run"),
    # ... but fine with --no-project / --script, and as data
    ("uv run --no-project python x.py", S, "allow", None),
    ("uv run --no-project --with rich python x.py", S, "allow", None),
    ("uv run --script s.py", S, "allow", None),
    ("uv run -s s.py", S, "allow", None),
    ("uv tool install nox", S, "allow", None),
    ("uv pip install -r ci/requirements-dev.txt", S, "allow", None),
    ("uvx zizmor .github/workflows", S, "allow", None),
    ('git commit -m "uv run"', S, "allow", None),
    ("git commit -m 'uv run pytest; cargo publish'", S, "allow", None),
    ('echo "cargo publish"', S, "allow", None),
    ("echo 'uv run pytest' > notes.txt", S, "allow", None),
    ('grep -r "twine upload" .', S, "allow", None),
    ("rg 'uv run' docs/", S, "allow", None),
    ("# uv run pytest", S, "allow", None),
    ("echo hi # uv run pytest", S, "allow", None),
    ("cat <<EOF\nuv run pytest\ncargo publish\nEOF", S, "allow", None),
    ("command -v uv", S, "allow", None),
    ("nox -s gates", S, "allow", None),
    ("nox -s tests", CI, "allow", None),
    ("nox --non-interactive -s clippy", CI, "allow", None),
    ("python3 -m nox -s tests", CI, "allow", None),
    ("cargo fmt", S, "allow", None),
    ("cargo fmt --all --check", S, "allow", None),
    ("cargo build --release", S, "allow", None),
    # publishing: only in the release workflow; dry runs anywhere
    ("cargo publish", S, "deny", "publish"),
    ("cargo publish", REL, "allow", None),
    ("cargo publish", CI, "deny", "publish"),
    ("cargo +stable publish -p template-core", S, "deny", "publish"),
    ("cargo publish --dry-run", S, "allow", None),
    ("FOO=1 time nice cargo publish", S, "deny", "publish"),
    ("twine upload dist/*", S, "deny", "publish"),
    ("python3 -m twine upload dist/*", S, "deny", "publish"),
    ("maturin publish", S, "deny", "publish"),
    ("maturin upload dist/*.whl", S, "deny", "publish"),
    ("uv publish", S, "deny", "publish"),
    ("uv publish", REL, "allow", None),
    ("uv publish --dry-run", S, "allow", None),
    ("sudo -E cargo publish --token x", S, "deny", "publish"),
    ("uv run twine upload dist/*", S, "deny", "publish"),
    # the CI workflow: one nox session per step, no direct tools
    ("cargo build", CI, "deny", "ci-direct"),
    ("cargo test --workspace --locked", CI, "deny", "ci-direct"),
    ("pytest -q", CI, "deny", "ci-direct"),
    ("python -m pytest", CI, "deny", "ci-direct"),
    ("python3.12 -m mypy ci", CI, "deny", "ci-direct"),
    ("python3 -m pip install nox", CI, "deny", "ci-direct"),
    ("ruff check .", CI, "deny", "ci-direct"),
    ("mypy", CI, "deny", "ci-direct"),
    ("maturin build --release", CI, "deny", "ci-direct"),
    ("uvx ruff check", CI, "deny", "ci-direct"),
    ("cargo build", REL, "allow", None),
    ("echo building && cargo build", CI, "deny", "ci-direct"),
    # notes: allowed, with the nox session CI runs
    ("cargo clippy", S, "note", "clippy"),
    ("cargo clippy --workspace --all-targets", S, "note", "clippy"),
    ("cargo clippy -- -D warnings", S, "allow", None),
    ("cargo clippy --all-targets -- -Dwarnings", S, "allow", None),
    ("cargo test", S, "note", "cargo-test"),
    ("cargo test --locked", S, "allow", None),
    ("pytest", S, "note", "pytest"),
    ("pytest tests/ci -q", S, "note", "pytest"),
    ("python -m pytest", S, "note", "pytest"),
    ("uv run --no-project pytest", S, "note", "pytest"),
    ("ruff check ci", S, "note", "ruff"),
    ("ruff format ci", S, "allow", None),
    ("mypy ci", S, "note", "mypy"),
    ("maturin build", S, "note", "build"),
    ("maturin develop", S, "note", "build"),
    ("pip wheel .", S, "note", "build"),
    ("python -m build", S, "note", "build"),
]


def decision(findings: list[Finding]) -> str:
    actions = {f.action for f in findings}
    return "deny" if "deny" in actions else "note" if "note" in actions else "allow"


@pytest.mark.parametrize(
    ("command", "context", "expected", "rule"), CASES, ids=[f"{c[1]}:{c[0][:40]}" for c in CASES]
)
def test_rule_table(command: str, context: str, expected: str, rule: str | None) -> None:
    findings = evaluate(command, context)
    assert decision(findings) == expected, findings
    if rule is not None:
        assert rule in {f.rule for f in findings if f.action == expected}
    for f in findings:
        assert f.reason and f.instead and f.action in ("deny", "note")


def test_enough_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize(
    ("command", "instead"),
    [
        ("uv run pytest", "nox -s pytest"),
        ("uv run ruff check", "nox -s ruff"),
        ("uv run mypy ci", "nox -s typecheck"),
        ("uv run nox -s gates", "nox -s gates"),
        ("uv run python x.py", "uv run --no-project python x.py"),
        ("cargo clippy", "nox -s clippy"),
        ("cargo test", "nox -s cargo_test"),
    ],
)
def test_instead_names_the_command_to_use(command: str, instead: str) -> None:
    assert any(f.instead.startswith(instead) for f in evaluate(command))


def test_ci_direct_names_the_matching_session() -> None:
    assert evaluate("cargo clippy --workspace", CI)[0].instead == "nox -s clippy"
    assert evaluate("python -m pytest", CI)[0].instead.startswith("nox -s pytest")


def test_every_session_named_by_the_table_exists() -> None:
    from ci.registry import SESSIONS

    texts = [r.instead or "" for r in tool_guard.RULES] + list(tool_guard.SESSIONS.values())
    named = {m for t in texts for m in re.findall(r"nox -s (\w+)", t)}
    assert named and named <= set(SESSIONS), named - set(SESSIONS)


@pytest.mark.parametrize(
    "command",
    [
        'echo "unbalanced',
        "uv run 'pytest",
        "$(",
        "`",
        "bash -c",
        "env -S",
        "x <<",
        "$((1+",
        "${",
        'cargo publish "',
        "(((((",
        ")))",
        "\\",
        "a=(",
        "sudo",
        "timeout",
        "\0\x01\x02",
    ],
)
def test_unparseable_input_never_raises(command: str) -> None:
    assert decision(evaluate(command)) in ("allow", "deny", "note")


def test_unbalanced_quote_still_sees_the_command_before_it() -> None:
    assert decision(evaluate('uv run pytest "unterminated')) == "deny"


def test_unknown_context_is_treated_as_shell() -> None:
    assert decision(evaluate("cargo publish", "nonsense")) == "deny"


def test_context_for() -> None:
    config = {
        "tool-guard": {
            "release-files": [".github/workflows/release.yml"],
            "ci-file": ".github/workflows/ci.yml",
        }
    }
    assert context_for(".github/workflows/release.yml", config) == "release"
    assert context_for("./.github/workflows/ci.yml", config) == "ci"
    assert context_for(".github\\workflows\\ci.yml", config) == "ci"
    assert context_for("README.md", config) == "shell"
    assert context_for(".github/workflows/ci.yml", config["tool-guard"]) == "ci"
    assert context_for(".github/workflows/ci.yml", {}) == "ci"  # defaults


def test_big_input_is_handled() -> None:
    assert evaluate("echo " + "x " * 200_000) == []
    assert decision(evaluate("echo " + "x " * 100_000 + "; uv run pytest")) == "deny"


def test_python_steps_are_not_shell(make_repo: MakeRepo) -> None:
    step = "      - shell: python\n        run: |\n          import os  # uv run pytest\n"
    root = make_repo({".github/workflows/ci.yml": CI_OK + step})
    assert tool_guard.run(str(root)) == 0, messages()


TOKENS = [*"ab $()`'\"\\;&|<>#\n-=", "uv", " run ", "cargo", " publish", "bash -c ", "env "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join), st.sampled_from([S, CI, REL]))
def test_evaluate_never_raises(text: str, context: str) -> None:
    for f in evaluate(text, context):
        assert f.action in ("deny", "note") and f.rule and f.reason and f.instead


# --- the gate --------------------------------------------------------------------------------

CI_OK = """\
name: ci
on: [push]
jobs:
  gates:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: nox -s gates
"""


def messages() -> str:
    return "\n".join(gates.messages)


def test_gate_clean_repo_passes(make_repo: MakeRepo) -> None:
    root = make_repo(
        {
            ".github/workflows/ci.yml": CI_OK,
            "README.md": "# x\n\n```sh\nnox -s gates\n```\n",
            "scripts/dev.sh": "#!/bin/sh\nnox -s tests\n",
        }
    )
    assert tool_guard.run(str(root)) == 0, messages()


def test_gate_ci_step_calling_cargo_fails_naming_file_and_line(make_repo: MakeRepo) -> None:
    bad = (
        CI_OK + "      - name: build\n        run: |\n          echo start\n          cargo build\n"
    )
    root = make_repo({".github/workflows/ci.yml": bad})
    assert tool_guard.run(str(root)) == 1
    assert ".github/workflows/ci.yml:12: `cargo build`" in messages()
    assert "nox -s build" in messages()


def test_gate_single_line_run_step(make_repo: MakeRepo) -> None:
    root = make_repo({".github/workflows/ci.yml": CI_OK + "      - run: cargo build\n"})
    assert tool_guard.run(str(root)) == 1
    assert ".github/workflows/ci.yml:9:" in messages()


def test_gate_readme_block_with_uv_run_fails(make_repo: MakeRepo) -> None:
    readme = "# x\n\nText.\n\n```sh\nnox -s gates\nuv run pytest\n```\n"
    root = make_repo({"README.md": readme})
    assert tool_guard.run(str(root)) == 1
    assert "README.md:7: `uv run pytest`" in messages()


def test_gate_console_block_prompt_and_output(make_repo: MakeRepo) -> None:
    readme = "```console\n$ nox -s gates\nuv run pytest is what you must not do\n$ uv run x\n```\n"
    root = make_repo({"docs/guide.md": readme})
    assert tool_guard.run(str(root)) == 1
    assert messages().count("docs/guide.md:") == 1 and "docs/guide.md:4:" in messages()


def test_gate_text_blocks_are_not_commands(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": "```text\nuv run pytest\n```\n```python\nuv = 1\n```\n"})
    assert tool_guard.run(str(root)) == 0, messages()


def test_gate_publish_in_release_workflow_passes(make_repo: MakeRepo) -> None:
    release = CI_OK.replace("nox -s gates", "cargo publish")
    root = make_repo({".github/workflows/release.yml": release})
    assert tool_guard.run(str(root)) == 0, messages()


def test_gate_publish_in_script_fails(make_repo: MakeRepo) -> None:
    root = make_repo({"scripts/release.sh": "#!/bin/sh\nset -e\ncargo publish\n"})
    assert tool_guard.run(str(root)) == 1
    assert "scripts/release.sh:3: `cargo publish`" in messages()


def test_gate_extensionless_ci_run_script(make_repo: MakeRepo) -> None:
    root = make_repo({".ci/run": "#!/bin/sh\nuv run pytest\n"})
    assert tool_guard.run(str(root)) == 1
    assert ".ci/run:2:" in messages()


def test_gate_action_files(make_repo: MakeRepo) -> None:
    action = (
        "name: a\ndescription: d\nruns:\n  using: composite\n  steps:\n"
        "    - shell: bash\n      run: |\n        twine upload dist/*\n"
    )
    root = make_repo({"action/cleanup/action.yml": action})
    assert tool_guard.run(str(root)) == 1
    assert "action/cleanup/action.yml:8: `twine upload dist/*`" in messages()


def test_gate_notes_are_not_failures(
    make_repo: MakeRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_repo({"CONTRIBUTING.md": "```bash\ncargo clippy\n```\n"})
    assert tool_guard.run(str(root)) == 0
    assert "CONTRIBUTING.md:2: note:" in capsys.readouterr().out


def test_gate_invalid_yaml_names_the_line(make_repo: MakeRepo) -> None:
    root = make_repo({".github/workflows/ci.yml": "jobs:\n  a: [\n"})
    assert tool_guard.run(str(root)) == 1
    assert re.search(r"\.github/workflows/ci\.yml:\d+: invalid YAML", messages())


def test_gate_excluded_fixtures_and_untracked_files(make_repo: MakeRepo) -> None:
    root = make_repo({"tests/ci/fixtures/bad.sh": "uv run pytest\n"})
    assert tool_guard.run(str(root)) == 0, messages()
    (root / "new.sh").write_text("uv run pytest\n")  # untracked, not ignored: checked
    assert tool_guard.run(str(root)) == 1


def test_gate_outside_git_cannot_run(make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo({"x.sh": "ls\n"}, git=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))
    assert tool_guard.run(str(root)) == 2
    assert "git" in messages()
