"""The rehearsal's throwaway clone: what it changes before the release is planned.

- :func:`plan_host_only`: the maturin package plans this machine's target only (a manylinux2014
  wheel via zig on a glibc Linux host, else a native one);
- :func:`point_at_registry`: path dependencies on released crates name the local registry;
- :func:`change_packages`: a ``feat`` commit on the core crate (which cascades to every package
  that depends on it) and a ``fix`` commit on each python package, so each ships;
- :func:`cargo_home`: a CARGO_HOME of its own that shares crates.io's downloads.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from ci_gates.checks.versioning import history
from ci_gates.checks.versioning.errors import ReleaseError

REGISTRY = "rehearsal"  # the cargo registry name the clone publishes to


def _edit_toml(path: str, edit: Any) -> None:
    import tomlkit

    with open(path, encoding="utf-8") as f:
        doc = tomlkit.parse(f.read())
    edit(doc)
    with open(path, "w", encoding="utf-8") as f:
        f.write(tomlkit.dumps(doc))


def plan_host_only(clone: str, host: str, libc: str) -> None:
    """The pypi package's ``targets``: this machine's triple only."""
    import tomlkit

    def edit(doc: Any) -> None:
        for pkg in doc["tool"]["ci-gates"]["release"]["packages"]:
            if pkg["kind"] == "pypi":
                targets = tomlkit.array()
                targets.append(tomlkit.inline_table())
                targets[0].update({"target": host, "runner": "local", "libc": libc})
                pkg["targets"] = targets

    _edit_toml(os.path.join(clone, "pyproject.toml"), edit)


def point_at_registry(clone: str) -> None:
    """Path dependencies on released crates name the local registry: a published crate's
    path dependency becomes a registry dependency, resolved on crates.io unless named."""
    from ci_gates.checks.versioning.config import load
    from ci_gates.core.project import names

    released = {p.name for p in load(clone) if p.kind == "crates"}
    manifests = ["Cargo.toml", *(f"{c.path}/Cargo.toml" for c in names(clone).crates if c.path)]

    def edit(doc: Any) -> None:
        tables = [doc.get("workspace", {}).get("dependencies", {})]
        tables += [
            doc.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")
        ]
        for table in tables:
            for name, spec in table.items():
                if name in released and hasattr(spec, "get") and spec.get("path"):
                    spec["registry"] = REGISTRY

    for rel in manifests:
        _edit_toml(os.path.join(clone, rel), edit)


def core_crate(clone: str) -> Any:
    """The first released crate without dependencies (a :class:`ci_gates.core.project.Crate`)."""
    from ci_gates.checks.versioning.config import load
    from ci_gates.core.project import names

    crates = [p for p in load(clone) if p.kind == "crates" and not p.depends_on]
    if not crates:
        raise ReleaseError(
            "no released crate without dependencies: nothing to rehearse a consumer of"
        )
    return names(clone).crate(crates[0].name)


def change_packages(clone: str) -> list[str]:
    """Commit a change to the core crate and to each python package; their names."""
    from ci_gates.checks.versioning.config import load

    core = core_crate(clone)
    with open(os.path.join(clone, core.path, "src", "lib.rs"), "a", encoding="utf-8") as f:
        f.write("\n// Release rehearsal: a change to the core crate.\n")
    history.git(clone, "commit", "-qam", f"feat({core.name}): a change to rehearse the release")
    changed = [core.name]
    for pkg in (p for p in load(clone) if p.kind == "python"):
        with open(os.path.join(clone, pkg.manifest), "a", encoding="utf-8") as f:
            f.write("\n# Release rehearsal: a change to the package.\n")
        history.git(clone, "commit", "-qam", f"fix({pkg.name}): a change to rehearse the release")
        changed.append(pkg.name)
    return changed


def cargo_home(tmp: str) -> str:
    """A CARGO_HOME of its own (the local registry's index clone lives there), sharing
    crates.io's downloads with the user's so nothing is fetched twice."""
    real = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
    home = os.path.join(tmp, "cargo-home")
    for sub in ("index", "cache", "src"):
        os.makedirs(os.path.join(home, "registry", sub), exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            for d in os.listdir(os.path.join(real, "registry", sub)):
                link = os.path.join(home, "registry", sub, d)
                if d.startswith("index.crates.io-") and not os.path.lexists(link):
                    os.symlink(os.path.join(real, "registry", sub, d), link)
    return home
