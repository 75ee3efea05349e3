"""ci/markdown.py: the one reading of Markdown code blocks as shell, for every gate and hook."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ci_gates.parsers.markdown import Block, dialect_of, fences, shell_blocks
from ci_gates.parsers.shell import commands

DOC = "\n".join(
    [
        "# Title",  # 0
        "```sh",  # 1
        "$ nox -s gates",  # 2
        "Running session gates",  # 3  output: a prompt is in the block
        "```",  # 4
        "```python",  # 5
        "uv run y",  # 6
        "```",  # 7
        "```console",  # 8
        "$ a \\",  # 9
        "  --flag",  # 10
        "output line",  # 11
        "```",  # 12
        "  ~~~bash",  # 13  indented (a list item)
        "  b",  # 14
        "  ~~~",  # 15
        "````text",  # 16
        "```sh",  # 17  inside a longer fence: data
        "````",  # 18
        "```",  # 19  unlabelled: shell
        "c",  # 20
        "```",  # 21
        "```powershell",  # 22
        "PS> uv run p `",  # 23
        "  --x",  # 24
        "output",  # 25
        "```",  # 26
        "```shell",  # 27
        "unclosed",  # 28
    ]
)


def test_shell_blocks_of_a_document() -> None:
    blocks = shell_blocks(DOC)
    assert [(b.line, b.lang, b.dialect) for b in blocks] == [
        (2, "sh", "bash"),
        (9, "console", "bash"),
        (14, "bash", "bash"),
        (20, "", "bash"),
        (23, "powershell", "powershell"),
        (28, "shell", "bash"),
    ]
    assert blocks[0].script == "nox -s gates\n"
    assert blocks[1].script == "a \\\n  --flag\n"
    assert blocks[2].script == "b"
    assert blocks[4].script == "uv run p `\n  --x\n"
    assert blocks[5].script == "unclosed"
    assert [c.words for c in commands(blocks[1].script)] == [["a", "--flag"]]
    ps = commands(blocks[4].script, blocks[4].line, blocks[4].dialect)
    assert [(c.words, c.line) for c in ps] == [(["uv", "run", "p", "--x"], 23)]


@pytest.mark.parametrize(
    ("info", "lang", "dialect"),
    [
        ("", "", "bash"),
        ("sh", "sh", "bash"),
        ("bash title=x.sh", "bash", "bash"),
        ("{.sh}", "sh", "bash"),
        ("sh,ignore", "sh", "bash"),
        ("Console", "console", "bash"),
        ("shell-session", "shell-session", "bash"),
        ("zsh", "zsh", "bash"),
        ("pwsh", "pwsh", "powershell"),
        ("PowerShell", "powershell", "powershell"),
        ("ps1", "ps1", "powershell"),
        ("text", "text", None),
        ("python", "python", None),
        ("cmd", "cmd", None),
        ("toml", "toml", None),
    ],
)
def test_language_and_dialect(info: str, lang: str, dialect: str | None) -> None:
    (fence,) = fences(f"```{info}\nx\n```")
    assert fence.lang == lang and dialect_of(lang) == dialect


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```console\na\nb\n```", [Block(1, "console", "a\nb", "bash")]),  # no prompt: all
        ("```sh\n% a\nout\n```", [Block(1, "sh", "a\n", "bash")]),  # a zsh prompt
        ("```sh\n$\n$ a\n```", [Block(1, "sh", "\na", "bash")]),
        ("```nox -s inline```\n```sh\na\n```", [Block(2, "sh", "a", "bash")]),
        ("~~~\na\n```\nb\n~~~", [Block(1, "", "a\n```\nb", "bash")]),
        ("```sh\na\n``` x\nb\n```", [Block(1, "sh", "a\n``` x\nb", "bash")]),  # no close
        ("```\n```", [Block(1, "", "", "bash")]),
        ("```powershell\nPS C:\\src> a\nout\n```", [Block(1, "powershell", "a\n", "powershell")]),
    ],
)
def test_fence_and_prompt_rules(text: str, expected: list[Block]) -> None:
    assert shell_blocks(text) == expected


def test_fences_keep_every_block() -> None:
    assert [(f.line, f.lang, f.lines) for f in fences("```toml\nx = 1\n```\n```\ny\n")] == [
        (1, "toml", ["x = 1"]),
        (4, "", ["y", ""]),
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("`~$%PS> \n-abc{.}")), max_size=120))
def test_never_raises_and_lines_are_real(text: str) -> None:
    n = len(text.split("\n"))
    for block in shell_blocks(text):
        assert 0 <= block.line <= n
        assert block.script.count("\n") <= n
