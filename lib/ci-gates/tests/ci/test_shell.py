"""ci/shell.py: the commands shell text runs, with their lines; never raises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ci_gates
from ci_gates.core.findings import ERROR
from ci_gates.gates.tool_guard.rules import evaluate
from ci_gates.parsers.markdown import shell_blocks
from ci_gates.parsers.shell import basename, commands, lex

LIBRARY = str(Path(ci_gates.__file__).resolve().parents[1])  # where the library is installed


def argvs(text: str) -> list[list[str]]:
    return [c.words for c in commands(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ls -l", [["ls", "-l"]]),
        ("a && b || c; d | e & f", [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]]),
        ("a\nb", [["a"], ["b"]]),
        ("a \\\n  b", [["a", "b"]]),
        ("(a; b)", [["a"], ["b"]]),
        ("{ a; }", [["a"]]),
        ("'a b' \"c d\" e\\ f", [["a b", "c d", "e f"]]),
        ("u'v' r\"un\"", [["uv", "run"]]),
        ('echo "it\'s"', [["echo", "it's"]]),
        ("echo $'a b'", [["echo", "a b"]]),
        ("X=1 Y='a b' cmd", [["cmd"]]),
        ("X=1", []),
        ("arr=(a b c)", []),
        ("env -i -u B A=1 cmd x", [["cmd", "x"]]),
        ("env -S 'cmd x' y", [["cmd", "x", "y"]]),
        ("time -p nice -n 5 nohup cmd", [["cmd"]]),
        ("command -p cmd", [["cmd"]]),
        ("command -v cmd", [["command", "-v", "cmd"]]),
        ("exec -a name cmd", [["cmd"]]),
        ("sudo -u root -E -- cmd", [["cmd"]]),
        ("timeout -s KILL 10 cmd", [["cmd"]]),
        ("xargs -0 -n 1 cmd", [["cmd"]]),
        ("stdbuf -oL cmd", [["cmd"]]),
        ("/usr/bin/env cmd", [["cmd"]]),
        ("bash -c 'a; b'", [["a"], ["b"]]),
        ("sh -euc 'a'", [["a"]]),
        ("bash -o pipefail -c 'a'", [["a"]]),
        ("bash script.sh arg", []),
        ("eval 'a b'", [["a", "b"]]),
        ("bash -c \"bash -c 'a'\"", [["a"]]),
        ("echo $(a b)", [["a", "b"], ["echo", "$(a b)"]]),
        ('echo "x $(a) y"', [["a"], ["echo", "x $(a) y"]]),
        ("echo `a`", [["a"], ["echo", "`a`"]]),
        ("echo $(a $(b))", [["b"], ["a", "$(b)"], ["echo", "$(a $(b))"]]),
        ("diff <(a) <(b)", [["a"], ["b"], ["diff", "<(a)", "<(b)"]]),
        ("echo $((1 + 2))", [["echo", "$((1 + 2))"]]),
        ("echo ${X:-a b}", [["echo", "${X:-a b}"]]),
        ("echo ${{ matrix.os }}", [["echo", "${{ matrix.os }}"]]),
        ("a > out 2>&1", [["a"]]),
        ("a >> out < in 2> err", [["a"]]),
        ("a &> /dev/null", [["a"]]),
        ("a <<< 'data here'", [["a"]]),
        ("cat <<EOF\nuv run x\nEOF\nb", [["cat"], ["b"]]),
        ("cat <<-'EOF'\n\tuv run x\n\tEOF\nb", [["cat"], ["b"]]),
        ("a # comment $(b)", [["a"]]),
        ("a#b", [["a#b"]]),
        ("if a; then b; elif c; then d; else e; fi", [["a"], ["b"], ["c"], ["d"], ["e"]]),
        ("while a; do b; done", [["a"], ["b"]]),
        ("while read l; do b; done < list", [["read", "l"], ["b"]]),
        ("! a", [["a"]]),
        ("a\r\nb", [["a"], ["b"]]),
        # headers are not commands: for, select, case patterns, function definitions
        ("for f in a b; do c $f; done", [["c", "$f"]]),
        ("for f in $(ls *.whl); do c; done", [["ls", "*.whl"], ["c"]]),
        ("for ((i = 0; i < 3; i++)); do c; done", [["c"]]),
        ("select x in a b; do c; done", [["c"]]),
        ("case $1 in\n  a|b) c ;;\n  (d) e ;;\n  *) f ;;\nesac\ng", [["c"], ["e"], ["f"], ["g"]]),
        ("case x in uv) cargo x;; esac", [["cargo", "x"]]),
        ('case "$os" in linux) a ;& mac) b ;;& *) c; esac', [["a"], ["b"], ["c"]]),
        ("f() { a; }", [["a"]]),
        ("f () {\n  a\n}", [["a"]]),
        ("function f { a; }", [["a"]]),
        ("function f() { a; }", [["a"]]),
        # tests and arithmetic are one thing, not commands split at || and &&
        ("[[ a || b ]] && c", [["[[", "a", "||", "b", "]]"], ["c"]]),
        (
            "if [[ -n $x && $y == z ]]; then c; fi",
            [["[[", "-n", "$x", "&&", "$y", "==", "z", "]]"], ["c"]],
        ),
        ("[[ $(a) == b ]]", [["a"], ["[[", "$(a)", "==", "b", "]]"]]),
        (
            "if [[ ! $x =~ ^v ||\n  $y != z ]]; then c; fi",
            [["[[", "!", "$x", "=~", "^v", "||", "$y", "!=", "z", "]]"], ["c"]],
        ),
        ("(( a || b )) && c", [["c"]]),
        ("if (( n > 1 )); then c; fi", [["c"]]),
        # substitutions inside ${…}, and eval of a substitution, are seen once
        ("echo ${X:-$(a b)}", [["a", "b"], ["echo", "${X:-$(a b)}"]]),
        ("echo ${X:-`a`}", [["a"], ["echo", "${X:-`a`}"]]),
        ('eval "$(a -s)"', [["a", "-s"], ["$(a -s)"]]),
        # shells reading a script from stdin: here-documents, here-strings, echo | bash
        ("bash <<'EOF'\na x\nEOF\nb", [["a", "x"], ["b"]]),
        ("sh -s -- arg <<EOF\na\nEOF", [["a"]]),
        ("bash -euo pipefail <<-EOF\n\ta\n\tEOF", [["a"]]),
        ("bash script.sh <<EOF\na\nEOF", []),
        ("python - <<EOF\na\nEOF", [["python", "-"]]),
        ("bash <<< 'a x'", [["a", "x"]]),
        ("echo 'a x' | bash", [["echo", "a x"], ["a", "x"]]),
        ("echo -n 'a' | sh -s", [["echo", "-n", "a"], ["a"]]),
        ("printf '%s\\n' 'a x' | bash", [["printf", "%s\\n", "a x"], ["a", "x"]]),
        ("cat <<EOF | bash\na\nEOF", [["cat"], ["a"]]),
        ("curl -sSf https://x | sh", [["curl", "-sSf", "https://x"]]),
        ("echo a | tee log", [["echo", "a"], ["tee", "log"]]),
        # find -exec and xargs run their command
        (
            "find . -name '*.py' -exec a {} \\;",
            [["find", ".", "-name", "*.py", "-exec", "a", "{}", ";"], ["a", "{}"]],
        ),
        (
            "find . -execdir a {} + -o -exec b ';'",
            [
                ["find", ".", "-execdir", "a", "{}", "+", "-o", "-exec", "b", ";"],
                ["a", "{}"],
                ["b"],
            ],
        ),
        ("xargs -i a {}", [["a", "{}"]]),
        ("xargs -0 -I {} a {}", [["a", "{}"]]),
        ("xargs -l -P 4 a", [["a"]]),
        ('cmd /c "a && b"', [["a"], ["b"]]),
    ],
)
def test_commands(text: str, expected: list[list[str]]) -> None:
    assert argvs(text) == expected


def test_lines_are_tracked() -> None:
    text = "a\n\nb \\\n  c\necho 'x\ny'\nd $(\ne\n)\ncat <<EOF\nq\nEOF\nf"
    got = [(c.words[0], c.line) for c in commands(text, line=10)]
    assert got == [("a", 10), ("b", 12), ("echo", 14), ("e", 17), ("d", 16), ("cat", 19), ("f", 22)]


def test_substitution_ends_where_the_shell_ends_it() -> None:
    """A here-document with a lone apostrophe inside ``$( )`` (agents' commit messages)."""
    text = "git commit -m \"$(cat <<'EOF'\nDon't (ever) uv run x\nEOF\n)\" && uv run y"
    assert argvs(text)[-1] == ["uv", "run", "y"]
    assert ["uv", "run", "x"] not in argvs(text)
    assert argvs("x=$(echo ')'); a $( (b) ) c") == [["echo", ")"], ["b"], ["a", "$( (b) )", "c"]]


def test_internal_error_falls_back_to_a_split(monkeypatch: pytest.MonkeyPatch) -> None:
    from ci_gates.parsers import posix

    def boom(self: object, i: int = 0) -> int:
        raise RuntimeError("lexer bug")

    monkeypatch.setattr(posix._Lexer, "run", boom)
    assert [c.words for c in lex("a 'b';c\nd")] == [["a", "b"], ["c"], ["d"]]


def test_lex_keeps_launchers() -> None:
    assert [c.words for c in lex("env X=1 a")] == [["env", "X=1", "a"]]


@pytest.mark.parametrize(
    ("word", "name"),
    [("uv", "uv"), ("/usr/bin/uv", "uv"), ("C:\\tools\\uv.exe", "uv"), ("./x/cargo", "cargo")],
)
def test_basename(word: str, name: str) -> None:
    assert basename(word) == name


@pytest.mark.parametrize(
    "text", ["'", '"', "`", "$(", "$((", "${", "\\", "<<", "a <<EOF", "((((", "))", "a=(", "$'"]
)
def test_unbalanced_input_is_best_effort(text: str) -> None:
    assert isinstance(commands("x " + text + " y"), list)


def test_deep_nesting_does_not_recurse_forever() -> None:
    text = "$(" * 5000 + "a" + ")" * 5000
    assert isinstance(commands(text), list)
    assert commands("eval " * 200 + "a") == []  # deeper than MAX_DEPTH: given up, not crashed


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $()`'\"\\;&|<>#{}=\n\t-cEOF")), max_size=60))
def test_never_raises_on_shell_like_noise(text: str) -> None:
    for cmd in commands(text):
        assert isinstance(cmd.words, list) and all(isinstance(w, str) for w in cmd.words)
        assert cmd.line >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    commands(text)
    commands(text, dialect="powershell")
    shell_blocks(text)


def test_environment_is_tracked() -> None:
    def env(text: str) -> list[dict[str, str]]:
        return [dict(c.env) for c in commands(text, env={"CI": "true"})]

    assert env("X=1 a") == [{"CI": "true", "X": "1"}]
    assert env("env X=1 Y=2 a") == [{"CI": "true", "X": "1", "Y": "2"}]
    assert env("env -i X=1 a") == [{"X": "1"}]
    assert env("env -u CI a") == [{}]
    assert env("export X=1\na") == [{"CI": "true"}, {"CI": "true", "X": "1"}]
    assert env("X=1\nexport X\na")[-1] == {"CI": "true", "X": "1"}
    assert env("X=1\na") == [{"CI": "true"}]  # not exported: the child does not see it
    assert env("export X=1; unset X; a")[-1] == {"CI": "true"}
    assert env("bash -c 'export X=1; a'; b") == [
        {"CI": "true"},
        {"CI": "true", "X": "1"},
        {"CI": "true"},
    ]


def test_pipe_and_stdin_are_recorded() -> None:
    first, second = lex("cat <<EOF | bash\na\nEOF")
    assert first.stdin == (1, "a") and second.pipe == first
    assert lex("a <<< 'x y'")[0].stdin == (0, "x y")
    assert lex("a | b")[1].pipe.words == ["a"] and lex("a || b")[1].pipe is None


def test_import_is_light() -> None:
    """The agent hook imports the rule module on every Bash call: stdlib only, no typing."""
    code = (
        f"import sys; sys.path.append({LIBRARY!r})\n"
        "import ci_gates.gates.tool_guard.rules\n"
        "heavy = {'yaml', 'typing', 'dataclasses', 'tomllib', 'subprocess', 'ci_gates.core.runner'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    root = Path(__file__).resolve().parents[2]
    argv = [sys.executable, "-S", "-c", code]
    out = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]", out.stdout


# --- seeing through launchers, end to end through the tool-guard rules ---

DENIED = ["uv run pytest", "cargo publish", "twine upload dist/*", "uv run ruff check ."]
WRAPPERS = [
    "env X=1 {}",
    "X=1 {}",
    "time {}",
    "nice {}",
    "command {}",
    "exec {}",
    "sudo {}",
    "bash -c '{}'",
    "sh -c '{}'",
    "bash -lc '{}'",
    "true && {}",
    "false || {}",
    "a; {}",
    "a | {}",
    "a & {}",
    "({})",
    "$({})",
    "`{}`",
    'echo "$({})"',
    "a\n{}",
    "{{ {}; }}",
    "if {}; then :; fi",
    "nohup {} &",
    "timeout 5 {}",
    "xargs {}",
    "eval '{}'",
    "bash <<'EOF'\n{}\nEOF",
    "sh -s <<EOF\n{}\nEOF",
    "echo '{}' | bash",
    "find . -exec {} \\;",
    "echo ${{X:-$({})}}",
    "[[ -f x ]] && {}",
    "case $1 in x) {} ;; esac",
    "f() {{ {}; }}",
    "for x in a; do {}; done",
    "pwsh -Command '{}'",
    'cmd /c "{}"',
]


@pytest.mark.parametrize("wrapper", WRAPPERS)
@pytest.mark.parametrize("command", DENIED)
def test_wrapped_denials_stay_denied(wrapper: str, command: str) -> None:
    assert {f.severity for f in evaluate(wrapper.format(command))} == {ERROR}


@pytest.mark.parametrize("quote", ["echo '{}'", 'echo "{}"', "git commit -m '{}'", "# {}"])
@pytest.mark.parametrize("command", DENIED)
def test_quoted_denials_are_data(quote: str, command: str) -> None:
    assert evaluate(quote.format(command)) == []
