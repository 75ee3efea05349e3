"""``nox -s adopt -- PATH``: bring the gate library into an existing maturin project.

Copies ``ci/`` (without the template's own benchmarks of its wc domain and stubtest allowlist),
``noxfile.py``, ``tasks.py`` and the agent hook configs (``.claude/settings.json``,
``.codex/hooks.json``) into the project, and appends a ``[tool.ci-gates]`` section to its
pyproject.toml. It touches none of the project's code or other configuration. Gates that do
not apply to what the project has are skipped in that section, each with the reason and what
would make it apply, so ``nox -s gates`` there passes, fails for a reason its message
explains, or shows ``skipped`` with a reason: never a silent pass. It refuses to overwrite a
file the project already has (``--force`` to allow) and a pyproject.toml that already has a
``[tool.ci-gates]`` table.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
from typing import Any

from ci_gates.core.project import Names, ProjectError, names

# What the gate library is, relative to the template root. Directories are copied whole.
COPY = ("ci", "noxfile.py", "tasks.py", ".claude/settings.json", ".codex/hooks.json")
# Template-only parts of ci/: benchmarks of its wc domain, the allowlist of its own stubs.
LEAVE_OUT = ("ci/bench", "ci/stubtest-allowlist.txt")
_JUNK = ("__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")


class AdoptError(Exception):
    """One line: what is wrong and what to do."""


def _files(template: str) -> list[str]:
    out = []
    for item in COPY:
        path = os.path.join(template, item)
        if os.path.isfile(path):
            out.append(item)
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in _JUNK)
            for name in sorted(filenames):
                rel = os.path.relpath(os.path.join(dirpath, name), template).replace(os.sep, "/")
                if not any(rel == x or rel.startswith(x + "/") for x in LEAVE_OUT):
                    if not name.endswith((".pyc", ".pyo")):
                        out.append(rel)
    return out


def skips(project: str, n: Names) -> dict[str, str]:
    """Gates that do not apply to the project as it is, with why and what would change it."""
    out: dict[str, str] = {}
    actions = glob.glob(os.path.join(project, "action.yml")) + glob.glob(
        os.path.join(project, "action", "**", "action.yml"), recursive=True
    )
    if not actions:
        out["action_yaml"] = "no composite action (action.yml) in this project"
    if not os.path.isfile(os.path.join(project, ".github", "workflows", "ci.yml")):
        out["workflows"] = (
            "no .github/workflows/ci.yml running one `nox -s <gate>` per step yet; "
            "write one (`nox -s sync` fills in the gate steps) and remove this skip"
        )
    if n.cli is None:
        out["action_surface"] = "no CLI crate (a workspace member with a binary) in this project"
    pyi = glob.glob(os.path.join(project, n.python_source or ".", "**", "*.pyi"), recursive=True)
    if not pyi:
        out["stubs"] = f"no type stubs (.pyi) for {n.extension} yet; add them and remove this skip"
    out["parity"] = (
        "compares the template's wc-style counts through its CLI and API; not this project's domain"
    )
    if not os.path.isdir(os.path.join(project, "tests")):
        out["pytest"] = "no tests/ directory yet; add tests and remove this skip"
    if not os.path.isfile(os.path.join(project, "README.md")):
        out["readme"] = "no README.md yet; write one and remove this skip"
    out["release_doctor"] = (
        "no [[tool.ci-gates.release.packages]] declared yet; declare them (docs/releasing.md in "
        "the template) and remove this skip"
    )
    return out


def ignores(project: str) -> dict[str, str]:
    """Rules to ignore, with why: what the project lacks that only its maintainers can write."""
    from ci_gates.core.project import _toml

    out = {}
    if "readme" not in _toml(os.path.join(project, "pyproject.toml")).get("project", {}):
        out["WHL020"] = "no [project] readme yet: set it (its PyPI page is empty) and remove this"
    return out


def _head(project: str) -> str:
    """The commit the project is at ("" before its first): history before adoption is not judged."""
    import subprocess

    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    return proc.stdout.strip() if proc.returncode == 0 else ""


_PUBLISH = re.compile(
    r"\b(uv publish|twine upload|maturin (publish|upload)|cargo publish|command: (upload|publish))\b"
)


def release_files(project: str) -> list[str]:
    """Workflows that publish (maturin's generated CI.yml does, on tags): the release files."""
    out = []
    for path in sorted(glob.glob(os.path.join(project, ".github", "workflows", "*.y*ml"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            if _PUBLISH.search(f.read()):
                out.append(os.path.relpath(path, project).replace(os.sep, "/"))
    return out


def section(
    n: Names,
    skipped: dict[str, str],
    releases: list[str],
    ignored: dict[str, str] | None = None,
    since: str = "",
) -> str:
    lines = [
        "",
        "# The CI gate library (ci/, noxfile.py): `nox -s gates` runs them all; ci/gates/README.md",
        "# explains each. Written by `nox -s adopt`; every skip says what would make it apply.",
    ]
    if since:
        lines.append("[tool.ci-gates.commits]")
        lines.append("# Commits before the adoption are not judged by the commits gate.")
        lines.append(f'since = "{since}"')
        lines.append("")
    if ignored:
        lines.append("[tool.ci-gates.ignore]")
        lines.extend(f'{rule_id} = "{why}"' for rule_id, why in sorted(ignored.items()))
        lines.append("")
    if releases:
        lines.append("[tool.ci-gates.tool-guard]")
        lines.append("# Workflows that publish; publishing anywhere else is refused.")
        lines.append("release-files = [" + ", ".join(f'"{r}"' for r in releases) + "]")
        lines.append("")
    if skipped:
        lines.append("[tool.ci-gates.skip]")
        lines.extend(f'{gate} = "{why}"' for gate, why in sorted(skipped.items()))
    return "\n".join(lines) + "\n"


def _preflight(project: str) -> None:
    if not os.path.isfile(os.path.join(project, "pyproject.toml")):
        raise AdoptError(f"{project}: no pyproject.toml; adopt works on a maturin project's root")
    if not os.path.isdir(os.path.join(project, ".git")):
        raise AdoptError(
            f"{project}: not a git repository (the gates read tracked files); run `git init`"
        )
    with open(os.path.join(project, "pyproject.toml"), encoding="utf-8") as f:
        if "[tool.ci-gates" in f.read():
            raise AdoptError(
                f"{project}/pyproject.toml already has [tool.ci-gates]; adopted already?"
            )


def adopt(template: str, project: str, force: bool = False) -> str:
    """Copy the gates into ``project``; returns the report (what was written, skipped, next)."""
    project = os.path.abspath(project)
    _preflight(project)
    try:
        n = names(project)
    except ProjectError as exc:
        raise AdoptError(str(exc)) from None
    files = _files(template)
    clashes = [f for f in files if os.path.exists(os.path.join(project, f))]
    if clashes and not force:
        raise AdoptError(
            f"{project} already has {clashes[0]} (and {len(clashes) - 1} more the gates own); "
            "pass --force to overwrite them"
        )
    for rel in files:
        dest = os.path.join(project, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(template, rel), dest)
    skipped = skips(project, n)
    with open(os.path.join(project, "pyproject.toml"), "a", encoding="utf-8") as f:
        f.write(section(n, skipped, release_files(project), ignores(project), _head(project)))
    _write_ruff_config(template, project)
    return _report(project, n, files, skipped)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise AdoptError(f"[tool.ruff]: cannot copy a value of type {type(value).__name__}")


def _toml_tables(table: dict[str, Any], prefix: str = "") -> list[str]:
    scalars = [f"{k} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    out = ([f"[{prefix}]"] if prefix and scalars else []) + scalars
    for key, value in table.items():
        if isinstance(value, dict):
            out += ["", *_toml_tables(value, f"{prefix}.{key}" if prefix else key)]
    return out


def _write_ruff_config(template: str, project: str) -> None:
    """ci/ruff.toml: ruff judges ci/ by the template's settings, the project by its own."""
    from ci_gates.core.project import _toml

    ruff = dict(_toml(os.path.join(template, "pyproject.toml")).get("tool", {}).get("ruff", {}))
    ruff.pop("extend-exclude", None)
    ruff.setdefault("target-version", "py39")  # the library's floor, whatever the project's is
    isort = ruff.get("lint", {}).get("isort", {})
    if "known-first-party" in isort:
        isort["known-first-party"] = ["ci"]
    text = "\n".join(
        [
            "# Written by `nox -s adopt`: the gate library's own ruff settings, so ruff judges",
            "# ci/ the way the library is written and the rest of the project by its own config.",
            *_toml_tables(ruff),
        ]
    )
    with open(os.path.join(project, "ci", "ruff.toml"), "w", encoding="utf-8") as f:
        f.write(text + "\n")


def _report(project: str, n: Names, files: list[str], skipped: dict[str, str]) -> str:
    lines = [
        f"adopt: copied {len(files)} files into {project} and added [tool.ci-gates] to pyproject.toml",
        f"  names read from its manifests: distribution {n.dist}, package {n.package}, "
        f"extension {n.extension}, CLI {n.cli or '(none)'}",
    ]
    lines += [f"  skipped: {gate}: {why}" for gate, why in sorted(skipped.items())]
    steps = []
    if not os.path.isfile(os.path.join(project, "Cargo.lock")):
        steps.append("`cargo generate-lockfile` (the Rust gates build with --locked)")
    steps.append("`git add -A` (the gates read tracked files)")
    steps.append("`python -m pip install -r ci/requirements-dev.txt` (nox, uv, invoke)")
    steps.append("`nox -s gates`")
    lines.append("next: " + "; then ".join(steps))
    return "\n".join(lines)
