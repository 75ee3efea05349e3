"""The ``wheel`` gate's rules on native files: glibc floor, musl, and what auditwheel says.

maturin audits only the extension, and ``auditwheel repair`` would never fix the bundled
executable, so every ELF member of the wheel is read here (pyelftools) and held to the
glibc floor its platform tag promises (``manylinux_2_17`` -> GLIBC_2.17).
"""

from __future__ import annotations

import io
import re
import zipfile

from ci_gates.core.findings import NOTE, Finding, finding_of, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Version = tuple[int, int]
HINT = "see docs/packaging.md"
ZIG_BUILD = "build it with zig: `CI_GATES_BUILD_COMPATIBILITY=manylinux2014 nox -s build`"
_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_MANYLINUX = re.compile(r"^manylinux_(\d+)_(\d+)_")
_GLIBC = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")
# ELF, PE, Mach-O (both byte orders, 32/64-bit, fat): what counts as a native file.
_NATIVE_MAGIC = (
    b"\x7fELF",
    b"MZ",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xfe\xed\xfa\xce",
    b"\xca\xfe\xba\xbe",
)


def is_elf(data: bytes) -> bool:
    return data[:4] == b"\x7fELF"


def is_native(data: bytes) -> bool:
    return data.startswith(_NATIVE_MAGIC)


def glibc_floor(platforms: list[str]) -> Version | None:
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


def _glibc_version(name: str) -> Version | None:
    m = _GLIBC.match(name)
    return (int(m.group(1)), int(m.group(2))) if m else None


def elf_glibc_symbols(data: bytes) -> dict[str, Version]:
    """Undefined dynamic symbol -> the GLIBC_x.y version it needs, read with pyelftools."""
    from elftools.elf.elffile import ELFFile

    elf = ELFFile(io.BytesIO(data))
    verneed: Any = elf.get_section_by_name(".gnu.version_r")
    versym: Any = elf.get_section_by_name(".gnu.version")
    dynsym: Any = elf.get_section_by_name(".dynsym")
    if verneed is None or versym is None or dynsym is None:
        return {}
    index_to_version: dict[int, Version] = {}
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


@rule("WHL014", gate="wheel")
def unreadable_elf(wheel_name: str, member: str, error: str) -> Finding:
    """A wheel member starts like an ELF file but pyelftools cannot read it."""
    return finding_of(
        unreadable_elf,
        f"{wheel_name}: {member}: starts like ELF but is unreadable ({error})",
        fix=HINT,
    )


def elf_members(
    zf: zipfile.ZipFile, wheel_name: str
) -> tuple[dict[str, dict[str, Version]], list[Finding]]:
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
            found.append(unreadable_elf(wheel_name, name, str(exc)))
    return needs, found


def max_glibc(symbols: dict[str, Version]) -> tuple[Version, list[str]] | None:
    """The newest GLIBC version needed and the symbols that need it."""
    if not symbols:
        return None
    top = max(symbols.values())
    return top, sorted(s for s, v in symbols.items() if v == top)


def fmt(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


@rule("WHL015", gate="wheel")
def glibc_too_new(
    wheel_name: str, platforms: list[str], elf_needs: dict[str, dict[str, Version]]
) -> list[Finding]:
    """An ELF file (extension or bundled executable) needs a newer glibc than the tag promises.

    ``elf_needs`` maps each ELF member to its GLIBC symbol versions. A musllinux wheel must
    need no glibc symbol at all; a ``linux_<arch>`` wheel (a local build) promises nothing.
    """
    found = []
    if any(p.startswith("musllinux") for p in platforms):
        for member, syms in sorted(elf_needs.items()):
            if syms:
                msg = (
                    f"{wheel_name}: {member} needs glibc symbols but the wheel is tagged musllinux"
                )
                found.append(finding_of(glibc_too_new, msg, fix="build it against musl"))
        return found
    floor = glibc_floor(platforms)
    if floor is None:
        return []
    for member, syms in sorted(elf_needs.items()):
        top = max_glibc(syms)
        if top is not None and top[0] > floor:
            found.append(
                finding_of(
                    glibc_too_new,
                    f"{wheel_name}: {member} needs GLIBC_{fmt(top[0])} ({', '.join(top[1][:3])}) "
                    f"but the tag {', '.join(platforms)} promises glibc {fmt(floor)}",
                    fix=f"{ZIG_BUILD}, or tag the wheel manylinux_{top[0][0]}_{top[0][1]}",
                )
            )
    return found


@rule("WHL016", gate="wheel")
def auditwheel_disagrees(wheel_name: str, platforms: list[str], overall: str) -> Finding | None:
    """The wheel's manylinux tag is older than what ``auditwheel show`` finds its contents need."""
    claimed = glibc_floor(platforms)
    if claimed is None:
        return None
    allowed = glibc_floor([overall])
    if allowed is not None and claimed >= allowed:
        return None
    return finding_of(
        auditwheel_disagrees,
        f"{wheel_name}: tagged {', '.join(platforms)} but auditwheel show says its contents "
        f"are only consistent with {overall}",
        fix=f"{ZIG_BUILD}, or tag it {overall}",
    )


@rule("WHL017", severity=NOTE, gate="wheel")
def tag_confirmed(
    wheel_name: str, platforms: list[str], overall: str, elf_needs: dict[str, dict[str, Version]]
) -> Finding | None:
    """The manylinux tag holds: auditwheel agrees and every ELF file is within its glibc floor.

    A note, so the table and the JSON report say which files were held to which floor.
    """
    floor = glibc_floor(platforms)
    if floor is None or auditwheel_disagrees(wheel_name, platforms, overall):
        return None
    if glibc_too_new(wheel_name, platforms, elf_needs):
        return None
    each = []
    for member, syms in sorted(elf_needs.items()):
        top = max_glibc(syms)
        each.append(f"{member.rsplit('/', 1)[-1]} (GLIBC_{fmt(top[0]) if top else '-'})")
    return finding_of(
        tag_confirmed,
        f"{wheel_name}: auditwheel show: consistent with {overall}; every ELF file within "
        f"glibc {fmt(floor)}: {', '.join(each)}",
        severity=NOTE,
    )
