"""Throwaway repositories for the release layer's tests: a core crate, a CLI, a wheel, a library.

``ReleaseRepo.create(path, version)`` writes a small Cargo workspace (``demo-core``,
``demo-cli`` → core, bindings ``demo-py``), a pure-Python distribution ``demo-lib`` in
``lib/demo-lib`` (its own pyproject.toml, version ``version``) and a pyproject.toml declaring
the three packages (``demo-core``, ``demo-cli``, and the wheel ``demo``); with ``packages=
WITH_LIB`` it declares the library too (kind ``python``), and commits it. ``commit(message,
*paths)`` changes files and commits them; ``tag_all()`` tags every declared package at its
manifest version, as a previous release would have.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from ci_gates.release.notes import DEFAULT_CONFIG

PACKAGES = """
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
depends_on = ["demo-core"]

[[tool.ci-gates.release.packages]]
name = "demo"
kind = "pypi"
path = "."
paths = ["crates/py/**", "python/**", "pyproject.toml", "Cargo.toml", "Cargo.lock"]
depends_on = ["demo-core", "demo-cli"]
targets = [
  { target = "x86_64-unknown-linux-gnu", runner = "ubuntu-latest", libc = "manylinux2014" },
  { target = "aarch64-apple-darwin", runner = "macos-latest", libc = "" },
]
"""

# The pure-Python package (kind python): declared after the wheel, depending on nothing.
LIB = """
[[tool.ci-gates.release.packages]]
name = "demo-lib"
kind = "python"
path = "lib/demo-lib"
paths = ["lib/demo-lib/**"]
"""
WITH_LIB = PACKAGES + LIB
LIB_PY = "lib/demo-lib/src/demo_lib/__init__.py"


def lib_pyproject(version: str) -> str:
    """The library's manifest, with the comments and layout a bump must keep."""
    return (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        "[project]\n"
        'name = "demo-lib"\n'
        f'version = "{version}"  # bumped by the release\n'
        'description = "A pure-Python package of the demo"\n'
        'requires-python = ">=3.9"\n'
        'dependencies = [\n  "packaging>=24",  # kept as written\n]\n'
    )


PYPROJECT = """\
[project]
name = "demo"
dynamic = ["version"]

[tool.maturin]
manifest-path = "crates/py/Cargo.toml"
python-source = "python"
module-name = "demo._native"
"""


def crate(name: str, version: str, extra: str = "") -> str:
    return f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n{extra}'


def files(version: str, packages: str = PACKAGES) -> dict[str, str]:
    return {
        "pyproject.toml": PYPROJECT + packages,
        "Cargo.toml": (
            '[workspace]\nresolver = "2"\nmembers = ["crates/*"]\n\n[workspace.dependencies]\n'
            f'demo-core = {{ path = "crates/core", version = "={version}" }}\n'
        ),
        "crates/core/Cargo.toml": crate("demo-core", version),
        "crates/core/src/lib.rs": "pub fn one() -> u32 { 1 }\n",
        "crates/cli/Cargo.toml": crate(
            "demo-cli", version, "\n[dependencies]\ndemo-core.workspace = true\n"
        ),
        "crates/cli/src/main.rs": 'fn main() { println!("{}", demo_core::one()); }\n',
        "crates/py/Cargo.toml": crate(
            "demo-py",
            version,
            'publish = false\n\n[lib]\nname = "_native"\n\n[dependencies]\ndemo-core.workspace = true\n',
        ),
        "crates/py/src/lib.rs": "",
        "python/demo/__init__.py": "",
        "lib/demo-lib/pyproject.toml": lib_pyproject(version),
        "lib/demo-lib/README.md": "# demo-lib\n",
        LIB_PY: '"""The demo library."""\n',
        "cliff.toml": Path(DEFAULT_CONFIG).read_text("utf-8"),
        ".gitignore": "target/\n",
    }


class ReleaseRepo:
    def __init__(self, root: Path, packages: str = PACKAGES) -> None:
        self.root = root
        self.counter = 0
        self.names = re.findall(r'^name = "([^"]+)"$', packages, re.M)  # declared, in order

    @classmethod
    def create(
        cls, root: Path, version: str = "0.1.0", packages: str = PACKAGES, lock: bool = False
    ) -> ReleaseRepo:
        root.mkdir(parents=True, exist_ok=True)
        for rel, text in files(version, packages).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        repo = cls(root, packages)
        repo.git("init", "-q", "-b", "main")
        if lock:
            subprocess.run(
                ["cargo", "generate-lockfile", "--offline"],
                cwd=root,
                check=True,
                capture_output=True,
            )
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", "chore: initial layout")
        return repo

    def git(self, *args: str) -> str:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        proc = subprocess.run(
            ["git", "-C", str(self.root), *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout

    def commit(self, message: str, *paths: str) -> str:
        """Append a line to each of ``paths`` and commit them with ``message``; the sha."""
        for rel in paths:
            self.counter += 1
            path = self.root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(f"// change {self.counter}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def tag(self, name: str, ref: str = "HEAD") -> None:
        self.git("tag", "-a", name, "-m", name, ref)

    def tag_all(self, version: str = "0.1.0") -> None:
        for name in self.names:
            self.tag(f"{name}-v{version}")
