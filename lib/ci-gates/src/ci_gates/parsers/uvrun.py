"""Does a ``uv run`` call sync and build this project? Where do its paths lead?

``uv run`` locks and syncs the project it finds (from ``--project``, ``--directory`` or the
current directory, walking up to a ``pyproject.toml``) before running its command, unless told
not to (``--no-project``, ``--no-sync``, ``--only-group``, ``--script``, ``UV_NO_PROJECT``,
``UV_NO_SYNC``) or given a script with PEP 723 metadata. Whether that sync builds anything
expensive is read from the project found (:mod:`ci_gates.parsers.uvproject`: a package whose
backend compiles, or a workspace member it depends on); a project outside this repository is
not this project. A sync earlier in the same script or workflow job (``uv sync``, or a ``uv run``
that already built) leaves nothing to build: :data:`Scope` ``synced`` carries the projects
synced so far (:func:`synced_by`). :func:`uv_run_builds` answers for one
:class:`ci_gates.parsers.calls.Call` in a :data:`Scope` (the agent's directory, or a workflow
job's working directory and checkouts). Standard library only (the tool_guard hook imports it).
"""

from __future__ import annotations

import os
import re

from ci_gates.core.records import record
from ci_gates.parsers.calls import Call, calls, option

SHELL = "shell"
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    class Scope(NamedTuple):
        context: str = SHELL
        root: str = ""
        cwd: str | None = ""
        checkouts: tuple[tuple[str, bool], ...] | None = None
        synced: tuple[str, ...] = ()

else:
    Scope = record("Scope", "context root cwd checkouts synced", (SHELL, "", "", None, ()))
Scope.__doc__ = """Where commands run.

``context``: shell / ci / release. ``root``: the project root ("" when the file system is not
consulted: the current directory is taken to be the project and files are unknown).
``checkouts``: None for the plain file system (``cwd`` absolute, "" = ``root``); in a workflow
job, the ``(workspace path, is this repository)`` checkouts so far, ``cwd`` workspace-relative
("" = the workspace) or None when it is an expression. ``synced``: the projects (:func:`_key`)
a ``uv sync`` or a building ``uv run`` already synced earlier in the script or job.
"""


_NO_BUILD = ("--no-project", "--no-sync", "--only-dev", "--script", "-s", "--gui-script")
# A sync that does not install the project (or not this one) leaves it to the next `uv run`.
_PARTIAL_SYNC = (
    "--no-install-project",
    "--no-install-workspace",
    "--only-group",
    "--only-dev",
    "--dry-run",
    "--package",
    "--script",
    "--help",
    "-h",
)
# A `uv run` that rebuilds whatever was synced before.
_REBUILDS = ("--isolated", "--reinstall", "--reinstall-package", "--refresh", "--no-editable")
_TRUE = frozenset({"1", "true", "yes", "y", "on", "t"})  # clap's boolish values
_PEP723 = r"(?m)^# /// script$\s(^#(| .*)$\s)+^# ///$"


def _workspace_prefix(path: str) -> int:
    """Length of a leading ``${{ github.workspace }}`` / ``$GITHUB_WORKSPACE``; 0 if none."""
    if path.startswith("${{"):
        end = path.find("}}")
        if end > 0 and path[3:end].strip() == "github.workspace":
            return end + 2 if path[end + 2 : end + 3] in ("", "/") else 0
    for var in ("${GITHUB_WORKSPACE}", "$GITHUB_WORKSPACE"):
        if path.startswith(var) and path[len(var) : len(var) + 1] in ("", "/"):
            return len(var)
    return 0


def _where(path: str, scope: Scope) -> tuple[str, str]:
    """``("this", file system path)`` when ``path`` (from the command's directory) is in this
    repository's checkout, ``("other", "")`` when it is elsewhere, ``("unknown", "")``."""
    m = _workspace_prefix(path)
    path = path[m:].lstrip("/") if m else path
    if "$" in path or "{{" in path or "%" in path:
        return "unknown", ""
    if scope.checkouts is None:
        base = scope.root if m or not scope.cwd else scope.cwd
        return (
            ("this", os.path.normpath(os.path.join(base, path or "."))) if base else ("unknown", "")
        )
    if scope.cwd is None or os.path.isabs(path):
        return "unknown", ""
    ws = os.path.normpath(os.path.join("" if m else scope.cwd, path or ".")).replace("\\", "/")
    ws = "" if ws == "." else ws
    inside = [
        (p, this) for p, this in scope.checkouts if not p or ws == p or ws.startswith(p + "/")
    ]
    if not inside or ws.startswith(".."):
        return "other", ""
    best, this = max(inside, key=lambda c: len(c[0]))
    if not this:
        return "other", ""
    rel = ws[len(best) :].lstrip("/")
    return ("this", os.path.join(scope.root, rel)) if scope.root else ("unknown", "")


def _project_dir(fs: str) -> str | None:
    """The directory of the ``pyproject.toml`` uv finds from ``fs`` (it walks up); "" when
    there is none; None when ``fs`` does not exist."""
    if not os.path.exists(fs):
        return None
    here = fs if os.path.isdir(fs) else os.path.dirname(fs)
    while not os.path.isfile(os.path.join(here, "pyproject.toml")):
        parent = os.path.dirname(here)
        if parent == here:
            return ""
        here = parent
    return here


def _inside(path: str, root: str) -> bool:
    path, root = os.path.normcase(os.path.abspath(path)), os.path.normcase(os.path.abspath(root))
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _target(call: Call) -> tuple[str, str]:
    """``(--directory, the project path uv starts from)`` of a uv call."""
    directory = option(call.args, ("--directory",)) or ""
    return directory, option(call.args, ("--project",)) or directory or "."


def _key(call: Call, scope: Scope) -> str:
    """What identifies the project a uv call works on: its directory, else how it was named."""
    target = _target(call)[1]
    kind, fs = _where(target, scope)
    found = _project_dir(fs) if kind == "this" and fs else None
    return os.path.normcase(os.path.abspath(found)) if found else f"{scope.cwd}\0{target}"


def synced_by(call: Call, scope: Scope) -> str | None:
    """The project (:func:`_key`) this call leaves synced: a full ``uv sync``, or a ``uv run``
    that builds it; None for anything else."""
    if (call.tool, call.sub) == ("uv", "sync"):
        if any(a.partition("=")[0] in _PARTIAL_SYNC for a in call.args):
            return None
        return _key(call, scope)
    if (call.tool, call.sub) == ("uv", "run") and uv_run_builds(call, scope)[0] == "builds":
        return _key(call, scope)
    return None


def _has_metadata(fs: str) -> bool | None:
    """Does the script carry a PEP 723 ``# /// script`` block? None when it cannot be read."""
    try:
        with open(fs, encoding="utf-8", errors="replace") as f:
            return re.search(_PEP723, f.read(1 << 20)) is not None
    except OSError:
        return None


def uv_run_builds(call: Call, scope: Scope) -> tuple[str, str]:
    """``("builds" | "unknown" | "no", why)``: does this ``uv run`` sync and build this project?"""
    if (call.tool, call.sub) != ("uv", "run"):
        return "no", ""
    if any(o.partition("=")[0] in _NO_BUILD for o in call.args):
        return "no", ""
    if option(call.args, ("--only-group",)) is not None:
        return "no", ""  # only that group: "the project and its dependencies are omitted"
    if any(call.env.get(v, "").strip().lower() in _TRUE for v in ("UV_NO_PROJECT", "UV_NO_SYNC")):
        return "no", ""
    directory, target = _target(call)
    kind, fs = _where(target, scope)
    if kind == "unknown" and scope.root:
        return "unknown", f"cannot tell whether `{target}` is this project"
    if kind == "other":
        return "no", ""
    found = _project_dir(fs) if fs else ""
    if fs and found is None:
        return "unknown", f"`{target}` does not exist in this repository"
    if fs and (not found or (scope.root and not _inside(found, scope.root))):
        return "no", ""  # no project at all, or one outside this repository
    rebuilds = any(o.partition("=")[0] in _REBUILDS for o in call.args)
    if scope.synced and not rebuilds and _key(call, scope) in scope.synced:
        return "no", ""  # synced earlier in this script or job: nothing left to build
    what = ""
    if found:
        from ci_gates.parsers.uvproject import native_build

        builds, what = native_build(found, scope.root)
        if builds is False:
            return "no", ""  # not a package, or one that compiles nothing
    script = call.command[0] if call.command else ""
    if script.startswith(("http://", "https://")):
        return "unknown", f"whether {script} carries PEP 723 metadata (`# /// script`) is unknown"
    if script.endswith((".py", ".pyw")):
        kind, fs = _where(os.path.join(directory, script) if directory else script, scope)
        metadata = _has_metadata(fs) if kind == "this" else None
        if metadata:
            return "no", ""
        if metadata is None:
            return "unknown", (
                f"{script} is not a file in this repository, so whether it carries PEP 723 "
                "metadata (`# /// script`, which makes uv ignore the project) is unknown"
            )
        return "builds", f"{script} has no PEP 723 metadata (`# /// script`)"
    return "builds", f"{what} builds a native extension" if what else ""


# A pip install that replaces what a sync installed (a built wheel over the project): the next
# `uv run` syncs the project back from its source, a build.
_REPLACES = ("--force-reinstall", "--reinstall", "--find-links", "-f", "--no-index")


def replaces_sync(call: Call) -> bool:
    """``uv pip install`` / ``pip install`` of wheels over the synced environment?"""
    if (call.tool, call.sub) == ("pip", "install"):
        words = call.args
    elif (call.tool, call.sub) == ("uv", "pip") and call.args[:1] == ["install"]:
        words = call.args[1:]
    else:
        return False
    return any(w.partition("=")[0] in _REPLACES or w.endswith(".whl") for w in words)


def after(call: Call, scope: Scope) -> Scope:
    """``scope`` with the project ``call`` synced (a later ``uv run`` of it builds nothing)."""
    if replaces_sync(call):
        return scope._replace(synced=())
    if call.tool != "uv":
        return scope
    key = synced_by(call, scope)
    if key is None or key in scope.synced:
        return scope
    return scope._replace(synced=(*scope.synced, key))


def synced_after(
    text: str, scope: Scope, dialect: str = "bash", env: dict[str, str] | None = None
) -> tuple[str, ...]:
    """The projects synced once ``text`` ran (``scope.synced`` plus its syncs), for the next
    step of the same workflow job."""
    from ci_gates.parsers import shell

    if "uv" not in text:
        return tuple(scope.synced)
    for cmd in shell.commands(text, 0, dialect, env):
        for call in calls(cmd):
            scope = after(call, scope)
    return tuple(scope.synced)
