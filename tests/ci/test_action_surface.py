"""The ``action_surface`` gate: clap help parsing, call extraction, checks, and run() on fixtures."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Callable

import pytest

from ci import gates
from ci.gates import action_surface as surface

MakeRepo = Callable[..., Path]

# Real clap 4.6 output: `template-cli --help` and `template-cli count --help` of this repo.
TOP_HELP = """\
wc-style line, word and byte counts, identical to GNU `wc -l -w -c` under `LC_ALL=C`

Usage: template-cli <COMMAND>

Commands:
  count  Count lines, words and bytes of files or standard input, like `LC_ALL=C wc -l -w -c`
  help   Print this message or the help of the given subcommand(s)

Options:
  -h, --help     Print help
  -V, --version  Print version

Exit codes:
  0  every input was counted (and within --max-lines, if given)
  1  at least one input has more lines than --max-lines
  2  usage error, an unreadable input (named on stderr with the OS error; the other
     inputs are still counted and printed), or standard output could not be written;
     2 wins over 1
"""
COUNT_HELP = """\
Count lines, words and bytes of files or standard input, like `LC_ALL=C wc -l -w -c`

Usage: template-cli count [OPTIONS] [PATH]...

Arguments:
  [PATH]...  Files to count; none, or `-`, reads standard input

Options:
      --json           Print one JSON array of {"path", "lines", "words", "bytes"} objects instead of text
      --max-lines <N>  Exit 1 if an input has more than N lines, naming each such input on stderr
  -h, --help           Print help

Exit codes:
  0  every input was counted (and within --max-lines, if given)
"""
# Real clap 4.6.7 output of a scratch CLI with more shapes: aliases, counted and optional-value
# flags, a custom heading, and long help (descriptions on their own lines, prose with dashes).
DEMO_TOP_LONG = """\
Usage: template-cli <COMMAND>

Commands:
  count  Count lines, words and bytes (like `LC_ALL=C wc -l -w -c`), running over each input
  demo   Demo of more clap shapes [aliases: d, dm]
  help   Print this message or the help of the given subcommand(s)

Options:
  -h, --help
          Print help (see a summary with '-h')

  -V, --version
          Print version
"""
DEMO_SUB_LONG = """\
Demo of more clap shapes

Usage: template-cli demo [OPTIONS]

Options:
  -v, --verbose...


  -o, --output <OUTPUT>
          [alias: --out]

      --color[=<COLOR>]


  -n <NUMBER>
          Number of things.

          - a bullet --not-a-flag in prose

          [aliases: -N, --num, --count-of]

  -h, --help
          Print help (see a summary with '-h')

Filtering:
      --exclude <EXCLUDE>
"""
DEMO_SUB_SHORT = """\
Usage: template-cli demo [OPTIONS]

Options:
  -v, --verbose...
  -o, --output <OUTPUT>  [alias: --out]
      --color[=<COLOR>]
  -n <NUMBER>            Number of things [aliases: -N, --num, --count-of]
  -h, --help             Print help (see more with '--help')

Filtering:
      --exclude <EXCLUDE>
"""
DEMO_OPTIONS = {
    "-v": "none", "--verbose": "none", "-o": "required", "--output": "required",
    "--out": "required", "--color": "optional", "-n": "required", "-N": "required",
    "--num": "required", "--count-of": "required", "-h": "none", "--help": "none",
    "--exclude": "required",
}  # fmt: skip


@pytest.mark.parametrize(
    ("text", "commands", "options"),
    [
        (TOP_HELP, {"count": "count", "help": "help"},
         {"-h": "none", "--help": "none", "-V": "none", "--version": "none"}),
        (COUNT_HELP, {}, {"--json": "none", "--max-lines": "required", "-h": "none", "--help": "none"}),
        (DEMO_TOP_LONG, {"count": "count", "demo": "demo", "d": "demo", "dm": "demo", "help": "help"},
         {"-h": "none", "--help": "none", "-V": "none", "--version": "none"}),
        (DEMO_SUB_LONG, {}, DEMO_OPTIONS),
        (DEMO_SUB_SHORT, {}, DEMO_OPTIONS),
        (DEMO_SUB_SHORT.replace("\n", "   \n"), {}, DEMO_OPTIONS),  # clap pads with spaces
        ("", {}, {}),
        ("Usage: template-cli [OPTIONS]\n\nArguments:\n  --not-an-option  x\n", {}, {}),
    ],
)  # fmt: skip
def test_parse_help(text: str, commands: dict[str, str], options: dict[str, str]) -> None:
    assert surface.parse_help(text) == surface.Help(commands, options)


def test_parse_help_is_structural_not_substring() -> None:
    help_ = surface.parse_help(COUNT_HELP)
    # "run" and "reads" appear in the prose; "--max-lines" in the exit-code section is text.
    assert (
        "run" not in help_.commands
        and "--not-a-flag" not in surface.parse_help(DEMO_SUB_LONG).options
    )
    assert surface.parse_help(TOP_HELP).options.keys() == {"-h", "--help", "-V", "--version"}


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("template-cli frobnicate", [(1, ["frobnicate"])]),
        ('echo "template-cli run"', []),
        ("echo template-cli count --bad", []),
        ("# template-cli frobnicate", []),
        ("x=$(template-cli count --json a) && echo \"$(template-cli help)\"",
         [(1, ["count", "--json", "a"]), (1, ["help"])]),
        ("env A=1 time template-cli count --max-lines=3 > out.txt 2>&1", [(1, ["count", "--max-lines=3"])]),
        ('bash -c "template-cli count -q"', [(1, ["count", "-q"])]),
        ("cat <<EOF\ntemplate-cli nope\nEOF\ntemplate-cli count \\\n  --no-such --json",
         [(4, ["count", "--no-such", "--json"])]),
        ('"$VENV/bin/template-cli" count "${X}" ${{ inputs.paths }} | tee x',
         [(1, ["count", "${X}", "${{ inputs.paths }}"])]),
        ("python -c '\ntemplate-cli run\n'\ntemplate-cli --version", [(4, ["--version"])]),
        ("./target/release/template-cli.exe count", [(1, ["count"])]),
        # through a variable that holds the CLI's path (action.yml does this)
        ('binary="$bin/template-cli$exe"\n[ -x "$binary" ] || exit 1\nv="$("$binary" --version)"',
         [(3, ["--version"])]),
        ("export T=/x/template-cli.exe; ${T} frob", [(1, ["frob"])]),
        ('binary="$bin/other-tool"\n"$binary" --version\necho "$binary"', []),
    ],
)  # fmt: skip
def test_invocations(script: str, expected: list[tuple[int, list[str]]]) -> None:
    assert [(c.line, c.args) for c in surface.invocations(script)] == expected


TOP, SUBS = surface.parse_help(TOP_HELP), {"count": surface.parse_help(COUNT_HELP)}
DEMO_TOP, DEMO_SUBS = surface.parse_help(DEMO_TOP_LONG), {"demo": surface.parse_help(DEMO_SUB_LONG)}


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("template-cli count --json --max-lines 3 a b", None),
        ("template-cli count --max-lines=3 -- --json-like-file", None),
        ("template-cli count -", None),
        ("template-cli count --json \"$FILE\" -h", None),
        ("template-cli --version", None),
        ("template-cli -V", None),
        ("template-cli", None),
        ("template-cli help count", None),
        ("template-cli \"$SUB\" --anything", None),
        ("template-cli frobnicate", "f:1: template-cli has no subcommand 'frobnicate' (subcommands: count)"),
        ("template-cli run", "no subcommand 'run'"),
        ("template-cli help frob", "no subcommand 'frob'"),
        ("template-cli count --no-such-flag", "f:1: template-cli count has no option '--no-such-flag'"),
        ("template-cli count --no-such-flag=1", "has no option '--no-such-flag'"),
        ("template-cli count -j", "template-cli count has no option '-j'"),
        ("template-cli --frob count", "template-cli has no option '--frob'"),
        ("template-cli count --json=yes", "option '--json' takes no value (got '--json=yes')"),
        ("template-cli count a --max-lines", "option '--max-lines' needs a value"),
    ],
)  # fmt: skip
def test_check(command: str, expected: str | None) -> None:
    (call,) = surface.invocations(command)
    found = surface.check(call, TOP, SUBS, "f:1")
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("template-cli d -vvo x --out=y -n3 -N 4 --color --color=always --exclude e", None),
        ("template-cli dm --count-of 2 --verbose", None),
        ("template-cli demo -vq", "template-cli demo has no option '-q'"),
        ("template-cli demo --not-a-flag", "has no option '--not-a-flag'"),
        ("template-cli demo -o", "option '-o' needs a value"),
    ],
)
def test_check_aliases_and_value_kinds(command: str, expected: str | None) -> None:
    (call,) = surface.invocations(command)
    found = surface.check(call, DEMO_TOP, DEMO_SUBS, "f:1")
    assert found == [] if expected is None else (len(found) == 1 and expected in found[0])


# --- run() on fixture repositories, with a fake built CLI --------------------------------------

ACTION = """\
name: fixture
description: fixture action
runs:
  using: composite
  steps:
    - shell: bash
      env:
        PATHS: ${{ inputs.paths }}
      run: |
        echo "template-cli run is data"
        template-cli count --json $PATHS > counts.json
    - shell: bash
      run: template-cli --version
"""
WORKFLOW = """\
on: push
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - run: template-cli count --max-lines 400 src/*.rs
"""
README = """\
# fixture

```sh
template-cli count --json README.md
```

```text
template-cli frobnicate   (not a shell block: not checked)
```
"""


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake wheel venv whose template-cli prints the real help texts."""
    scripts = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin")
    scripts.mkdir(parents=True)
    exe = scripts / "template-cli"
    exe.write_text(
        f"#!{sys.executable}\nimport sys\n"
        f"helps = {{'': {TOP_HELP!r}, 'count': {COUNT_HELP!r}}}\n"
        "sys.stdout.write(helps[' '.join(a for a in sys.argv[1:] if a != '--help')])\n",
        encoding="utf-8",
    )
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    from ci import artifacts

    monkeypatch.setattr(artifacts, "wheel_venv", lambda root, name, extra=None: str(scripts.parent))
    return exe


def test_run_passes_a_clean_repo(make_repo: MakeRepo, fake_cli: Path) -> None:
    root = make_repo({"action.yml": ACTION, ".github/workflows/ci.yml": WORKFLOW,
                      "README.md": README}, git=False)  # fmt: skip
    assert surface.run(str(root)) == 0, gates.messages


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        ("action.yml", "template-cli --version", "template-cli frobnicate",
         "action.yml:13: template-cli has no subcommand 'frobnicate' (subcommands: count)"),
        ("action/cleanup/action.yml", "count --json", "count --jsn",
         "action/cleanup/action.yml:11: template-cli count has no option '--jsn'"),
        (".github/workflows/ci.yml", "--max-lines 400", "--max-line 400",
         ".github/workflows/ci.yml:6: template-cli count has no option '--max-line'"),
        ("README.md", "--json README.md", "--no-such-flag README.md",
         "README.md:4: template-cli count has no option '--no-such-flag'"),
    ],
)  # fmt: skip
def test_run_names_file_line_and_culprit(
    make_repo: MakeRepo, fake_cli: Path, rel: str, old: str, new: str, expected: str
) -> None:
    text = {"action.yml": ACTION, "action/cleanup/action.yml": ACTION,
            ".github/workflows/ci.yml": WORKFLOW, "README.md": README}[rel]  # fmt: skip
    root = make_repo({rel: text.replace(old, new)}, git=False)
    assert surface.run(str(root)) == 1
    assert any(m.startswith(expected) for m in gates.messages), gates.messages


def test_run_without_a_build_cannot_run(make_repo: MakeRepo) -> None:
    root = make_repo({"README.md": README}, git=False)
    assert surface.run(str(root)) == 2
    assert "build" in gates.messages[0] and "manifest" in gates.messages[0]


def test_run_when_the_wheel_has_no_cli_cannot_run(make_repo: MakeRepo, fake_cli: Path) -> None:
    fake_cli.unlink()
    root = make_repo({"README.md": README}, git=False)
    assert surface.run(str(root)) == 2
    assert "template-cli" in gates.messages[0]
