"""The build manifest: where the built wheel and sdist are, and whether they are current.

The ``build`` gate builds once and writes :data:`MANIFEST`; every other gate that needs an
artifact calls :func:`current_manifest` (never a glob over a directory, which would happily
pick up a stale wheel). The manifest is keyed by :func:`inputs_hash`, a hash of exactly the
files that go into the wheel and sdist, so a change under ``ci/`` or ``tests/`` never makes
the artifacts stale and never recompiles Rust; :func:`build_key` adds the environment that
shapes the artifacts (the key a result cache for artifact gates can use).

:func:`wheel_venv` gives checks a venv holding the built wheel, reused while the wheel is
unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

from ci_gates.core.findings import CannotRun
from ci_gates.core.venvs import create_venv, pip_install, venv_python

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.project import Names

MANIFEST = "target/ci-gates/build/manifest.json"
DIST_DIR = "target/ci-gates/build/dist"
VENVS_DIR = "target/ci-gates/venvs"

# Files that go into the wheel or the sdist when they sit in the project's directory, the Cargo
# workspace's or the root; the directories come from the manifests (input_dirs), so a renamed,
# adopted or nested layout is hashed right.
INPUT_FILES = (
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "rust-toolchain.toml",
    "rust-toolchain",
    ".cargo/config.toml",
    ".cargo/config",
    "LICENSE",
    "LICENSE-MIT",
)
# Of pyproject.toml only the tables that shape the build count: editing the gate config,
# ruff or pytest settings must not rebuild the wheel.
PYPROJECT_BUILD_KEYS = (("build-system",), ("project",), ("tool", "maturin"))
_SKIP_PARTS = {"__pycache__", "target", ".git"}
# Variables that change the artifacts the backend builds (tag, target, linker, flags).
BUILD_ENV_VARS = (
    "MATURIN_PEP517_ARGS",
    "CARGO_BUILD_TARGET",
    "CARGO_PROFILE_RELEASE_LTO",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
)


class ArtifactError(CannotRun):
    """The artifacts are missing or stale: a gate that needs them cannot run.

    The message (one line) says what is wrong, the fix what to run.
    """

    def __init__(self, message: str, fix: str = "run `nox -s build`") -> None:
        super().__init__(message, fix)

    def __str__(self) -> str:
        return f"{self.message}; {self.fix}" if self.fix else self.message


def _names(root: str) -> Names:
    from ci_gates.core.project import ProjectError, names

    try:
        return names(root)
    except ProjectError as exc:
        raise ArtifactError(str(exc), "") from None  # the message names the fix


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p)


def input_dirs(root: str) -> list[str]:
    """Directories (relative, "/") whose files go into the wheel or the sdist.

    Every workspace crate (a crate at the root, the project's or the workspace's directory
    contributes its ``src``), the Python source (or the package directory when it sits in the
    project's directory) and the build backend's ``backend-path``.
    """
    n = _names(root)
    shared = {"", n.project, n.cargo_root}  # directories that hold more than a crate
    crates = [*n.crates, *([n.bindings] if n.bindings else [])]
    dirs = {_join(c.path, "src") if c.path in shared else c.path for c in crates}
    dirs.add(n.python_source if n.python_source != n.project else _join(n.project, n.package))
    build_system = _pyproject(root, n.project).get("build-system", {})
    dirs.update(
        _join(n.project, p.strip("/"))
        for p in build_system.get("backend-path", [])
        if isinstance(p, str)
    )
    return sorted(d for d in dirs if d and d != ".")


def input_files(root: str) -> list[str]:
    """Single files (relative) that go into the artifacts, where they exist: :data:`INPUT_FILES`
    in the root, the project's and the Cargo workspace's directories, each crate's build script,
    the readme and license files ``[project]`` names, and a pure-Rust module's stub."""
    n = _names(root)
    out = [_join(d, f) for d in {"", n.project, n.cargo_root} for f in INPUT_FILES]
    out += [_join(c.path, "build.rs") for c in n.crates]
    project = _pyproject(root, n.project).get("project", {})
    readme = project.get("readme")
    readme = readme.get("file") if isinstance(readme, dict) else readme
    declared = [readme, *project.get("license-files", [])]
    license_ = project.get("license")
    if isinstance(license_, dict):
        declared.append(license_.get("file"))
    out += [_join(n.project, p) for p in declared if isinstance(p, str) and "*" not in p]
    out.append(_join(n.project, f"{n.package}.pyi"))
    return sorted({p for p in out if os.path.isfile(_abs(root, p))})


def _abs(root: str, rel: str) -> str:
    return os.path.join(os.path.abspath(root), *rel.split("/"))


def input_paths(root: str) -> list[str]:
    """Relative (``/``-separated) paths of the build inputs under ``root``, sorted."""
    import subprocess

    dirs = input_dirs(root)
    try:
        out = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z", "--", *dirs],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8", "surrogateescape")
        paths = {p for p in out.split("\0") if p}
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an unpacked sdist, a fixture): walk the input directories.
        paths = set()
        for top in dirs:
            for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
                dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_PARTS)
                rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
                paths.update(f"{rel_dir}/{name}" for name in filenames)
    paths = {p for p in paths if not _SKIP_PARTS.intersection(p.split("/"))}
    paths.update(input_files(root))
    return sorted(paths)


def _pyproject(root: str, project: str = "") -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(_abs(root, _join(project, "pyproject.toml")), "rb") as f:
            data = tomllib.load(f)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pyproject_build_tables(root: str) -> bytes:
    path = _abs(root, _join(_names(root).project, "pyproject.toml"))
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return b"<missing>"
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return raw  # unparsable: any edit counts
    picked = {}
    for keys in PYPROJECT_BUILD_KEYS:
        node: object = data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        picked[".".join(keys)] = node
    return json.dumps(picked, sort_keys=True).encode()


def inputs_hash(root: str) -> str:
    """sha256 over the paths and contents of the build inputs (not ``ci/``, not ``tests/``)."""
    h = hashlib.sha256()
    for rel in input_paths(root):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(_abs(root, rel), "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
        except OSError:
            h.update(b"<missing>")  # tracked but deleted in the work tree
    h.update(b"pyproject.toml\0" + _pyproject_build_tables(root))
    return h.hexdigest()


def build_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The part of the environment that shapes the artifacts (recorded in the manifest)."""
    env = os.environ if environ is None else environ
    return {k: env[k] for k in BUILD_ENV_VARS if k in env}


def build_key(root: str, env: dict[str, str] | None = None) -> str:
    """One digest of everything the artifacts are made from: inputs and build environment."""
    env = build_env() if env is None else env
    blob = json.dumps({"inputs": inputs_hash(root), "env": env}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def workspace_version(root: str) -> str:
    """The wheel's version, as maturin sets it: ``[project].version`` when the pyproject.toml
    states it, else the bindings crate's ``version``.

    Each crate has its own version (docs/releasing.md); a project whose crates still inherit
    ``[workspace.package] version`` gets that one, as maturin would.
    """
    from ci_gates.core.project import ProjectError, names

    try:
        n: Names | None = names(root)
    except ProjectError:
        n = None
    stated = _pyproject(root, n.project if n else "").get("project", {}).get("version")
    if isinstance(stated, str) and stated:
        return stated
    if n is not None and n.bindings is not None and n.bindings.version:
        return n.bindings.version
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    path = _abs(root, _join(n.cargo_root if n else "", "Cargo.toml"))
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: cannot read the workspace version ({exc})", "") from None
    version = data.get("workspace", {}).get("package", {}).get("version")
    if not isinstance(version, str):
        raise ArtifactError(
            f"{path}: no version for the wheel",
            "set `version` in the bindings crate's Cargo.toml",
        )
    return version


def cli_version(root: str) -> str:
    """The CLI crate's version (what the CLI's ``--version`` prints); the wheel's if unknown."""
    from ci_gates.core.project import ProjectError, names

    try:
        crate = names(root).cli_crate
    except ProjectError:
        crate = None
    return crate.version if crate is not None and crate.version else workspace_version(root)


def load_manifest(root: str) -> dict[str, Any] | None:
    """The manifest as written by the build gate, or None when missing or unreadable."""
    try:
        with open(_abs(root, MANIFEST), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("inputs_hash", "version", "wheel", "sdist")
    ):
        return None
    for key in ARTIFACT_KEYS:  # stored relative to the root: a restored cache works anywhere
        if isinstance(data.get(key), str) and not os.path.isabs(data[key]):
            data[key] = _abs(root, data[key])
    return data


ARTIFACT_KEYS = ("wheel", "sdist", "sdist_wheel")


def write_manifest(root: str, manifest: dict[str, Any]) -> None:
    path = _abs(root, MANIFEST)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    stored = dict(manifest)
    top = os.path.abspath(root) + os.sep
    for key in ARTIFACT_KEYS:
        value = stored.get(key)
        if isinstance(value, str) and os.path.abspath(value).startswith(top):
            stored[key] = os.path.relpath(value, root).replace(os.sep, "/")
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(stored, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def current_manifest(root: str) -> dict[str, Any]:
    """The manifest if it matches the inputs and its artifacts exist; else :class:`ArtifactError`."""
    manifest = load_manifest(root)
    if manifest is None:
        raise ArtifactError(f"no build manifest at {MANIFEST}", "run `nox -s build` first")
    if manifest["inputs_hash"] != inputs_hash(root):
        raise ArtifactError("build manifest is stale (inputs changed)")
    for key in ("wheel", "sdist", "sdist_wheel"):
        path = manifest.get(key)
        if path is not None and not os.path.isfile(path):
            raise ArtifactError(f"build manifest names {key} {path}, which is gone")
    return manifest


def file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def install_wheel(venv: str, wheel: str) -> None:
    """Install ``wheel`` offline: no index, no dependencies, no build."""
    pip_install(venv, ["--no-index", "--no-deps", wheel])


def wheel_venv(
    root: str,
    name: str,
    extra: list[str] | None = None,
    python: str | None = None,
    stamp: str = "",
    with_deps: tuple[str, ...] | None = None,
) -> str:
    """A venv ``target/ci-gates/venvs/<name>`` of ``python`` (default: this interpreter) with
    the current wheel (and ``extra``) installed.

    The wheel goes in offline without its dependencies, unless ``with_deps`` (its extras, maybe
    none) asks for the wheel as users install it: with its dependencies and those extras.
    Recreated when the wheel, ``extra`` or the interpreter changed (a marker file records
    them), reused otherwise. Raises :class:`ArtifactError` when there is no current build.
    """
    wheel = current_manifest(root)["wheel"]
    extra = list(extra or [])
    venv = _abs(root, f"{VENVS_DIR}/{name}")
    marker = os.path.join(venv, ".ci-gates-wheel.json")
    # ``stamp``: what ``extra`` cannot say itself (the digest of a local source it names).
    want = {
        "wheel": file_sha256(wheel),
        "extra": extra,
        "python": python or sys.executable,
        "stamp": stamp,
        **({"with_deps": list(with_deps)} if with_deps is not None else {}),
    }
    try:
        with open(marker, encoding="utf-8") as f:
            if json.load(f) == want and os.path.exists(venv_python(venv)):
                return venv
    except (OSError, ValueError):
        pass
    create_venv(venv, python)
    if with_deps is None:
        if extra:
            pip_install(venv, extra)
        install_wheel(venv, wheel)
    else:  # one resolution: the wheel's dependencies and ``extra`` must agree
        pip_install(venv, [wheel_requirement(root, wheel, with_deps), *extra])
    with open(marker, "w", encoding="utf-8") as f:
        json.dump(want, f)
    return venv


def wheel_requirement(root: str, wheel: str, extras: tuple[str, ...] = ()) -> str:
    """``name[extras] @ file:///.../x.whl``: the built wheel as a requirement with its extras."""
    from pathlib import Path

    dist = _names(root).normalized_dist
    chosen = f"[{','.join(extras)}]" if extras else ""
    return f"{dist}{chosen} @ {Path(wheel).resolve().as_uri()}"
