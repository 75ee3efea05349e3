"""Synthetic wheels and fixture maturin projects for gate tests (the library's and a project's own).

:func:`make_wheel` builds a wheel of any names with a correct RECORD unless told otherwise;
:func:`repo_with_wheel` a fixture project (``acme-wc``: a bindings crate and the CLI
``acme-count``) whose build manifest names such a wheel, so an artifact gate runs without cargo.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Callable, Union

from ci_gates.checks import artifacts

Member = Union[bytes, tuple[bytes, int]]  # data, or (data, mode); mode 644 by default
TAG = "cp39-abi3-linux_x86_64"


def b64(data: bytes, algo: str = "sha256") -> str:
    return base64.urlsafe_b64encode(hashlib.new(algo, data).digest()).rstrip(b"=").decode()


def default_files(
    package: str, dist: str, cli: str, version: str, name: str = ""
) -> dict[str, Member]:
    """Members of a well-formed wheel of ``package`` with the native CLI ``cli``."""
    return {
        f"{package}/__init__.py": f"from {package}._native import __version__\n".encode(),
        f"{package}/_native.abi3.so": b"not really an extension",
        f"{package}/_native.pyi": b"__version__: str\n",
        f"{package}/py.typed": b"",
        f"{dist}-{version}.data/scripts/{cli}": (b"fake executable", 0o755),
        f"{dist}-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.4\nName: {name or dist}\nVersion: {version}\n".encode()
        ),
    }


def make_wheel(
    directory: str | Path,
    files: dict[str, Member],
    *,
    dist: str,
    version: str,
    tag: str = TAG,
    record_override: dict[str, str] | None = None,
) -> Path:
    """A wheel with WHEEL and a correct RECORD (``record_override``: path -> its hash field)."""
    files = dict(files)
    dist_info = f"{dist}-{version}.dist-info"
    files[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()
    )
    path = Path(directory) / f"{dist}-{version}-{tag}.whl"
    rows = []
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in files.items():
            data, mode = content if isinstance(content, tuple) else (content, 0o644)
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
            digest = (record_override or {}).get(name, f"sha256={b64(data)}")
            rows.append(f"{name},{digest},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        zf.writestr(f"{dist_info}/RECORD", "\n".join(rows) + "\n")
    return path


MakeRepo = Callable[..., Path]

VERSION = "0.1.0"
PKG = "acme_wc"
SCRIPT = f"{PKG}-{VERSION}.data/scripts/acme-count"
PYPROJECT = f"""\
[project]
name = "acme-wc"
version = "{VERSION}"

[tool.maturin]
manifest-path = "crates/py/Cargo.toml"
module-name = "acme_wc._native"
"""
CARGO = f'[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "{VERSION}"\n'
CLI_CRATE = {
    "crates/cli/Cargo.toml": '[package]\nname = "acme-count"\nversion.workspace = true\n',
    "crates/cli/src/main.rs": "fn main() {}\n",
}


def pure_wheel(directory: Path, files: dict[str, Member]) -> Path:
    """A minimal valid pure wheel of ``acme_wc`` holding ``files`` (it installs on any CPython)."""
    metadata = f"Metadata-Version: 2.1\nName: acme-wc\nVersion: {VERSION}\n".encode()
    files = {**files, f"{PKG}-{VERSION}.dist-info/METADATA": metadata}
    return make_wheel(directory, files, dist=PKG, version=VERSION, tag="py3-none-any")


def importable(
    version: str = VERSION, cli: Member | None = (b"\x7fELF fake", 0o755)
) -> dict[str, Member]:
    """Wheel members whose ``_native`` is plain Python, so the package imports anywhere."""
    files: dict[str, Member] = {
        f"{PKG}/__init__.py": f"from {PKG}._native import __version__\n".encode(),
        f"{PKG}/_native.py": f"__version__ = {version!r}\n".encode(),
    }
    if cli is not None:
        files[SCRIPT] = cli
    return files


def repo_with_wheel(
    make_repo: MakeRepo,
    files: dict[str, Member],
    cli: bool = True,
    extra: dict[str, str] | None = None,
) -> Path:
    """A fixture project whose current build manifest names a wheel made of ``files``."""
    layout = {"pyproject.toml": PYPROJECT, "Cargo.toml": CARGO, ".gitignore": "target/\n"}
    root: Path = make_repo({**layout, **(CLI_CRATE if cli else {}), **(extra or {})})
    dist = root / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = pure_wheel(dist, files)
    sdist = dist / f"{PKG}-{VERSION}.tar.gz"
    sdist.write_bytes(b"")
    manifest = {"inputs_hash": artifacts.inputs_hash(str(root)), "version": VERSION}
    artifacts.write_manifest(str(root), {**manifest, "wheel": str(wheel), "sdist": str(sdist)})
    return root
