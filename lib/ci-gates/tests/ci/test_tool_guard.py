"""The tool-guard rules on commands (shared with the agent hook): a table of real-looking commands.

Each row is one command line in one context and what the rules decide. The messages and fixes
of each rule: test_tool_guard_findings.py; input that must never break the guard:
test_tool_guard_robustness.py; whole workflow jobs and projects on disk: test_tool_guard_jobs.py
and test_uvrun.py.
"""

from __future__ import annotations

import pytest

from ci_gates.core.findings import ERROR, NOTE, RULES, Finding
from ci_gates.gates.tool_guard.rules import evaluate

S, CI, REL = "shell", "ci", "release"

# (command, context, decision, rule): decision is "deny", "note" or "allow"; for several
# findings the rule named must be among them.
CASES: list[tuple[str, str, str, str | None]] = [
    # uv run without --no-project: denied everywhere, however it is launched
    ("uv run pytest", S, "deny", "TG001"),
    ("uv run pytest", CI, "deny", "TG001"),
    ("uv run pytest", REL, "deny", "TG001"),
    ("uv run ruff check .", S, "deny", "TG001"),
    ("uv run python -c 'print(1)'", S, "deny", "TG001"),
    ("uv --quiet run pytest", S, "deny", "TG001"),
    ("uv --directory sub run pytest", S, "deny", "TG001"),  # no file system: see test_uvrun.py
    ("uv run --python 3.12 pytest", S, "deny", "TG001"),
    ("uv run pytest --no-project", S, "deny", "TG001"),
    ("/home/me/.local/bin/uv run pytest", S, "deny", "TG001"),
    ("env X=1 uv run pytest", S, "deny", "TG001"),
    ("env -i PATH=/bin uv run pytest", S, "deny", "TG001"),
    ("env -S 'uv run pytest'", S, "deny", "TG001"),
    ("X=1 Y=2 uv run pytest", S, "deny", "TG001"),
    ("bash -c 'uv run pytest'", S, "deny", "TG001"),
    ('sh -c "cd sub && uv run pytest"', S, "deny", "TG001"),
    ("bash -lc 'uv run pytest'", S, "deny", "TG001"),
    ("bash -euo pipefail -c 'uv run pytest'", S, "deny", "TG001"),
    ("sudo -u ci bash -c 'uv run pytest'", S, "deny", "TG001"),
    ("nox -s gates && uv run ruff check", S, "deny", "TG001"),
    ("false || uv run pytest", S, "deny", "TG001"),
    ("cd x; uv run pytest", S, "deny", "TG001"),
    ("cat log | uv run python -m json.tool", S, "deny", "TG001"),
    ("sleep 1 & uv run pytest", S, "deny", "TG001"),
    ("echo ok\nuv run pytest", S, "deny", "TG001"),
    ("uv run \\\n  pytest", S, "deny", "TG001"),
    ("(cd sub && uv run pytest)", S, "deny", "TG001"),
    ("$(uv run foo)", S, "deny", "TG001"),
    ('echo "$(uv run foo)"', S, "deny", "TG001"),
    ("echo `uv run foo`", S, "deny", "TG001"),
    ("time uv run pytest", S, "deny", "TG001"),
    ("nice -n 5 uv run pytest", S, "deny", "TG001"),
    ("command uv run pytest", S, "deny", "TG001"),
    ("exec uv run pytest", S, "deny", "TG001"),
    ("timeout 60 uv run pytest", S, "deny", "TG001"),
    ("eval 'uv run pytest'", S, "deny", "TG001"),
    ("if uv run pytest; then echo ok; fi", S, "deny", "TG001"),
    ("for f in a b; do uv run $f; done", S, "deny", "TG001"),
    ('u"v" run pytest', S, "deny", "TG001"),
    ("uv run nox -s gates", S, "deny", "TG001"),
    # ... but fine with --no-project / --script, and as data
    ("uv run --no-project python x.py", S, "allow", None),
    ("uv run --no-project --with rich python x.py", S, "allow", None),
    ("uv run --script s.py", S, "allow", None),
    ("uv run -s s.py", S, "allow", None),
    ("uv run --gui-script app.pyw", S, "allow", None),
    ("uv run --locked --python 3.12 --no-build --script scripts/sync.py", S, "allow", None),
    # ... and with anything else that keeps uv from syncing this project (issue #13)
    ("uv run --no-sync pytest --ignore=tests/test_docstrings.py", S, "note", "TG012"),
    ("uv run --no-sync python -c 'import pkg; print(pkg.__version__)'", S, "allow", None),
    ("uv run --only-group docs mkdocs build --strict -f mkdocs.yml", S, "allow", None),
    ("uv run --only-group=check ruff format --diff .", S, "allow", None),
    ("uv run --only-group lint ruff check .", S, "note", "TG013"),
    ("uv run --only-dev python -V", S, "allow", None),
    ("UV_NO_PROJECT=1 uv run python -V", S, "allow", None),
    ("UV_NO_SYNC=1 uv run python -V", S, "allow", None),
    ("UV_NO_SYNC=true uv run python -V", S, "allow", None),
    ("env UV_NO_SYNC=1 uv run python -V", S, "allow", None),
    ("export UV_NO_PROJECT=1\nuv run python -V", S, "allow", None),
    ("UV_NO_SYNC=1 bash -c 'uv run python -V'", S, "allow", None),
    ("UV_NO_SYNC=0 uv run python -V", S, "deny", "TG001"),
    ("UV_NO_SYNC=1; uv run python -V", S, "deny", "TG001"),  # a shell variable, not exported
    ("export UV_NO_SYNC=1; unset UV_NO_SYNC; uv run python -V", S, "deny", "TG001"),
    ("env -u UV_NO_SYNC uv run python -V", S, "deny", "TG001"),
    # ... and after a sync of the project earlier in the same script (issue #21)
    ("uv sync && uv run pytest", S, "note", "TG012"),
    ("uv sync --frozen --group testing\nuv run --frozen python -V", S, "allow", None),
    ("uv sync --all-extras; uv run --no-sync python -V", S, "allow", None),
    ("uv --quiet sync && uv run python -V", S, "allow", None),
    ("uv run python -V && uv run python -c 1", S, "deny", "TG001"),  # the first one builds
    ("uv sync --no-install-project && uv run python -V", S, "deny", "TG001"),
    ("uv sync --only-group lint && uv run python -V", S, "deny", "TG001"),
    ("uv sync --dry-run && uv run python -V", S, "deny", "TG001"),
    ("uv sync && uv run --isolated python -V", S, "deny", "TG001"),
    ("uv sync && uv run --reinstall python -V", S, "deny", "TG001"),
    ("uv run python -V; uv sync", S, "deny", "TG001"),  # the sync comes after
    ("uv sync --directory docs && uv run python -V", S, "deny", "TG001"),  # another project
    ("uv run --frozen pytest", S, "deny", "TG001"),
    ("uv run --locked python -V", S, "deny", "TG001"),
    ("uv run --isolated python -V", S, "deny", "TG001"),
    ("uv run --group codspeed pytest tests/benchmarks --codspeed", S, "deny", "TG001"),
    ("uv run --with rich python -V", S, "deny", "TG001"),
    ("uv run python x.py --no-project", S, "deny", "TG001"),
    ("uv run x.py", S, "note", "TG006"),  # a script the guard cannot read here
    ("uv run https://example.com/x.py", S, "note", "TG006"),
    # seen through: here-documents, pipes into a shell, find -exec, xargs
    ("bash <<'EOF'\nset -e\nuv run pytest\nEOF", S, "deny", "TG001"),
    ("sh -s <<EOF\ncargo publish\nEOF", S, "deny", "TG002"),
    ("bash -euxo pipefail <<-'SCRIPT'\n\tuv run ruff check\n\tSCRIPT", S, "deny", "TG001"),
    ('echo "uv run pytest" | bash', S, "deny", "TG001"),
    ("printf 'cargo publish\\n' | sh", S, "deny", "TG002"),
    ('echo "uv run pytest" > notes.txt', S, "allow", None),
    ("cat <<'EOF' > run.sh\nuv run pytest\nEOF", S, "allow", None),
    ("find tests -name 'test_*.py' -exec uv run python {} \\;", S, "deny", "TG001"),
    ("find dist -name '*.crate' -exec cargo publish {} +", S, "deny", "TG002"),
    ("find . -name '*.py' -exec ruff format {} +", S, "allow", None),
    ("git ls-files '*.py' | xargs uv run ruff check", S, "deny", "TG001"),
    ("ls dist/*.whl | xargs -I{} twine upload {}", S, "deny", "TG002"),
    ("ls | xargs -i echo {}", S, "allow", None),
    # lexer details: tests, headers and substitutions are read the way bash reads them
    ("[[ -f uv.lock ]] || uv sync --frozen", S, "allow", None),
    ("[[ $GITHUB_REF == refs/tags/* || $FORCE == 1 ]] && echo release", S, "allow", None),
    (
        'case "$1" in\n  publish) cargo publish --dry-run ;;\n  *) nox -s gates ;;\nesac',
        S,
        "allow",
        None,
    ),
    ("case $x in uv) echo uv ;; esac", S, "allow", None),
    ("for uv in run sync; do echo $uv; done", S, "allow", None),
    ("f() { uv run --no-project x; }\nf", S, "allow", None),
    ("echo ${VERSION:-$(uv run python -c 'print(1)')}", S, "deny", "TG001"),
    ('eval "$(uv run python -m setuptools_scm)"', S, "deny", "TG001"),
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
    ("cargo publish", S, "deny", "TG002"),
    ("cargo publish", REL, "allow", None),
    ("cargo publish", CI, "deny", "TG002"),
    ("cargo +stable publish -p acme-core", S, "deny", "TG002"),
    ("cargo publish --dry-run", S, "allow", None),
    ("FOO=1 time nice cargo publish", S, "deny", "TG002"),
    ("twine upload dist/*", S, "deny", "TG002"),
    ("python3 -m twine upload dist/*", S, "deny", "TG002"),
    ("maturin publish", S, "deny", "TG002"),
    ("maturin upload dist/*.whl", S, "deny", "TG002"),
    ("uv publish", S, "deny", "TG002"),
    ("uv publish", REL, "allow", None),
    ("uv publish --dry-run", S, "allow", None),
    ("sudo -E cargo publish --token x", S, "deny", "TG002"),
    ("uv run twine upload dist/*", S, "deny", "TG002"),
    # the CI workflow: one nox session per step, no direct tools
    ("cargo build", CI, "deny", "TG003"),
    ("cargo test --workspace --locked", CI, "deny", "TG003"),
    ("pytest -q", CI, "deny", "TG003"),
    ("python -m pytest", CI, "deny", "TG003"),
    ("python3.12 -m mypy ci", CI, "deny", "TG003"),
    ("python3 -m pip install nox", CI, "deny", "TG003"),
    ("ruff check .", CI, "deny", "TG003"),
    ("mypy", CI, "deny", "TG003"),
    ("maturin build --release", CI, "deny", "TG003"),
    ("uvx ruff check", CI, "deny", "TG003"),
    ("cargo build", REL, "allow", None),
    ("echo building && cargo build", CI, "deny", "TG003"),
    # notes: allowed, with the nox session CI runs
    ("cargo clippy", S, "note", "TG010"),
    ("cargo clippy --workspace --all-targets", S, "note", "TG010"),
    ("cargo clippy -- -D warnings", S, "allow", None),
    ("cargo clippy --all-targets -- -Dwarnings", S, "allow", None),
    ("cargo test", S, "note", "TG011"),
    ("cargo test --locked", S, "allow", None),
    ("pytest", S, "note", "TG012"),
    ("pytest tests/ci -q", S, "note", "TG012"),
    ("python -m pytest", S, "note", "TG012"),
    ("uv run --no-project pytest", S, "note", "TG012"),
    ("ruff check ci", S, "note", "TG013"),
    ("ruff format ci", S, "allow", None),
    ("mypy ci", S, "note", "TG014"),
    ("maturin build", S, "note", "TG015"),
    ("maturin develop", S, "note", "TG015"),
    ("pip wheel .", S, "note", "TG015"),
    ("python -m build", S, "note", "TG015"),
]


def decision(findings: list[Finding]) -> str:
    severities = {f.severity for f in findings}
    return "deny" if ERROR in severities else "note" if NOTE in severities else "allow"


@pytest.mark.parametrize(
    ("command", "context", "expected", "rule"), CASES, ids=[f"{c[1]}:{c[0][:40]}" for c in CASES]
)
def test_rule_table(command: str, context: str, expected: str, rule: str | None) -> None:
    findings = evaluate(command, context)
    assert decision(findings) == expected, [f.text() for f in findings]
    if rule is not None:
        assert rule in {f.rule for f in findings}
    for f in findings:
        assert f.message and f.fix and f.rule in RULES and RULES[f.rule].gate == "tool_guard"
        assert f.severity == RULES[f.rule].severity and f.line >= 1


def test_enough_cases() -> None:
    assert len(CASES) >= 150


def test_eval_of_a_substitution_is_one_finding() -> None:
    assert [f.rule for f in evaluate('eval "$(uv run python -m setuptools_scm)"')] == ["TG001"]
