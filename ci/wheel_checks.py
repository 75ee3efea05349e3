"""Pure checks of a built wheel, used by the ``wheel`` gate (``ci/gates/wheel.py``).

Each ``check_*`` function takes an open :class:`zipfile.ZipFile` (or names) and returns a list
of problem messages, so tests can feed it synthetic wheels made with :mod:`zipfile`. Tags come
from :func:`packaging.utils.parse_wheel_filename`, never from splitting the file name.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import zipfile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from packaging.tags import Tag

PACKAGE = "template_python_rust_cmd"
CLI = "template-cli"
HINT = "see docs/packaging.md"
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_")
_GLIBC = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")
_SIGNATURES = ("RECORD", "RECORD.jws", "RECORD.p7s")


def wheel_tags(wheel_name: str) -> frozenset[Tag]:
    from packaging.utils import parse_wheel_filename

    return parse_wheel_filename(wheel_name)[3]


def is_windows(wheel_name: str) -> bool:
    return any(t.platform.startswith("win") for t in wheel_tags(wheel_name))


def script_path(version: str, windows: bool = False) -> str:
    return f"{PACKAGE}-{version}.data/scripts/{CLI}{'.exe' if windows else ''}"


def check_dist_dir(
    entries: list[str], wheel: str, sdist: str, version: str, where: str
) -> list[str]:
    """Exactly the manifest's wheel and sdist, both for ``version``, and nothing else."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    found = []
    expected = {os.path.basename(wheel), os.path.basename(sdist)}
    for extra in sorted(set(entries) - expected):
        found.append(f"{where}/{extra}: stray file next to the built wheel and sdist; remove it")
    for missing in sorted(expected - set(entries)):
        found.append(f"{where}/{missing}: named in the build manifest but missing")
    try:
        wheel_version = str(parse_wheel_filename(os.path.basename(wheel))[1])
        sdist_version = str(parse_sdist_filename(os.path.basename(sdist))[1])
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        return [*found, f"{where}: {exc}"]
    for name, got in ((wheel, wheel_version), (sdist, sdist_version)):
        if got != version:
            found.append(
                f"{os.path.basename(name)}: version {got}, but Cargo.toml says {version}; "
                "rebuild with `nox -s build`"
            )
    return found


def check_abi3(wheel_name: str) -> list[str]:
    """Every tag is ``cp3X-abi3-<platform>``: one wheel for every CPython >= the floor."""
    bad = sorted(
        str(t)
        for t in wheel_tags(wheel_name)
        if t.abi != "abi3" or not t.interpreter.startswith("cp3") or t.platform == "any"
    )
    if not bad:
        return []
    return [
        f"{wheel_name}: tag {', '.join(bad)} is not cp3X-abi3-<platform>; build the extension "
        "with pyo3's abi3-py39 feature (crates/template-py/Cargo.toml)"
    ]


def _mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0o777


def check_contents(zf: zipfile.ZipFile, wheel_name: str, version: str) -> list[str]:
    """The extension, its stub, py.typed, and the CLI as an executable wheel script."""
    windows = is_windows(wheel_name)
    ext = f"{PACKAGE}/_native.pyd" if windows else f"{PACKAGE}/_native.abi3.so"
    names = set(zf.namelist())
    found = []
    for path, why in (
        (ext, "the compiled extension"),
        (f"{PACKAGE}/__init__.py", "the package"),
        (f"{PACKAGE}/_native.pyi", "the type stub of the extension"),
        (f"{PACKAGE}/py.typed", "the PEP 561 marker"),
    ):
        if path not in names:
            found.append(f"{wheel_name}: {path} is missing ({why}); {HINT}")
    script = script_path(version, windows)
    if script not in names:
        found.append(
            f"{wheel_name}: wheel has no {script}: the CLI is missing from the wheel "
            f"(the backend's _stage_cli step did not run?); {HINT}"
        )
    elif not windows and _mode(zf.getinfo(script)) != 0o755:
        found.append(
            f"{wheel_name}: {script} has mode {_mode(zf.getinfo(script)):o}, expected 755: "
            f"installers would copy a non-executable {CLI}; {HINT}"
        )
    return found


def check_entry_points(zf: zipfile.ZipFile, wheel_name: str) -> list[str]:
    """No console/gui script named like the CLI: its launcher would replace the native file."""
    import configparser

    found = []
    for path in zf.namelist():
        if not path.endswith(".dist-info/entry_points.txt"):
            continue
        parser = configparser.RawConfigParser(delimiters=("=",))
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(zf.read(path).decode("utf-8"))
        except (configparser.Error, UnicodeDecodeError) as exc:
            found.append(f"{wheel_name}: {path} is unreadable ({exc})")
            continue
        for section in ("console_scripts", "gui_scripts"):
            if parser.has_section(section):
                for key, target in parser.items(section):
                    if key.strip().lower().replace("_", "-") == CLI:
                        found.append(
                            f"{wheel_name}: {path}: [{section}] {key} = {target}: a Python "
                            f"launcher would shadow the native {CLI}; remove it from "
                            f"[project.scripts] in pyproject.toml"
                        )
    return found


def _record_hash(algo: str, data: bytes) -> str:
    digest = hashlib.new(algo, data).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_record(zf: zipfile.ZipFile, wheel_name: str) -> list[str]:
    """Every file is in RECORD with a verifying sha256 (or stronger) hash and its size."""
    records = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    if len(records) != 1:
        return [f"{wheel_name}: expected one .dist-info/RECORD, found {len(records)}"]
    record = records[0]
    dist_info = record.rsplit("/", 1)[0]
    rows = list(csv.reader(io.StringIO(zf.read(record).decode("utf-8"))))
    names = set(zf.namelist())
    listed = set()
    found = []
    for row in rows:
        if not row:
            continue
        if len(row) != 3:
            found.append(f"{wheel_name}: {record}: malformed row {row!r}")
            continue
        path, hash_, size = row
        listed.add(path)
        if path not in names:
            found.append(f"{wheel_name}: {record} lists {path}, which is not in the wheel")
            continue
        if path in {f"{dist_info}/{s}" for s in _SIGNATURES}:
            continue
        algo, _, expected = hash_.partition("=")
        if algo not in hashlib.algorithms_guaranteed or algo in {"md5", "sha1"}:
            found.append(f"{wheel_name}: {record}: {path} has no sha256 hash ({hash_!r})")
            continue
        data = zf.read(path)
        if _record_hash(algo, data) != expected:
            found.append(f"{wheel_name}: {path}: RECORD hash does not match the file; rebuild")
        if size != str(len(data)):
            found.append(
                f"{wheel_name}: {path}: RECORD size {size} but the file has {len(data)} bytes"
            )
    for path in sorted(names - listed):
        if not path.endswith("/") and path not in {f"{dist_info}/{s}" for s in _SIGNATURES}:
            found.append(f"{wheel_name}: {path} is not listed in {record}")
    return found


def file_list(zf: zipfile.ZipFile) -> set[str]:
    return {n for n in zf.namelist() if not n.endswith("/")}


def compare_file_lists(tree: set[str], from_sdist: set[str], sdist_name: str) -> list[str]:
    """The wheel built from the sdist has the same files as the one built from the tree."""
    found = []
    for path in sorted(tree - from_sdist):
        found.append(
            f"{sdist_name}: the wheel built from the sdist lacks {path}; include what it needs "
            "in the sdist ([tool.maturin] include in pyproject.toml)"
        )
    for path in sorted(from_sdist - tree):
        found.append(f"{sdist_name}: the wheel built from the sdist has an extra file {path}")
    return found


def glibc_floor(platforms: list[str]) -> tuple[int, int] | None:
    """Lowest glibc a set of platform tags promises to run on; None without manylinux tags."""
    floors = []
    for plat in platforms:
        m = _MANYLINUX.match(plat)
        if m:
            floors.append((int(m.group(1)), int(m.group(2))))
        for legacy, floor in _LEGACY_MANYLINUX.items():
            if plat.startswith(legacy + "_"):
                floors.append(floor)
    return min(floors) if floors else None


def _glibc_version(name: str) -> tuple[int, int] | None:
    m = _GLIBC.match(name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def elf_glibc_symbols(data: bytes) -> dict[str, tuple[int, int]]:
    """Undefined dynamic symbol -> the GLIBC_x.y version it needs, read with pyelftools."""
    from elftools.elf.elffile import ELFFile

    elf = ELFFile(io.BytesIO(data))
    verneed: Any = elf.get_section_by_name(".gnu.version_r")
    versym: Any = elf.get_section_by_name(".gnu.version")
    dynsym: Any = elf.get_section_by_name(".dynsym")
    if verneed is None or versym is None or dynsym is None:
        return {}
    index_to_version: dict[int, tuple[int, int]] = {}
    for _need, auxes in verneed.iter_versions():
        for aux in auxes:
            version = _glibc_version(aux.name)
            if version is not None:
                index_to_version[aux["vna_other"]] = version
    out = {}
    for i, sym in enumerate(dynsym.iter_symbols()):
        if sym["st_shndx"] != "SHN_UNDEF":
            continue
        ndx = versym.get_symbol(i)["ndx"]
        if isinstance(ndx, int) and (ndx & 0x7FFF) in index_to_version:
            out[sym.name] = index_to_version[ndx & 0x7FFF]
    return out


def is_elf(data: bytes) -> bool:
    return data[:4] == b"\x7fELF"


def elf_members(
    zf: zipfile.ZipFile, wheel_name: str
) -> tuple[dict[str, dict[str, tuple[int, int]]], list[str]]:
    """GLIBC needs of every ELF member (by magic, wherever it sits), and unreadable ones."""
    from elftools.common.exceptions import ELFError

    needs = {}
    found = []
    for name in zf.namelist():
        with zf.open(name) as f:
            head = f.read(4)
        if not is_elf(head):
            continue
        try:
            needs[name] = elf_glibc_symbols(zf.read(name))
        except (ELFError, ValueError, KeyError) as exc:
            found.append(f"{wheel_name}: {name}: starts like ELF but is unreadable ({exc})")
    return needs, found


def max_glibc(symbols: dict[str, tuple[int, int]]) -> tuple[tuple[int, int], list[str]] | None:
    """The newest GLIBC version needed and the symbols that need it."""
    if not symbols:
        return None
    top = max(symbols.values())
    return top, sorted(s for s, v in symbols.items() if v == top)


def _fmt(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def check_glibc(wheel_name: str, elf_needs: dict[str, dict[str, tuple[int, int]]]) -> list[str]:
    """Every ELF file (extension and bundled executable) within the tag's glibc floor.

    ``elf_needs`` maps each ELF member of the wheel to its :func:`elf_glibc_symbols`.
    """
    platforms = sorted({t.platform for t in wheel_tags(wheel_name)})
    found = []
    if any(p.startswith("musllinux") for p in platforms):
        for member, syms in sorted(elf_needs.items()):
            if syms:
                found.append(
                    f"{wheel_name}: {member} needs glibc symbols but the wheel is tagged "
                    f"musllinux; build it against musl"
                )
        return found
    floor = glibc_floor(platforms)
    if floor is None:
        return []  # linux_<arch> (a local build) promises no particular glibc
    for member, syms in sorted(elf_needs.items()):
        top = max_glibc(syms)
        if top is not None and top[0] > floor:
            found.append(
                f"{wheel_name}: {member} needs GLIBC_{_fmt(top[0])} ({', '.join(top[1][:3])}) "
                f"but the wheel's tag {', '.join(platforms)} promises glibc {_fmt(floor)}: "
                "build in a manylinux container for that floor (or tag the wheel "
                f"manylinux_{top[0][0]}_{top[0][1]}); {HINT}"
            )
    return found


def check_auditwheel_policy(wheel_name: str, overall_tag: str) -> list[str]:
    """The wheel's manylinux tags are no newer than what ``auditwheel show`` allows."""
    platforms = sorted({t.platform for t in wheel_tags(wheel_name)})
    claimed = glibc_floor(platforms)
    if claimed is None:
        return []
    allowed = glibc_floor([overall_tag])
    if allowed is None or claimed < allowed:
        return [
            f"{wheel_name}: tagged {', '.join(platforms)} but auditwheel show says its "
            f"contents are only consistent with {overall_tag}; rebuild in an older manylinux "
            f"container or tag it {overall_tag}; {HINT}"
        ]
    return []
