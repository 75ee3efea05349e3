"""tool_guard hook: the gate's rule table on live Bash / PowerShell calls, both agents."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from tests.hooks.conftest import Result, decision, payload, text_of

Hook = Callable[..., Result]

# (command, expected decision for Claude, text the answer must contain)
COMMANDS: list[tuple[str, str, str]] = [
    ("uv run pytest", "deny", "nox -s pytest"),
    ("bash -c 'uv run pytest'", "deny", "nox -s pytest"),
    ('bash -lc "uv run pytest -q"', "deny", "nox -s pytest"),
    ("env X=1 uv run pytest", "deny", "nox -s pytest"),
    ("X=1 uv run pytest", "deny", "nox -s pytest"),
    ("cd python && uv run pytest", "deny", "nox -s pytest"),
    ("true; uv run pytest", "deny", "nox -s pytest"),
    ("echo $(uv run pytest)", "deny", "nox -s pytest"),
    ("time nice uv run pytest", "deny", "nox -s pytest"),
    ("uv run nox -s gates", "deny", "nox -s gates"),
    ("cargo publish", "deny", "release workflow"),
    ("twine upload dist/*", "deny", "release workflow"),
    ("uv run --frozen pytest", "deny", "nox -s pytest"),
    ("bash <<'EOF'\nuv run pytest\nEOF", "deny", "nox -s pytest"),
    ('echo "uv run pytest" | sh', "deny", "nox -s pytest"),
    ("find tests -name '*.py' -exec uv run python {} \\;", "deny", "uv run --no-project"),
    ("git ls-files '*.whl' | xargs -n1 twine upload", "deny", "release workflow"),
    ("uv run --no-sync python -V", "allow", ""),
    ("uv run --only-group docs mkdocs build", "allow", ""),
    ("UV_NO_SYNC=1 uv run python -V", "allow", ""),
    ("env UV_NO_PROJECT=1 uv run python -V", "allow", ""),
    ("uv run scripts/meta.py", "allow", ""),
    ("uv run scripts/plain.py", "deny", "PEP 723"),
    ("uv run --project docs mkdocs build", "allow", ""),
    ("uv run --project ../elsewhere python -m http.server", "allow", ""),
    ("[[ -f uv.lock ]] || echo no lock", "allow", ""),
    ("case $1 in uv) echo uv ;; esac", "allow", ""),
    ("nox -s gates", "allow", ""),
    ("nox -s tests", "allow", ""),
    ('git commit -m "docs: uv run"', "allow", ""),
    ("git commit -m 'docs: uv run pytest && cargo publish'", "allow", ""),
    ('echo "uv run pytest"', "allow", ""),
    ('grep -rn "cargo publish" docs', "allow", ""),
    ("uv run --no-project pytest", "note", "nox -s pytest"),
    ("cargo publish --dry-run", "allow", ""),
    ("ls -la", "allow", ""),
    ("pytest -x tests/ci", "note", "nox -s pytest"),
    ("cargo clippy", "note", "nox -s clippy"),
    ("cargo clippy --workspace --all-targets --locked -- -D warnings", "allow", ""),
    ("", "allow", ""),
]


@pytest.fixture
def project(project: Path) -> Path:
    """The hooks' project, plus scripts with and without PEP 723 metadata and a docs project."""
    meta = "# /// script\n# dependencies = []\n# ///\nprint(1)\n"
    files = {"scripts/meta.py": meta, "scripts/plain.py": "print(1)\n", "docs/pyproject.toml": ""}
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    (project.parent / "elsewhere").mkdir()
    (project.parent / "elsewhere" / "pyproject.toml").write_text("")
    return project


@pytest.mark.parametrize(("command", "expected", "needle"), COMMANDS)
def test_claude_bash(hook: Hook, project: Path, command: str, expected: str, needle: str) -> None:
    result = hook("tool_guard", payload("claude_pre_bash", project, command=command))
    assert decision(result) == expected, result
    assert needle in text_of(result)
    if expected == "deny":
        assert text_of(result).startswith("Blocked by tool_guard rule TG00")
        assert "Instead: " in text_of(result)


@pytest.mark.parametrize(("command", "expected", "needle"), COMMANDS)
def test_codex_bash(hook: Hook, project: Path, command: str, expected: str, needle: str) -> None:
    result = hook("tool_guard", payload("codex_pre_bash", project, command=command), agent="codex")
    # Codex gets no notes: releases before May 2026 reject additionalContext on PreToolUse.
    assert decision(result) == ("allow" if expected == "note" else expected), result
    if expected == "deny":
        assert needle in text_of(result)


def test_fixtures_as_recorded(hook: Hook, project: Path) -> None:
    assert decision(hook("tool_guard", payload("claude_pre_bash", project))) == "deny"
    assert decision(hook("tool_guard", payload("codex_pre_bash", project), agent="codex")) == "deny"
    powershell = payload("claude_pre_powershell", project)
    assert decision(hook("tool_guard", powershell)) == "deny"


# PowerShell commands as Claude Code on Windows sends them (tool "PowerShell").
POWERSHELL: list[tuple[str, str, str]] = [
    ("uv run pytest", "deny", "nox -s pytest"),
    ("uv run `\n  pytest -q", "deny", "nox -s pytest"),
    ('& "$env:USERPROFILE\\.local\\bin\\uv.exe" run pytest', "deny", "nox -s pytest"),
    (
        "Get-ChildItem dist\\*.whl | ForEach-Object { twine upload $_.FullName }",
        "deny",
        "release workflow",
    ),
    ("$env:UV_NO_SYNC = 1; uv run python -V", "allow", ""),
    ('Write-Host "uv run pytest"', "allow", ""),
    ("git commit -m 'test: uv run pytest'", "allow", ""),
    ("# uv run pytest\nnox -s gates", "allow", ""),
    ("cargo clippy", "note", "nox -s clippy"),
]


@pytest.mark.parametrize(("command", "expected", "needle"), POWERSHELL)
def test_claude_powershell(
    hook: Hook, project: Path, command: str, expected: str, needle: str
) -> None:
    data = payload("claude_pre_powershell", project, command=command)
    result = hook("tool_guard", data)
    assert decision(result) == expected, result
    assert needle in text_of(result)


def test_the_agents_directory_decides_which_project_uv_run_builds(
    hook: Hook, project: Path
) -> None:
    data = payload("claude_pre_bash", project, command="uv run mkdocs build")
    assert decision(hook("tool_guard", data)) == "deny"
    data["cwd"] = str(project / "docs")  # its own pyproject.toml: another project
    assert decision(hook("tool_guard", data)) == "allow"
    data["cwd"] = str(project.parent / "elsewhere")
    assert decision(hook("tool_guard", data)) == "allow"


def test_exec_style_argv(hook: Hook, project: Path) -> None:
    data = payload("codex_pre_bash", project, command=["bash", "-lc", "uv run pytest"])
    assert decision(hook("tool_guard", data, agent="codex")) == "deny"


def test_codex_shell_apply_patch_heredoc_is_measured(hook: Hook, project: Path) -> None:
    body = "\n".join(
        ["*** Begin Patch", "*** Add File: ci/huge.py", *["+x"] * 700, "*** End Patch"]
    )
    data = payload("codex_pre_bash", project, command=f"apply_patch <<'EOF'\n{body}\nEOF\n")
    result = hook("tool_guard", data, agent="codex")
    assert decision(result) == "deny" and "ci/huge.py: 700 lines" in text_of(result)


@pytest.mark.parametrize("command", [None, 3, {"x": 1}, ["ls", 1]])
def test_command_of_the_wrong_type_fails_open(hook: Hook, project: Path, command: object) -> None:
    result = hook("tool_guard", payload("claude_pre_bash", project, command=command))
    assert decision(result) == "allow" and result.err.startswith("tool_guard: ")


def test_other_tools_fail_open(hook: Hook, project: Path) -> None:
    data = payload("claude_pre_bash", project)
    data["tool_name"] = "Read"
    result = hook("tool_guard", data)
    assert decision(result) == "allow" and "not a call this guard checks" in result.err
