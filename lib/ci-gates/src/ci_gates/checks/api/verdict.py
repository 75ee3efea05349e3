"""Which surfaces a package exposes, what changed on them, and the bump that requires.

A release package (``[[tool.ci-gates.release.packages]]``) exposes:

- ``rust``: a ``crates`` package whose crate has a library target (not the bindings crate);
- ``cli``: the package of the CLI crate, and the ``pypi`` package, since the wheel installs
  the CLI executable: a user of either sees a CLI break;
- ``python``: the ``pypi`` package (the import package, stubs included).

Each change requires a bump (breaking: major, additive: minor; below 1.0.0 Cargo's rule makes
those minor and patch). The commits since the baseline *declare* one per surface: the highest
that :func:`ci_gates.checks.versioning.versions.classify` gives the commits touching the package's ``paths`` or,
for the CLI, the CLI crate's. :func:`evaluate` returns both; the ``api_compat`` gate fails a
change its surface's declaration does not cover, and the release plan uses the same verdict.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ci_gates.checks.api import ADDITIVE, BREAKING, ApiError, Change, Incomparable
from ci_gates.checks.api.baseline import Baseline

LEVEL_OF = {BREAKING: "major", ADDITIVE: "minor"}
_MARK = {BREAKING: "`feat!:`", ADDITIVE: "`feat:`"}


class Surface(NamedTuple):
    name: str  # rust | cli | python
    paths: tuple[str, ...]  # commits touching these declare this surface's bump
    own: tuple[str, ...]  # the surface's own sources: where to look for the commit to mark


class Verdict(NamedTuple):
    package: str
    baseline: Baseline | None  # None: a first release, nothing to compare
    surfaces: tuple[Surface, ...]
    changes: list[Change]
    declared: dict[str, tuple[str, str]]  # surface -> (level, why) from the commits
    newest: dict[str, tuple[str, str]]  # surface -> (sha, subject) of its newest commit
    errors: list[ApiError]  # surfaces that could not be compared
    notes: list[str]  # surfaces left out, and why

    @property
    def version(self) -> str:
        return self.baseline.version if self.baseline else ""

    def needed(self, change: Change) -> str:
        """The bump ``change`` requires from the baseline version (Cargo's rule below 1.0)."""
        from ci_gates.checks.versioning.versions import effective

        return effective(LEVEL_OF[change.kind], self.version, False)

    def uncovered(self) -> list[Change]:
        """The changes whose bump the commits touching their surface do not declare."""
        from ci_gates.checks.versioning.versions import rank

        return [
            c
            for c in self.changes
            if rank(self.needed(c)) > rank(self.declared.get(c.surface, ("", ""))[0])
        ]

    def describe(self, change: Change) -> str:
        """One line: the package, the surface, the item, what happened and what is declared."""
        level = self.declared.get(change.surface, ("", ""))[0]
        base = self.baseline.tag if self.baseline else "?"
        return (
            f"{self.package} {change.surface} API: {change.item}: {change.what} "
            f"({change.kind}: needs a {self.needed(change)} release; the commits since "
            f"{base} declare {level or 'no release'})"
        )

    def fix(self, change: Change) -> str:
        """What makes the release honest for ``change``: the commit's marker, or undoing it."""
        needed = self.needed(change)
        mark = _MARK[change.kind]
        sha, subject = self.newest.get(change.surface, ("", ""))
        if sha:
            how = (
                f"mark commit {sha[:10]} {subject!r} {mark} or give it a `Release: {needed}` "
                f"trailer (`git rebase -i {sha[:10]}^`, reword)"
            )
        else:
            how = f"commit the change as {mark} … or with a `Release: {needed}` trailer"
        return f"{how}, or {change.restore}" if change.restore else how

    @property
    def required(self) -> str:
        """The highest bump any change requires ("" when nothing changed)."""
        from ci_gates.checks.versioning.versions import rank

        return max((self.needed(c) for c in self.changes), key=rank, default="")

    def as_dict(self) -> dict[str, Any]:
        """The JSON a release plan carries for this package (``api``)."""
        return {
            "baseline": self.baseline.tag if self.baseline else None,
            "surfaces": [s.name for s in self.surfaces],
            "required": self.required or None,
            "declared": {s: lv or None for s, (lv, _) in sorted(self.declared.items())},
            "breaking": [_short(c) for c in self.changes if c.kind == BREAKING],
            "additive": [_short(c) for c in self.changes if c.kind == ADDITIVE],
            "uncovered": [_short(c) for c in self.uncovered()],
            "not_compared": [*self.notes, *(e.message for e in self.errors)],
        }


def _short(change: Change) -> str:
    return f"{change.surface}: {change.item}: {change.what}"


def surfaces(root: str, package: Any, packages: list[Any]) -> tuple[Surface, ...]:
    """The surfaces ``package`` (a :class:`ci_gates.checks.versioning.config.Package`) exposes."""
    from ci_gates.core.project import names

    project = names(root)
    out = []
    own = tuple(package.paths)
    crate = project.crate(package.name) if package.kind == "crates" else None
    bindings = project.bindings.name if project.bindings else None
    if crate is not None and crate.lib and crate.name != bindings:
        out.append(Surface("rust", own, own))
    cli_crate = project.cli_crate
    if cli_crate is not None and (package.kind == "pypi" or package.name == cli_crate.name):
        owner = next((p for p in packages if p.name == cli_crate.name), None)
        cli_paths = tuple(owner.paths) if owner else (f"{cli_crate.path}/**",)
        out.append(Surface("cli", tuple(dict.fromkeys(own + cli_paths)), cli_paths))
    if package.kind == "pypi":
        out.append(Surface("python", own, own))
    return tuple(out)


def _declared(
    root: str, base: Baseline, surface: Surface
) -> tuple[tuple[str, str], tuple[str, str]]:
    """``((level, why), (sha, subject))``: the surface's declared bump and newest commit."""
    from ci_gates.checks.versioning import conventional as cc
    from ci_gates.checks.versioning import history, versions
    from ci_gates.checks.versioning.versions import classify

    revs = ["HEAD", f"^{base.sha}"]
    level, why = "", ""
    for sha, message in history.log(root, revs, list(surface.paths)):
        this, reason = classify(sha, message, base.version)
        if this != "skip" and versions.rank(this) > versions.rank(level):
            level, why = this, reason
    newest = history.log(root, [*revs, "-n", "1"], list(surface.own))
    head = (newest[0][0], cc.parse(newest[0][1]).subject) if newest else ("", "")
    return (level, why), head


def _compare(root: str, base: Baseline, surface: str, package: str) -> list[Change]:
    from ci_gates.checks.api import build

    if surface == "cli":
        from ci_gates.checks.api.cli import diff
        from ci_gates.core.project import names

        old, new = build.cli_dump(root, base), build.cli_dump(root, None)
        if old is None or new is None:
            return []
        return diff(old, new, names(root).cli or str(new.get("name", "")))
    if surface == "python":
        from ci_gates.checks.api.python import compare
        from ci_gates.core.project import names

        project = names(root)
        return compare(root, project.package, project.python_source, base.sha)
    from ci_gates.checks.api import rust

    rust.require_tool()
    old_json, new_json = (
        build.rustdoc_json(root, package, base),
        build.rustdoc_json(root, package, None),
    )
    if old_json is None or new_json is None:
        return []
    return rust.compare(root, package, old_json, new_json)


def evaluate(root: str, package: str, config: dict[str, Any] | None = None) -> Verdict:
    """Compare every surface of ``package`` with its last release; never raises ApiError.

    A surface that cannot be compared is in ``errors`` (the gate reports it as "could not
    run"); a release with nothing to compare has ``baseline`` None.
    """
    from ci_gates.checks.api.baseline import find
    from ci_gates.checks.versioning.config import load

    packages = load(root, config)
    pkg = next((p for p in packages if p.name == package), None)
    if pkg is None:
        known = ", ".join(p.name for p in packages) or "none"
        raise ApiError(
            f"no release package {package!r} (declared: {known})",
            "name one from [[tool.ci-gates.release.packages]]",
        )
    exposed = surfaces(root, pkg, packages)
    base = find(root, package)
    verdict = Verdict(package, base, exposed, [], {}, {}, [], [])
    if base is None:
        return verdict
    for surface in exposed:
        try:
            verdict.changes.extend(_compare(root, base, surface.name, package))
        except Incomparable as exc:
            verdict.notes.append(exc.message)
            continue
        except ApiError as exc:
            verdict.errors.append(exc)
            continue
        verdict.declared[surface.name], verdict.newest[surface.name] = _declared(
            root, base, surface
        )
    return verdict


def semver_checks_needed(root: str, config: dict[str, Any] | None = None) -> list[str]:
    """The release tags of library crates: with none, the gate never runs cargo-semver-checks."""
    from ci_gates.checks.api.baseline import find
    from ci_gates.checks.versioning.config import load

    packages = load(root, config)
    tags = []
    for pkg in packages:
        if any(s.name == "rust" for s in surfaces(root, pkg, packages)):
            base = find(root, pkg.name)
            tags += [base.tag] if base else []
    return tags


def required_bump(
    root: str, package: str, config: dict[str, Any] | None = None
) -> tuple[str, list[Change]]:
    """The bump ``package``'s API changes since its last release require, and the changes.

    ``("", [])`` for a first release or no change. Raises :class:`ApiError` when a surface
    could not be compared: a bump computed without it would not be a verdict.
    """
    verdict = evaluate(root, package, config)
    if verdict.errors:
        raise verdict.errors[0]
    return verdict.required, verdict.changes
