"""The ``action_surface`` gate: the surface model, call extraction, each rule, run() on fixtures."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from ci_gates.checks.cli_surface import Cmd, Invocation, Option, SurfaceError, calls, from_dump
from ci_gates.core.findings import NOTE, RULES
from ci_gates.gates import action_surface as surface

MakeRepo = Callable[..., Path]
FIXTURES = Path(__file__).parent / "fixtures" / "surface"
# The real `--dump-surface` of this repository's CLI, renamed to the fixture project's `acme-cli`.
REAL: dict[str, Any] = json.loads((FIXTURES / "acme-cli.json").read_text(encoding="utf-8"))


def flag(long: str | None = None, short: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "long": long,
        "short": short,
        "aliases": [],
        "short_aliases": [],
        "hidden": False,
        "takes_value": False,
        "action": "set_true",
        **extra,
    }


def value(long: str | None = None, short: str | None = None, **extra: Any) -> dict[str, Any]:
    return flag(
        long,
        short,
        **{"takes_value": True, "action": "set", "num_args": {"min": 1, "max": 1}, **extra},
    )


HELP, VERSION = flag("help", "h", action="help"), flag("version", "V", action="version")
# Shapes the real CLI lacks: aliases, a hidden flag and subcommand, counted and optional-value
# flags, possible values, a command with both positionals and subcommands, nesting.
DEMO: dict[str, Any] = {
    "format": 1,
    "name": "acme-cli",
    "version": "1.0.0",
    "flags": [HELP, VERSION, flag("dump-surface", hidden=True)],
    "positionals": [],
    "subcommands": [
        {
            "name": "demo",
            "aliases": ["d", "dm"],
            "hidden": False,
            "positionals": [],
            "flags": [
                flag("verbose", "v", action="count"),
                value("output", "o", aliases=["out"]),
                value("color", num_args={"min": 0, "max": 1}, possible_values=["auto", "never"]),
                value(None, "n", aliases=["num", "count-of"], short_aliases=["N"]),
                value("exclude", hidden=True),
                HELP,
            ],
            "subcommands": [
                {
                    "name": "deep",
                    "aliases": [],
                    "hidden": True,
                    "flags": [flag("force"), HELP],
                    "positionals": [{"id": "x"}],
                    "subcommands": [],
                },
            ],
        },
        {
            "name": "remote",
            "aliases": [],
            "hidden": False,
            "flags": [HELP],
            "positionals": [{"id": "name"}],
            "subcommands": [
                {
                    "name": "add",
                    "aliases": [],
                    "flags": [HELP],
                    "positionals": [],
                    "subcommands": [],
                }
            ],
        },
        {
            "name": "help",
            "aliases": [],
            "hidden": False,
            "flags": [],
            "positionals": [],
            "subcommands": [{"name": "demo", "flags": [], "positionals": [], "subcommands": []}],
        },
    ],
}


# --- the surface model ---------------------------------------------------------------------


def test_from_dump_reads_the_real_cli() -> None:
    top = from_dump(REAL)
    assert top.name == "acme-cli"
    assert set(top.commands) == {"count", "help"} and top.visible == ("count", "help")
    assert top.options["--dump-surface"] == Option("none", (), False)
    assert top.options["-V"].stops and top.options["--help"].stops
    count = top.commands["count"]
    assert count.options["--json"] == Option("none", (), False)
    assert count.options["--max-lines"] == Option("required", (), False)
    assert count.positionals and not count.commands
    assert set(top.commands["help"].commands) == {"count", "help"}


def test_from_dump_reads_aliases_hidden_items_and_value_kinds() -> None:
    demo = from_dump(DEMO).commands["d"]
    assert demo.name == "demo" and from_dump(DEMO).commands["dm"] == demo
    assert demo.options["--out"] == demo.options["--output"] == Option("required", (), False)
    assert demo.options["--color"] == Option("optional", ("auto", "never"), False)
    assert demo.options["-N"] == demo.options["--count-of"] == demo.options["-n"]
    assert "--exclude" in demo.options and "deep" in demo.commands
    assert demo.visible == ()  # `deep` is hidden: known, but not offered in messages


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": 2, "name": "x"}, "format 1, got 2"),
        ([], "format 1, got 'list'"),
        ({"format": 1}, "malformed surface document (KeyError: 'name')"),
        ({"format": 1, "name": "x", "subcommands": [{"aliases": []}]}, "KeyError"),
    ],
)
def test_from_dump_rejects_what_it_cannot_read(data: object, message: str) -> None:
    with pytest.raises(SurfaceError, match=re.escape(message)):
        from_dump(data)


# --- calls in shell text -------------------------------------------------------------------

PROGRAMS = frozenset({"acme-cli", "old-cli"})


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("acme-cli frobnicate", [(1, "acme-cli", ["frobnicate"])]),
        ('echo "acme-cli run"', []),
        ("echo acme-cli count --bad", []),
        ("# acme-cli frobnicate", []),
        (
            'x=$(acme-cli count --json a) && echo "$(old-cli help)"',
            [(1, "acme-cli", ["count", "--json", "a"]), (1, "old-cli", ["help"])],
        ),
        (
            "env A=1 time acme-cli count --max-lines=3 > out.txt 2>&1",
            [(1, "acme-cli", ["count", "--max-lines=3"])],
        ),
        ('bash -c "acme-cli count -q"', [(1, "acme-cli", ["count", "-q"])]),
        (
            "cat <<EOF\nacme-cli nope\nEOF\nacme-cli count \\\n  --no-such --json",
            [(4, "acme-cli", ["count", "--no-such", "--json"])],
        ),
        (
            '"$VENV/bin/acme-cli" count "${X}" ${{ inputs.paths }} | tee x',
            [(1, "acme-cli", ["count", "${X}", "${{ inputs.paths }}"])],
        ),
        ("python -c '\nacme-cli run\n'\nacme-cli --version", [(4, "acme-cli", ["--version"])]),
        ("./target/release/old-cli.exe count", [(1, "old-cli", ["count"])]),
        # through a variable that holds the CLI's path (a composite action does this)
        (
            'binary="$bin/acme-cli$exe"\n[ -x "$binary" ] || exit 1\nv="$("$binary" --version)"',
            [(3, "acme-cli", ["--version"])],
        ),
        ("export T=/x/old-cli.exe; ${T} frob", [(1, "old-cli", ["frob"])]),
        ('binary="$bin/other-tool"\n"$binary" --version\necho "$binary"', []),
        ("acme-cli-extra count", []),
    ],
)
def test_calls(script: str, expected: list[tuple[int, str, list[str]]]) -> None:
    assert [(c.line, c.program, c.args) for c in calls(script, PROGRAMS)] == expected


# --- each rule, directly -------------------------------------------------------------------

TOP, DEMO_TOP = from_dump(REAL), from_dump(DEMO)
COUNT = TOP.commands["count"]


def test_every_rule_is_declared_with_help() -> None:
    ids = {r.id for r in RULES.values() if r.gate == "action_surface"}
    assert ids == {f"AS00{n}" for n in range(1, 9)}
    assert all(RULES[i].help and RULES[i].summary for i in ids)
    assert RULES["AS007"].severity == RULES["AS008"].severity == NOTE


def test_unknown_subcommand() -> None:
    assert surface.unknown_subcommand("a.md", 3, "acme-cli", TOP, "count") is None
    f = surface.unknown_subcommand("a.md", 3, "acme-cli", TOP, "frob")
    assert f is not None and (f.rule, f.path, f.line) == ("AS001", "a.md", 3)
    assert f.message == "`acme-cli` has no subcommand 'frob' (subcommands: count)"
    assert f.fix == "fix the call, or add it to the CLI"
    leaf = surface.unknown_subcommand("a.md", 1, "acme-cli demo", DEMO_TOP.commands["demo"], "x")
    assert leaf is not None and "(subcommands: none)" in leaf.message  # `deep` is hidden


def test_unknown_option() -> None:
    assert surface.unknown_option("w.yml", 9, "acme-cli count", COUNT, "--json") is None
    f = surface.unknown_option("w.yml", 9, "acme-cli count", COUNT, "--jsn")
    assert f is not None and (f.rule, f.path, f.line) == ("AS002", "w.yml", 9)
    assert (
        f.message
        == "`acme-cli count` has no option '--jsn' (options: -h, --help, --json, --max-lines)"
    )
    top = surface.unknown_option("w.yml", 1, "acme-cli", TOP, "-x")
    assert top is not None and "--dump-surface" not in top.message  # hidden: not advertised


@pytest.mark.parametrize(
    ("flag_", "option", "given", "attached", "message"),
    [
        ("--json", Option("none", (), False), None, False, None),
        (
            "--json",
            Option("none", (), False),
            "yes",
            True,
            "option '--json' takes no value (got --json=yes)",
        ),
        ("--max-lines", Option("required", (), False), "3", False, None),
        (
            "--max-lines",
            Option("required", (), False),
            None,
            False,
            "option '--max-lines' needs a value",
        ),
        ("--color", Option("optional", ("auto", "never"), False), None, False, None),
        ("--color", Option("optional", ("auto", "never"), False), "auto", True, None),
        ("--color", Option("optional", ("auto", "never"), False), "$C", True, None),
        (
            "--color",
            Option("optional", ("auto", "never"), False),
            "blue",
            True,
            "option '--color' takes one of auto, never (got 'blue')",
        ),
    ],
)
def test_bad_option_value(
    flag_: str, option: Option, given: str | None, attached: bool, message: str | None
) -> None:
    f = surface.bad_option_value("r.md", 2, "acme-cli demo", flag_, option, given, attached)
    if message is None:
        assert f is None
    else:
        assert f is not None and (f.rule, f.line, f.message) == (
            "AS003",
            2,
            f"`acme-cli demo`: {message}",
        )


def test_stale_cli_name() -> None:
    assert surface.stale_cli_name("README.md", 4, "acme-cli", "acme-cli") is None
    f = surface.stale_cli_name("README.md", 4, "acme-old", "acme-cli")
    assert f is not None and (f.rule, f.path, f.line) == ("AS004", "README.md", 4)
    assert (
        f.message == "calls `acme-old`, which this project does not build (its CLI is `acme-cli`)"
    )
    assert f.fix == "call `acme-cli` instead"
    gone = surface.stale_cli_name("README.md", 4, "old-cli", None)
    assert (
        gone is not None and "(it builds no CLI)" in gone.message and gone.fix == "remove the call"
    )


def test_other_rules() -> None:
    bad = surface.unparsable_yaml("action.yml", "mapping values are not allowed here")
    assert (bad.rule, bad.path, bad.message) == (
        "AS005",
        "action.yml",
        "not valid YAML (mapping values are not allowed here)",
    )
    assert surface.surface_of_another_cli("acme-cli", "acme-cli") is None
    other = surface.surface_of_another_cli("acme-old", "acme-cli")
    assert other is not None and other.rule == "AS006" and "CARGO_BIN_NAME" in other.fix
    none = surface.no_cli([])
    assert (none.rule, none.severity, none.message) == (
        "AS007",
        NOTE,
        "no CLI in this project, nothing to check",
    )
    assert "former names old-cli" in surface.no_cli(["old-cli"]).message
    assert (
        surface.checked(2, "acme-cli").message
        == "checked 2 call(s) of `acme-cli` against the built CLI"
    )


# --- a call walked through the tree ----------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("acme-cli count --json --max-lines 3 a b", None),
        ("acme-cli count --max-lines=3 -- --json-like-file", None),
        ("acme-cli count -", None),
        ('acme-cli count --json "$FILE" -h', None),
        ("acme-cli --version", None),
        ("acme-cli -V anything --at all", None),
        ("acme-cli --dump-surface", None),
        ("acme-cli", None),
        ("acme-cli help count", None),
        ('acme-cli "$SUB" --anything', None),
        ("acme-cli count ${{ inputs.paths }} --json", None),
        ("acme-cli frobnicate", ("AS001", "`acme-cli` has no subcommand 'frobnicate'")),
        (
            "acme-cli help frob",
            ("AS001", "`acme-cli help` has no subcommand 'frob' (subcommands: count)"),
        ),
        (
            "acme-cli count --no-such-flag=1",
            ("AS002", "`acme-cli count` has no option '--no-such-flag'"),
        ),
        ("acme-cli count -j", ("AS002", "has no option '-j'")),
        ("acme-cli --frob count", ("AS002", "`acme-cli` has no option '--frob'")),
        (
            "acme-cli count --dump-surface",
            ("AS002", "`acme-cli count` has no option '--dump-surface'"),
        ),
        ("acme-cli count --json=yes", ("AS003", "option '--json' takes no value (got --json=yes)")),
        ("acme-cli count a --max-lines", ("AS003", "option '--max-lines' needs a value")),
    ],
)
def test_check_real_surface(command: str, expected: tuple[str, str] | None) -> None:
    (call,) = calls(command, PROGRAMS)
    found = surface.check(call, TOP, "f.md")
    if expected is None:
        assert found == []
    else:
        assert [f.rule for f in found] == [expected[0]] and expected[1] in found[0].message, found


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("acme-cli d -vvo x --out=y -n3 -N 4 --color --color=auto --exclude e", None),
        ("acme-cli dm --count-of 2 --verbose -o=x", None),
        ("acme-cli demo deep --force x", None),  # a hidden subcommand is real
        ("acme-cli remote origin", None),  # a positional where subcommands also exist
        ("acme-cli remote add", None),
        ("acme-cli help demo", None),
        ("acme-cli demo -vq", ("AS002", "`acme-cli demo` has no option '-q'")),
        ("acme-cli demo deep --json", ("AS002", "`acme-cli demo deep` has no option '--json'")),
        ("acme-cli demo -o", ("AS003", "option '-o' needs a value")),
        ("acme-cli demo --color=blue", ("AS003", "takes one of auto, never (got 'blue')")),
        ("acme-cli demo --color blue", ("AS001", "`acme-cli demo` has no subcommand 'blue'")),
        (
            "acme-cli demo shallow",
            ("AS001", "`acme-cli demo` has no subcommand 'shallow' (subcommands: none)"),
        ),
    ],
)
def test_check_aliases_nesting_and_values(command: str, expected: tuple[str, str] | None) -> None:
    (call,) = calls(command, PROGRAMS)
    found = surface.check(call, DEMO_TOP, "f.md")
    if expected is None:
        assert found == []
    else:
        assert [f.rule for f in found] == [expected[0]] and expected[1] in found[0].message, found


def test_check_reports_every_bad_option_of_a_call() -> None:
    found = surface.check(
        Invocation(7, "acme-cli", ["count", "--a", "-b", "--json=1"]), TOP, "x.md"
    )
    assert [(f.rule, f.line) for f in found] == [("AS002", 7), ("AS002", 7), ("AS003", 7)]


def test_cmd_is_a_plain_tuple() -> None:
    # Hooks and other gates may build trees by hand: the model is data, not behaviour.
    leaf = Cmd("x", {}, {}, False, ())
    assert surface.check(Invocation(1, "x", ["--a"]), leaf, "f")[0].rule == "AS002"
