"""The project's own linters and type checkers: which version it pins, what it configures, what it runs.

A project judged by its own tools is judged as its maintainers judge it. :func:`pinned` finds the
version of a tool (``ruff``, ``mypy``) the project chose, in order of trust:

1. its lock file (``uv.lock``, ``poetry.lock``, ``pdm.lock``): the exact version it installs;
2. its ``pyproject.toml``: a dependency group, an extra, ``[tool.uv] dev-dependencies``;
3. its ``.pre-commit-config.yaml``: the ``rev`` of ``astral-sh/ruff-pre-commit`` or
   ``pre-commit/mirrors-mypy`` (and that hook's ``additional_dependencies``);
4. its requirements files (``requirements*.txt``, ``requirements/*.txt``, ``ci/``, ``.github/``).

Without any, the library's pin (:mod:`ci_gates.core.pins`) applies. A range (``ruff>=0.5``) is
met by the library's pin when it can be, else installed as written. :func:`uses` and
:func:`formats_with_ruff` say what the project runs at all (its configuration, its hooks, its CI,
its Makefile, noxfile or tox.ini), so a check or a fix the project never chose is not imposed.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any, NamedTuple

LOCKS = ("uv.lock", "poetry.lock", "pdm.lock")
PRE_COMMIT = ".pre-commit-config.yaml"
HOOK_REPOS = {"ruff": "ruff-pre-commit", "mypy": "mirrors-mypy"}
REQUIREMENT_GLOBS = (
    "requirements*.txt",
    "*requirements*.txt",
    "requirements/*.txt",
    "ci/*requirements*.txt",
    ".github/*requirements*.txt",
    ".github/**/requirements*.txt",
)
# Files where a project says which commands it runs (CI, task runners).
RUNNERS = ("Makefile", "noxfile.py", "tox.ini", "justfile", "Justfile", "tasks.py", PRE_COMMIT)
RUFF_CONFIGS = ("ruff.toml", ".ruff.toml")
MYPY_CONFIGS = ("mypy.ini", ".mypy.ini")
OTHER_TYPE_CHECKERS = ("pyright", "basedpyright", "pyre-check", "ty")


class Pin(NamedTuple):
    name: str
    requirement: str  # what to install: "ruff==0.6.9", "ruff>=0.5"
    version: str  # the exact version, "" for a range
    source: str  # where it was read: "uv.lock", ".pre-commit-config.yaml", ... or "ci-gates"
    extra: tuple[str, ...] = ()  # what the project's hook installs next to it (mypy's stubs)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _toml(path: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return {}


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _spec(requirement: str, name: str) -> str | None:
    """The version specifier of ``requirement`` when it names ``name`` ("" for none), else None."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#]*)", requirement)
    if not m or _norm(m.group(1)) != name:
        return None
    return re.sub(r"\s+", "", m.group(3))


def _from_lock(root: str, name: str) -> Pin | None:
    for lock in LOCKS:
        for package in _toml(os.path.join(root, lock)).get("package") or []:
            if isinstance(package, dict) and _norm(str(package.get("name", ""))) == name:
                version = str(package.get("version", ""))
                if version:
                    return Pin(name, f"{name}=={version}", version, lock)
    return None


def _pyproject_requirements(data: dict[str, Any]) -> list[tuple[str, str]]:
    """``(requirement, where)`` of every group, extra and uv dev dependency."""
    out = []
    for group, reqs in (data.get("dependency-groups") or {}).items():
        out += [(r, f"pyproject.toml [dependency-groups] {group}") for r in reqs or []]
    extras = (data.get("project") or {}).get("optional-dependencies") or {}
    for extra, reqs in extras.items():
        out += [(r, f"pyproject.toml [project.optional-dependencies] {extra}") for r in reqs or []]
    uv = ((data.get("tool") or {}).get("uv") or {}).get("dev-dependencies") or []
    out += [(r, "pyproject.toml [tool.uv] dev-dependencies") for r in uv]
    return [(r, w) for r, w in out if isinstance(r, str)]


def _from_requirements(pairs: list[tuple[str, str]], name: str) -> Pin | None:
    """The first pair naming ``name`` with ``==``, else the first with any specifier."""
    found = [(spec, where) for r, where in pairs if (spec := _spec(r, name)) is not None]
    for spec, where in found:
        if spec.startswith("==") and "*" not in spec and "," not in spec:
            return Pin(name, f"{name}{spec}", spec[2:].strip(), where)
    for spec, where in found:
        if spec:
            return Pin(name, f"{name}{spec}", "", where)
    return None


def pre_commit_hooks(root: str) -> list[dict[str, Any]]:
    """The repos of ``.pre-commit-config.yaml`` (empty when there is none or it does not parse)."""
    text = _read(os.path.join(root, PRE_COMMIT))
    if not text:
        return []
    try:
        import yaml

        doc = yaml.safe_load(text)
    except Exception:  # yaml missing or invalid: the project's own pre-commit would say so
        return []
    repos = doc.get("repos") if isinstance(doc, dict) else None
    return [r for r in repos or [] if isinstance(r, dict)]


def _from_pre_commit(root: str, name: str) -> Pin | None:
    for repo in pre_commit_hooks(root):
        if not str(repo.get("repo", "")).rstrip("/").endswith(HOOK_REPOS[name]):
            continue
        version = str(repo.get("rev", "")).lstrip("v")
        if not re.fullmatch(r"\d+(\.\d+)*", version):
            continue
        extra: list[str] = []
        for hook in repo.get("hooks") or []:
            if isinstance(hook, dict):
                extra += [str(d) for d in hook.get("additional_dependencies") or []]
        return Pin(name, f"{name}=={version}", version, PRE_COMMIT, tuple(extra))
    return None


def requirement_files(root: str) -> list[str]:
    found = {p for g in REQUIREMENT_GLOBS for p in glob.glob(os.path.join(root, g), recursive=True)}
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in found if os.path.isfile(p))


def _from_files(root: str, name: str) -> Pin | None:
    pairs = []
    for rel in requirement_files(root):
        for line in _read(os.path.join(root, rel)).splitlines():
            if line.strip() and not line.lstrip().startswith(("#", "-")):
                pairs.append((line, rel))
    return _from_requirements(pairs, name)


def project_pin(root: str, name: str) -> Pin | None:
    """The version of ``name`` the project chose, or None."""
    pyproject = _toml(os.path.join(root, "pyproject.toml"))
    return (
        _from_lock(root, name)
        or _from_requirements(_pyproject_requirements(pyproject), name)
        or _from_pre_commit(root, name)
        or _from_files(root, name)
    )


def pinned(root: str, name: str, library: str) -> Pin:
    """What to run: the project's pin of ``name``, else ``library`` (``ruff==0.17.6``)."""
    found = project_pin(root, name)
    lib_version = library.partition("==")[2]
    if found is None:
        return Pin(name, library, lib_version, "ci-gates")
    if found.version or not _satisfies(lib_version, found.requirement[len(name) :]):
        return found
    return found._replace(requirement=library, version=lib_version)


def _satisfies(version: str, spec: str) -> bool:
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        return False
    try:
        return version in SpecifierSet(spec)
    except ValueError:
        return False


def configured(root: str, name: str) -> str:
    """Where the project configures ``name`` (a file, or ``pyproject.toml [tool.X]``), or ""."""
    tool = _toml(os.path.join(root, "pyproject.toml")).get("tool") or {}
    if name in tool:
        return f"pyproject.toml [tool.{name}]"
    files = RUFF_CONFIGS if name == "ruff" else MYPY_CONFIGS if name == "mypy" else ()
    for rel in files:
        if os.path.isfile(os.path.join(root, rel)):
            return rel
    if name == "mypy" and re.search(r"(?m)^\[mypy\]", _read(os.path.join(root, "setup.cfg"))):
        return "setup.cfg [mypy]"
    return ""


def _runner_texts(root: str) -> list[str]:
    paths = [os.path.join(root, r) for r in RUNNERS]
    paths += glob.glob(os.path.join(root, ".github", "workflows", "*.y*ml"))
    return [_read(p) for p in paths]


def runs(root: str, pattern: str) -> bool:
    """Does a workflow, a task runner or a pre-commit hook of the project match ``pattern``?"""
    regex = re.compile(pattern)
    return any(regex.search(text) for text in _runner_texts(root))


def uses(root: str, name: str) -> str:
    """Why the project counts as using ``name`` (its config, its pin, its CI), or ""."""
    where = configured(root, name)
    if where:
        return where
    pin = project_pin(root, name)
    if pin is not None:
        return pin.source
    # `python -m mypy.stubtest` is a stub check, not mypy checking the project's types
    return "its CI or task runner" if runs(root, rf"\b{name}\b(?![.-]\w)") else ""


def formats_with_ruff(root: str) -> str:
    """Why the project counts as formatting with ruff, or "" (then no format check is imposed)."""
    tool = _toml(os.path.join(root, "pyproject.toml")).get("tool") or {}
    if isinstance((tool.get("ruff") or {}).get("format"), dict):
        return "pyproject.toml [tool.ruff.format]"
    for rel in RUFF_CONFIGS:
        if re.search(r"(?m)^\[format\]", _read(os.path.join(root, rel))):
            return f"{rel} [format]"
    for repo in pre_commit_hooks(root):
        ids = [str(h.get("id", "")) for h in repo.get("hooks") or [] if isinstance(h, dict)]
        if "ruff-format" in ids:
            return f"{PRE_COMMIT} (ruff-format)"
    return "its CI or task runner" if runs(root, r"\bruff\s+format\b") else ""


def other_type_checker(root: str) -> str:
    """A type checker other than mypy the project uses (configured or pinned), or ""."""
    for name in OTHER_TYPE_CHECKERS:
        if configured(root, name) or project_pin(root, _norm(name)) is not None:
            return name
    if os.path.isfile(os.path.join(root, "pyrightconfig.json")):
        return "pyright"
    return ""
