"""Throwaway repositories with a released baseline, for the api_compat tests.

:func:`python_repo` is a wheel-only project (bindings crate, Python package with a
``_native.pyi`` stub, no CLI): comparing it needs griffe, not cargo. :func:`rust_repo` is a
library crate and a CLI crate without dependencies, whose ``--dump-surface`` prints a
document the test writes, so a build takes a second or two. Both commit everything; the
caller tags the release (``repo.tag("demo-v1.2.3")``) and scripts what follows with
:func:`change`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.ci.releasing import ReleaseRepo

PY_PACKAGES = """
[[tool.ci-gates.release.packages]]
name = "demo"
kind = "pypi"
path = "."
paths = ["python/**", "crates/py/**", "pyproject.toml"]
"""

RUST_PACKAGES = """
[[tool.ci-gates.release.packages]]
name = "demo-core"
kind = "crates"
path = "crates/core"
paths = ["crates/core/**"]

[[tool.ci-gates.release.packages]]
name = "demo-cli"
kind = "crates"
path = "crates/cli"
paths = ["crates/cli/**"]
"""

STUB = """\
def count_bytes(data: bytes) -> int: ...
def count_file(path: str, *, follow: bool = True) -> int: ...
"""

BINDING = """\
#[pyfunction]
#[pyo3(signature = (path, *, follow = true))]
fn count_file(path: &str, follow: bool) -> u64 { 0 }
"""

INIT = '''\
"""demo."""

from ._native import count_bytes, count_file

__all__ = ["count_bytes", "count_file"]
'''

CORE = "pub fn one() -> u32 {\n    1\n}\n"


def crate(name: str, version: str, extra: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n{extra}'


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _init(root: Path, files: dict[str, str]) -> ReleaseRepo:
    _write(root, {".gitignore": "target/\n", **files})
    repo = ReleaseRepo(root)
    repo.git("init", "-q", "-b", "main")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: initial layout")
    return repo


def python_repo(root: Path, version: str) -> ReleaseRepo:
    pyproject = (
        '[project]\nname = "demo"\ndynamic = ["version"]\n\n[tool.maturin]\n'
        'manifest-path = "crates/py/Cargo.toml"\npython-source = "python"\n'
        'module-name = "demo._native"\n' + PY_PACKAGES
    )
    return _init(
        root,
        {
            "pyproject.toml": pyproject,
            "Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n',
            "crates/py/Cargo.toml": crate(
                "demo-py", version, 'publish = false\n\n[lib]\nname = "_native"\n'
            ),
            "crates/py/src/lib.rs": BINDING,
            "python/demo/__init__.py": INIT,
            "python/demo/_native.pyi": STUB,
        },
    )


def dump(flags: list[str], fields: list[str]) -> dict[str, Any]:
    """A one-subcommand ``--dump-surface`` document with these long flags and JSON fields."""

    def flag(name: str, hidden: bool = False) -> dict[str, Any]:
        return {
            "id": name.replace("-", "_"),
            "long": name,
            "short": None,
            "aliases": [],
            "short_aliases": [],
            "hidden": hidden,
            "action": "set_true",
            "takes_value": False,
            "num_args": None,
            "possible_values": [],
            "required": False,
            "default": [],
            "global": False,
            "require_equals": False,
            "value_names": [],
        }

    count = {
        "name": "count",
        "aliases": [],
        "hidden": False,
        "subcommand_required": False,
        "flags": [flag(f) for f in flags],
        "positionals": [],
        "subcommands": [],
        "json_fields": fields,
    }
    return {
        "format": 1,
        "name": "demo-cli",
        "version": "0",
        "aliases": [],
        "hidden": False,
        "subcommand_required": False,
        "flags": [flag("dump-surface", hidden=True)],
        "positionals": [],
        "subcommands": [count],
        "exit_codes": [{"code": 0, "meaning": "ok"}, {"code": 2, "meaning": "error"}],
    }


def cli_main(document: dict[str, Any]) -> str:
    """``main.rs`` of a CLI that prints ``document`` for ``--dump-surface`` (no clap: fast)."""
    text = json.dumps(document)
    return (
        "fn main() {\n"
        '    if std::env::args().any(|a| a == "--dump-surface") {\n'
        f'        println!("{{}}", r#"{text}"#);\n'
        "    }\n"
        "}\n"
    )


def rust_repo(root: Path, version: str) -> ReleaseRepo:
    pyproject = '[project]\nname = "demo"\ndynamic = ["version"]\n' + RUST_PACKAGES
    repo = _init(
        root,
        {
            "pyproject.toml": pyproject,
            "Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n',
            "crates/core/Cargo.toml": crate("demo-core", version),
            "crates/core/src/lib.rs": CORE,
            "crates/cli/Cargo.toml": crate("demo-cli", version),
            "crates/cli/src/main.rs": cli_main(dump(["json"], ["path", "lines"])),
        },
    )
    subprocess.run(
        ["cargo", "generate-lockfile", "--offline"], cwd=root, check=True, capture_output=True
    )
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "chore: lock")
    return repo


WHEEL_PACKAGE = """
[[tool.ci-gates.release.packages]]
name = "demo"
kind = "pypi"
path = "."
paths = ["python/**", "crates/py/**", "pyproject.toml"]
depends_on = ["demo-cli"]
"""


def full_repo(root: Path, version: str) -> ReleaseRepo:
    """:func:`rust_repo` plus a wheel (bindings crate, Python package) that ships the CLI."""
    pyproject = (
        '[project]\nname = "demo"\ndynamic = ["version"]\n\n[tool.maturin]\n'
        'manifest-path = "crates/py/Cargo.toml"\npython-source = "python"\n'
        'module-name = "demo._native"\n' + RUST_PACKAGES + WHEEL_PACKAGE
    )
    repo = rust_repo(root, version)
    return _commit(
        repo,
        "chore: the wheel",
        {
            "pyproject.toml": pyproject,
            "crates/py/Cargo.toml": crate(
                "demo-py", version, 'publish = false\n\n[lib]\nname = "_native"\n'
            ),
            "crates/py/src/lib.rs": "",
            "python/demo/__init__.py": INIT,
            "python/demo/_native.pyi": STUB,
        },
        lock=True,
    )


def _commit(
    repo: ReleaseRepo, message: str, files: dict[str, str], lock: bool = False
) -> ReleaseRepo:
    _write(repo.root, files)
    if lock:
        subprocess.run(
            ["cargo", "generate-lockfile", "--offline"],
            cwd=repo.root,
            check=True,
            capture_output=True,
        )
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)
    return repo


def change(repo: ReleaseRepo, message: str, files: dict[str, str]) -> str:
    """Write ``files`` and commit them with ``message``; the new commit's sha."""
    _write(repo.root, files)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message)
    return repo.git("rev-parse", "HEAD").strip()
