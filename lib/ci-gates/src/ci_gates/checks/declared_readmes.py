"""The readme each published crate and the Python package declare (the ``readme`` gate's RDM005-006).

crates.io and PyPI show these files as the project's page; an empty page is what a missing
declaration costs.
"""

from __future__ import annotations

from ci_gates.core.findings import Finding, finding_of, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _toml(path: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    with open(path, "rb") as f:
        return tomllib.load(f)  # type: ignore[no-any-return]


@rule("RDM005", gate="readme")
def crate_readme(root: str, rel: str, workspace: dict[str, Any]) -> Finding | None:
    """A published crate declares no readme, or names one that does not exist.

    crates.io shows the crate's readme; ``readme.workspace = true`` needs ``readme`` in the
    workspace's ``[workspace.package]``; ``readme = true`` means README.md next to the
    manifest. A crate with ``publish = false`` needs none.
    """
    import os

    def problem(message: str, fix: str) -> Finding:
        return finding_of(crate_readme, message, rel, fix=fix)

    manifest = os.path.join(root, rel)
    try:
        package = _toml(manifest).get("package", {})
    except (OSError, ValueError) as exc:
        return problem(f"cannot read ({exc})", "fix the manifest")
    publish, readme, base = package.get("publish", True), package.get("readme"), manifest
    if isinstance(publish, dict) and publish.get("workspace"):
        publish = workspace.get("publish", True)
    if publish is False or publish == []:
        return None
    if isinstance(readme, dict) and readme.get("workspace"):
        readme, base = workspace.get("readme"), os.path.join(root, "Cargo.toml")
        if not isinstance(readme, str):
            return problem(
                "readme.workspace = true, but Cargo.toml has no readme in [workspace.package]",
                "add it there or set readme in this crate",
            )
    if readme is True:  # Cargo: `readme = true` means README.md next to the manifest
        readme = "README.md"
    if not isinstance(readme, str):
        return problem(
            "published crate declares no readme",
            'add readme = "README.md" to [package] (or publish = false if it is not published)',
        )
    if not os.path.isfile(os.path.join(os.path.dirname(base), readme)):
        return problem(f"readme {readme!r} does not exist", "add the file or fix the path")
    return None


@rule("RDM006", gate="readme")
def package_readme(root: str) -> Finding | None:
    """The Python package (``[project]`` in pyproject.toml) declares no readme, or a missing one.

    PyPI shows it as the project description. Not needed for a ``dynamic`` readme, an inline
    ``{text = …}``, or a private package (``Private :: Do Not Upload``).
    """
    import os

    project = _toml(os.path.join(root, "pyproject.toml")).get("project")
    if not isinstance(project, dict) or "readme" in project.get("dynamic", ()):
        return None
    if "Private :: Do Not Upload" in project.get("classifiers", ()):
        return None
    readme = project.get("readme")
    if isinstance(readme, dict) and "text" in readme:
        return None
    file = readme.get("file") if isinstance(readme, dict) else readme
    if not isinstance(file, str) and _crate_readme(root):
        return None  # maturin takes the crate's readme (cargo's own default is README.md)
    if not isinstance(file, str):
        return finding_of(
            package_readme,
            "[project] declares no readme",
            "pyproject.toml",
            fix='add readme = "README.md"',
        )
    if not os.path.isfile(os.path.join(root, file)):
        return finding_of(
            package_readme,
            f"[project] readme {file!r} does not exist",
            "pyproject.toml",
            fix="add the file or fix the path",
        )
    return None


def _crate_readme(root: str) -> bool:
    """Does the crate maturin builds have a readme (declared, or cargo's README.md default)?"""
    import os

    maturin = _toml(os.path.join(root, "pyproject.toml")).get("tool", {}).get("maturin", {})
    manifest = os.path.join(root, str(maturin.get("manifest-path", "Cargo.toml")))
    try:
        package = _toml(manifest).get("package")
    except (OSError, ValueError):
        return False  # no crate here, or one cargo cannot read either: the build gate says so
    if not isinstance(package, dict):
        return False  # a virtual workspace's root: no crate of its own
    declared = package.get("readme")
    if declared is False:
        return False
    crate = os.path.dirname(manifest)
    if isinstance(declared, str):
        return os.path.isfile(os.path.join(crate, declared))
    if declared is not None:  # `readme.workspace = true`: the workspace names it
        return True
    return any(
        os.path.isfile(os.path.join(crate, n)) for n in ("README.md", "README.txt", "README")
    )


def found(root: str) -> list[Finding]:
    """The readme each published crate and the Python package declare."""
    import glob
    import os

    try:
        workspace = _toml(os.path.join(root, "Cargo.toml")).get("workspace", {}).get("package", {})
    except (OSError, ValueError):
        workspace = {}
    manifests = sorted(glob.glob(os.path.join(root, "crates", "*", "Cargo.toml")))
    found = [
        crate_readme(root, os.path.relpath(m, root).replace(os.sep, "/"), workspace)
        for m in manifests
    ]
    found.append(package_readme(root))
    return [f for f in found if f is not None]
