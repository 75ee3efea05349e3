"""ci/powershell.py: PowerShell lexed as PowerShell, and the tool guard's decisions on it."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gates.core.findings import ERROR, NOTE
from ci_gates.gates.tool_guard.rules import evaluate
from ci_gates.parsers.powershell import lex
from ci_gates.parsers.shell import commands


def argvs(text: str) -> list[list[str]]:
    return [c.words for c in commands(text, dialect="powershell")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("uv run pytest", [["uv", "run", "pytest"]]),
        ("a; b\nc", [["a"], ["b"], ["c"]]),
        ("a && b || c", [["a"], ["b"], ["c"]]),
        ("a | b | c", [["a"], ["b"], ["c"]]),
        ("Start-Job { a } &", [["a"], ["Start-Job", "{ a }"]]),
        # backtick: continuation and escape
        ("a `\n  --flag", [["a", "--flag"]]),
        ("a `\r\n  --flag", [["a", "--flag"]]),
        ("echo a`;b", [["echo", "a;b"]]),
        ("echo `$x", [["echo", "$x"]]),
        ('echo "a`"b"', [["echo", 'a"b']]),
        ('echo "tab`there"', [["echo", "tab\there"]]),
        ("echo 'it''s'", [["echo", "it's"]]),
        ('echo "say ""hi"""', [["echo", 'say "hi"']]),
        # the call operator and dot-sourcing
        (
            '& "C:\\Program Files\\uv\\uv.exe" run x',
            [["C:\\Program Files\\uv\\uv.exe", "run", "x"]],
        ),
        ("& uv run x", [["uv", "run", "x"]]),
        ("& $exe --version", [["$exe", "--version"]]),
        (". ./env.ps1", [["./env.ps1"]]),
        (".\\build.ps1 -Release", [[".\\build.ps1", "-Release"]]),
        # expressions are not commands; what is nested in them is
        ('"uv run x"', []),
        ("'uv run x' | Out-File notes.txt", [["Out-File", "notes.txt"]]),
        ("$x", []),
        ("1 + 2", []),
        ("[Environment]::Exit(1)", []),
        ("(uv run x).Length", [["uv", "run", "x"]]),
        ('Write-Host "v $(uv run y)"', [["uv", "run", "y"], ["Write-Host", "v $(uv run y)"]]),
        ("$files = @(Get-ChildItem)", [["Get-ChildItem"]]),
        ("$v = uv run q | Out-String", [["uv", "run", "q"], ["Out-String"]]),
        ("$n += 1", []),
        # keywords: their conditions and blocks hold the commands
        ("if ($LASTEXITCODE -ne 0) { exit 1 }", []),
        (
            "if (Test-Path x) { a } elseif ($y) { b } else { c }",
            [["Test-Path", "x"], ["a"], ["b"], ["c"]],
        ),
        ("foreach ($f in Get-ChildItem *.whl) { a $f }", [["Get-ChildItem", "*.whl"], ["a", "$f"]]),
        ("try { a } catch { b } finally { c }", [["a"], ["b"], ["c"]]),
        ("function Invoke-X {\n  param($a)\n  b\n}", [["b"]]),
        ("7z x a.zip", [["7z", "x", "a.zip"]]),
        # data: hash tables, here-strings, comments
        ("$h = @{ uv = 'run'; x = 1 }", []),
        ('$s = @"\nuv run x\n"@\nb', [["b"]]),
        ("$s = @'\nuv run x\n'@", []),
        ("a # uv run x", [["a"]]),
        ("<# uv run x\n cargo publish #>\nb", [["b"]]),
        # redirections and stop-parsing
        ("a > out.txt 2>&1", [["a"]]),
        ("a *> $null", [["a"]]),
        ("icacls x --% /grant Users:(F)", [["icacls", "x", "/grant", "Users:(F)"]]),
        # GitHub expressions in a pwsh step
        ("echo ${{ matrix.os }}", [["echo", "${{ matrix.os }}"]]),
        ("${env:PATH}", []),
        # shells and Invoke-Expression from PowerShell
        ("bash -c 'a; b'", [["a"], ["b"]]),
        ("Invoke-Expression 'a b'", [["a", "b"]]),
        ('iex "a $(b)"', [["b"], ["a", "$(b)"]]),
        ('cmd /c "a && b"', [["a"], ["b"]]),
    ],
)
def test_commands(text: str, expected: list[list[str]]) -> None:
    assert argvs(text) == expected


def test_env_assignment_is_an_export() -> None:
    cmds = commands(
        "$env:UV_NO_SYNC = 1\n$env:uv_no_project='true'; uv run x", dialect="powershell"
    )
    assert [c.words for c in cmds] == [
        ["export", "UV_NO_SYNC=1"],
        ["export", "UV_NO_PROJECT=true"],
        ["uv", "run", "x"],
    ]
    assert dict(cmds[-1].env) == {"UV_NO_SYNC": "1", "UV_NO_PROJECT": "true"}
    assert dict(commands("$env:X = $true; a", dialect="powershell")[-1].env) == {"X": "true"}


def test_lines_are_tracked() -> None:
    text = "a\n\nb `\n  c\n<# x\ny #>\nd\n@'\nq\n'@\ne"
    assert [(c.words[0], c.line) for c in lex(text, 10)] == [
        ("a", 10),
        ("b", 12),
        ("d", 16),
        ("e", 20),
    ]


def test_pwsh_command_and_encoded_command_from_bash() -> None:
    encoded = base64.b64encode("uv run x".encode("utf-16-le")).decode()
    assert [c.words for c in commands(f"pwsh -NoProfile -EncodedCommand {encoded}")] == [
        ["uv", "run", "x"]
    ]
    assert [c.words for c in commands("powershell -c 'a; b'")] == [["a"], ["b"]]
    assert [c.words for c in commands("pwsh -File build.ps1 -x")] == []
    assert [c.words for c in commands("pwsh -enc !!notbase64")] == []
    assert [c.words for c in commands("echo 'uv run x' | pwsh -Command -")] == [
        ["echo", "uv run x"],
        ["uv", "run", "x"],
    ]


# The tool guard on PowerShell: (command, decision, rule). Real-looking Windows CI and agent
# commands; "note" is allowed with a note, "deny" refused.
DECISIONS: list[tuple[str, str, str | None]] = [
    ("uv run pytest", "deny", "TG001"),
    ("uv run `\n  pytest -x", "deny", "TG001"),
    ("& uv run pytest", "deny", "TG001"),
    ('& "$env:USERPROFILE\\.local\\bin\\uv.exe" run pytest', "deny", "TG001"),
    (".\\uv.exe run python -c 'import x'", "deny", "TG001"),
    ("if ($IsWindows) { uv run pytest }", "deny", "TG001"),
    ("$out = uv run python -V", "deny", "TG001"),
    ('Write-Output "$(uv run python -V)"', "deny", "TG001"),
    ("Get-ChildItem *.py | ForEach-Object { uv run $_.FullName }", "deny", "TG001"),
    ("Invoke-Expression 'uv run pytest'", "deny", "TG001"),
    ("uv run --locked pytest", "deny", "TG001"),
    ("$env:UV_NO_SYNC = '0'; uv run pytest", "deny", "TG001"),
    ("cargo publish", "deny", "TG002"),
    ("cargo publish --dry-run", "allow", None),
    ("uv run --no-project python -c 'print(1)'", "allow", None),
    ("uv run --no-sync python -V", "allow", None),
    ("uv run --only-group docs mkdocs build", "allow", None),
    ("$env:UV_NO_SYNC = 1\nuv run python -V", "allow", None),
    ("$env:UV_NO_PROJECT='1'; uv run python -V", "allow", None),
    ('Write-Host "uv run pytest"', "allow", None),
    ("'cargo publish' | Set-Content notes.txt", "allow", None),
    ("git commit -m 'uv run pytest'", "allow", None),
    ("# uv run pytest", "allow", None),
    ("<# cargo publish #> nox -s gates", "allow", None),
    ("$cmd = @'\nuv run pytest\n'@", "allow", None),
    ("nox -s gates", "allow", None),
    ("python -m pip install nox", "allow", None),
    ("& (./uv python find 3.13t) -m venv .venv", "allow", None),
    ("cargo clippy", "note", "TG010"),
    ("pytest -x tests", "note", "TG012"),
]


@pytest.mark.parametrize(
    ("command", "expected", "rule"), DECISIONS, ids=[c[0][:40] for c in DECISIONS]
)
def test_tool_guard_on_powershell(command: str, expected: str, rule: str | None) -> None:
    found = evaluate(command, "shell", "powershell")
    severities = {f.severity for f in found}
    decision = "deny" if ERROR in severities else "note" if NOTE in severities else "allow"
    assert decision == expected, [f.text() for f in found]
    if rule is not None:
        assert rule in {f.rule for f in found}


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("ab $()`'\"@{};|&#<>\n\t-=:") + ["uv run ", "$env:", "@'\n"]),
        max_size=40,
    ).map("".join)
)
def test_never_raises_on_powershell_like_noise(text: str) -> None:
    for cmd in commands(text, dialect="powershell"):
        assert cmd.words and all(isinstance(w, str) for w in cmd.words) and cmd.line >= 0


def test_internal_error_falls_back_to_a_split(monkeypatch: pytest.MonkeyPatch) -> None:
    from ci_gates.parsers import powershell

    def boom(self: object, i: int = 0) -> int:
        raise RuntimeError("lexer bug")

    monkeypatch.setattr(powershell._Lexer, "run", boom)
    assert [c.words for c in lex("a 'b';c\nd")] == [["a", "b"], ["c"], ["d"]]
