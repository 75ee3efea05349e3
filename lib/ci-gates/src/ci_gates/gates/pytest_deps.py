"""The pytest gate's selection data: what each test reached, and which tests a change reaches.

:mod:`ci_gates.gates.pytest_recorder` writes one record per process of a suite's run; this module
merges them into one entry per test (:func:`collect`), keeps them with the fingerprint of every
file they were recorded against (:class:`Data`), and answers which tests a change reaches
(:func:`reached`). Paths are repository-relative, or ``site:``-prefixed for an installed
package's copy (what the suite really ran: an edit in ``lib/x/src/pkg/m.py`` reaches the tests
that ran ``site:pkg/m.py`` once the venv holds the edited copy, compared by content).

A change to function bodies only (a Python file whose module-level *skeleton* is the same)
reaches the tests that ran the file's code. It changes a module's namespace only where that code
ran while a module was being imported (``init`` edges: the module, the file's own included, may
hold what it computed). A changed namespace (a skeleton that differs, a file without one, a module
an ``init`` edge names) reaches the tests that ran or imported the module; also every module that
imported it while being imported (``top`` edges; their namespaces may hold what changed) or ran
its code then (``init``), transitively, and the modules whose functions imported it (``call``
edges: a memo there may hold it). Memos that expose ``cache_clear()`` are emptied before each
recorded test (:mod:`ci_gates.gates.pytest_recorder_plugin`), so a test's record holds the code
that filled what it uses. Files a test read, directories it listed, and paths a process it
started was pointed at reach it by content.
"""

from __future__ import annotations

import ast
import glob
import hashlib
import json
import os
import shutil
import time

from ci_gates.gates.pytest_recorder import SITE_ONLY

DEPS = ("run", "imports", "reads", "lists", "prefixes", "pycwd")
DATA_DIR = os.path.join("target", "ci-gates", "select")
KEEP = 3  # passing runs whose data is kept: a change undone selects against the run before it


def skeleton(source: bytes) -> str:
    """A hash of a module with its function bodies left out (its import-time shape), or ""."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return ""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body = [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


def collect(out_dir: str) -> tuple[dict[str, dict[str, object]], list[list[str]]]:
    """Per test, its dependencies (``run``, ``imports``, ``reads``, ``lists``, ``prefixes``,
    ``python``, ``opaque``) with ``seconds`` and ``failed``; and the import edges. From the records in
    ``out_dir`` (a worker's own contexts, and each child's record folded into the context it
    ran for)."""
    contexts: dict[str, dict[str, set[str]]] = {}
    tests: dict[str, dict[str, object]] = {}
    edges: set[tuple[str, str, str]] = set()
    for name in sorted(os.listdir(out_dir)) if os.path.isdir(out_dir) else ():
        try:
            with open(os.path.join(out_dir, name), encoding="utf-8") as f:
                record = json.load(f)
        except (OSError, ValueError):
            continue
        for ctx, sets in record.get("contexts", {}).items():
            into = contexts.setdefault(ctx, {})
            for kind, values in sets.items():
                into.setdefault(kind, set()).update(values)
        edges.update(tuple(e) for e in record.get("edges", ()))
        for nodeid, info in record.get("tests", {}).items():
            known = tests.setdefault(nodeid, {"seconds": 0.0, "failed": False})
            known["seconds"] = max(float(known["seconds"]), float(info.get("seconds", 0.0)))  # type: ignore[arg-type]
            known["failed"] = bool(known["failed"]) or bool(info.get("failed"))
            for key in ("file", "fixtures"):
                if key in info:
                    known[key] = info[key]
    session = contexts.get("session", {})
    # Start-up's imports are every test's, and so are pytest's listings of test directories:
    # neither says what one test depends on (the import edges and the new files do).
    shared = {k: v for k, v in session.items() if k not in ("imports", "lists")}
    out: dict[str, dict[str, object]] = {}
    for nodeid, info in tests.items():
        if nodeid not in contexts:
            continue  # collected, not run (deselected)
        parts = [contexts[nodeid], contexts.get(f"collect {info.get('file', '')}", {}), shared]
        parts += [contexts.get(f"fixture {f}", {}) for f in info.get("fixtures", ())]  # type: ignore[attr-defined]
        entry: dict[str, object] = {"seconds": info["seconds"], "failed": info["failed"]}
        for kind in (*DEPS, "python", "opaque"):
            found = sorted(set().union(*(p.get(kind, set()) for p in parts)))
            if found:
                entry[kind] = found
        out[nodeid] = entry
    return out, sorted(list(e) for e in edges)


class Data:
    """One passing run's selection data of a suite in one environment (``<dir>/data-<time>.json``)."""

    FORMAT = 3  # 3: ``init`` edges

    def __init__(self, path: str) -> None:
        self.path = path
        self.key = ""
        self.files: dict[str, str] = {}  # path -> content hash, when last recorded
        self.skeletons: dict[str, str] = {}  # python path -> skeleton hash, when recorded
        self.tests: dict[str, dict[str, object]] = {}
        self.edges: list[list[str]] = []

    @classmethod
    def load(cls, path: str) -> Data | None:
        try:
            with open(path, encoding="utf-8") as f:
                raw = json.load(f)
        except (OSError, ValueError):
            return None
        if not isinstance(raw, dict) or raw.get("format") != cls.FORMAT:
            return None
        data = cls(path)
        data.key = str(raw.get("key", ""))
        data.files = dict(raw.get("files", {}))
        data.skeletons = dict(raw.get("skeletons", {}))
        table = list(raw.get("paths", []))
        for nodeid, entry in dict(raw.get("tests", {})).items():
            test = {k: v for k, v in entry.items() if k not in DEPS}
            for kind in DEPS:
                if kind in entry:
                    test[kind] = [table[i] for i in entry[kind]]
            data.tests[nodeid] = test
        data.edges = [list(e) for e in raw.get("edges", [])]
        return data

    def save(self) -> None:
        table: dict[str, int] = {}
        tests = {}
        for nodeid, entry in self.tests.items():
            packed = {k: v for k, v in entry.items() if k not in DEPS}
            for kind in DEPS:
                if kind in entry:
                    packed[kind] = [table.setdefault(p, len(table)) for p in entry[kind]]  # type: ignore[attr-defined]
            tests[nodeid] = packed
        raw = {
            "format": self.FORMAT,
            "key": self.key,
            "files": self.files,
            "skeletons": self.skeletons,
            "paths": list(table),
            "tests": tests,
            "edges": self.edges,
        }
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        tmp = f"{self.path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(raw, f, separators=(",", ":"))
        os.replace(tmp, self.path)

    def update(self, tests: dict[str, dict[str, object]], edges: list[list[str]]) -> None:
        """Fold in a selected run: the tests that ran replace their entries; edges add up."""
        self.tests.update(tests)
        both = {tuple(e) for e in self.edges} | {tuple(e) for e in edges}
        self.edges = [list(e) for e in sorted(both)]

    def forget_files(self, gone: set[str], suite: str) -> None:
        """Drop the tests of test files that no longer exist."""
        prefix = f"{suite}/" if suite else ""
        for nodeid in [n for n in self.tests if prefix + n.split("::")[0] in gone]:
            del self.tests[nodeid]


class Change:
    """What differs between the recorded fingerprint and now."""

    def __init__(self, before: dict[str, str], now: dict[str, str]) -> None:
        self.changed = {p for p in now if p in before and before[p] != now[p]}
        self.added = set(now) - set(before)
        self.removed = set(before) - set(now)

    @property
    def paths(self) -> set[str]:
        return self.changed | self.added | self.removed

    def __bool__(self) -> bool:
        return bool(self.paths)


class Reach:
    """What a change reaches: ``code`` (files whose code changed: a test that ran it) and
    ``names`` (files whose namespace may have changed: a test that ran or imported it)."""

    def __init__(self, code: set[str], names: set[str]) -> None:
        self.code, self.names = code | names, names


def affected(change: Change, data: Data, skeletons_now: dict[str, str]) -> Reach:
    """The files whose code or namespace a change can reach (see the module's docstring)."""
    edges: dict[str, dict[str, set[str]]] = {"top": {}, "call": {}, "init": {}}
    for importer, imported, kind in data.edges:
        edges.get(kind, edges["top"]).setdefault(imported, set()).add(importer)
    top, call, init = edges["top"], edges["call"], edges["init"]
    code = set(change.paths)
    queue: list[str] = []
    for path in change.paths:
        body_only = (
            path in change.changed
            and path.endswith(".py")
            and data.skeletons.get(path, "") != ""
            and data.skeletons.get(path) == skeletons_now.get(path)
        )
        queue.extend(init.get(path, ()) if body_only else [path])
    seen: set[str] = set()
    while queue:
        path = queue.pop()
        if path not in seen:
            seen.add(path)
            queue.extend(top.get(path, ()))
            queue.extend(init.get(path, ()))
    return Reach(code, seen.union(*(call.get(p, ()) for p in seen)))


def _test_module(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name.startswith("test") or name.endswith("_test.py")


def reached(test: dict[str, object], change: Change, reach: Reach) -> str:
    """Why ``change`` reaches ``test`` ("" when it does not)."""
    if test.get("failed"):
        return "failed last time"
    if test.get("opaque") and change:
        return "it ran what cannot be traced"
    programs = [str(p) for p in test.get("python", ())]  # type: ignore[attr-defined]
    if programs:
        # A Python process that cannot record may import any module (one that is contained,
        # any installed one); a test module only by a path it was given (its working
        # directory, an argument: ``prefixes`` below).
        anywhere = any(not p.endswith(SITE_ONLY) for p in programs)
        modules = [
            p
            for p in change.paths
            if p.endswith(".py") and not _test_module(p) and (anywhere or p.startswith("site:"))
        ]
        if modules:
            name = min(programs).removesuffix(SITE_ONLY)
            return f"a Python process it started ({name}) may import {min(modules)}"
    for kind, files, verb in (("run", reach.code, "ran"), ("imports", reach.names, "imported")):
        hit = files.intersection(test.get(kind, ()))  # type: ignore[arg-type]
        if hit:
            return f"it {verb} {min(hit)}"
    hit = change.paths.intersection(test.get("reads", ()))  # type: ignore[arg-type]
    if hit:
        return f"it read {min(hit)}"
    parents = {os.path.dirname(p) or "." for p in change.paths if not p.endswith("/__pycache__")}
    hit = parents.intersection(test.get("lists", ()))  # type: ignore[arg-type]
    if hit:
        return f"it listed {min(hit)}"
    for kind in ("prefixes", "pycwd"):
        for prefix in test.get(kind, ()):  # type: ignore[attr-defined]
            under = prefix + "/"
            for path in change.paths:
                if kind == "pycwd" and _test_module(path):
                    continue
                if prefix == "." or path == prefix or path.startswith(under):
                    if not path.startswith("site:"):
                        return f"a process it started was pointed at {prefix}"
    return ""


def data_path(root: str, label: str, key: str) -> str:
    """Where a passing run's data goes: a new file, next to the data of the runs before it."""
    return os.path.join(suite_dir(root, label), key, f"data-{time.time_ns()}.json")


def snapshots(root: str, label: str, key: str) -> list[str]:
    """The kept data of one environment, oldest first."""
    found = glob.glob(os.path.join(suite_dir(root, label), key, "data*.json"))
    return sorted(found, key=lambda p: (os.path.getmtime(p), p))


def suite_dir(root: str, label: str) -> str:
    """Where one suite's data is kept, one directory per environment key."""
    return os.path.join(root, DATA_DIR, label.replace("/", "+") or "root")


def prune(root: str, label: str, key: str) -> None:
    """Keep one environment's data per suite (another key is another environment), and the
    data of its last :data:`KEEP` passing runs."""
    base = suite_dir(root, label)
    for other in glob.glob(os.path.join(base, "*")):
        if os.path.basename(other) != key:
            shutil.rmtree(other, ignore_errors=True)
    for old in snapshots(root, label, key)[:-KEEP]:
        os.remove(old)
