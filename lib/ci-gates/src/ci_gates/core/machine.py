"""Machine facts in a digest: the environment and the commands' answers, asked only when they can differ.

A digest holds :func:`environment` (the interpreter, every installed distribution, the library's
files) and what the ``machine`` commands and the tools' ``--version`` print. Asking all of it
each run cost more than the rest of a cached run, so:

- the installed distributions are read from their metadata only when a directory on
  ``sys.path`` or a distribution's metadata file changed since the last reading (installing,
  removing or upgrading a distribution adds or removes a ``*.dist-info`` entry, which changes
  its directory's stat); the reading is kept in ``ci-gates-facts.json`` in the environment
  (:data:`FACTS`);
- the library's files are hashed through the stat cache (:mod:`ci_gates.core.statcache`);
- ``TOOL --version`` of a tool installed in the running gates environment is a fact of that
  environment: kept with :func:`environment`'s value and the tool's stat, asked again when
  either changes;
- every other command (``git rev-parse HEAD``, ``rustc --version`` through rustup's proxy, the
  interpreter matrix) runs every time, all of them at once (:func:`outputs`): they can change
  without anything here changing.

A reading taken while a directory was changing (its times within the stat cache's racy window)
is not kept, so a change in the same timestamp tick is never missed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import threading

from ci_gates.core import statcache

FACTS = "ci-gates-facts.json"
KEEP = 4
_LOCK = threading.Lock()


def _sig(path: str) -> list[int] | None:
    """What identifies a directory's entries or an installed file: size, mtime, inode, device.

    Not the change time: installers hard-link one cached file into every environment, and each
    new link changes the ctime of all of them (a directory's entries change its mtime; a new
    version of a tool is a new file).
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev]


def _settled(sigs: list[list[int] | None], now: int) -> bool:
    """No witness changed within the racy window before ``now``."""
    return all(s is None or s[1] < now - statcache.RACY_NS for s in sigs)


def _facts_path() -> str:
    """The facts file of the running environment; "" outside a venv (nothing to keep it in)."""
    return os.path.join(sys.prefix, FACTS) if sys.prefix != sys.base_prefix else ""


def _read_facts() -> dict[str, object]:
    path = _facts_path()
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _update_facts(key: str, value: object) -> None:
    path = _facts_path()
    if not path:
        return
    with _LOCK:
        data = _read_facts()
        data[key] = value
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except OSError:
            try:
                os.remove(tmp)
            except OSError:
                pass


def _metadata_sigs() -> list[list[int] | None]:
    """The stat of each ``sys.path`` entry and of the metadata file of every distribution in
    it: a distribution added or removed changes its directory, one rewritten in place (an
    editable install's ``PKG-INFO``) changes its metadata file."""
    sigs = []
    for entry in sys.path:
        sigs.append(_sig(entry))
        try:
            names = sorted(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        for name in names:
            meta = "METADATA" if name.endswith(".dist-info") else "PKG-INFO"
            path = os.path.join(entry, name)
            sigs.append(_sig(os.path.join(path, meta) if os.path.isdir(path) else path))
    return sigs


def _distributions() -> list[str]:
    """``name==version`` of every distribution importable here, sorted (kept while
    ``sys.path``'s directories are unchanged; the last :data:`KEEP` readings, one per
    ``sys.path``, so callers that differ in ``PYTHONPATH`` do not read the metadata in turn)."""
    finders = sorted(type(f).__qualname__ for f in sys.meta_path)
    sigs = _metadata_sigs()
    witness: dict[str, object] = {"path": list(sys.path), "finders": finders, "sigs": sigs}
    kept = _read_facts().get("distributions")
    kept = [e for e in kept if isinstance(e, dict)] if isinstance(kept, list) else []
    for entry in kept:
        lines = entry.get("lines")
        if entry.get("witness") == witness and isinstance(lines, list):
            return [str(x) for x in lines]
    now = statcache.in_memory().now()
    from importlib import metadata

    found = set()
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            found.add(f"{re.sub(r'[-_.]+', '-', name).lower()}=={dist.version}")
    lines = sorted(found)
    if _settled(sigs, now) and sigs == _metadata_sigs():
        fresh = {"witness": witness, "lines": lines}
        _update_facts("distributions", [fresh, *kept[: KEEP - 1]])
    return lines


@functools.cache
def environment() -> str:
    """What this process runs on: the interpreter, every installed distribution, the library.

    The base interpreter's real path and version (a venv's own path differs per checkout, the
    interpreter it was made from does not), ``name==version`` of every distribution importable
    here, and a hash of the library's own files as loaded (an in-tree or reinstalled library of
    the same version is still a different library). Computed once per process.
    """
    h = hashlib.sha256()
    base = getattr(sys, "_base_executable", "") or sys.executable
    h.update(f"{os.path.realpath(base)}\0{sys.version}\0".encode())
    for line in _distributions():
        h.update(f"{line}\0".encode())
    h.update(library_hash().encode())
    return h.hexdigest()


def library_hash() -> str:
    """sha256 over the library's Python files (and data), as this process loads them."""
    import ci_gates

    top = os.path.dirname(os.path.abspath(ci_gates.__file__))
    files = statcache.walk(top, (".py", ".json", ".txt"))
    return statcache.files_digest(files, statcache.current())


def _env_tool(command: str) -> str:
    """The executable of ``TOOL --version`` when TOOL is installed in the running venv, else ""."""
    import shutil

    words = command.split()
    if len(words) != 2 or words[1] != "--version" or sys.prefix == sys.base_prefix:
        return ""
    exe = shutil.which(words[0])
    if not exe:
        return ""
    prefix = os.path.realpath(sys.prefix)
    return exe if os.path.realpath(exe).startswith(prefix + os.sep) else ""


def _start(command: str, cwd: str) -> subprocess.Popen[str] | str:
    try:
        return subprocess.Popen(
            command.split(),
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
    except OSError as exc:
        return f"cannot run: {exc.strerror}"


def outputs(commands: list[str], cwd: str) -> dict[str, str]:
    """What each command prints (``"<exit>:<stdout><stderr>"``), the live ones run at once."""
    kept = _read_facts().get("versions")
    kept = kept if isinstance(kept, dict) else {}
    answers: dict[str, str] = {}
    remember: dict[str, object] = {}
    running: dict[str, subprocess.Popen[str]] = {}
    for command in dict.fromkeys(commands):
        exe = _env_tool(command)
        key = [environment(), exe, _sig(os.path.realpath(exe))] if exe else None
        entry = kept.get(command)
        if key is not None and isinstance(entry, dict) and entry.get("key") == key:
            answers[command] = str(entry.get("output"))
            continue
        started = _start(command, cwd)
        if isinstance(started, str):
            answers[command] = started
        else:
            running[command] = started
            if key is not None:
                remember[command] = key
    for command, proc in running.items():
        out, err = proc.communicate()
        answers[command] = f"{proc.returncode}:{out}{err}"
    if remember:
        now = statcache.in_memory().now()
        fresh = {
            c: {"key": key, "output": answers[c]}
            for c, key in remember.items()
            if _settled([key[2]], now)  # type: ignore[index]
        }
        if fresh:
            _update_facts("versions", {**kept, **fresh})
    return {c: answers[c] for c in commands}
