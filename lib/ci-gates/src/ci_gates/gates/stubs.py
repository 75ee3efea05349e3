"""Gate ``stubs``: mypy's stubtest holds the extension's ``.pyi`` to the INSTALLED module.

stubtest runs in a venv holding the built wheel and mypy, on the import package (which
includes the extension submodule), with the allowlist from ``[tool.ci-gates.stubs] allowlist``
and the project's own stubtest arguments (``args``, e.g. ``["--ignore-missing-stub"]``).
Every allowlist entry needs a reason, and stubtest itself reports an entry that no longer
matches anything (we never pass ``--ignore-unused-allowlist``). stubtest skips a *private*
module that has no stub at all, so the gate first checks that the wheel installed the stub.

Without that file (the default path, ``ci/stubtest-allowlist.txt``, absent), the project's own
allowlist is used when it has one by a usual name (:data:`OWN_ALLOWLISTS`, in the project's
directory or the root; its entries need no reasons, it is the project's file), else none. The
extension's stub may be ``pkg/ext.pyi``, ``pkg/ext/__init__.pyi``, or for a pure-Rust module
``<module>.pyi`` in the project's directory (maturin ships it as the package's ``__init__.pyi``).

The allowlist stays a file rather than ``[tool.ci-gates] ignore``: stubtest excuses one
symbol (a regex over its dotted name), while ``ignore`` works per rule and path, which would
excuse every mismatch in the stub at once.
"""

from __future__ import annotations

import collections
import os
import re

from ci_gates.checks import interpreters
from ci_gates.checks.stubpaths import installed_stubs, repo_path, source_dir, stub_path, stub_paths
from ci_gates.core import venvs
from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import FLOOR_ENV, FLOOR_MACHINE, MYPY
from ci_gates.core.registry import Gate


def _applies(root: str) -> str:
    """Skipped until the project ships type stubs for its extension."""
    import glob
    import os

    from ci_gates.core.project import ProjectError, names

    try:
        n = names(root)
    except ProjectError:
        return ""
    if any(os.path.isfile(os.path.join(root, p)) for p in stub_paths(n)):
        return ""
    if glob.glob(os.path.join(root, source_dir(n), "**", "*.pyi"), recursive=True):
        return ""
    return f"no type stubs (.pyi) for {n.extension} yet; add them and remove this skip"


GATE = Gate(
    "stubs",
    "mypy stubtest: _native.pyi matches the installed module",
    requires=("native_import",),
    # Installed with the wheel into the venv stubtest runs in (ci/gates/stubs.py).
    packages=(MYPY,),
    inputs=(
        "ci/stubtest-allowlist.txt",
        "**/stubtest-allowlist.txt",
        "**/stubtest_allowlist.txt",
        "**/.stubtest-allowlist",
    ),
    config=("stubs",),
    machine=FLOOR_MACHINE,
    env=FLOOR_ENV,
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.checks.interpreters import Interpreter
    from ci_gates.core.project import Names

DEFAULT_ALLOWLIST = "ci/stubtest-allowlist.txt"
# A project's own allowlist, by the names projects give it (project directory, then root).
OWN_ALLOWLISTS = ("stubtest-allowlist.txt", "stubtest_allowlist.txt", ".stubtest-allowlist")
AllowEntry = collections.namedtuple("AllowEntry", "line entry reason")
# One stubtest error: the stub's repo-relative path (or ""), its line (or 0), the message.
StubError = collections.namedtuple("StubError", "path line message")


@rule("STB001")
def entry_without_reason(allowlist: str, line: int, entry: str) -> Finding:
    """A stubtest allowlist entry has no reason.

    An entry's reason is its own trailing ``# comment`` or the comment lines just above it;
    one comment covers the entries below it up to the next blank line. An excuse nobody can
    explain is a bug nobody will fix.
    """
    return finding_of(
        entry_without_reason,
        f"allowlist entry {entry!r} has no reason",
        allowlist,
        line,
        fix="put a `# why` comment on the line above it (or after it), or fix the stub and drop the entry",
    )


@rule("STB002")
def entry_not_a_regex(allowlist: str, line: int, entry: str, error: str) -> Finding:
    """A stubtest allowlist entry is not a valid regular expression."""
    return finding_of(
        entry_not_a_regex,
        f"allowlist entry {entry!r} is not a valid regex ({error})",
        allowlist,
        line,
        fix="fix the pattern",
    )


@rule("STB003")
def allowlist_unreadable(allowlist: str, error: str) -> Finding:
    """The stubtest allowlist named by ``[tool.ci-gates.stubs] allowlist`` cannot be read."""
    return finding_of(
        allowlist_unreadable,
        f"cannot read the stubtest allowlist ({error})",
        allowlist,
        fix="create it (comments only is fine) or fix [tool.ci-gates.stubs] allowlist",
    )


@rule("STB004")
def stub_not_shipped(stub: str, installed_dir: str) -> Finding:
    """The wheel does not install the extension's ``.pyi`` stub.

    Without it type checkers see an untyped module, and stubtest silently skips a private
    module that has no stub, so this gate would prove nothing.
    """
    return finding_of(
        stub_not_shipped,
        f"not in the installed wheel ({installed_dir})",
        stub,
        fix="ship it next to the extension (maturin includes .pyi files under python-source)",
    )


@rule("STB007")
def no_py_typed(package: str, installed_dir: str) -> Finding:
    """The wheel ships the extension's stub but no ``py.typed``: mypy (and so stubtest) ignores
    an installed package's stubs without that PEP 561 marker, so its users get no types."""
    return finding_of(
        no_py_typed,
        f"no py.typed beside the installed stub ({installed_dir}): mypy ignores the stub",
        package,
        fix=f"add an empty {package}/py.typed (maturin ships it with the package)",
    )


@rule("STB005")
def stub_mismatch(path: str, line: int, message: str, allowlist: str) -> Finding:
    """stubtest finds the stub and the installed extension disagree (or mypy rejects the stub,
    and stubtest can compare nothing until it accepts it)."""
    fix = f"fix the stub (or allowlist the symbol in {allowlist} with a reason)"
    if message.startswith("mypy rejects it"):
        fix = "fix the stub: stubtest compares nothing until mypy accepts it"
    return finding_of(stub_mismatch, f"stubtest: {message}", path, line, fix=fix)


@rule("STB006")
def entry_unused(allowlist: str, line: int, entry: str) -> Finding:
    """A stubtest allowlist entry no longer matches anything: delete it, so the list only shrinks."""
    return finding_of(
        entry_unused,
        f"unused allowlist entry {entry!r}: stubtest has nothing to excuse there any more",
        allowlist,
        line,
        fix="delete it",
    )


def parse_allowlist(text: str, allowlist: str) -> tuple[list[AllowEntry], list[Finding]]:
    """Entries of a stubtest allowlist, and the findings about entries (no reason, bad regex)."""
    entries: list[AllowEntry] = []
    found: list[Finding] = []
    reason = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            reason = ""
            continue
        entry, _, comment = line.partition("#")
        entry, comment = entry.strip(), comment.strip()
        if not entry:
            reason = comment or reason
            continue
        reason = comment or reason
        if not reason:
            found.append(entry_without_reason(allowlist, number, entry))
        try:
            re.compile(entry)
        except re.error as exc:
            found.append(entry_not_a_regex(allowlist, number, entry, str(exc)))
        entries.append(AllowEntry(number, entry, reason))
    return entries, found


_ERROR = re.compile(r"^error: (.*)$")
_STUB_AT = re.compile(r"^Stub: in file (.*?)(?::(\d+))?$")
_UNUSED = re.compile(r"^note: unused allowlist entry (.*)$")
# When mypy rejects the stub itself, stubtest checks nothing and prints mypy's errors instead.
_BUILD = "not checking stubs due to mypy build errors"
_MYPY = re.compile(r"^(.+?\.pyi?):(\d+): error: (.*)$")


def parse_stubtest(output: str, n: Names, root: str = "") -> tuple[list[StubError], list[str]]:
    """stubtest's errors (with the stub file and line it names) and its unused allowlist entries."""
    errors: list[StubError] = []
    unused: list[str] = []
    for line in output.splitlines():
        error, stub_at, unused_entry = _ERROR.match(line), _STUB_AT.match(line), _UNUSED.match(line)
        mypy = _MYPY.match(line)
        if error and error.group(1).startswith(_BUILD):
            continue  # the errors follow, one a line
        if mypy:
            where = repo_path(mypy.group(1), n, root)
            errors.append(StubError(where, int(mypy.group(2)), f"mypy rejects it: {mypy.group(3)}"))
        elif error:
            errors.append(StubError("", 0, error.group(1)))
        elif stub_at and errors and not errors[-1].path:
            at = stub_at.group(2)
            errors[-1] = errors[-1]._replace(
                path=repo_path(stub_at.group(1), n, root), line=int(at) if at else 0
            )
        elif unused_entry:
            unused.append(unused_entry.group(1).strip())
    return errors, unused


# mypy 2 no longer runs on Python < 3.10: there stubtest comes from the newest mypy that does.
MYPY_PYTHON_FLOOR = (3, 10)


def mypy_requirement(version: str) -> list[str]:
    """The stubs venv's mypy for CPython ``version``: the pinned one where it runs."""
    if tuple(int(p) for p in version.split(".")) < MYPY_PYTHON_FLOOR:
        return ["mypy<2"]
    return list(GATE.packages)


_WHERE = (
    "import importlib, importlib.util, os, sys; importlib.import_module(sys.argv[1]); "
    "spec = importlib.util.find_spec(sys.argv[1]); locs = spec.submodule_search_locations; "
    "print(os.path.dirname(list(locs)[0] if locs else spec.origin))"
)


def _stubtest(
    root: str, n: Names, allowlist: str, it: Interpreter, args: tuple[str, ...] = ()
) -> tuple[str, int, str]:
    """stubtest's output, its exit code and the installed package directory, in the wheel venv
    of interpreter ``it`` (``allowlist``: a path, or "" for none).

    The output is "" and the code -1 when the installed package has no stub for the extension.
    :class:`CannotRun` without a current build or when the package does not import.
    """
    import subprocess

    from ci_gates.checks import artifacts

    try:
        venv = artifacts.wheel_venv(
            root, f"stubs-py{it.version}", extra=mypy_requirement(it.version), python=it.path
        )
    except artifacts.ArtifactError as exc:
        raise CannotRun(str(exc)) from None
    python = venvs.venv_python(venv)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    where = subprocess.run(
        [python, "-c", _WHERE, n.package], capture_output=True, text=True, cwd=venv, env=env
    )
    site = where.stdout.strip()
    if where.returncode != 0 or not site:
        why = (where.stderr.strip().splitlines() or ["no output"])[-1]
        raise CannotRun(f"cannot import {n.package} in {venv}: {why}", "see the native_import gate")
    pkg_dir = os.path.join(site, n.package)
    if not any(os.path.isfile(p) for p in installed_stubs(site, n.extension)):
        return "", -1, pkg_dir
    if os.path.isdir(pkg_dir) and not os.path.isfile(os.path.join(pkg_dir, "py.typed")):
        return "", -2, pkg_dir  # PEP 561: without the marker the installed stubs are not read
    chosen = ["--allowlist", os.path.abspath(allowlist)] if allowlist else []
    cmd = [python, "-m", "mypy.stubtest", n.package, *chosen, *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=venv, env=env)
    return proc.stdout + proc.stderr, proc.returncode, pkg_dir


def _check(
    root: str,
    n: Names,
    allow_rel: str,
    entries: list[AllowEntry],
    it: Interpreter,
    args: tuple[str, ...] = (),
) -> list[Finding]:
    """stubtest under one interpreter, as findings."""
    from ci_gates.core.findings import cannot_run

    allowlist = os.path.join(root, allow_rel) if allow_rel else ""
    output, code, pkg_dir = _stubtest(root, n, allowlist, it, args)
    if code == -1:
        return [stub_not_shipped(stub_path(n, root), pkg_dir)]
    if code == -2:
        return [no_py_typed(source_dir(n), pkg_dir)]
    print(output, end="", flush=True)
    errors, unused = parse_stubtest(output, n, root)
    by_entry = {e.entry: e.line for e in entries}
    found = [entry_unused(allow_rel, by_entry.get(entry, 0), entry) for entry in unused]
    where = allow_rel or DEFAULT_ALLOWLIST
    found += [stub_mismatch(e.path or stub_path(n, root), e.line, e.message, where) for e in errors]
    if code != 0 and not errors and not unused:
        found += cannot_run(f"stubtest exited {code} without a finding; see its output above")
    return found


def allowlist_of(root: str, configured: str, project: str) -> tuple[str, bool]:
    """(the allowlist to use, relative; "" for none, and whether it is the project's own).

    The configured one when it is not the default or exists; else a usual name in the
    project's directory or the root (:data:`OWN_ALLOWLISTS`).
    """
    if configured != DEFAULT_ALLOWLIST or os.path.isfile(os.path.join(root, configured)):
        return configured, False
    for directory in dict.fromkeys((project, "")):
        for name in OWN_ALLOWLISTS:
            rel = f"{directory}/{name}" if directory else name
            if os.path.isfile(os.path.join(root, rel)):
                return rel, True
    return "", False


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.core.context import config_for
    from ci_gates.core.findings import cannot_run
    from ci_gates.core.project import ProjectError, names

    root, config = config_for(root)
    try:
        n = names(root)
    except ProjectError as exc:
        return cannot_run(str(exc), path="pyproject.toml")
    allow_rel, own = allowlist_of(root, config["stubs"]["allowlist"], n.project)
    args = tuple(config["stubs"]["args"])
    entries: list[AllowEntry] = []
    found: list[Finding] = []
    try:
        if allow_rel:
            with open(os.path.join(root, allow_rel), encoding="utf-8") as f:
                entries, found = parse_allowlist(f.read(), allow_rel)
    except OSError as exc:
        return [allowlist_unreadable(allow_rel, str(exc.strerror))]
    if own:  # the project's own file: its entries need no reasons of ours
        found = [f for f in found if f.rule != "STB001"]
    pythons, notes = interpreters.for_gate(root)
    per = []
    for it in pythons:  # the oldest and the newest supported CPython
        try:
            per.append((it, _check(root, n, allow_rel, entries, it, args)))
        except CannotRun as exc:  # a bad allowlist is reported too, build or not
            return [*found, exc.finding()]
    return [*found, *interpreters.merge(per), *notes]
