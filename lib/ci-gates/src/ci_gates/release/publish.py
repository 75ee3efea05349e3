"""Publish what the plan says, in dependency order: crates, each sdist and its wheels.

A crate goes to crates.io with ``cargo publish``; the maturin package (kind ``pypi``: its sdist
and a wheel per target) and each pure-Python package (kind ``python``: its sdist and its one
``py3-none-any`` wheel) go to PyPI with ``uv publish``.

Before anything is uploaded, every package in scope is checked: its manifest's version is the
plan's, its tag (if it exists) points at HEAD, and its artifacts (:mod:`ci_gates.release.dist`) are
complete, of that version, and passed their checks (the wheel gate; a python package's build
and ``twine check``, :mod:`ci_gates.release.purepy`). Then, one item at a time, the registry
is asked whether it already has that exact version or file (:mod:`ci_gates.release.registries`):
if so the item is skipped, saying so; otherwise it is uploaded (``cargo publish --locked``,
``uv publish``). After each package its annotated tag is created if missing (never pushed).

A registry that cannot answer stops the run with one line naming it, what was uploaded and
what is left, so a re-run publishes exactly the rest. Crates are never published twice.

Settings (options override the environment; defaults are the public registries):

=====================  ===========================  ===============================================
option                 environment                  default
=====================  ===========================  ===============================================
``--crate-registry``   ``RELEASE_CRATE_REGISTRY``   "" (crates.io; else a ``[registries]`` name)
``--crates-index``     ``RELEASE_CRATES_INDEX``     https://index.crates.io/ (sparse layout)
``--index-url``        ``RELEASE_INDEX_URL``        https://pypi.org/simple/
``--upload-url``       ``RELEASE_UPLOAD_URL``       https://upload.pypi.org/legacy/
``--dist``             ``RELEASE_DIST``             target/ci-gates/release/dist (every Python package's files)
=====================  ===========================  ===============================================

Credentials are never options: cargo reads ``CARGO_REGISTRY_TOKEN`` (crates.io; in CI the
token rust-lang/crates-io-auth-action minted) or ``CARGO_REGISTRIES_<NAME>_TOKEN``; uv reads
``UV_PUBLISH_TOKEN`` or ``UV_PUBLISH_USERNAME``/``UV_PUBLISH_PASSWORD``. With none of those
under GitHub Actions, uv does the trusted-publishing exchange (``--trusted-publishing
always``), after ``pypi-attestations sign`` has made each file's PEP 740 attestation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Callable, NamedTuple

from ci_gates.checks.versioning import history, versions
from ci_gates.checks.versioning.config import PYTHON_KINDS, load
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import dist, registries
from ci_gates.release.plan import Entry, Plan, make_plan, tagged

SCOPES = ("all", "crates", "pypi", "python", "github")
# What each scope publishes (github: ci_gates.release.ghrelease); a release workflow has a job
# per registry environment, each running `publish <scope> --tagged`.
KINDS = {
    "all": ("crates", "pypi", "python"),
    "crates": ("crates",),
    "pypi": ("pypi",),
    "python": ("python",),
}


class Settings(NamedTuple):
    crate_registry: str = ""
    crates_index: str = registries.CRATES_IO_INDEX
    index_url: str = registries.PYPI_INDEX
    upload_url: str = registries.PYPI_UPLOAD
    dist: str = dist.STAGE_DIR

    @property
    def crates_where(self) -> str:
        return f"registry {self.crate_registry!r}" if self.crate_registry else "crates.io"


ENV = {
    "crate_registry": "RELEASE_CRATE_REGISTRY",
    "crates_index": "RELEASE_CRATES_INDEX",
    "index_url": "RELEASE_INDEX_URL",
    "upload_url": "RELEASE_UPLOAD_URL",
    "dist": "RELEASE_DIST",
}


def settings(**given: str | None) -> Settings:
    """Options given (not None) win over the environment, which wins over the defaults."""
    values = {}
    for field, var in ENV.items():
        value = given.get(field)
        if value is None:
            value = os.environ.get(var)
        if value is not None:
            values[field] = value
    return Settings(**values)


class Outcome(NamedTuple):
    package: str
    version: str
    item: str  # "crate", a file name, or "tag"
    action: str  # published | already published | created | exists
    where: str
    seconds: float


def _tool(
    cmd: list[str], env: dict[str, str] | None = None, cwd: str | None = None
) -> tuple[int, str]:
    """Run ``cmd``, its output streamed to stderr; (exit status, its last meaningful line)."""
    try:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    except FileNotFoundError:
        return 127, f"{cmd[0]}: not found"
    assert proc.stdout is not None
    last = ""
    errors = []
    for line in proc.stdout:
        sys.stderr.write(line)
        text = line.strip()
        if text:
            last = text
            if text.lower().startswith(("error", "caused by")):
                errors.append(text)
    status = proc.wait()
    return status, (errors[0] if errors else last) or f"exit status {status}"


class Publisher:
    """One run: the checks, then the uploads in order, with a log of what happened."""

    def __init__(self, root: str, s: Settings, say: Callable[[str], None] = print) -> None:
        self.root, self.s, self.say = root, s, say
        self.outcomes: list[Outcome] = []
        self.head = history.rev(root, "HEAD") or ""

    # --- checks ------------------------------------------------------------------------------

    def check(self, entries: list[Entry]) -> dict[str, list[dist.Artifact]]:
        """Every package in scope is consistent; the artifacts of each Python package."""
        found: dict[str, list[dist.Artifact]] = {}
        python = [p.name for p in load(self.root) if p.kind in PYTHON_KINDS]
        for e in entries:
            manifest = versions.read_version(self.root, e.package.manifest)
            if manifest != e.version:
                raise ReleaseError(
                    f"{e.name}: {e.package.manifest} says {manifest}, the plan says {e.version}; "
                    "run `nox -s release_bump` (or publish with --tagged after it)"
                )
            at = history.rev(self.root, e.tag)
            if at is not None and at != self.head:
                raise ReleaseError(
                    f"{e.name}: tag {e.tag} exists on {at[:10]}, not on HEAD; check out the release commit"
                )
            if e.package.kind in PYTHON_KINDS:
                found[e.name] = artifacts(self.root, self.s.dist, e, python)
        return found

    # --- uploads -----------------------------------------------------------------------------

    def _log(self, e: Entry, item: str, action: str, where: str, started: float) -> None:
        o = Outcome(e.name, e.version, item, action, where, time.monotonic() - started)
        self.outcomes.append(o)
        self.say(f"{e.name} {e.version}: {item} {action} ({where}, {o.seconds:.1f} s)")

    def crate(self, e: Entry) -> None:
        started = time.monotonic()
        if e.version in registries.crate_versions(self.s.crates_index, e.name):
            self._log(e, "crate", "already published", self.s.crates_where, started)
            return
        cmd = ["cargo", "publish", "--locked", "-p", e.name]
        if self.s.crate_registry:
            cmd += ["--registry", self.s.crate_registry]
        self.say(f"{e.name} {e.version}: {' '.join(cmd)}")
        status, why = _tool(cmd, cwd=self.root)
        if status != 0:
            raise ReleaseError(
                f"cargo publish of {e.name} {e.version} to {self.s.crates_where} failed: {why}"
            )
        self._log(e, "crate", "published", self.s.crates_where, started)

    def _uv_publish(self, path: str) -> tuple[int, str]:
        import shutil

        uv = shutil.which("uv")
        if uv is None:
            return 127, "uv: not found (nox -s publish installs it)"
        cmd = [uv, "publish", "--no-progress", "--publish-url", self.s.upload_url]
        keys = ("UV_PUBLISH_TOKEN", "UV_PUBLISH_USERNAME", "UV_PUBLISH_PASSWORD")
        if os.environ.get("GITHUB_ACTIONS") == "true" and not any(os.environ.get(k) for k in keys):
            status, why = _tool([sys.executable, "-m", "pypi_attestations", "sign", path])
            if status != 0:
                return status, f"pypi-attestations sign: {why}"
            cmd += ["--trusted-publishing", "always"]
        return _tool([*cmd, path])

    def file(self, e: Entry, a: dist.Artifact) -> None:
        started = time.monotonic()
        name = os.path.basename(a.path)
        if name in registries.index_files(self.s.index_url, e.name):
            self._log(e, name, "already published", self.s.index_url, started)
            return
        self.say(f"{e.name} {e.version}: uv publish {name} -> {self.s.upload_url}")
        status, why = self._uv_publish(a.path)
        if status != 0:
            raise ReleaseError(f"uploading {name} to {self.s.upload_url} failed: {why}")
        self._log(e, name, "published", self.s.index_url, started)

    def tag(self, e: Entry) -> None:
        started = time.monotonic()
        if history.rev(self.root, e.tag) is not None:
            self._log(e, e.tag, "exists", "git tag", started)
            return
        history.git(self.root, "tag", "-a", e.tag, "-m", f"{e.name} {e.version}")
        self._log(e, e.tag, "created", "git tag, not pushed", started)

    def run(self, entries: list[Entry]) -> list[Outcome]:
        files = self.check(entries)
        # One item per upload: a crate, or one file (the sdist first, then a wheel per target).
        items: list[tuple[Entry, dist.Artifact | None]] = []
        for e in entries:
            items += [(e, a) for a in files[e.name]] if e.name in files else [(e, None)]
        for i, (e, a) in enumerate(items):
            try:
                self.crate(e) if a is None else self.file(e, a)
            except ReleaseError as exc:
                raise ReleaseError(
                    f"{exc}; {self._progress()}; left: {_labels(items[i:])}; re-run to publish the rest"
                ) from None
            if i + 1 == len(items) or items[i + 1][0] is not e:
                self.tag(e)
        return self.outcomes

    def _progress(self) -> str:
        """What this run got done before it stopped, for the one-line error."""
        uploaded = [
            f"{o.package} {o.version} {o.item}" for o in self.outcomes if o.action == "published"
        ]
        there = [
            f"{o.package} {o.version} {o.item}"
            for o in self.outcomes
            if o.action == "already published"
        ]
        parts = [f"uploaded: {', '.join(uploaded)}"] if uploaded else []
        parts += [f"already there: {', '.join(there)}"] if there else []
        done = [o for o in self.outcomes if o.action.endswith("published")]
        last = f" after {done[-1].package} {done[-1].version} {done[-1].item}" if done else ""
        return "; ".join([*parts, f"nothing uploaded{last}"])


def artifacts(root: str, directory: str, e: Entry, python: list[str]) -> list[dist.Artifact]:
    """The checked files of Python package ``e`` in ``directory`` (shared with ``python``,
    the project's Python packages: each checks its own files)."""
    others = tuple(n for n in python if n != e.name)
    where = os.path.join(root, directory)
    if e.package.kind == "python":
        return dist.check(where, e.name, e.version, [], pure=True, others=others)
    targets = [(t.target, t.libc) for t in e.package.targets]
    return dist.check(where, e.name, e.version, targets, others=others)


def _labels(items: list[tuple[Entry, dist.Artifact | None]]) -> str:
    return ", ".join(
        f"{e.name} {e.version} crate" if a is None else os.path.basename(a.path) for e, a in items
    )


def entries_for(root: str, scope: str, use_tags: bool) -> list[Entry]:
    plan: Plan = tagged(root) if use_tags else make_plan(root)
    return [e for e in plan.entries if e.package.kind in KINDS[scope]]


def publish(
    root: str, scope: str, use_tags: bool, s: Settings, say: Callable[[str], None] = print
) -> list[Outcome]:
    entries = entries_for(root, scope, use_tags)
    if not entries:
        say(
            "Nothing to publish: the plan is empty"
            + ("" if use_tags else " (after a bump, use --tagged)")
        )
        return []
    say("Publishing " + " -> ".join(f"{e.name} {e.version}" for e in entries))
    outcomes = Publisher(root, s, say).run(entries)
    uploaded = [o for o in outcomes if o.action == "published"]
    say(
        f"Done: {len(uploaded)} uploaded, {sum(o.action == 'already published' for o in outcomes)} already there."
    )
    return outcomes
