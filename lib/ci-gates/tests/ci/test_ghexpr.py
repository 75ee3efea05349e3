"""Who controls a ``${{ }}`` (ci_gates.parsers.ghexpr), where it stands in a script and how to move it (ci_gates.parsers.ghadvice)."""

from __future__ import annotations

import re
import textwrap

import pytest

from ci_gates.parsers import ghadvice, ghexpr, ghyaml


@pytest.mark.parametrize(
    ("expression", "paths", "literals"),
    [
        ("github.event.pull_request.title", {"github.event.pull_request.title"}, None),
        (
            "github.event_name == 'release' && 'build-guide' || 'check-guide'",
            set(),
            ["build-guide", "check-guide"],
        ),
        ("(github.ref != 'refs/heads/main' && '--preview') || ''", set(), ["", "--preview"]),
        (
            "contains(inputs.t, 'nightly') && inputs.c && ' --allow-downgrade' || ''",
            set(),
            ["", " --allow-downgrade"],
        ),
        ("inputs.x || 'default'", {"inputs.x"}, None),
        ("format('{0}-{1}', github.sha, inputs.a)", {"github.sha", "inputs.a"}, None),
        ("toJSON(matrix.commands)", {"matrix.commands"}, None),
        ("fromJSON(needs.plan.outputs.m).include", {"needs.plan.outputs.m"}, None),
        ("job.services['pg'].ports['5432']", {"job.services.pg.ports.5432"}, None),
        ("github.event.commits.*.message", {"github.event.commits.*.message"}, None),
        ("!cancelled()", set(), ["false", "true"]),
        ("hashFiles('**/Cargo.lock')", set(), None),
        ("'it''s'", set(), ["it's"]),
        ("inputs.python-version", {"inputs.python-version"}, None),
    ],
)
def test_sources_and_literals(expression: str, paths: set[str], literals: list[str] | None) -> None:
    assert ghexpr.sources(expression) == paths
    assert ghexpr.literal_values(expression) == literals


@pytest.mark.parametrize("expression", ["inputs.a ==", "a b", "(x", "'open", "a[", "x.y)"])
def test_unparsable_expressions_are_none(expression: str) -> None:
    assert ghexpr.sources(expression) is None


DOC = ghyaml.compose(
    textwrap.dedent(
        """\
        on:
          workflow_dispatch:
            inputs:
              dry: {type: boolean}
              level: {type: choice, options: [a, b]}
              title: {type: string}
        env:
          SAFE: ${{ github.sha }}
          UNSAFE: ${{ github.event.issue.title }}
          PLAIN: hello
        jobs:
          a:
            runs-on: ubuntu-latest
            strategy:
              matrix:
                os: [ubuntu-latest]
                include: [{os: windows-latest, flag: "--x"}]
            steps:
              - run: x
        """
    )
).root
STEP = next(ghyaml.steps(DOC))


@pytest.mark.parametrize(
    ("path", "attacker"),
    [
        ("runner.temp", False),
        ("github.workspace", False),
        ("github.action_path", False),
        ("github.sha", False),
        ("github.event.pull_request.number", False),
        ("github.event.pull_request.head.sha", False),
        ("secrets.TOKEN", False),
        ("steps.build.outcome", False),
        ("matrix.os", False),  # written out in the file
        ("inputs.dry", False),  # typed boolean
        ("inputs.level", False),  # typed choice
        ("github.event.inputs.dry", False),
        ("env.SAFE", False),
        ("env.PLAIN", False),
        ("inputs.title", True),  # a string input
        ("env.UNSAFE", True),  # set from an issue title
        ("env.ELSEWHERE", True),  # not set in this file
        ("github.event.pull_request.title", True),
        ("github.event.issue.body", True),
        ("github.head_ref", True),
        ("github.ref_name", True),
        ("steps.x.outputs.y", True),  # the gate cannot see what a step wrote
        ("needs.plan.outputs.m", True),
        ("something.unknown", True),
    ],
)
def test_untrusted(path: str, attacker: bool) -> None:
    assert ghexpr.untrusted(path, DOC, STEP) is attacker


def test_inputs_of_a_composite_action_are_attacker_controlled() -> None:
    action = ghyaml.compose(
        "inputs:\n  dry: {description: d, default: 'false'}\nruns:\n  using: composite\n  steps:\n    - run: x\n      shell: bash\n"
    ).root
    assert ghexpr.untrusted("inputs.dry", action, next(ghyaml.steps(action))) is True


def test_matrix_from_json_is_attacker_controlled() -> None:
    doc = ghyaml.compose(
        "jobs:\n  a:\n    strategy:\n      matrix: ${{ fromJSON(needs.p.outputs.m) }}\n    steps: [{run: x}]\n"
    ).root
    assert ghexpr.untrusted("matrix.os", doc, next(ghyaml.steps(doc))) is True


def test_known_values() -> None:
    assert ghexpr.known_values("matrix.os", DOC, STEP) == ["ubuntu-latest", "windows-latest"]
    assert ghexpr.known_values("matrix.flag", DOC, STEP) == ["--x"]
    assert ghexpr.known_values("env.PLAIN", DOC, STEP) == ["hello"]
    assert ghexpr.known_values("inputs.title", DOC, STEP) is None
    assert ghexpr.known_values("'a' || 'b'", DOC, STEP) == ["a"]
    action = ghyaml.compose("inputs:\n  dir: {description: d, default: '$HOME/.cargo'}\n").root
    assert ghexpr.known_values("inputs.dir", action, ghyaml.Step(None, None, 0, None)) == [
        "$HOME/.cargo"
    ]


def at(script: str, needle: str = "${{") -> tuple[str, str]:
    return ghadvice.quote_context(script, script.index(needle))


@pytest.mark.parametrize(
    ("script", "kind"),
    [
        ('echo "a ${{ x }} b"', "double"),
        ("echo 'a ${{ x }} b'", "single"),
        ("echo ${{ x }}", "unquoted"),
        ("${{ x }}", "script"),
        ("  ${{ x }}\n", "script"),
        ("${{ x }} --flag", "command"),
        ("set -e; ${{ x }}/run.sh", "command"),
        ("if true; then ${{ x }}; fi", "command"),
        ("echo ok # ${{ x }}", "comment"),
        ("echo a#${{ x }}", "unquoted"),  # not a comment: '#' inside a word
        ('echo "it\'s" ${{ x }}', "unquoted"),  # the ' inside double quotes opens nothing
        ("echo \\' ${{ x }}", "unquoted"),  # an escaped quote opens nothing
        ("echo ${{ 'a' }} '${{ x }}'", "single"),  # quotes inside ${{ }} do not count
        ("python - <<'EOF'\nprint('${{ x }}')\nEOF\n", "heredoc-quoted"),
        ("cat <<EOF > f\n${{ x }}\nEOF\n", "heredoc"),
        ('cat <<-"END"\n\t${{ x }}\n\tEND\n', "heredoc-quoted"),
        ("cat <<EOF\nbody\nEOF\necho ${{ x }}\n", "unquoted"),  # after the here-document
        ('read -r a <<<"${{ x }}"', "double"),  # a here-string, not a here-document
        ("echo $((1 << 2))\necho ${{ x }}\n", "unquoted"),  # a shift, not a here-document
        ("cat <<EOF\nno end\n${{ x }}", "heredoc"),  # an unterminated here-document
    ],
)
def test_quote_context(script: str, kind: str) -> None:
    needle = "${{ x }}" if "${{ x }}" in script else "${{"
    assert at(script, needle)[0] == kind


def test_heredoc_context_names_the_command() -> None:
    assert at("python3 - <<'PY'\nx = '${{ x }}'\nPY\n") == ("heredoc-quoted", "python3 - <<'PY'")


def fix(script: str, expression: str, shell: str = "bash", **kw: object) -> str:
    kind, detail = ghadvice.quote_context(script, script.index("${{"))
    return ghadvice.rewrite(expression, kind, detail, shell, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("script", "expression", "shell", "kw", "expected"),
    [
        # an input default the shell was meant to expand: not "$DIR" blindly
        (
            "cd ${{ inputs.dir }}",
            "inputs.dir",
            "bash",
            {"values": ["$HOME/.cargo"]},
            'give the input an empty default and write "${DIR:-$HOME/.cargo}" here',
        ),
        (
            "cd ${{ matrix.dir }}",
            "matrix.dir",
            "bash",
            {"values": ["~/bin"]},
            'compute it in the script instead, e.g. "${DIR:-~/bin}" here',
        ),
        (
            "echo ${{ inputs.paths }}",
            "inputs.paths",
            "bash",
            {"values": ["src/*.py tests/*.py"]},
            "write $PATHS unquoted here",
        ),
        (
            'echo "${{ inputs.x }}"',
            "inputs.x",
            "bash",
            {},
            "write ${X} here (inside the double quotes)",
        ),
        ("echo ${{ inputs.x }}", "inputs.x", "pwsh", {}, "write ${env:X} here"),
        (
            "${{ github.workspace }}/setup.ps1",
            "github.workspace",
            "pwsh",
            {},
            'write & "${env:GITHUB_WORKSPACE}…" here',
        ),
        (
            "echo ${{ inputs.x }}",
            "inputs.x",
            "cmd",
            {},
            "cmd expands %X% before it parses the line",
        ),
        ("print('${{ inputs.x }}')", "inputs.x", "python {0}", {}, "end the single quotes"),
        ("print(${{ inputs.x }})", "inputs.x", "python {0}", {}, 'write os.environ["X"] here'),
        (
            "overlay use ${{ github.workspace }}/a.nu",
            "github.workspace",
            "nu {0}",
            {},
            "write $env.GITHUB_WORKSPACE here",
        ),
        (
            "python - <<'EOF'\nprint('${{ inputs.x }}')\nEOF",
            "inputs.x",
            "bash",
            {},
            'read X from its environment there (os.environ["X"] in Python',
        ),
        (
            "echo ${{ inputs.x }}",
            "inputs.x",
            "bash",
            {"existing": "INPUT_X"},
            "the step's env: already has `INPUT_X: ${{ inputs.x }}`",
        ),
        (
            'cd "${{ github.workspace }}"',
            "github.workspace",
            "bash",
            {"container": True},
            "move it into the step's env: (`WORKSPACE: ${{ github.workspace }}`)",
        ),
        (
            "${{ inputs.script }}",
            "inputs.script",
            "bash",
            {},
            "the step runs the value as its whole script",
        ),
        ("echo hi # ${{ inputs.x }}", "inputs.x", "bash", {}, "delete it from the comment"),
    ],
)
def test_rewrite(
    script: str, expression: str, shell: str, kw: dict[str, object], expected: str
) -> None:
    assert expected in fix(script, expression, shell, **kw)


def test_rewrite_never_suggests_a_quoted_variable_inside_single_quotes() -> None:
    text = fix("echo '${{ inputs.x }}'", "inputs.x")
    assert not re.search(r"^write \"\$X\"", text.split("then ", 1)[1])


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("inputs.paths", "PATHS"),
        ("github.event.pull_request.title", "TITLE"),
        ("matrix.os", "OS"),
        ("format('{0}', x)", "X"),
        ("(matrix.os == 'windows' && 'dir') || 'ls -lh'", "OS"),
        ("'literal'", "VALUE"),
        ("inputs.python-version", "PYTHON_VERSION"),
    ],
)
def test_env_name(expression: str, name: str) -> None:
    assert ghadvice.env_name(expression) == name


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
SHELLISH = st.text(alphabet="ab $'\"\\#<-\n;&|(){}${}EOF", max_size=80)


@hypothesis.given(script=SHELLISH, data=st.data())
@hypothesis.settings(max_examples=300, deadline=None)
def test_quote_context_never_raises(script: str, data: st.DataObject) -> None:
    script += "${{ x }}"
    offset = data.draw(st.integers(min_value=0, max_value=len(script) - 8))
    kind, _ = ghadvice.quote_context(script, offset)
    assert kind in (
        "script",
        "command",
        "unquoted",
        "double",
        "single",
        "comment",
        "heredoc",
        "heredoc-quoted",
    )
    ghadvice.rewrite("inputs.x", kind, "cmd", "bash", values=[script])


@hypothesis.given(st.text(alphabet="ab.()[]'*!=&|<>, 0-_", max_size=40))
@hypothesis.settings(max_examples=300, deadline=None)
def test_expression_parser_never_raises(expression: str) -> None:
    found = ghexpr.sources(expression)
    assert found is None or isinstance(found, set)
    ghexpr.literal_values(expression)
