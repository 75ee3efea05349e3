"""Record what each test reaches: the data the pytest gate selects tests from.

It runs in a suite's venv, where ``ci_gates`` may not be installed: the gate copies it there as
the module ``ci_gates_select_recorder`` with a ``.pth`` line that starts it in every Python
child a test runs (it records for that test); it imports only the standard library.

For each *context* (a test from setup to teardown, a test file's collection, a broader
fixture's setup, the session) it records:

- ``run``: the files whose code ran (a call tracer: ``sys.monitoring`` on 3.12+, else
  ``sys.settrace`` on call events only; in the session context only code that is not a module's
  own body, i.e. functions run at start-up and by hooks);
- ``imports``: the files of the modules an import statement or ``importlib.import_module`` named;
- ``reads`` and ``lists``: files opened and directories listed (the ``open``, ``os.listdir`` and
  ``os.scandir`` audit events);
- ``prefixes``: for a process it started that records nothing itself (git, cargo, ruff), the
  paths inside the root its working directory, arguments and changed environment name (not an
  inherited directory when it is given an absolute path outside the root: it works there);
- ``pycwd``: the working directory a Python it started inherited (test modules left out);
- ``python``: it started a Python that cannot record (``-S``, another interpreter, ``uv run``,
  a shell running python): it may import any module, and reads what its ``prefixes`` name;
  the program's name ends in ``:site`` when that Python is outside the repository and given no
  path in it (it may import the installed packages only; its directory is in ``pycwd``);
- ``opaque``: it forked, lost the tracer, or started a process it could not read: anything.

For the whole process, ``edges``: ``[importer, imported, kind]``, kind ``top`` when the import
ran while a module's own body was executing (its namespace may hold what it imported), else
``call``; ``[module, file, "init"]``: code of ``file`` (or the module's own) ran while the
module's body was executing. Paths are repo-relative or ``site:``-prefixed (a tracked
installed package, relative to its site-packages); each process writes ``<out>/<pid>.json``.
"""

from __future__ import annotations

import builtins
import importlib
import json
import os
import sys
import threading
import types
from shutil import which as _which  # a test may replace shutil.which; the recorder keeps its own

OUT = "CI_GATES_SELECT_OUT"  # the directory of this run's records
ROOT = "CI_GATES_SELECT_ROOT"  # the repository root
SITE = "CI_GATES_SELECT_SITE"  # site-packages dir, os.pathsep, tracked top-level names...
ONLY = "CI_GATES_SELECT_ONLY"  # a file of the node ids to keep (a selected run)
KEY = "CI_GATES_SELECT_KEY"  # in a child process: the context it records for
OURS = (OUT, ROOT, SITE, ONLY, KEY)
SESSION = "session"
SHELLS = ("sh", "bash", "dash", "zsh")
LAUNCHERS = ("uv", "uvx", "pipx", "tox", "hatch", "pdm", "poetry")
# uv commands that make environments, install and find interpreters: they import no module of
# the project (a build backend they run works in the directory they are given, a path below).
UV_MANAGES = ("pip", "venv", "python", "cache", "self", "version", "help")
IMPORT_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")
KINDS = ("run", "imports", "reads", "lists", "prefixes", "pycwd", "python", "opaque")
NEWLOCALS = 0x2  # inspect.CO_NEWLOCALS: a function's code, not a class body's
SITE_ONLY = ":site"  # after a program name: a Python that may import only installed packages


class Recorder:
    def __init__(self, key: str = SESSION, trace: bool = True) -> None:
        self.out = os.environ[OUT]
        self.root = os.path.realpath(os.environ[ROOT])
        site, *self.packages = os.environ.get(SITE, "").split(os.pathsep)
        self.site = os.path.realpath(site) if site else ""
        self.here = os.path.abspath(os.environ[ROOT])
        self.key = key
        self.contexts: dict[str, dict[str, set[object]]] = {}
        self.edges: set[tuple[str, str, str]] = set()
        self.tests: dict[str, dict[str, object]] = {}
        self.environ = dict(os.environ)
        self.flushed = False
        self.switch(key)
        self.owners: dict[str, bool] = {}
        self.depth = 0  # imports in progress through the hooks below, on any thread
        self._import = builtins.__import__
        self._import_module = importlib.import_module
        builtins.__import__ = self.hooked_import
        importlib.import_module = self.hooked_import_module  # type: ignore[assignment]
        sys.addaudithook(self.audit)
        if hasattr(os, "register_at_fork"):  # a forked child ends in os._exit: it never records
            os.register_at_fork(before=lambda: self.now["opaque"].add("forked a process"))
        self.tracing = False
        if trace:
            self.start_tracer()

    def switch(self, name: str, child_key: bool = False) -> None:
        """Record into context ``name`` from now on (children started now record for it)."""
        self.name = name
        self.now = self.contexts.setdefault(name, {k: set() for k in KINDS})
        if child_key:
            os.environ[KEY] = name
        elif self.key == SESSION:
            os.environ.pop(KEY, None)
        mon = getattr(sys, "monitoring", None)
        if mon is not None and getattr(self, "tracing", False):
            mon.restart_events()
        elif getattr(self, "tracing", False) and sys.gettrace() != self.call:
            self.now["opaque"].add("the tracer was replaced")
            sys.settrace(self.call)

    # -- code that ran ----------------------------------------------------------------------
    def start_tracer(self) -> None:
        mon = getattr(sys, "monitoring", None)
        if mon is not None:
            tool = 4  # unnamed ids: 3 and 4; coverage, debuggers, profilers keep theirs
            if mon.get_tool(tool) is None:
                mon.use_tool_id(tool, "ci-gates-select")
                mon.register_callback(tool, mon.events.PY_START, self.started)
                mon.set_events(tool, mon.events.PY_START)
                self.tracing = True
                return
        sys.settrace(self.call)
        threading.settrace(self.call)
        self.tracing = True

    def started(self, code: types.CodeType, offset: int) -> object:
        self.now["run"].add(code)
        if code.co_name == "<module>":  # a module body: what it calls may be seen already
            sys.monitoring.restart_events()  # type: ignore[attr-defined]
        elif self.depth and self.owned(code.co_filename):
            frame = sys._getframe(1)
            self.ran_in_import(code, frame.f_back if frame.f_code is code else frame)
        return sys.monitoring.DISABLE  # type: ignore[attr-defined]

    def call(self, frame: types.FrameType, event: str, arg: object) -> None:
        code = frame.f_code
        self.now["run"].add(code)
        if self.depth and code.co_name != "<module>" and self.owned(code.co_filename):
            self.ran_in_import(code, frame.f_back)

    def ran_in_import(self, code: types.CodeType, frame: types.FrameType | None) -> None:
        holder, name = self.importing(frame), code.co_filename
        # A module's own class bodies, comprehensions and lambdas run at import as its top level
        # does: their source is in its skeleton. Its functions are not.
        top = not code.co_flags & NEWLOCALS or code.co_name.startswith("<")
        if holder and not (top and holder == name):  # it may hold what the code computed
            self.edges.add((holder, name, "init"))

    def owned(self, path: str) -> bool:
        """Is ``path`` a file the data names (:meth:`place`), not another package's?"""
        known = self.owners.get(path)
        if known is None:
            known = self.owners[path] = os.path.isabs(path) and bool(self.place(path, {}))
        return known

    # -- imports ----------------------------------------------------------------------------
    def hooked_import(self, name, globals=None, locals=None, fromlist=(), level=0):  # type: ignore[no-untyped-def]
        self.depth += 1
        try:
            module = self._import(name, globals, locals, fromlist, level)
        finally:
            self.depth -= 1
        try:
            if fromlist:
                found = [module, *(getattr(module, n, None) for n in fromlist if n != "*")]
            else:
                found = [sys.modules.get(name) if not level else module]
            self.imported(found, globals)
        except Exception:
            pass
        return module

    def hooked_import_module(self, name: str, package: str | None = None) -> object:
        self.depth += 1
        try:
            module = self._import_module(name, package)
        finally:
            self.depth -= 1
        try:
            self.imported([module], sys._getframe(1).f_globals)
        except Exception:
            pass
        return module

    def imported(self, modules: list[object], importer: dict[str, object] | None) -> None:
        files = [f for f in (getattr(m, "__file__", None) for m in modules) if isinstance(f, str)]
        if not files:
            return
        self.now["imports"].update(files)
        # A module body runs only inside an import (ours, on some thread): outside one, an
        # import statement runs in a function, and the stack need not be walked (hot loops
        # import in functions hundreds of thousands of times).
        top = self.importing(sys._getframe(3)) if self.depth else ""
        source = top or (importer or {}).get("__file__")
        if isinstance(source, str):
            for f in files:
                self.edges.add((source, f, "top" if top else "call"))

    def importing(self, frame: types.FrameType | None) -> str:
        """The file of the innermost module body running (an import's), if it is ours, or ""."""
        while frame is not None:
            if frame.f_code.co_name == "<module>":
                name = frame.f_code.co_filename
                ours = frame.f_globals.get("__name__") != "__main__" and self.owned(name)
                return name if ours else ""
            frame = frame.f_back
        return ""

    # -- files read, processes started ------------------------------------------------------
    def audit(self, event: str, args: tuple[object, ...]) -> None:
        if event == "open":
            path = args[0]
            if isinstance(path, (str, bytes)) and not os.fsdecode(path).endswith(".pyc"):
                self.now["reads"].add(os.path.abspath(os.fsdecode(path)))
        elif event in ("os.listdir", "os.scandir"):
            path = args[0] if args else None
            caller = sys._getframe(1).f_code.co_filename
            if caller.startswith("<frozen importlib"):
                return  # the import system's directory cache, not the code's own listing
            if path is None or isinstance(path, (str, bytes)):
                self.now["lists"].add(os.path.abspath(os.fsdecode(path or ".")))
        elif event == "subprocess.Popen":
            self.spawned(args[0], args[1], args[2], args[3])
        elif event == "os.posix_spawn":
            self.spawned(args[0], args[1], None, args[2])
        elif event == "os.system":
            self.spawned("/bin/sh", ["/bin/sh", "-c", args[0]], None, None)
        elif event == "os.exec":
            self.spawned(args[0], args[1], None, args[2])
            self.flush()  # this process becomes another one: write what it saw first

    def spawned(self, executable: object, argv: object, cwd: object, env: object) -> None:
        if self.name == SESSION and self.key == SESSION:
            return  # pytest's own start-up (xdist starting its workers), not a test's
        try:
            self._spawned(executable, argv, cwd, env)
        except Exception as exc:
            self.now["opaque"].add(f"cannot read a started process: {exc}")

    def _spawned(self, executable: object, argv: object, cwd: object, env: object) -> None:
        args = [os.fsdecode(a) for a in argv] if isinstance(argv, (list, tuple)) else [str(argv)]
        paths = (str, bytes, os.PathLike)
        inherited = not isinstance(cwd, paths)
        where = os.getcwd() if inherited else os.path.abspath(os.fsdecode(cwd))  # type: ignore[arg-type]
        environ = dict(env) if isinstance(env, dict) else dict(os.environ)
        environ = {os.fsdecode(k): os.fsdecode(v) for k, v in environ.items()}
        program = os.fsdecode(executable) if isinstance(executable, paths) else (args or [""])[0]
        if os.sep not in program:
            program = _which(program, path=environ.get("PATH")) or program
        base = os.path.basename(program)
        interpreter = self.python_of(program)
        command = next((a for a in args[1:] if not a.startswith("-")), "")
        launcher = base in LAUNCHERS and not (base == "uv" and command in UV_MANAGES)
        runs_python = bool(interpreter) or launcher
        runs_python = runs_python or base in SHELLS and "python" in " ".join(args[1:])
        if interpreter and self.records(interpreter, args, environ):
            return  # it writes its own record
        changed = {k: v for k, v in environ.items() if k not in OURS and self.environ.get(k) != v}
        words = [*args, *changed.values()]
        pointed = [self._inside(where, w) for w in words]
        if runs_python:
            # Python that cannot record (another interpreter, ``-S``, uv run): it may import
            # any module of the project; its test modules only by a path, given below. One
            # outside the repository, given no path in it (an argument, an import variable),
            # reaches the repository only by its directory (below) and the installed packages.
            env = [self._inside(where, changed[k]) for k in IMPORT_ENV if k in changed]
            contained = bool(interpreter) and not any(pointed[1 : len(args)]) and not any(env)
            contained = contained and not self._local(program) and not self._local(interpreter)
            self.now["python"].add(base + (SITE_ONLY if contained else ""))
        elsewhere = any(not p and os.path.isabs(w) for p, w in zip(pointed[1:], words[1:]))
        self.now["prefixes"].update(p for found in pointed for p in found)
        if not inherited:
            self.now["prefixes"].update(self._inside(where, where))
        elif interpreter:
            # ``python -c``/``-m`` puts its inherited directory on ``sys.path`` and may read
            # relative paths there, but it is not where the suite's test modules are read.
            self.now["pycwd"].update(self._inside(where, where))
        elif not elsewhere:
            # A program given an absolute path outside the repository works there (``git
            # init /tmp/x``, ``uv pip install --python /tmp/v/bin/python``): the directory
            # it merely inherited is not where it looks.
            self.now["prefixes"].update(self._inside(where, where))

    def _inside(self, where: str, word: str) -> list[str]:
        """The paths inside the root that ``word`` names (a word may be a PATH-like list)."""
        out = []
        for part in word.replace("=", os.pathsep).split(os.pathsep):
            if part and (os.sep in part or part == "."):
                path = os.path.normpath(os.path.join(where, part))
                if path.startswith(self.root + os.sep) or path == self.root:
                    out.append(path)
        return out

    def _local(self, path: str) -> bool:
        """A program in the repository that is not the suite's own interpreter (a venv there
        may hold a ``.pth`` or an editable install pointing anywhere in the repository). A
        venv's ``python`` is a link: where it is, not what it links to, says whose it is."""
        where = os.path.realpath(os.path.dirname(os.path.abspath(path)))
        if where == os.path.realpath(os.path.dirname(sys.executable)):
            return False
        return (where + os.sep).startswith((self.root + os.sep, self.here + os.sep))

    def python_of(self, program: str) -> str:
        """The interpreter ``program`` runs on ("" when it is not Python)."""
        if os.path.basename(program).startswith("python"):
            return program
        try:
            with open(program, "rb") as f:
                first = f.readline(200)
        except OSError:
            return ""
        if first.startswith(b"#!") and b"python" in first:
            return os.fsdecode(first[2:].split()[0]) if first[2:].split() else program
        return ""

    def records(self, interpreter: str, args: list[str], environ: dict[str, str]) -> bool:
        """Does a child on ``interpreter`` with ``args`` write its own record?"""
        mine = os.path.realpath(os.path.dirname(interpreter)) == os.path.realpath(
            os.path.dirname(sys.executable)
        )
        flags = [a for a in args[1:4] if a.startswith("-") and not a.startswith("--")]
        no_site = any("S" in a[1:] for a in flags if a not in ("-c", "-m"))
        return mine and not no_site and environ.get(KEY) == self.name

    # -- writing ----------------------------------------------------------------------------
    def place(self, path: str, cache: dict[str, str]) -> str:
        """``path`` as the gate names it: repo-relative, ``site:``-relative, or ""."""
        if path not in cache:
            real = os.path.realpath(path)
            if self.site and real.startswith(self.site + os.sep):
                rel = real[len(self.site) + 1 :]
                top = rel.split(os.sep, 1)[0]
                name = top[:-3] if top.endswith(".py") else top
                keep = name in self.packages
                cache[path] = f"site:{rel}".replace(os.sep, "/") if keep else ""
            elif real.startswith(self.root + os.sep):
                cache[path] = os.path.relpath(real, self.root).replace(os.sep, "/")
            elif real == self.root:
                cache[path] = "."
            else:
                cache[path] = ""
        return cache[path]

    def record(self) -> dict[str, object]:
        if not self.tracing:  # a child records for one test all its life: every module it
            # loaded ran its body here (a script is ``__main__``)
            files = (getattr(m, "__file__", None) for m in list(sys.modules.values()))
            self.now["run"].update(f for f in files if isinstance(f, str))
        places: dict[str, str] = {}
        contexts: dict[str, dict[str, list[str]]] = {}
        for name, sets in self.contexts.items():
            out: dict[str, list[str]] = {}
            for kind, live in sets.items():
                values = list(live)  # sys.monitoring still calls back: the set may grow
                if kind in ("python", "opaque"):  # program names and reasons, not paths
                    found = sorted(str(v) for v in values)
                else:
                    paths = (self.code_file(v, name) for v in values) if kind == "run" else values
                    found = sorted({self.place(p, places) for p in paths if p} - {""})  # type: ignore[arg-type]
                if found:
                    out[kind] = found
            contexts[name] = out
        edges = {(self.place(a, places), self.place(b, places), k) for a, b, k in self.edges}
        return {
            "pid": os.getpid(),
            "key": self.key,
            "contexts": contexts,
            "tests": self.tests,
            "edges": sorted(e for e in edges if e[0] and e[1] and (e[0] != e[1] or e[2] == "init")),
        }

    @staticmethod
    def code_file(code: object, context: str) -> str:
        if context == SESSION and getattr(code, "co_name", "") == "<module>":
            return ""  # a module's own body at start-up: the import edges cover it
        name = code if isinstance(code, str) else getattr(code, "co_filename", "")
        return name if os.path.isabs(name) else ""  # not "<frozen ...>", "<string>"

    def flush(self) -> None:
        if self.flushed:
            return
        self.flushed = True
        sys.settrace(None)
        threading.settrace(None)
        data = self.record()
        os.makedirs(self.out, exist_ok=True)
        path = os.path.join(self.out, f"{os.getpid()}-{id(self)}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f)


RECORDER: list[Recorder] = []


def child() -> None:
    """Started by the ``.pth`` line in a process a test ran: record everything for its test."""
    if RECORDER or not os.environ.get(OUT):
        return
    import atexit

    RECORDER.append(Recorder(key=os.environ[KEY], trace=False))
    atexit.register(RECORDER[0].flush)
