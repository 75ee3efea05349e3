"""The gates environment: ONE venv per project that every gate runs in, whoever starts it.

``nox -s gates``, ``nox -s <gate>``, a CI step, ``nox -s ci_local``, the invoke tasks and the
agent's Stop hook all end in ``ci-gates run``, which runs the gates inside
``target/ci-gates/env``: the same interpreter and the same installed distributions, so a gate's
verdict cannot depend on the command that ran it. The venv holds the library itself (the one
that is running: :func:`library_requirement`) and the union of every gate's ``packages``; it
is made with uv when uv is on PATH (:mod:`ci_gates.core.venvs`), once, and brought up to date
when the requirements change (a marker records what was installed).

The result cache keys on what this environment actually holds (:func:`ci_gates.core.cache.
environment`), and tools with caches of their own keep them under :func:`tool_cache`.
"""

from __future__ import annotations

import json
import os
import sys

ENV_DIR = os.path.join("target", "ci-gates", "env")
MARKER = "ci-gates-env.json"
# Written next to the config cache for the agent hooks: where the library is installed, so a
# hook run by `python3 -I -S` can import it without paying for site-packages.
HOOKS_FILE = os.path.join("target", "ci-gates", "library.json")
DIST = "ci-gates"
# `ci-gates` commands whose verdicts or edits depend on the tools they run: they run inside the
# gates environment, made or updated first. CI_GATES_NO_ENV=1 runs them in the current
# interpreter instead (its tools must then be installed there).
IN_ENV = ("run", "rename", "fix", "report", "baseline")
NO_ENV = "CI_GATES_NO_ENV"
ENTERED = "CI_GATES_ENV_ENTERED"  # set for the process started in the env only: it never loops


def disabled() -> bool:
    """``CI_GATES_NO_ENV`` is set: commands run in the current interpreter."""
    return os.environ.get(NO_ENV, "").strip().lower() not in ("", "0", "false", "no")


def entry_environ(root: str, python: str) -> dict[str, str | None]:
    """The variables of a command started in the gates environment (None: unset), as in an
    activated venv: its tools (ruff, zizmor, ...) first on PATH."""
    venv = env_dir(root)
    path = os.pathsep.join([os.path.dirname(python), os.environ.get("PATH", "")])
    return {ENTERED: venv, "VIRTUAL_ENV": venv, "PATH": path, "PYTHONHOME": None}


def env_dir(root: str) -> str:
    return os.path.join(os.path.abspath(root), ENV_DIR)


def inside(root: str) -> bool:
    """Is this interpreter the gates environment of ``root``?"""
    return os.path.realpath(sys.prefix) == os.path.realpath(env_dir(root))


def source_dir() -> str:
    """The library's source checkout (``<dir>/src/ci_gates`` with ``<dir>/pyproject.toml``), or ""."""
    import ci_gates

    package = os.path.dirname(os.path.abspath(ci_gates.__file__))
    src = os.path.dirname(package)
    top = os.path.dirname(src)
    return top if os.path.basename(src) == "src" and _is_source(top) else ""


def _is_source(top: str) -> bool:
    try:
        with open(os.path.join(top, "pyproject.toml"), encoding="utf-8") as f:
            named = f'name = "{DIST}"' in f.read()
    except OSError:
        return False
    return named and os.path.isdir(os.path.join(top, "src", "ci_gates"))


def installed_source() -> str:
    """The source checkout the installed library was built from (PEP 610: a local directory
    that still holds it), or ""."""
    from importlib import metadata
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    try:
        direct = metadata.distribution(DIST).read_text("direct_url.json") or ""
        url = json.loads(direct)["url"] if direct else ""
    except (metadata.PackageNotFoundError, ValueError, KeyError, TypeError):
        return ""
    if not isinstance(url, str) or not url.startswith("file:"):
        return ""
    path = url2pathname(urlparse(url).path)
    return path if _is_source(path) else ""


def library_requirement() -> str:
    """The requirement that installs the library that is running now, as it was installed.

    A source checkout (this repository's ``lib/ci-gates``, or a clone someone runs from) is
    installed from that directory; an installed distribution from where it came (PEP 610's
    ``direct_url.json``: a local wheel, a path, a VCS URL) or else as ``ci-gates==VERSION``.
    So the environment always holds the library the project pins, never another one.
    """
    from importlib import metadata

    source = source_dir()
    if source:
        return source
    try:
        dist = metadata.distribution(DIST)
    except metadata.PackageNotFoundError:
        import ci_gates

        return f"{DIST}=={ci_gates.__version__}"
    direct = dist.read_text("direct_url.json")
    if direct:
        try:
            url = json.loads(direct)["url"]
        except (ValueError, KeyError, TypeError):
            url = ""
        if isinstance(url, str) and url:
            return f"{DIST} @ {url}"
    return f"{DIST}=={dist.version}"


def library_and_stamp() -> tuple[str, str]:
    """The library as a venv installs it (:func:`library_requirement`), and a stamp that
    changes when a local source of it changes.

    The running source and an installed copy built from a local checkout name that checkout
    alike: `nox` (the source on ``sys.path``) and an agent's Stop hook (the gates environment's
    copy) must share the suite's venv, not re-create it at each switch."""
    source = source_dir() or installed_source()
    return (source, source_digest(source)) if source else (library_requirement(), "")


def source_digest(directory: str) -> str:
    """sha256 over a source checkout's ``pyproject.toml`` and ``src/`` (what a build packs).

    Through the stat cache of the running project (:mod:`ci_gates.core.statcache`): a file whose
    stat did not change is not read again.
    """
    from ci_gates.core import statcache

    files = [("pyproject.toml", os.path.join(directory, "pyproject.toml"))]
    files += [(f"src/{rel}", path) for rel, path in statcache.walk(os.path.join(directory, "src"))]
    return statcache.files_digest(files, statcache.current())


def requirements(root: str) -> list[str]:
    """What the gates environment of ``root`` holds: the library and every gate's packages."""
    from ci_gates.core.registry import load

    return [library_requirement(), *load(root).packages()]


def _local_dir(requirement: str) -> str:
    """The directory a ``ci-gates @ file:///dir`` (or plain path) requirement names, or ""."""
    from urllib.parse import unquote, urlparse

    target = requirement.partition(" @ ")[2] or requirement
    if target.startswith("file:"):
        target = unquote(urlparse(target).path)
    return target if os.path.isfile(os.path.join(target, "pyproject.toml")) else ""


def _wanted(root: str) -> dict[str, object]:
    reqs = requirements(root)
    source = _local_dir(reqs[0])
    base = getattr(sys, "_base_executable", "") or sys.executable
    return {
        "python": os.path.realpath(base),
        "version": sys.version,
        "requirements": reqs,
        "library": source_digest(source) if source else reqs[0],
    }


def ensure(root: str, log: bool = True) -> str:
    """The gates environment's python, made or updated first when it is not what it should be.

    Raises :class:`ci_gates.core.venvs.VenvError` when uv or pip fails (the message quotes it).
    """
    from ci_gates.core import statcache

    statcache.use(root)
    try:
        return _ensure(root, log)
    finally:
        statcache.current().save()


def _ensure(root: str, log: bool) -> str:
    from ci_gates.core import venvs

    venv = env_dir(root)
    python = venvs.venv_python(venv)
    marker = os.path.join(venv, MARKER)
    want = _wanted(root)
    try:
        with open(marker, encoding="utf-8") as f:
            have = json.load(f)
    except (OSError, ValueError):
        have = {}
    if have == want and os.path.exists(python):
        return python
    if log:
        print(f"ci-gates: preparing the gates environment {ENV_DIR}", file=sys.stderr, flush=True)
    if not os.path.exists(python) or have.get("python") != want["python"]:
        venvs.create_venv(venv, str(want["python"]))
    reqs = [str(r) for r in want["requirements"]]  # type: ignore[attr-defined]
    again = ["--reinstall-package", DIST] if have.get("library") != want["library"] else []
    venvs.pip_install(venv, [*again, *reqs])
    with open(marker, "w", encoding="utf-8") as f:
        json.dump(want, f, indent=1)
    write_hooks_file(root, python)
    return python


def write_hooks_file(root: str, python: str) -> None:
    """Record where the environment's ``ci_gates`` lives, for the agent hooks."""
    import subprocess

    code = "import ci_gates, os; print(os.path.dirname(os.path.dirname(ci_gates.__file__)))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    path = out.stdout.strip()
    if out.returncode != 0 or not path:
        return
    target = os.path.join(os.path.abspath(root), HOOKS_FILE)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = f"{target}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"path": path, "python": python}, f)
    os.replace(tmp, target)


def tool_cache(tool: str) -> str:
    """A cache directory for ``tool`` (mypy, ruff, pytest) private to this environment.

    Keyed by :func:`ci_gates.core.cache.environment`, so two environments never share one
    (a mypy cache written with griffe installed hides the missing griffe elsewhere).
    """
    from ci_gates.core.cache import environment

    base = os.path.join(sys.prefix, "ci-gates-tool-cache", environment()[:16], tool)
    os.makedirs(base, exist_ok=True)
    return base
