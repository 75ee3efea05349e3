"""Result cache: a gate whose declared inputs did not change since its last pass is not run.

A gate's digest (:func:`digest`) covers everything its registry entry declares it reads:

- the files matching its ``inputs`` globs (content, not mtime; tracked or untracked but not
  git-ignored, so a new test file counts); a gate that declares none depends on every file;
- the ``[tool.ci-gates]`` sections it names in ``config``, plus ``ignore`` (which changes verdicts);
- the environment it runs in (:func:`environment`): the interpreter (its real path and version),
  every installed distribution with its version, and the library's own files that ran; plus the
  ``--version`` of every command it runs (a new cargo or ruff means a new result), so a pass
  from another environment is never served;
- for a project's own gate (a plugin), its module and the project modules it imports;
- its ``fingerprint(root)``, when it declares one (the build gate: the build's input hash);
- what it reads off the machine (``machine``: commands whose output goes in the digest, e.g.
  ``wc --version``) and the environment variables in ``env``;
- the digests of the gates it requires that build or use the artifacts (:func:`artifact_chain`),
  so a gate downstream of a rebuilt wheel runs again.

Nothing in a digest depends on where the checkout lives (paths are relative to the root) or on
modification times, so a cache directory copied to another clone, or restored on another machine
of the same image (CI's ``actions/cache``), serves the same passes. Stat data only decides
whether a file is read again (:mod:`ci_gates.core.statcache`, git's index for ``git status``),
and what is kept of the machine says what it was kept for (:mod:`ci_gates.core.machine`).

Only a **pass** is stored (``target/ci-gates/cache/<gate>.json``, or under ``CI_GATES_CACHE_DIR``),
the last few per gate, each under its digest; a failure is never cached.
``--no-cache`` or ``CI_GATES_NO_CACHE=1`` runs everything. A gate with ``cacheable=False``
always runs. A cache file that cannot be read is ignored with a note.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import re
import subprocess
import sys

from ci_gates.core import statcache
from ci_gates.core.machine import environment, library_hash

__all__ = ["Digester", "environment", "library_hash"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.registry import Gate

CACHE_DIR = os.path.join("target", "ci-gates", "cache")
FORMAT = 3  # bump when the digest's recipe changes, so old entries stop matching
ENV_DISABLE = "CI_GATES_NO_CACHE"
ENV_DIR = "CI_GATES_CACHE_DIR"  # the cache directory, when not <root>/target/ci-gates/cache
KEEP = 8  # passes kept per gate (newest first)


def disabled() -> bool:
    return os.environ.get(ENV_DISABLE, "").strip().lower() not in ("", "0", "false", "no")


@functools.cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """``**`` spans directories, ``*`` and ``?`` stay inside one path segment."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class Digester:
    """Per-run memo of what several gates' digests share (file list, file hashes, versions)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._files: list[str] | None = None
        self._matches: dict[str, list[str]] = {}
        self._hashes: dict[str, str] = {}
        self._stats = statcache.use(root)
        self._outputs: dict[str, str] = {}
        self._modules: dict[str, set[str]] = {}
        self._digests: dict[str, str] = {}

    def files(self) -> list[str]:
        """Repo-relative paths of tracked and untracked, not ignored, files."""
        if self._files is None:
            try:
                out = subprocess.run(
                    ["git", "ls-files", "-co", "--exclude-standard", "-z"],
                    cwd=self.root,
                    capture_output=True,
                    check=True,
                ).stdout.decode("utf-8", "surrogateescape")
                self._files = sorted(p for p in out.split("\0") if p)
            except (OSError, subprocess.CalledProcessError):
                self._files = []  # not a git checkout: globs match nothing; see digest()
        return self._files

    def matching(self, pattern: str) -> list[str]:
        """The files (:meth:`files`) the glob ``pattern`` matches, in order."""
        if pattern not in self._matches:
            regex = _glob_regex(pattern)
            self._matches[pattern] = [rel for rel in self.files() if regex.match(rel)]
        return self._matches[pattern]

    def file_hash(self, rel: str) -> str:
        """sha256 of the file's bytes ("missing": deleted but still in the index); reused from
        the stat cache while the file's stat is unchanged (:mod:`ci_gates.core.statcache`)."""
        if rel not in self._hashes:
            self._hashes[rel] = self._stats.sha256(os.path.join(self.root, rel))
        return self._hashes[rel]

    def prefetch(self, commands: list[str]) -> None:
        """Ask every command of ``commands`` at once (:func:`ci_gates.core.machine.outputs`)."""
        from ci_gates.core.machine import outputs

        todo = [c for c in dict.fromkeys(commands) if c not in self._outputs]
        if todo:
            self._outputs.update(outputs(todo, self.root))

    def output(self, command: str) -> str:
        """What ``command`` prints (``cargo --version``); part of the digest, memoised."""
        if command not in self._outputs:
            self.prefetch([command])
        return self._outputs[command]

    def save(self) -> None:
        """Keep the file hashes of this run for the next (the stat cache)."""
        self._stats.save()

    def modules(self, module: str) -> set[str]:
        """A project module and every module of its top package it imports, transitively, as
        file paths relative to the root (what a plugin gate runs of the project's own code)."""
        if module in self._modules:
            return self._modules[module]
        top = module.partition(".")[0]
        seen: set[str] = set()
        stack = [module]
        while stack:
            name = stack.pop()
            path = _module_path(self.root, name)
            if path is None or path in seen:
                continue
            seen.add(path)
            stack.extend(_package_imports(os.path.join(self.root, path), name, top))
        self._modules[module] = seen
        return seen

    def digest(self, gate: Gate, by_name: dict[str, Gate]) -> str:
        if gate.name in self._digests:
            return self._digests[gate.name]
        h = hashlib.sha256()

        def add(label: str, value: str) -> None:
            h.update(f"{label}\0{value}\0".encode("utf-8", "surrogateescape"))

        add("format", str(FORMAT))
        add("gate", gate.name)
        add("environment", environment())
        for pattern in gate.inputs:
            for rel in self.matching(pattern):
                add(f"file {rel}", self.file_hash(rel))
        if not gate.module.startswith("ci_gates."):
            for path in sorted(self.modules(gate.module)):
                add(f"module {path}", self.file_hash(path))
        add("config", _config_part(self.root, gate.config))
        for requirement in sorted(gate.packages):
            add(f"package {requirement}", requirement)
        for command in (*(f"{c} --version" for c in gate.commands), *gate.machine):
            add(f"machine {command}", self.output(command))
        for var in gate.env:
            add(f"env {var}", os.environ.get(var, "<unset>"))
        if gate.fingerprint is not None:
            add("fingerprint", gate.fingerprint(self.root))
        for req in gate.requires:
            if artifact_chain(by_name[req], by_name):
                add(f"requires {req}", self.digest(by_name[req], by_name))
        self._digests[gate.name] = h.hexdigest()
        return self._digests[gate.name]


def artifact_chain(gate: Gate, by_name: dict[str, Gate]) -> bool:
    """Does ``gate`` produce or use the build's artifacts (a ``fingerprint``, or requires one)?

    Such a prerequisite's digest is part of its dependents' (a rebuilt wheel re-runs every
    check of it). Other ``requires`` only order the run: their inputs are not their
    dependents' inputs, and the runner already refuses to run a dependent of a failure.
    """
    return gate.fingerprint is not None or any(
        artifact_chain(by_name[r], by_name) for r in gate.requires
    )


def _module_path(root: str, module: str) -> str | None:
    base = module.replace(".", "/")
    for rel in (f"{base}.py", f"{base}/__init__.py"):
        if os.path.isfile(os.path.join(root, rel)):
            return rel
    return None


def _package_imports(path: str, module: str, top: str) -> list[str]:
    """The modules of package ``top`` imported anywhere in ``path`` (also inside functions)."""
    try:
        with open(path, "rb") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, ValueError):
        return []
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.append(base)
            found.extend(f"{base}.{a.name}" for a in node.names)  # `from ci import shell`
    parents = {m.rpartition(".")[0] for m in found if "." in m}
    return [m for m in {*found, *parents} if m == top or m.startswith(f"{top}.")]


def _config_part(root: str, sections: tuple[str, ...]) -> str:
    from ci_gates.core.config import ConfigError, load

    try:
        config = load(root)
    except ConfigError as exc:
        return f"invalid: {exc}"
    wanted = {name: config.get(name) for name in (*sections, "ignore")}
    return json.dumps(wanted, sort_keys=True)


def cache_dir(root: str) -> str:
    """Where passes are stored: ``CI_GATES_CACHE_DIR`` when set, else under the root's target/."""
    chosen = os.environ.get(ENV_DIR, "").strip()
    return os.path.abspath(chosen) if chosen else os.path.join(root, CACHE_DIR)


def _path(root: str, gate: str) -> str:
    return os.path.join(cache_dir(root), f"{gate}.json")


def _entries(root: str, gate: str) -> list[dict[str, object]]:
    """The gate's stored passes, newest first (an unreadable file is noted and counts as none)."""
    path = _path(root, gate)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        print(f"note: ignoring unreadable cache entry {path} ({exc})", file=sys.stderr)
        return []
    if isinstance(data, dict) and "digest" in data:
        return []  # the one-entry layout of earlier versions: its digests never match now
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        print(f"note: ignoring malformed cache entry {path}", file=sys.stderr)
        return []
    return [
        e
        for e in entries
        if isinstance(e, dict)
        and isinstance(e.get("digest"), str)
        and isinstance(e.get("result"), dict)
    ]


def lookup(root: str, gate: str, digest: str) -> dict[str, object] | None:
    """The stored passing result for ``digest``, or None."""
    for entry in _entries(root, gate):
        if entry["digest"] == digest:
            result: dict[str, object] = entry["result"]  # type: ignore[assignment]
            return result
    return None


def newest(root: str, gate: str) -> dict[str, object] | None:
    """The gate's most recent stored pass, whatever its digest (for scheduling, not verdicts)."""
    entries = _entries(root, gate)
    result: dict[str, object] | None = entries[0]["result"] if entries else None  # type: ignore[assignment]
    return result


def _write(root: str, gate: str, entries: list[dict[str, object]]) -> None:
    path = _path(root, gate)
    if not entries:
        try:
            os.remove(path)
        except OSError:
            pass
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"entries": entries}, f, indent=1)
    os.replace(tmp, path)


def store(root: str, gate: str, digest: str, result: dict[str, object], keep: int = KEEP) -> None:
    """Store a pass as the newest of at most ``keep`` entries.

    Several are kept so that a partial run (``nox -s pytest -- -k x``: another digest) or a
    switch between branches does not evict the full pass; a gate that leaves outputs keeps
    one, since only the latest run's outputs are on disk.
    """
    newest: dict[str, object] = {"digest": digest, "result": result}
    old = [e for e in _entries(root, gate) if e["digest"] != digest]
    _write(root, gate, [newest, *old][: max(keep, 1)])


def forget(root: str, gate: str, digest: str | None = None) -> None:
    """Drop the entry for ``digest`` (every entry when None)."""
    if digest is None:
        _write(root, gate, [])
    else:
        _write(root, gate, [e for e in _entries(root, gate) if e["digest"] != digest])
