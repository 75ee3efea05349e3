"""The interpreter matrix as a machine fact: found once, found again only when discovery can differ.

``python -m ci_gates.checks.interpreters`` prints the matrix (:func:`interpreters.matrix`), and
the gates that prove the abi3 floor put that output in their digests, so a cached pass is
never served after the interpreters changed. Finding them costs a second or more (``uv python
find`` asks every ``python*`` on PATH, and a pyenv shim answers through a shell), every run.

:func:`cached_output` keeps the matrix in ``target/ci-gates/interpreters.json`` with a witness
of everything the discovery consults (:func:`witness`): the variables uv and pyenv read, every
PATH directory and every ``python*`` in it (a new or removed interpreter changes its
directory), pyenv's versions and version files, uv's managed interpreters and configuration,
the ``.venv`` and ``.python-version`` of each directory from here up, and the interpreters the
matrix names. Any change in those, and the matrix is found again; a witness that changed within
the stat cache's racy window is not kept, so a change in the same timestamp tick is not missed.
"""

from __future__ import annotations

import json
import os
import re
import shutil

from ci_gates.core import statcache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable

MEMO = os.path.join("target", "ci-gates", "interpreters.json")
KEEP = 4
_VARS = ("PATH", "HOME", "VIRTUAL_ENV", "CONDA_PREFIX", "XDG_DATA_HOME", "XDG_CONFIG_HOME")
_PREFIXES = ("UV_", "PYENV", "PYTHON", "XDG_CONFIG_DIRS")
_PYTHON = re.compile(r"^(python|pypy|graalpy)[0-9.]*(\.exe)?$")
_PER_DIR = (
    ".python-version",
    ".venv",
    ".venv/pyvenv.cfg",
    ".venv/bin/python",
    "uv.toml",
    "pyproject.toml",
)


def _sig(path: str) -> list[object] | None:
    """Size, mtime, inode, device and real path (not the ctime: a hard link made by an installer
    anywhere on the machine changes it; a changed interpreter or directory changes the rest)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev, os.path.realpath(path)]


def _upwards(start: str) -> list[str]:
    out, here = [], os.path.abspath(start)
    while True:
        out.append(here)
        parent = os.path.dirname(here)
        if parent == here:
            return out
        here = parent


def _paths(root: str) -> list[str]:
    """Every file and directory whose state decides what the discovery finds."""
    home = os.path.expanduser("~")
    env = os.environ.get
    paths: list[str] = []
    for directory in dict.fromkeys(p for p in env("PATH", "").split(os.pathsep) if p):
        paths.append(directory)
        try:
            names = sorted(n for n in os.listdir(directory) if _PYTHON.match(n))
        except OSError:
            continue
        paths += [os.path.join(directory, n) for n in names]
    pyenv = env("PYENV_ROOT") or os.path.join(home, ".pyenv")
    paths += [os.path.join(pyenv, "version"), os.path.join(pyenv, "versions")]
    data = env("XDG_DATA_HOME") or os.path.join(home, ".local", "share")
    config = env("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    paths += [env("UV_PYTHON_INSTALL_DIR") or os.path.join(data, "uv", "python")]
    paths += [os.path.join(config, "uv", "uv.toml"), "/etc/uv/uv.toml", "/etc/xdg/uv/uv.toml"]
    paths += [shutil.which(tool) or tool for tool in ("uv", "pyenv")]
    for directory in dict.fromkeys([*_upwards(os.getcwd()), *_upwards(root)]):
        paths += [os.path.join(directory, rel) for rel in _PER_DIR]
    return paths


def witness(
    root: str, found: list[str], base: dict[str, object] | None = None
) -> dict[str, object]:
    """The state the discovery reads (``base``, when taken already), and the interpreters
    ``found``, as variables and stat signatures."""
    if base is None:
        environ = {k: v for k, v in os.environ.items() if k in _VARS or k.startswith(_PREFIXES)}
        base = {
            "environ": dict(sorted(environ.items())),
            "cwd": os.getcwd(),
            "stats": [[p, _sig(p)] for p in _paths(root)],
        }
    stats = base["stats"]
    assert isinstance(stats, list)
    return {**base, "stats": stats + [[p, _sig(p)] for p in found]}


def _settled(state: dict[str, object], now: int) -> bool:
    stats = state["stats"]
    assert isinstance(stats, list)
    return all(sig is None or int(sig[1]) < now - statcache.RACY_NS for _, sig in stats)


def _found(output: str) -> list[str]:
    """The interpreters an output names (not ``-``, a version not found)."""
    paths = [line.partition(" ")[2] for line in output.splitlines()]
    return [p for p in paths if p and p != "-"]


def cached_output(root: str, find: Callable[[str], str]) -> str:
    """What ``python -m ci_gates.checks.interpreters`` prints, ``find(root)``: ``VERSION PATH``
    lines (``-`` for a version not found), kept while :func:`witness` is unchanged.

    The last :data:`KEEP` matrices are kept, so commands started with different variables
    (nox through a pyenv shim, a shell, CI) do not find the interpreters again in turn.
    """
    memo = os.path.join(root, MEMO)
    now = statcache.in_memory().now()
    base = witness(root, [])
    try:
        with open(memo, encoding="utf-8") as f:
            entries = json.load(f)["entries"]
        for entry in entries:
            output = str(entry["output"])
            if entry["witness"] == witness(root, _found(output), base):
                return output
    except (OSError, ValueError, KeyError, TypeError):
        entries = []
    output = find(root)
    state = witness(root, _found(output), base)
    if witness(root, []) == base and _settled(state, now):
        kept = [{"witness": state, "output": output}, *entries[: KEEP - 1]]
        tmp = f"{memo}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(memo), exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"entries": kept}, f)
            os.replace(tmp, memo)
        except OSError:
            pass
    return output
