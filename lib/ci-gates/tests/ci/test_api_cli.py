"""The CLI surface diff (ci/api/cli.py): every kind of change on a small --dump-surface tree."""

from __future__ import annotations

import copy
from typing import Any, Callable

import pytest

from ci_gates.checks.api import ADDITIVE, BREAKING
from ci_gates.checks.api.cli import diff
from ci_gates.checks.cli_surface import SurfaceError


def flag(id: str, long: str | None = None, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "long": long or id.replace("_", "-"),
        "short": None,
        "aliases": [],
        "short_aliases": [],
        "hidden": False,
        "action": "set_true",
        "takes_value": False,
        "num_args": None,
        "possible_values": [],
        "required": False,
        "default": [],
        "global": False,
        "require_equals": False,
        "value_names": [],
    }
    return {**base, **kw}


def valued(id: str, **kw: Any) -> dict[str, Any]:
    return flag(
        id, action="set", takes_value=True, num_args={"min": 1, "max": 1}, value_names=["N"], **kw
    )


def positional(id: str, **kw: Any) -> dict[str, Any]:
    base = {
        "id": id,
        "hidden": False,
        "action": "append",
        "takes_value": True,
        "index": 1,
        "num_args": {"min": 0, "max": None},
        "value_names": [id.upper()],
        "possible_values": [],
        "required": False,
        "default": [],
    }
    return {**base, **kw}


BASE: dict[str, Any] = {
    "format": 1,
    "name": "tool",
    "version": "1.0.0",
    "aliases": [],
    "hidden": False,
    "subcommand_required": False,
    "flags": [flag("dump_surface", hidden=True), flag("help", action="help")],
    "positionals": [],
    "exit_codes": [{"code": 0, "meaning": "ok"}, {"code": 2, "meaning": "error"}],
    "subcommands": [
        {
            "name": "count",
            "aliases": ["c"],
            "hidden": False,
            "subcommand_required": False,
            "flags": [
                flag("json"),
                valued("max_lines"),
                valued("mode", possible_values=["fast", "exact"], default=["exact"]),
            ],
            "positionals": [positional("paths")],
            "subcommands": [],
            "json_fields": ["path", "lines"],
        }
    ],
}


def count(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["subcommands"][0]  # type: ignore[no-any-return]


def named(cmd: dict[str, Any], id: str) -> dict[str, Any]:
    return next(f for f in cmd["flags"] if f["id"] == id)


Edit = Callable[[dict[str, Any]], None]
CASES: list[tuple[str, Edit, str, str, str]] = [
    # (case, edit of HEAD's dump, kind, item, words in `what`)
    (
        "add a flag",
        lambda d: count(d)["flags"].append(flag("zero")),
        ADDITIVE,
        "tool count --zero",
        "new flag",
    ),
    (
        "remove a flag",
        lambda d: count(d)["flags"].remove(named(count(d), "json")),
        BREAKING,
        "tool count --json",
        "flag removed",
    ),
    (
        "rename a flag",
        lambda d: named(count(d), "json").update(long="as-json"),
        BREAKING,
        "tool count --json",
        "spelling --json removed",
    ),
    (
        "add an alias",
        lambda d: named(count(d), "json").update(aliases=["j"]),
        ADDITIVE,
        "tool count --json",
        "new spelling --j",
    ),
    (
        "flag takes a value now",
        lambda d: named(count(d), "json").update(takes_value=True),
        BREAKING,
        "tool count --json",
        "now takes a value",
    ),
    (
        "new required flag",
        lambda d: count(d)["flags"].append(flag("must", required=True)),
        BREAKING,
        "tool count --must",
        "new required flag",
    ),
    (
        "possible values narrowed",
        lambda d: named(count(d), "mode").update(possible_values=["exact"]),
        BREAKING,
        "tool count --mode",
        "no longer accepts fast",
    ),
    (
        "possible values widened",
        lambda d: named(count(d), "mode").update(possible_values=["fast", "exact", "lazy"]),
        ADDITIVE,
        "tool count --mode",
        "now accepts lazy",
    ),
    (
        "free value restricted",
        lambda d: named(count(d), "max_lines").update(possible_values=["1"]),
        BREAKING,
        "tool count --max-lines",
        "no longer accepts any value",
    ),
    (
        "default changed",
        lambda d: named(count(d), "mode").update(default=["fast"]),
        BREAKING,
        "tool count --mode",
        "default exact -> fast",
    ),
    (
        "fewer values",
        lambda d: named(count(d), "max_lines").update(num_args={"min": 2, "max": 2}),
        BREAKING,
        "tool count --max-lines",
        "number of values 1 -> 2",
    ),
    (
        "remove a subcommand",
        lambda d: d["subcommands"].clear(),
        BREAKING,
        "tool count",
        "subcommand removed",
    ),
    (
        "remove an alias",
        lambda d: count(d).update(aliases=[]),
        BREAKING,
        "tool count",
        "alias c removed",
    ),
    (
        "add a subcommand",
        lambda d: d["subcommands"].append(
            {**count(copy.deepcopy(d)), "name": "sum", "aliases": []}
        ),
        ADDITIVE,
        "tool sum",
        "new subcommand",
    ),
    (
        "remove a positional",
        lambda d: count(d)["positionals"].clear(),
        BREAKING,
        "tool count <PATHS>",
        "positional removed",
    ),
    (
        "positional now required",
        lambda d: count(d)["positionals"][0].update(required=True),
        BREAKING,
        "tool count <PATHS>",
        "now required",
    ),
    (
        "drop a json field",
        lambda d: count(d)["json_fields"].remove("lines"),
        BREAKING,
        "tool count --json field 'lines'",
        "field removed",
    ),
    (
        "add a json field",
        lambda d: count(d)["json_fields"].append("words"),
        ADDITIVE,
        "tool count --json field 'words'",
        "new field",
    ),
    (
        "drop an exit code",
        lambda d: d["exit_codes"].pop(),
        BREAKING,
        "tool exit code 2",
        "no longer used",
    ),
    (
        "add an exit code",
        lambda d: d["exit_codes"].append({"code": 3, "meaning": "x"}),
        BREAKING,
        "tool exit code 3",
        "new exit code",
    ),
    (
        "now needs a subcommand",
        lambda d: d.update(subcommand_required=True),
        BREAKING,
        "tool",
        "now requires a subcommand",
    ),
]


@pytest.mark.parametrize(("case", "edit", "kind", "item", "what"), CASES, ids=[c[0] for c in CASES])
def test_each_change_is_classified(case: str, edit: Edit, kind: str, item: str, what: str) -> None:
    head = copy.deepcopy(BASE)
    edit(head)
    changes = diff(BASE, head, "tool")
    assert [(c.kind, c.item) for c in changes[:1]] == [(kind, item)], changes
    assert what in changes[0].what
    # A rename is the old spelling gone (breaking) and the new one added; nothing else.
    assert all(c.kind == ADDITIVE and c.item == item for c in changes[1:]), changes
    assert len(changes) == (2 if case == "rename a flag" else 1)
    assert changes[0].surface == "cli"
    # Every breaking change says how to undo it; additive ones have nothing to undo.
    assert bool(changes[0].restore) == (kind == BREAKING)


def test_same_surface_no_change() -> None:
    assert diff(BASE, copy.deepcopy(BASE), "tool") == []


def test_hidden_arguments_and_help_text_are_not_surface() -> None:
    head = copy.deepcopy(BASE)
    head["flags"] = [f for f in head["flags"] if not f["hidden"]]  # --dump-surface gone
    named(count(head), "json")["help"] = "reworded"
    head["exit_codes"][0]["meaning"] = "reworded"
    count(head)["flags"].append(flag("debug", hidden=True))
    assert diff(BASE, head, "tool") == []


def test_a_renamed_subcommand_kept_as_alias_is_not_breaking() -> None:
    head = copy.deepcopy(BASE)
    count(head).update(name="tally", aliases=["c", "count"])
    assert diff(BASE, head, "tool") == []


def test_not_a_surface_document() -> None:
    with pytest.raises(SurfaceError, match="format 1"):
        diff({"format": 2}, BASE, "tool")
    with pytest.raises(SurfaceError, match="malformed"):
        diff(BASE, {**BASE, "subcommands": [{"name": "count", "flags": 3}]}, "tool")
