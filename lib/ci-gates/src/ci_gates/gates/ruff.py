"""Gate ``ruff``: ``ruff check`` (and ``ruff format --check``) at the project's ruff, by its rules.

The version is the one the project pins (its lock file, a dependency group, its pre-commit hook,
its requirements: :mod:`ci_gates.checks.projecttools`), installed once in a tool venv when the
gates environment holds another (:mod:`ci_gates.checks.toolenv`); only a project that pins no
ruff gets the library's pin. The settings are the project's own (``[tool.ruff]``, ``ruff.toml``,
``.ruff.toml``); a project without any gets pyflakes' and pycodestyle's errors
(:data:`DEFAULT_SELECT`), never a newer ruff's wider defaults nor a user-level config.
``ruff format --check`` runs only where the project formats with ruff (a ``[tool.ruff.format]``
table, a ``ruff-format`` hook, ``ruff format`` in its CI or task runner): a formatter it never
chose is not imposed. Files the library writes into a project (the agent
hook entry) are not the project's to lint. Both commands report JSON, so each diagnostic is a
finding at ``path:line:column``; ``nox -s fix`` applies what the project's ruff fixes safely.
"""

from __future__ import annotations

import os

from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import PY_INPUTS, PYYAML, RUFF, TOOL_INPUTS
from ci_gates.core.registry import Gate


def _fingerprint(root: str) -> str:
    """The ruff that judges (its version and where it was read) and whether format is checked."""
    from ci_gates.checks.projecttools import configured, formats_with_ruff, pinned

    pin = pinned(root, "ruff", RUFF)
    return f"{pin.requirement} from {pin.source}; {configured(root, 'ruff')}; format: {formats_with_ruff(root)}"


GATE = Gate(
    "ruff",
    "Python lint (and format check) at the project's ruff version, with its settings",
    packages=(RUFF, PYYAML, "packaging>=24"),
    inputs=(*PY_INPUTS, *TOOL_INPUTS),
    fingerprint=_fingerprint,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.checks.projecttools import Pin

CHECK = ("check", "--no-fix", "--output-format", "json", ".")
FORMAT = ("format", "--check", "--output-format", "json", ".")
# The rules for a project that configures no ruff: pyflakes and pycodestyle's errors (ruff's
# long-standing defaults, what flake8 reports too), not the style rules newer ruffs enable.
DEFAULT_SELECT = "E4,E7,E9,F"


@rule("RUFF001")
def violation(path: str, line: int, column: int, code: str, message: str, fix: str) -> Finding:
    """``ruff check`` reports a lint violation (the message starts with ruff's own code).

    The rules in force are the project's (``[tool.ruff.lint] select``, or ruff's defaults);
    ruff's documentation explains each code. A violation ruff can fix safely is fixed by
    ``nox -s fix`` where the project uses ruff; the others by hand, or, where the rule is wrong
    for that line, ``# noqa: CODE`` with a reason.
    """
    return finding_of(violation, f"{code} {message}", path, line, column, fix=fix)


@rule("RUFF002")
def unformatted(path: str, line: int) -> Finding:
    """A Python file is not formatted the way the project's ``ruff format`` wants."""
    return finding_of(
        unformatted,
        "not formatted the way `ruff format` wants",
        path,
        line,
        fix="run `nox -s fix` (it runs the project's `ruff format`)",
    )


@rule("RUFF003")
def syntax_error(path: str, line: int, column: int, message: str) -> Finding:
    """ruff cannot parse a Python file: a syntax error (for ruff's target version)."""
    return finding_of(
        syntax_error, f"syntax error: {message}", path, line, column, fix="fix the syntax"
    )


def _rel(path: str, root: str) -> str:
    return (os.path.relpath(path, root) if os.path.isabs(path) else path).replace(os.sep, "/")


def diagnostic(item: dict[str, Any], root: str, fixer: bool = True) -> Finding:
    """The finding for one entry of ruff's ``--output-format json``."""
    path = _rel(str(item.get("filename", "")), root)
    where = item.get("location") or {}
    line, column = int(where.get("row") or 0), int(where.get("column") or 0)
    code, message = str(item.get("code") or ""), str(item.get("message", ""))
    if code == "unformatted":
        return unformatted(path, line)
    if code in ("invalid-syntax", "E999", ""):
        return syntax_error(path, line, column, message)
    fixable = fixer and (item.get("fix") or {}).get("applicability") == "safe"
    if fixable and path.endswith(".toml"):  # a settings file: fix never rewrites one
        fixable, fixer_note = False, " (`nox -s fix` never rewrites settings)"
    else:
        fixer_note = ""
    fix = (
        "run `nox -s fix` (it runs `ruff check --fix`)"
        if fixable
        else f"fix it by hand{fixer_note}"
    )
    url = item.get("url")
    return violation(path, line, column, code, message, f"{fix}; see {url}" if url else fix)


def parse(stdout: str, root: str, fixer: bool = True) -> list[Finding] | None:
    """The findings of one ruff JSON report; None when ``stdout`` is not one."""
    import json

    try:
        items = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    return [diagnostic(item, root, fixer) for item in items if isinstance(item, dict)]


def parse_would_reformat(text: str, root: str) -> list[Finding]:
    """``Would reformat: path`` lines of an older ruff's ``format --check`` (no JSON there)."""
    prefix = "Would reformat: "
    return [
        unformatted(_rel(ln[len(prefix) :].strip(), root), 1)
        for ln in text.splitlines()
        if ln.startswith(prefix)
    ]


def ruff_command(root: str, python: str = "", install: bool = True) -> tuple[list[str], Pin]:
    """The project's ruff (see the module docstring); :class:`CannotRun` when it cannot be had.

    ``python``/``install``: the post-edit hook asks from outside the gates environment, and
    never installs (:func:`ci_gates.checks.toolenv.command`).
    """
    from ci_gates.checks.projecttools import pinned
    from ci_gates.checks.toolenv import command

    pin = pinned(root, "ruff", RUFF)
    try:
        return command(root, pin, "ruff", python, install), pin
    except CannotRun as exc:
        if not install:
            raise
        raise CannotRun(
            f"cannot install {pin.requirement} (from {pin.source}): {exc.message}",
            "check the network, or the pin",
        ) from None


def settings(root: str) -> list[str]:
    """Options for the project's settings: its own config, or the library's default alone."""
    from ci_gates.checks.projecttools import configured
    from ci_gates.core.adopted import library_files

    mine = ["--extend-exclude", ",".join(library_files(root))]
    return mine if configured(root, "ruff") else ["--isolated", "--select", DEFAULT_SELECT, *mine]


PLAN_CACHE = os.path.join("target", "ci-gates", "ruff-plan.json")
# What decides the plan besides the files in TOOL_INPUTS: the project's manifest, its workflows
# and task runners (a `ruff format` there means the project formats with ruff).
PLAN_FILES = ("pyproject.toml", "noxfile.py", "tasks.py", "Makefile", "justfile", "tox.ini")


def _plan_key(root: str, python: str) -> list[object]:
    import glob

    from ci_gates.core.pins import TOOL_INPUTS

    key: list[object] = [python, __file__]
    patterns = (*PLAN_FILES, *TOOL_INPUTS, ".github/workflows/*")
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(root, pattern), recursive=True)):
            try:
                st = os.stat(path)
            except OSError:
                continue
            key.append([os.path.relpath(path, root), st.st_size, st.st_mtime_ns])
    return key


def plan(
    root: str, python: str = "", install: bool = True
) -> tuple[list[str], list[str], bool, bool]:
    """How the project's ruff runs here: (command, settings options, format checked, fixes apply).

    The gate and the post-edit hook both ask this, so a file the hook passes passes the gate.
    The answer is kept as JSON keyed by the files that decide it (the hook's hot path reads no
    TOML): :data:`PLAN_CACHE`.
    """
    import json

    key = _plan_key(root, python)
    cache = os.path.join(root, PLAN_CACHE)
    try:
        with open(cache, encoding="utf-8") as f:
            cached = json.load(f)
        if cached["key"] == json.loads(json.dumps(key)):
            if "cannot" in cached:  # no ruff to be had without installing: kept until that changes
                raise CannotRun(*cached["cannot"])
            if os.path.exists(cached["ruff"][0]):
                return cached["ruff"], cached["settings"], cached["format"], cached["fixer"]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    from ci_gates.checks.projecttools import formats_with_ruff, uses

    entry: dict[str, object] = {"key": key}
    try:
        ruff, _ = ruff_command(root, python, install)
    except CannotRun as exc:
        entry["cannot"] = [exc.message, exc.fix]
        _save_plan(cache, entry)
        raise
    answer = (ruff, settings(root), bool(formats_with_ruff(root)), bool(uses(root, "ruff")))
    entry.update(ruff=answer[0], settings=answer[1], format=answer[2], fixer=answer[3])
    _save_plan(cache, entry)
    return answer


def _save_plan(cache: str, entry: dict[str, object]) -> None:
    import json

    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "w", encoding="utf-8") as f:
            json.dump(entry, f)
    except OSError:
        pass  # a read-only checkout: no cache


def _run_one(ruff: list[str], args: tuple[str, ...], root: str, fixer: bool) -> list[Finding]:
    import subprocess

    from ci_gates.core.env import tool_cache

    cache = ["--cache-dir", tool_cache("ruff")]  # ruff's own cache: this environment's
    cmd = [*ruff, args[0], *cache, *settings(root), *args[1:]]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    found = parse(proc.stdout, root, fixer)
    if found is None and args[0] == "format" and "output-format" in proc.stderr:
        plain = [a for a in cmd if a not in ("--output-format", "json")]
        proc = subprocess.run(plain, cwd=root, capture_output=True, text=True, check=False)
        found = parse_would_reformat(proc.stdout + proc.stderr, root)
    if found is None or (proc.returncode not in (0, 1) and not found):
        first = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[0]
        raise CannotRun(f"`ruff {args[0]}` did not run: {first}", "fix the ruff settings")
    return found


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.checks.projecttools import configured, formats_with_ruff, uses
    from ci_gates.core.context import config_for, note

    root, _ = config_for(root)
    ruff, pin = ruff_command(root)
    where = configured(root, "ruff") or f"{DEFAULT_SELECT} (the project configures no ruff)"
    formats = formats_with_ruff(root)
    note(f"ruff {pin.version or pin.requirement} (from {pin.source}); settings: {where}")
    if not formats:
        note("ruff format: not checked (the project does not format with ruff)")
    fixer = bool(uses(root, "ruff"))
    out: dict[tuple[object, ...], Finding] = {}
    for args in (CHECK, FORMAT) if formats else (CHECK,):
        for f in _run_one(ruff, args, root, fixer):  # check and format both report a syntax error
            out.setdefault((f.rule, f.path, f.line, f.column, f.message), f)
    return list(out.values())
