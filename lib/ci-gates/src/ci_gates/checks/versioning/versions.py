"""Versions: which bump a commit calls for, the next version, and where versions are written.

A crate's version is ``[package].version`` of its Cargo.toml; a python package's is
``[project].version`` of its pyproject.toml (:func:`version_table`).

Reading uses ``tomllib``; writing uses ``tomlkit`` (imported only by :func:`write_version` and
:func:`write_requirements`), so comments and layout of the manifests survive a bump.
"""

from __future__ import annotations

import os
from typing import Any

from ci_gates.checks.versioning import conventional as cc
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.checks.versioning.history import semver

LEVELS = ("patch", "minor", "major")  # ascending; "skip" and "" mean no bump
DEP_TABLES = ("dependencies", "dev-dependencies", "build-dependencies")


def rank(level: str) -> int:
    return LEVELS.index(level) + 1 if level in LEVELS else 0


def effective(level: str, version: str, from_trailer: bool) -> str:
    """The bump applied to ``version``: below 1.0.0, Cargo's rule, unless a trailer said it.

    Cargo treats ``0.y.z`` → ``0.(y+1).0`` as breaking, so a breaking change bumps the minor
    and everything else the patch. A ``Release:`` trailer is taken literally: ``Release:
    major`` on 0.4.2 is how a project reaches 1.0.0.
    """
    parts = semver(version)
    if from_trailer or parts is None or parts[0] > 0 or level not in LEVELS:
        return level
    return "minor" if level == "major" else "patch"


def bump(version: str, level: str) -> str:
    """``1.2.3`` + ``minor`` → ``1.3.0`` (a pre-release or build suffix is dropped)."""
    parts = semver(version)
    if parts is None:
        raise ReleaseError(f"version {version!r} is not semver x.y.z; fix the manifest")
    major, minor, patch = parts
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ReleaseError(f"unknown bump {level!r}")


def level_between(old: str | None, new: str) -> str:
    """The bump that leads from ``old`` to ``new`` ("first" when there is no ``old``)."""
    a, b = semver(old or ""), semver(new)
    if a is None or b is None:
        return "first"
    return "major" if b[0] != a[0] else "minor" if b[1] != a[1] else "patch"


def read_toml(path: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)  # type: ignore[no-any-return]
    except (OSError, ValueError) as exc:
        raise ReleaseError(f"{path}: cannot read ({exc})") from None


def version_table(manifest: str) -> str:
    """Where ``manifest`` keeps the version: ``[project]`` of a pyproject.toml (a python
    package), else ``[package]`` of a Cargo.toml."""
    return "project" if os.path.basename(manifest) == "pyproject.toml" else "package"


def read_version(root: str, manifest: str) -> str:
    """The literal version of ``manifest``: each crate, each python package its own."""
    table = version_table(manifest)
    version = read_toml(os.path.join(root, manifest)).get(table, {}).get("version")
    if not isinstance(version, str):
        if table == "project":
            raise ReleaseError(
                f"{manifest}: [project] version is not set (dynamic or missing); the release "
                'reads and bumps it there: write a literal `version = "x.y.z"`'
            )
        raise ReleaseError(
            f"{manifest}: [package] version is not set in this manifest (inherited or missing); "
            'give the crate its own `version = "x.y.z"` (docs/releasing.md, one-time migration)'
        )
    if semver(version) is None:
        raise ReleaseError(f"{manifest}: version {version!r} is not semver x.y.z")
    return version


def _load_doc(path: str) -> Any:
    import tomlkit

    with open(path, encoding="utf-8") as f:
        return tomlkit.parse(f.read())


def _save_doc(path: str, doc: Any) -> None:
    import tomlkit

    with open(path, "w", encoding="utf-8") as f:
        f.write(tomlkit.dumps(doc))


def write_version(root: str, manifest: str, version: str) -> None:
    path = os.path.join(root, manifest)
    doc = _load_doc(path)
    doc[version_table(manifest)]["version"] = version
    _save_doc(path, doc)


def _requirement(old: object, version: str) -> str:
    """Keep the operator the manifest used (``=`` pins exactly; none means caret)."""
    text = str(old or "").strip()
    op = next((o for o in ("=", "^", "~") if text.startswith(o)), "")
    return f"{op}{version}"


def write_requirements(root: str, manifests: list[str], crate: str, version: str) -> list[str]:
    """Set the ``version`` of every path dependency on ``crate``; the manifests changed."""
    changed = []
    for manifest in manifests:
        path = os.path.join(root, manifest)
        doc = _load_doc(path)
        tables = [doc.get(t) for t in DEP_TABLES]
        workspace = doc.get("workspace")
        if workspace is not None:
            tables.append(workspace.get("dependencies"))
        edited = False
        for table in tables:
            if table is None:
                continue
            for key, dep in table.items():
                if not hasattr(dep, "get") or "path" not in dep or "version" not in dep:
                    continue
                if dep.get("package", key) == crate:
                    dep["version"] = _requirement(dep["version"], version)
                    edited = True
        if edited:
            _save_doc(path, doc)
            changed.append(manifest)
    return changed


def classify(sha: str, message: str, version: str) -> tuple[str, str]:
    """``(level, why)`` for one commit on a package at ``version``; a bad trailer raises."""
    msg = cc.parse(message)
    values = [v for k, v in msg.trailers if k.lower() == cc.RELEASE_KEY]
    bad = [v for v in values if v.lower() not in cc.RELEASE_VALUES]
    if bad:
        raise ReleaseError(
            f"commit {sha[:10]} {msg.subject!r}: trailer `Release: {bad[0]}` is not one of "
            f"{', '.join(cc.RELEASE_VALUES)}; reword it (git rebase -i) or add a commit after it"
        )
    raw = cc.bump_of(msg)
    if raw == "skip":
        return "skip", "Release: skip"
    level = effective(raw, version, bool(msg.release))
    if msg.release:
        why = f"Release: {msg.release}"
    elif msg.breaking:
        why = "breaking change"
    else:
        why = f"{msg.type or 'other'} commit"
    if level != raw:
        why += f" ({raw} -> {level} below 1.0.0, Cargo's rule)"
    return level, f"{why} in {sha[:10]} {msg.subject!r}"
