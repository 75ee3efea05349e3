"""Gate ``api_compat``: the declared version bump covers the real API change, on every surface.

For each release package (``[[tool.ci-gates.release.packages]]``) with a release tag, each
surface it exposes — a library crate's Rust API (cargo-semver-checks), the Python import
package (griffe, stubs included), the CLI (``--dump-surface``) — is compared with the tag
(:mod:`ci_gates.checks.api`). A breaking change needs a major release, an additive one a minor release
(below 1.0.0, Cargo's rule: minor and patch); the commits since the tag that touch the
surface must declare at least that (``feat!:``, ``feat:``, a ``Release:`` trailer), or the
change must be undone. A first release has nothing to compare and passes with a note.
"""

from __future__ import annotations

from ci_gates.core.findings import NOTE, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import GRIFFE, GRIFFE_OLD_PYTHON, PY_INPUTS, RUST_INPUTS, TOMLI
from ci_gates.core.registry import Gate

GATE = Gate(
    "api_compat",
    "The commits' version bump covers each API change since the last release (Rust, Python, CLI)",
    # griffe 2 needs Python >= 3.11; 1.14 is the last for 3.9/3.10 (same breakage API).
    packages=(GRIFFE, GRIFFE_OLD_PYTHON, TOMLI),
    # cargo and cargo-semver-checks are needed only once a package has a release tag: the
    # gate checks for them then and says how to install them (`nox -s install_semver_checks`).
    commands=("git",),
    # **/pyproject.toml: the release packages' manifests (a python package has its own).
    inputs=(*RUST_INPUTS, *PY_INPUTS, "**/pyproject.toml"),
    config=("release",),
    # The baseline is a tag and the declared bump comes from the commits since it.
    machine=(
        "git rev-parse HEAD",
        "git tag --list",
        "rustc --version",
        "cargo semver-checks --version",
    ),
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.checks.api import Change
    from ci_gates.checks.api.verdict import Verdict


@rule("API001")
def breaking_undeclared(change: Change, verdict: Verdict) -> Finding:
    """A breaking API change whose commits do not declare a major release.

    Users who upgrade within the declared range (``~=``, ``^``) break. Mark the commit
    ``feat!:`` or give it a ``Release: major`` trailer (below 1.0.0 a breaking change needs a
    minor release: ``feat!:`` or ``Release: minor``), or restore what was removed or changed.
    """
    return finding_of(
        breaking_undeclared,
        verdict.describe(change),
        change.path,
        change.line,
        fix=verdict.fix(change),
    )


@rule("API002")
def additive_undeclared(change: Change, verdict: Verdict) -> Finding:
    """A new public item whose commits do not declare a minor release (``fix:`` adding API).

    Semantic versioning gives new API a minor release, so users can require it. Mark the
    commit ``feat:`` or give it a ``Release: minor`` trailer. Below 1.0.0 a patch is enough.
    """
    return finding_of(
        additive_undeclared,
        verdict.describe(change),
        change.path,
        change.line,
        fix=verdict.fix(change),
    )


@rule("API003", severity=NOTE)
def declared_change(change: Change, verdict: Verdict) -> Finding:
    """An API change the commits declare: listed so a reviewer sees what the release changes."""
    why = verdict.declared.get(change.surface, ("", ""))[1]
    return finding_of(
        declared_change,
        f"{verdict.describe(change)}: declared by {why}",
        change.path,
        change.line,
        severity=NOTE,
    )


@rule("API004", severity=NOTE)
def first_release(package: str) -> Finding:
    """A package without a release tag: nothing to compare; its first release sets the baseline."""
    return finding_of(
        first_release,
        f"{package}: no release tag {package}-v<version> yet: a first "
        "release, no API to compare with",
        severity=NOTE,
    )


@rule("API005", severity=NOTE)
def compared(verdict: Verdict) -> Finding:
    """Which surfaces of a package were compared with which tag, and what was found."""
    kinds = [c.kind for c in verdict.changes]
    found = f"{kinds.count('breaking')} breaking, {kinds.count('additive')} additive change(s)"
    names = ", ".join(verdict.declared) or "no API surface"
    base = verdict.baseline.tag if verdict.baseline else "?"
    return finding_of(
        compared,
        f"{verdict.package}: {names} compared with {base}: {found if kinds else 'no API change'}",
        severity=NOTE,
    )


@rule("API006", severity=NOTE)
def not_compared(package: str, why: str) -> Finding:
    """A surface the baseline does not expose comparably (a release before ``--dump-surface``).

    The next release will have it; until then that surface is not checked, and this note says so.
    """
    return finding_of(not_compared, f"{package}: not compared: {why}", severity=NOTE)


@rule("API007", severity=NOTE)
def no_packages() -> Finding:
    """No ``[[tool.ci-gates.release.packages]]``: there are no releases to compare with."""
    return finding_of(
        no_packages,
        "no release packages declared: nothing to compare",
        "pyproject.toml",
        severity=NOTE,
        fix="declare them in [[tool.ci-gates.release.packages]] (docs/releasing.md)",
    )


def findings(verdict: Verdict) -> list[Finding]:
    """Every finding about one package's verdict (could-not-run ones included)."""
    from ci_gates.core.findings import cannot_run

    if verdict.baseline is None:
        return [first_release(verdict.package)]
    out = [compared(verdict)] if verdict.declared or not verdict.errors else []
    uncovered = verdict.uncovered()
    for change in verdict.changes:
        if change not in uncovered:
            out.append(declared_change(change, verdict))
        elif change.kind == "breaking":
            out.append(breaking_undeclared(change, verdict))
        else:
            out.append(additive_undeclared(change, verdict))
    out += [not_compared(verdict.package, why) for why in verdict.notes]
    for error in verdict.errors:
        out += cannot_run(f"{verdict.package}: {error.message}", error.fix)
    return out


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.checks.api import ApiError, build
    from ci_gates.checks.api.verdict import evaluate
    from ci_gates.checks.versioning.config import load
    from ci_gates.checks.versioning.errors import ReleaseError
    from ci_gates.core.context import config_for

    root, config = config_for(root)
    build.reset()
    try:
        packages = load(root, config)
        if not packages:
            return [no_packages()]
        return [f for p in packages for f in findings(evaluate(root, p.name, config))]
    except (ApiError, ReleaseError) as exc:
        raise CannotRun(str(exc), getattr(exc, "fix", "")) from None
