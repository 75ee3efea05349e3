"""The tool guard never breaks: unparseable, huge or random input gets a decision, not an error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gates.core.findings import ERROR, NOTE
from ci_gates.gates.tool_guard.rules import evaluate
from tests.ci.test_tool_guard import decision

S, CI, REL = "shell", "ci", "release"


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


def test_big_input_is_handled() -> None:
    assert evaluate("echo " + "x " * 200_000) == []
    assert decision(evaluate("echo " + "x " * 100_000 + "; uv run pytest")) == "deny"


TOKENS = [*"ab $()`'\"\\;&|<>#\n-=", "uv", " run ", "cargo", " publish", "bash -c ", "env "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join), st.sampled_from([S, CI, REL]))
def test_evaluate_never_raises(text: str, context: str) -> None:
    for f in evaluate(text, context):
        assert f.severity in (ERROR, NOTE) and f.rule and f.message and f.fix
