"""The release plan: what ships, at which version, why, and in which order.

For each package (topological order, ``[[tool.ci-gates.release.packages]]``): the non-merge
commits since its last tag ``{name}-v<version>`` that touch its ``paths``; the bump each calls
for (a ``Release:`` trailer, else Conventional Commits; below 1.0.0 Cargo's rule); the highest
wins; a package whose ``depends_on`` ships ships too, at least a patch ("cascade from X"); a
package without a tag is a first release at its manifest version.

:func:`tagged` is the other reading, for the release workflow: the packages whose tag points at
HEAD (what a pushed ``chore(release)`` commit releases). Both give a :class:`Plan`, whose JSON
(:meth:`Plan.as_json`) is the contract with the build matrix and the publish step: a row
per wheel target and one sdist row for the maturin package, one row for each pure-Python
package (its wheel serves every platform, so it is built once). Each entry
has an ``api`` slot (null here) for an API-compatibility verdict to fill.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from ci_gates.checks.versioning import conventional as cc
from ci_gates.checks.versioning import history, versions
from ci_gates.checks.versioning.config import Package, load
from ci_gates.checks.versioning.errors import ReleaseError

SDIST_RUNNER = "ubuntu-latest"  # also where a python package is built


class Entry(NamedTuple):
    package: Package
    previous: str | None  # the last tag's version; None for a first release
    version: str
    bump: str  # major | minor | patch | first
    reason: str
    commits: list[str]  # the commits that count, newest first
    skipped: list[str]  # commits with `Release: skip` (left out of the notes too)
    cascade: tuple[str, ...] = ()  # the shipping dependencies that made it ship
    api: dict[str, Any] | None = (
        None  # the API verdict (ci_gates.checks.api), when the plan checked it
    )

    @property
    def name(self) -> str:
        return self.package.name

    @property
    def tag(self) -> str:
        return history.tag_name(self.name, self.version)

    @property
    def previous_tag(self) -> str | None:
        return history.tag_name(self.name, self.previous) if self.previous else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.package.kind,
            "previous": self.previous,
            "version": self.version,
            "bump": self.bump,
            "reason": self.reason,
            "commits": self.commits,
            "tag": self.tag,
            "api": self.api,  # None when the plan did not check the API (--no-api, --tagged)
        }


class Plan(NamedTuple):
    entries: list[Entry]

    def matrix(self) -> list[dict[str, str]]:
        """The build jobs: per pypi package a row per target plus one sdist row; one row per
        python package (its pure wheel and sdist, built once); none for crates."""
        rows: list[dict[str, str]] = []
        for e in self.entries:
            base = {"package": e.name, "version": e.version}
            if e.package.kind == "python":
                rows.append(
                    {**base, "kind": "python", "target": "", "libc": "", "runner": SDIST_RUNNER}
                )
            if e.package.kind != "pypi":
                continue
            for t in e.package.targets:
                rows.append(
                    {
                        **base,
                        "kind": "wheel",
                        "target": t.target,
                        "runner": t.runner,
                        "libc": t.libc,
                    }
                )
            linux = [t.runner for t in e.package.targets if t.libc]
            rows.append(
                {
                    **base,
                    "kind": "sdist",
                    "target": "",
                    "libc": "",
                    "runner": linux[0] if linux else SDIST_RUNNER,
                }
            )
        return rows

    def as_json(self) -> str:
        doc = {"packages": [e.as_dict() for e in self.entries], "matrix": self.matrix()}
        return json.dumps(doc, indent=2)

    def table(self) -> str:
        if not self.entries:
            return "Nothing to release: no package changed since its last tag."
        rows = [("package", "kind", "previous", "next", "bump", "commits", "reason")]
        for e in self.entries:
            rows.append(
                (
                    e.name,
                    e.package.kind,
                    e.previous or "-",
                    e.version,
                    e.bump,
                    str(len(e.commits)),
                    e.reason,
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        lines = ["  ".join([*(c.ljust(w) for c, w in zip(r[:6], widths)), r[6]]) for r in rows]
        return "\n".join(lines) + "\n\nPublish order: " + " -> ".join(e.name for e in self.entries)


def _own(logged: list[tuple[str, bytes]], version: str) -> tuple[str, str, list[str], list[str]]:
    """The package's own bump: ``(level, reason, counted commits, skipped commits)``."""
    level, reason, counted, skipped = "", "", [], []
    for sha, message in [(sha, history.message(raw)) for sha, raw in logged]:
        this, why = versions.classify(sha, message, version)
        if this == "skip":
            skipped.append(sha)
            continue
        counted.append(sha)
        if versions.rank(this) > versions.rank(level):
            level, reason = this, f"{this}: {why}"
    if len(counted) > 1:
        reason += f" (+{len(counted) - 1} more commit{'s' if len(counted) > 2 else ''})"
    return level, reason, counted, skipped


def make_plan(
    root: str, config: dict[str, Any] | None = None, api: bool = False, *, per_package: bool = False
) -> Plan:
    """What the next release ships, from the commits since each package's last tag.

    With ``api``, each shipping package's API is compared with its last release too
    (:func:`check_api`): the plan then refuses a bump smaller than the API change requires.
    The history is read in a constant number of git calls (:func:`history.since_last_tags`);
    ``per_package`` reads it with two calls per package instead, the reference the tests and
    the benchmark hold it to.
    """
    packages = load(root, config)
    read = history.per_package if per_package else history.since_last_tags
    since = read(root, {pkg.name: pkg.paths for pkg in packages})
    entries: dict[str, Entry] = {}
    for pkg in packages:
        last, logged = since[pkg.name]
        manifest_version = versions.read_version(root, pkg.manifest)
        base = last[1] if last else manifest_version
        level, reason, counted, skipped = _own(logged, base)
        shipped = [d for d in pkg.depends_on if d in entries]
        if last is None:
            reason = f"first release: no tag {history.tag_name(pkg.name, '*')}; version from {pkg.manifest}"
            entries[pkg.name] = Entry(
                pkg, None, manifest_version, "first", reason, counted, skipped
            )
            continue
        if shipped:
            cascade = "cascade from " + ", ".join(shipped)
            reason = f"{reason}; {cascade}" if level else f"patch: {cascade}"
            level = level or "patch"
        if level:
            version = versions.bump(base, level)
            entries[pkg.name] = Entry(
                pkg, base, version, level, reason, counted, skipped, tuple(shipped)
            )
    plan = Plan(list(entries.values()))
    return check_api(root, plan, config) if api else plan


def check_api(root: str, plan: Plan, config: dict[str, Any] | None = None) -> Plan:
    """The plan with each package's API verdict (:mod:`ci_gates.checks.api`), or a refusal.

    A change that needs more than the package's planned bump is fine when the commits touching
    its surface declare that much (the wheel ships a CLI whose crate's commit says ``feat!:``,
    while the wheel itself only cascades): the bump is raised, and the reason says why.
    Otherwise it is refused, one line per change, each with the commit marker that would make
    the release honest; as is a surface that could not be compared.
    """
    from ci_gates.checks.api.verdict import evaluate

    refused: list[str] = []
    entries = []
    for e in plan.entries:
        verdict = evaluate(root, e.name, config)
        refused += [f"{e.name}: API not compared: {x.message}; {x.fix}" for x in verdict.errors]
        level, reason = e.bump, e.reason
        for change in verdict.changes if e.bump != "first" else []:
            need = verdict.needed(change)
            declared, why = verdict.declared.get(change.surface, ("", ""))
            if versions.rank(need) <= versions.rank(level):
                continue
            if versions.rank(need) <= versions.rank(declared):
                level, reason = (
                    need,
                    f"{reason}; api: {need} for {change.surface} {change.item} ({why})",
                )
            else:
                refused.append(f"{verdict.describe(change)}; {verdict.fix(change)}")
        version = versions.bump(e.previous, level) if e.previous and level != e.bump else e.version
        entries.append(
            e._replace(bump=level, version=version, reason=reason, api=verdict.as_dict())
        )
    if refused:
        lines = "\n".join(f"  {line}" for line in refused)
        raise ReleaseError(
            f"the API changed more than the commits declare (`nox -s api_compat`):\n{lines}"
        )
    return Plan(entries)


def tagged(root: str, config: dict[str, Any] | None = None) -> Plan:
    """The packages whose ``{name}-v{version}`` tag points at HEAD, in publish order.

    With no such tag, the pending plan (:func:`make_plan`): a manual run of the release
    workflow on an untagged commit builds what the next release would ship.
    """
    at_head = set(history.tags_at(root))
    entries = []
    for pkg in load(root, config):
        version = versions.read_version(root, pkg.manifest)
        tag = history.tag_name(pkg.name, version)
        if tag not in at_head:
            continue
        prev = history.last_tag(root, pkg.name, f"{tag}^") if history.rev(root, f"{tag}^") else None
        revs = [tag, f"^{prev[0]}"] if prev else [tag]
        logged = history.log(root, revs, list(pkg.paths))
        commits = [sha for sha, msg in logged if cc.parse(msg).release != "skip"]
        previous = prev[1] if prev else None
        bump = versions.level_between(previous, version)
        entries.append(Entry(pkg, previous, version, bump, f"tagged at HEAD: {tag}", commits, []))
    return Plan(entries) if entries else make_plan(root, config)
