"""The formatters and linters the post-edit hook runs on the files just written, as the gates do.

- ``ruff``: the ``ruff`` gate's own plan on the written files (:func:`start_ruff`): the ruff the
  project pins (the gates environment's or its tool venv; never installed from a hook), the
  project's settings or the library's default, ``ruff format --check`` only where the gate checks
  formatting. Run from the root, so ruff reads the configuration it reads for ``ruff check .``;
  ``--force-exclude`` keeps the files that run skips skipped. Its JSON goes through the gate's
  own :func:`ci_gates.gates.ruff.parse`.
- ``rustfmt``: ``rustfmt --check --edition E`` on the written files, E the crate's edition (what
  ``cargo fmt`` passes), the output read by the ``fmt`` gate's :func:`ci_gates.gates.fmt.findings`.
- YAML (workflows and composite actions): the ``workflows`` and ``action_yaml`` gates' per-file
  rules, in the gates environment's interpreter (pyyaml lives there): ``python -m
  ci_gates.hooks.filerules ROOT PATH...``, which prints the findings as JSON.

Every job is started first and collected after, so their times overlap. A tool that is missing
says nothing; its failure to run is a line on stderr, never a finding.
"""

from __future__ import annotations

import os

from ci_gates.core.findings import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:
    from subprocess import Popen
    from typing import Callable

    Job = tuple[str, "Popen[bytes]", Callable[[str, str, int], list[Finding]]]

ENV_DIR = os.path.join("target", "ci-gates", "env")
TIMEOUT = 20.0  # seconds per tool; the agents' hook timeout is 30
PYTHON_ENV = "CI_GATES_HOOK_PYTHON"


def env_bin(root: str, name: str) -> str | None:
    """``name`` in the gates environment's scripts directory, if it is there."""
    scripts = os.path.join(root, ENV_DIR, "Scripts" if os.name == "nt" else "bin")
    path = os.path.join(scripts, name + (".exe" if os.name == "nt" else ""))
    return path if os.path.isfile(path) else None


def gates_python(root: str) -> str | None:
    """The interpreter of the gates environment; ``CI_GATES_HOOK_PYTHON`` names another one
    (tests point it at their own interpreter, which has the library and the gates' tools)."""
    return os.environ.get(PYTHON_ENV) or env_bin(root, "python")


def _start(cmd: list[str], root: str) -> Popen[bytes]:
    import subprocess

    return subprocess.Popen(
        cmd, cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def start_ruff(root: str, rels: list[str], warnings: list[str]) -> list[Job]:
    """The ruff gate's own plan on ``rels``: the project's ruff (never installed from here), its
    settings or the library's default, and the format check only where the gate checks it."""
    if not rels:
        return []
    from ci_gates.core.findings import CannotRun
    from ci_gates.gates.ruff import parse, plan

    try:
        ruff, options, formats, fixer = plan(root, gates_python(root) or "", install=False)
    except CannotRun as exc:
        warnings.append(f"ruff: {exc.message}; {exc.fix}")
        return []
    flags = [*options, "--no-cache", "--force-exclude", "--output-format", "json", "--"]
    jobs = [("ruff check", _start([*ruff, "check", "--no-fix", *flags, *rels], root))]
    if formats:
        jobs.append(("ruff format", _start([*ruff, "format", "--check", *flags, *rels], root)))

    def read(stdout: str, stderr: str, code: int) -> list[Finding]:
        found = parse(stdout, root, fixer) or []
        if code not in (0, 1) and not found:
            warnings.append(f"ruff did not run: {(stderr.strip().splitlines() or ['?'])[0]}")
        return found

    return [(name, proc, read) for name, proc in jobs]


def _package_edition(text: str, table: str) -> str | None:
    """``edition`` of ``[table]`` in a Cargo.toml: the edition, "workspace", or None."""
    inside = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("["):
            inside = line.replace(" ", "") == f"[{table}]"
            continue
        key, eq, value = line.partition("=")
        key, value = key.strip().replace(" ", ""), value.strip().replace(" ", "")
        if not inside or not eq:
            continue
        if key == "edition.workspace" or (key == "edition" and "workspace=true" in value):
            return "workspace"
        if key == "edition":
            return value.strip("\"'")
    return None


def edition(root: str, rel: str) -> str | None:
    """The Rust edition of the crate holding ``rel`` (the nearest Cargo.toml with
    ``[package]``; ``edition.workspace`` resolved upwards), None outside any crate."""
    parts = rel.split("/")[:-1]
    want = "package"
    while True:
        try:
            with open(os.path.join(root, *parts, "Cargo.toml"), encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            text = ""
        if want == "package" and "[package]" in text.replace(" ", ""):
            found = _package_edition(text, "package")
            if found != "workspace":
                return found or "2015"  # cargo's default edition
            want = "workspace.package"
        if want != "package" and "[workspace" in text:
            return _package_edition(text, want) or "2015"
        if not parts:
            return None
        parts.pop()


def which(name: str) -> str | None:
    """``shutil.which`` for a plain name, without importing shutil (and what it imports)."""
    exts = os.environ.get("PATHEXT", ".EXE").split(os.pathsep) if os.name == "nt" else [""]
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        for ext in exts:
            path = os.path.join(directory, name + ext)
            if directory and os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return None


def start_rustfmt(root: str, rels: list[str], warnings: list[str]) -> list[Job]:
    rustfmt = which("rustfmt") if rels else None
    if rustfmt is None:
        return []
    by_edition: dict[str, list[str]] = {}
    for rel in rels:
        found = edition(root, rel)
        if found is not None:
            by_edition.setdefault(found, []).append(rel)
    jobs: list[Job] = []
    for ed, files in sorted(by_edition.items()):
        cmd = [rustfmt, "--check", "--color", "never", "--edition", ed, "--", *files]
        wanted = set(files)

        def parse(stdout: str, stderr: str, code: int, wanted: set[str] = wanted) -> list[Finding]:
            from ci_gates.core.findings import CannotRun
            from ci_gates.gates.fmt import findings

            try:
                found = findings(stdout, stderr, code, root)
            except CannotRun as exc:
                warnings.append(f"rustfmt did not run: {exc}")
                return []
            return [f for f in found if f.path in wanted]  # not the modules it descended into

        jobs.append(("rustfmt", _start(cmd, root), parse))
    return jobs


def start_yaml(root: str, rels: list[str], warnings: list[str]) -> list[Job]:
    python = gates_python(root) if rels else None
    if python is None:
        if rels:
            warnings.append("workflow rules need the gates environment; run `nox -s gates` once")
        return []
    cmd = [python, "-m", "ci_gates.hooks.filerules", root, *rels]

    def parse(stdout: str, stderr: str, code: int) -> list[Finding]:
        import json

        from ci_gates.core.findings import from_dict

        try:
            return [from_dict(d) for d in json.loads(stdout)]
        except (ValueError, TypeError, KeyError):
            warnings.append(f"workflow rules did not run: {stderr.strip()[-300:] or code}")
            return []

    return [("workflow rules", _start(cmd, root), parse)]


def start_ignored(root: str, rels: list[str]) -> Popen[bytes] | None:
    """``git check-ignore`` on ``rels``, started (read it with :func:`ignored`).

    The gates see the tree as git does (``ruff check .`` skips what .gitignore lists, the line
    budget counts tracked files); given one path, ruff checks it all the same.
    """
    git = which("git") if rels else None
    return _start([git, "check-ignore", "--", *rels], root) if git else None


def ignored(proc: Popen[bytes] | None) -> set[str]:
    """The paths git ignores, of those :func:`start_ignored` asked about."""
    if proc is None:
        return set()
    import subprocess

    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return set()
    return set(out.decode("utf-8", "replace").splitlines()) if proc.returncode == 0 else set()


def collect(jobs: list[Job], warnings: list[str]) -> list[Finding]:
    """Wait for every job (each within :data:`TIMEOUT`) and parse what it printed."""
    if not jobs:
        return []
    import subprocess
    import time

    out: list[Finding] = []
    deadline = time.monotonic() + TIMEOUT
    for name, proc, parse in jobs:
        try:
            stdout, stderr = proc.communicate(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            warnings.append(f"{name}: no answer within {TIMEOUT:.0f} s, not checked")
            continue
        text = stdout.decode("utf-8", "replace")
        out += parse(text, stderr.decode("utf-8", "replace"), proc.returncode)
    # ruff check and ruff format both report a syntax error: once is enough (as the gate does)
    unique = {(f.rule, f.path, f.line, f.column, f.message): f for f in reversed(out)}
    return [f for f in out if unique[(f.rule, f.path, f.line, f.column, f.message)] is f]
