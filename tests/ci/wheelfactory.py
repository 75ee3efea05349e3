"""Synthetic wheels for gate tests: any project's names, a correct RECORD unless told otherwise."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import Union

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
