"""The CLI surface: two ``--dump-surface`` documents compared, every difference classified.

A call that worked against the baseline must work, and mean the same, at HEAD. So a removed
subcommand, alias, flag spelling or positional is breaking, and so is a changed meaning: a
flag that now takes a value (or no longer does), fewer possible values, a narrower number
of values, a new required argument, a changed default or action, a different set of exit
codes, a ``--json`` field gone. New subcommands, spellings, optional arguments, possible
values and fields are additive. Hidden commands and arguments (``--dump-surface`` itself)
are not part of the promise and are left out on both sides; help texts and the meaning
*texts* of exit codes are prose, not surface.

Pure functions over the JSON documents (``format`` 1, see the CLI crate's ``surface.rs``).
"""

from __future__ import annotations

from typing import Any

from ci_gates.checks.api import ADDITIVE, BREAKING, Change
from ci_gates.checks.cli_surface import FORMAT, SurfaceError

Doc = dict[str, Any]


def _change(item: str, kind: str, what: str, restore: str = "") -> Change:
    return Change("cli", item, kind, what, restore if kind == BREAKING else "")


def _visible(entries: list[Doc]) -> list[Doc]:
    return [e for e in entries if not e.get("hidden")]


def _spellings(flag: Doc) -> list[str]:
    longs = [flag.get("long"), *(flag.get("aliases") or ())]
    shorts = [flag.get("short"), *(flag.get("short_aliases") or ())]
    return [f"--{n}" for n in longs if n] + [f"-{c}" for c in shorts if c]


def _flag_name(flag: Doc) -> str:
    spelled = _spellings(flag)
    return spelled[0] if spelled else str(flag.get("id"))


def _range(entry: Doc) -> tuple[int, float]:
    span = entry.get("num_args") or {}
    top = span.get("max")
    return int(span.get("min", 1)), float("inf") if top is None else float(top)


def _values(item: str, old: Doc, new: Doc) -> list[Change]:
    """What a flag or a positional means: value or not, how many, which, default, required."""
    out: list[Change] = []
    if bool(old.get("takes_value")) != bool(new.get("takes_value")):
        now = "takes a value" if new.get("takes_value") else "no longer takes a value"
        return [_change(item, BREAKING, f"now {now}", f"restore how {item} takes values")]
    if old.get("required") != new.get("required"):
        kind = BREAKING if new.get("required") else ADDITIVE
        out.append(
            _change(
                item,
                kind,
                "now required" if new.get("required") else "now optional",
                f"make {item} optional again",
            )
        )
    if old.get("action") != new.get("action"):
        widened = (old.get("action"), new.get("action")) == ("set", "append")
        what = f"action {old.get('action')} -> {new.get('action')}"
        out.append(
            _change(
                item,
                ADDITIVE if widened else BREAKING,
                what,
                f"restore the {old.get('action')} action of {item}",
            )
        )
    if not old.get("takes_value"):
        return out
    (lo0, hi0), (lo1, hi1) = _range(old), _range(new)
    if (lo0, hi0) != (lo1, hi1):
        narrower = lo1 > lo0 or hi1 < hi0
        what = f"number of values {_span(lo0, hi0)} -> {_span(lo1, hi1)}"
        out.append(
            _change(
                item,
                BREAKING if narrower else ADDITIVE,
                what,
                f"accept {_span(lo0, hi0)} values for {item} again",
            )
        )
    before, after = set(old.get("possible_values") or ()), set(new.get("possible_values") or ())
    if before != after:
        # No list means any value: gaining a list narrows, losing it widens.
        lost = sorted(before - after) if after else []
        if lost or (after and not before):
            shown = ", ".join(lost) if lost else "any value"
            out.append(
                _change(
                    item, BREAKING, f"no longer accepts {shown}", f"accept {shown} for {item} again"
                )
            )
        else:
            gained = sorted(after - before) if before else []
            shown = ", ".join(gained) if gained else "any value"
            out.append(_change(item, ADDITIVE, f"now accepts {shown}"))
    if (old.get("default") or []) != (new.get("default") or []):
        was = " ".join(old.get("default") or ["(none)"])
        became = " ".join(new.get("default") or ["(none)"])
        out.append(
            _change(
                item, BREAKING, f"default {was} -> {became}", f"restore the default {was} of {item}"
            )
        )
    return out


def _span(lo: int, hi: float) -> str:
    if hi == float("inf"):
        return f"{lo}.."
    return str(lo) if lo == hi else f"{lo}..{int(hi)}"


def _match_flag(old: Doc, candidates: list[Doc]) -> Doc | None:
    """The new flag that is ``old``: the same id, else one sharing a spelling."""
    by_id = next((f for f in candidates if f.get("id") == old.get("id")), None)
    if by_id is not None:
        return by_id
    spelled = set(_spellings(old))
    return next((f for f in candidates if spelled & set(_spellings(f))), None)


def _flags(cmd: str, old: list[Doc], new: list[Doc]) -> list[Change]:
    out: list[Change] = []
    old, new = _visible(old), _visible(new)
    matched: list[int] = []
    for flag in old:
        twin = _match_flag(flag, new)
        item = f"{cmd} {_flag_name(flag)}"
        if twin is None:
            out.append(_change(item, BREAKING, "flag removed", f"restore `{item}`"))
            continue
        matched.append(id(twin))
        gone = [s for s in _spellings(flag) if s not in _spellings(twin)]
        if gone:
            out.append(
                _change(
                    item,
                    BREAKING,
                    f"spelling {', '.join(gone)} removed",
                    f"keep {', '.join(gone)} as an alias",
                )
            )
        added = [s for s in _spellings(twin) if s not in _spellings(flag)]
        if added:
            out.append(_change(item, ADDITIVE, f"new spelling {', '.join(added)}"))
        if flag.get("global") and not twin.get("global"):
            out.append(_change(item, BREAKING, "no longer global", f"make {item} global again"))
        if not flag.get("require_equals") and twin.get("require_equals"):
            out.append(
                _change(
                    item,
                    BREAKING,
                    "now requires --flag=value",
                    f"accept `{_flag_name(flag)} VALUE` again",
                )
            )
        out.extend(_values(item, flag, twin))
    for flag in new:
        if id(flag) not in matched:
            item = f"{cmd} {_flag_name(flag)}"
            if flag.get("required"):
                out.append(_change(item, BREAKING, "new required flag", f"make `{item}` optional"))
            else:
                out.append(_change(item, ADDITIVE, "new flag"))
    return out


def _positionals(cmd: str, old: list[Doc], new: list[Doc]) -> list[Change]:
    """Positionals are matched by position: that is how a call spells them."""
    out: list[Change] = []
    old, new = _visible(old), _visible(new)
    for i, arg in enumerate(old):
        name = "|".join(arg.get("value_names") or [str(arg.get("id", "")).upper()])
        item = f"{cmd} <{name}>"
        if i >= len(new):
            out.append(_change(item, BREAKING, "positional removed", f"restore `{item}`"))
        else:
            out.extend(_values(item, arg, new[i]))
    for arg in new[len(old) :]:
        name = "|".join(arg.get("value_names") or [str(arg.get("id", "")).upper()])
        item = f"{cmd} <{name}>"
        if arg.get("required"):
            out.append(
                _change(item, BREAKING, "new required positional", f"make `{item}` optional")
            )
        else:
            out.append(_change(item, ADDITIVE, "new positional"))
    return out


def _fields(cmd: str, old: Doc, new: Doc) -> list[Change]:
    before, after = list(old.get("json_fields") or []), list(new.get("json_fields") or [])
    out = [
        _change(
            f"{cmd} --json field {f!r}",
            BREAKING,
            "field removed from the JSON output",
            f"emit {f!r} again",
        )
        for f in before
        if f not in after
    ]
    out += [
        _change(f"{cmd} --json field {f!r}", ADDITIVE, "new field in the JSON output")
        for f in after
        if f not in before
    ]
    return out


def _command(path: str, old: Doc, new: Doc) -> list[Change]:
    out: list[Change] = []
    if not old.get("subcommand_required") and new.get("subcommand_required"):
        out.append(
            _change(
                path,
                BREAKING,
                "now requires a subcommand",
                f"let `{path}` run without a subcommand again",
            )
        )
    out += _flags(path, old.get("flags") or [], new.get("flags") or [])
    out += _positionals(path, old.get("positionals") or [], new.get("positionals") or [])
    out += _fields(path, old, new)
    subs = {s["name"]: s for s in _visible(new.get("subcommands") or [])}
    seen: set[str] = set()
    for sub in _visible(old.get("subcommands") or []):
        item = f"{path} {sub['name']}"
        twin = subs.get(sub["name"]) or next(
            (s for s in subs.values() if sub["name"] in (s.get("aliases") or ())), None
        )
        if twin is None:
            out.append(_change(item, BREAKING, "subcommand removed", f"restore `{item}`"))
            continue
        seen.add(twin["name"])
        names_now = {twin["name"], *(twin.get("aliases") or ())}
        gone = [a for a in sub.get("aliases") or () if a not in names_now]
        if gone:
            out.append(
                _change(
                    item,
                    BREAKING,
                    f"alias {', '.join(gone)} removed",
                    f"keep {', '.join(gone)} as an alias of `{item}`",
                )
            )
        out += _command(f"{path} {twin['name']}", sub, twin)
    for name in subs:
        if name not in seen:
            out.append(_change(f"{path} {name}", ADDITIVE, "new subcommand"))
    return out


def _exit_codes(program: str, old: Doc, new: Doc) -> list[Change]:
    before = {int(e["code"]) for e in old.get("exit_codes") or []}
    after = {int(e["code"]) for e in new.get("exit_codes") or []}
    out = [
        _change(
            f"{program} exit code {c}",
            BREAKING,
            "exit code no longer used",
            f"restore exit code {c}",
        )
        for c in sorted(before - after)
    ]
    # A new code reports a condition a script used to see as another code: that changes meaning.
    out += [
        _change(
            f"{program} exit code {c}",
            BREAKING,
            "new exit code",
            f"report that condition with one of {sorted(before)} again",
        )
        for c in sorted(after - before)
        if before
    ]
    return out


def check_format(doc: object, where: str) -> Doc:
    """``doc`` if it is a surface document this module reads, else :class:`SurfaceError`."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise SurfaceError(
            f"{where}: expected a surface document with format {FORMAT}, got {found!r}"
        )
    return doc


def diff(old: Doc, new: Doc, program: str) -> list[Change]:
    """Every difference between the baseline's dump ``old`` and HEAD's ``new``."""
    old, new = check_format(old, "baseline"), check_format(new, "HEAD")
    try:
        return [*_command(program, old, new), *_exit_codes(program, old, new)]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SurfaceError(f"malformed surface document ({type(exc).__name__}: {exc})") from None
