"""stubs: mypy's stubtest holds ``_native.pyi`` to the INSTALLED extension module.

stubtest runs in a venv holding the built wheel and mypy, on ``template_python_rust_cmd``
(which includes its submodule ``_native``), with the allowlist from
``[tool.ci-gates.stubs] allowlist``. Every allowlist entry needs a reason (:func:`parse_allowlist`),
and stubtest itself fails on an entry that no longer matches anything (we never pass
``--ignore-unused-allowlist``). stubtest skips a *private* module that has no stub at all, so
the gate first checks that the wheel installed ``_native.pyi``.
"""

from __future__ import annotations

import collections
import os
import re

from ci.gates import cannot_run, note, problem, project_root, verdict

PACKAGE = "template_python_rust_cmd"
STUB = "_native.pyi"
SOURCE_DIR = "python/" + PACKAGE  # where the installed package's files come from

AllowEntry = collections.namedtuple("AllowEntry", "line entry reason")
# A stubtest finding: path (repo-relative, or None), line (or None), message.
Finding = collections.namedtuple("Finding", "path line message")


def parse_allowlist(text: str) -> tuple[list[AllowEntry], list[tuple[int, str]]]:
    """Entries of a stubtest allowlist, and ``(line, problem)`` for entries without a reason.

    An entry's reason is its own trailing ``# comment`` or the comment lines just above it;
    one comment may cover the entries that follow it up to the next blank line.
    """
    entries: list[AllowEntry] = []
    problems: list[tuple[int, str]] = []
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
        if comment:
            reason = comment
        if not reason:
            problems.append(
                (
                    number,
                    f"allowlist entry {entry!r} has no reason; put a `# why` comment on "
                    "the line above it (or after it), or fix the stub and drop the entry",
                )
            )
        try:
            re.compile(entry)
        except re.error as exc:
            problems.append((number, f"allowlist entry {entry!r} is not a valid regex ({exc})"))
        entries.append(AllowEntry(number, entry, reason))
    return entries, problems


_ERROR = re.compile(r"^error: (.*)$")
_STUB_AT = re.compile(r"^Stub: in file (.*?)(?::(\d+))?$")
_UNUSED = re.compile(r"^note: unused allowlist entry (.*)$")


def _repo_path(installed: str) -> str:
    """``.../site-packages/<pkg>/x.pyi`` -> ``python/<pkg>/x.pyi``; other paths unchanged."""
    parts = installed.replace(os.sep, "/").split("/")
    if PACKAGE in parts:
        return "/".join([SOURCE_DIR, *parts[len(parts) - parts[::-1].index(PACKAGE) :]])
    return installed


def parse_stubtest(output: str) -> tuple[list[Finding], list[str]]:
    """stubtest's errors (with the stub file and line it names) and its unused allowlist entries."""
    findings: list[Finding] = []
    unused: list[str] = []
    for line in output.splitlines():
        error, stub_at, unused_entry = _ERROR.match(line), _STUB_AT.match(line), _UNUSED.match(line)
        if error:
            findings.append(Finding(None, None, error.group(1)))
        elif stub_at and findings and findings[-1].path is None:
            at = stub_at.group(2)
            findings[-1] = findings[-1]._replace(
                path=_repo_path(stub_at.group(1)), line=int(at) if at else None
            )
        elif unused_entry:
            unused.append(unused_entry.group(1).strip())
    return findings, unused


def run(root: str | None = None) -> int:
    import subprocess

    from ci import artifacts, config
    from ci.registry import BY_NAME

    root = root or project_root()
    try:
        allow_rel = config.load(root)["stubs"]["allowlist"]
    except config.ConfigError as exc:
        return cannot_run(f"stubs: {exc}")
    allow_path = os.path.join(root, allow_rel)
    try:
        with open(allow_path, encoding="utf-8") as f:
            entries, bad = parse_allowlist(f.read())
    except OSError as exc:
        problem(
            f"{allow_rel}: cannot read the stubtest allowlist ({exc.strerror}); create it "
            "(comments only is fine) or fix [tool.ci-gates.stubs] allowlist"
        )
        return verdict(1)
    for number, msg in bad:
        problem(f"{allow_rel}:{number}: {msg}")
    try:
        venv = artifacts.wheel_venv(root, "stubs", extra=list(BY_NAME["stubs"].packages))
    except artifacts.ArtifactError as exc:
        code = cannot_run(f"stubs: {exc}")
        return verdict(1) if bad else code  # a bad allowlist is a failure, build or not
    python = artifacts.venv_python(venv)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    where = subprocess.run(
        [python, "-c", f"import {PACKAGE}, os; print(os.path.dirname({PACKAGE}.__file__))"],
        capture_output=True,
        text=True,
        cwd=venv,
        env=env,
    )
    pkg_dir = where.stdout.strip()
    if where.returncode != 0 or not pkg_dir:
        return cannot_run(
            f"stubs: cannot import {PACKAGE} in {venv}: "
            f"{where.stderr.strip().splitlines()[-1:]}; see the native_import gate"
        )
    if not os.path.isfile(os.path.join(pkg_dir, STUB)):
        problem(
            f"{SOURCE_DIR}/{STUB}: not in the installed wheel ({pkg_dir}); ship it — "
            "stubtest silently skips a private module without a stub"
        )
        return verdict(1)
    cmd = [python, "-m", "mypy.stubtest", PACKAGE, "--allowlist", os.path.abspath(allow_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=venv, env=env)
    output = proc.stdout + proc.stderr
    print(output, end="", flush=True)
    findings, unused = parse_stubtest(output)
    by_entry = {e.entry: e.line for e in entries}
    for entry in unused:
        problem(
            f"{allow_rel}:{by_entry.get(entry, '?')}: unused allowlist entry {entry!r}: "
            "stubtest has nothing to excuse there any more; delete it"
        )
    for finding in findings:
        path = finding.path or f"{SOURCE_DIR}/{STUB}"
        where_ = f"{path}:{finding.line}" if finding.line else path
        problem(
            f"{where_}: stubtest: {finding.message}; fix the stub (or allowlist it in "
            f"{allow_rel} with a reason)"
        )
    if proc.returncode != 0 and not findings and not unused:
        problem(f"stubs: stubtest exited {proc.returncode} without a finding; see its output above")
    if proc.returncode == 0 and (findings or unused):
        problem("stubs: stubtest exited 0 but reported problems; see its output above")
    n = (
        len(bad)
        + len(findings)
        + len(unused)
        + (proc.returncode != 0 and not findings and not unused)
    )
    if not n:
        note(f"stubs: {PACKAGE} and its stubs agree ({len(entries)} allowlist entries)")
    return verdict(n)
