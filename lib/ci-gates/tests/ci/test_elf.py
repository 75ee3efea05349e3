"""The wheel gate's native-file rules: glibc floor, musl, auditwheel, the tag confirmation."""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from ci_gates.checks import artifacts, elf
from ci_gates.checks import wheel_files as wc
from ci_gates.core.findings import NOTE
from ci_gates.core.project import Names, names
from tests.ci.test_wheel_gate import (
    CLI,
    MANYLINUX,
    PKG,
    SCRIPT,
    default_files,
    make_wheel,
    wheel_name,
)


@pytest.mark.parametrize(
    ("platforms", "floor"),
    [
        (["linux_x86_64"], None),
        (["manylinux_2_17_x86_64", "manylinux2014_x86_64"], (2, 17)),
        (["manylinux1_x86_64"], (2, 5)),
        (["manylinux_2_28_aarch64"], (2, 28)),
        (["musllinux_1_2_x86_64"], None),
    ],
)
def test_glibc_floor(platforms: list[str], floor: tuple[int, int] | None) -> None:
    assert elf.glibc_floor(platforms) == floor


NEEDS = {
    f"{PKG}/_native.abi3.so": {"memcpy": (2, 14)},
    SCRIPT: {"__libc_start_main": (2, 34), "memcpy": (2, 14)},
}


def test_glibc_check_holds_every_elf_file_to_the_tag() -> None:
    plats = wc.platforms(wheel_name(MANYLINUX))
    found = elf.glibc_too_new(wheel_name(MANYLINUX), plats, NEEDS)
    assert len(found) == 1 and found[0].rule == "WHL015"
    assert SCRIPT in found[0].message and "GLIBC_2.34 (__libc_start_main)" in found[0].message
    assert "promises glibc 2.17" in found[0].message and "nox -s build" in found[0].fix
    assert elf.glibc_too_new("w", ["manylinux_2_34_x86_64"], NEEDS) == []
    assert elf.glibc_too_new("w", ["linux_x86_64"], NEEDS) == [], "a local build promises nothing"
    musl = elf.glibc_too_new("w", ["musllinux_1_2_x86_64"], NEEDS)
    assert len(musl) == 2 and all("tagged musllinux" in f.message for f in musl)


def test_auditwheel_policy_and_the_confirmation_note() -> None:
    name = wheel_name(MANYLINUX)
    plats = wc.platforms(name)
    found = elf.auditwheel_disagrees(name, plats, "manylinux_2_34_x86_64")
    assert found is not None and "only consistent with manylinux_2_34_x86_64" in found.message
    assert elf.auditwheel_disagrees(name, plats, "manylinux_2_17_x86_64") is None
    assert elf.auditwheel_disagrees(wheel_name(), ["linux_x86_64"], "linux_x86_64") is None
    assert elf.auditwheel_disagrees(name, plats, "linux_x86_64") is not None
    ok = {f"{PKG}/_native.abi3.so": {"memcpy": (2, 14)}, SCRIPT: {"stat": (2, 2)}}
    note = elf.tag_confirmed(name, plats, "manylinux_2_17_x86_64", ok)
    assert note is not None and note.rule == "WHL017" and note.severity == NOTE
    assert note.message.endswith(
        "consistent with manylinux_2_17_x86_64; every ELF file within glibc 2.17: "
        f"{CLI} (GLIBC_2.2), _native.abi3.so (GLIBC_2.14)"
    )
    assert elf.tag_confirmed(name, plats, "manylinux_2_17_x86_64", NEEDS) is None
    assert elf.tag_confirmed(name, plats, "manylinux_2_34_x86_64", ok) is None


def _system_elf() -> Path:
    exe = shutil.which("true") or "/bin/true"
    return Path(os.path.realpath(exe))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc ELF checks are Linux-only")
def test_real_elf_cli_in_an_older_manylinux_tag_is_caught(tmp_path: Path) -> None:
    """A real glibc executable as the CLI, tagged one glibc minor below what it needs."""
    data = _system_elf().read_bytes()
    top = elf.max_glibc(elf.elf_glibc_symbols(data))
    assert top is not None, "the system `true` has no GLIBC symbol versions"
    (major, minor), symbols = top
    files = default_files()
    files[SCRIPT] = (data, 0o755)
    path = make_wheel(tmp_path, files, tag=f"cp39-abi3-manylinux_{major}_{minor - 1}_x86_64")
    with zipfile.ZipFile(path) as zf:
        needs, unreadable = elf.elf_members(zf, path.name)
    assert unreadable == []
    found = elf.glibc_too_new(path.name, wc.platforms(path.name), needs)
    assert len(found) == 1 and SCRIPT in found[0].message
    assert f"GLIBC_{major}.{minor} ({symbols[0]}" in found[0].message


def test_corrupt_elf_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    files = default_files()
    files[f"{PKG}/_native.abi3.so"] = b"\x7fELF but truncated"
    with zipfile.ZipFile(make_wheel(tmp_path, files)) as zf:
        needs, found = elf.elf_members(zf, wheel_name())
    assert needs == {} and [f.rule for f in found] == ["WHL014"]
    assert "_native.abi3.so: starts like ELF" in found[0].message


def _retag(real: Path, directory: Path, tag: str, n: Names, version: str) -> Path:
    """Copy a real wheel under a new platform tag with WHEEL and RECORD rewritten."""
    files: dict[str, bytes | tuple[bytes, int]] = {}
    with zipfile.ZipFile(real) as zf:
        for info in zf.infolist():
            if info.filename.endswith(("/RECORD", "/WHEEL")):
                continue
            files[info.filename] = (zf.read(info), (info.external_attr >> 16) & 0o777)
    path = Path(directory) / f"{n.wheel_dist}-{version}-{tag}.whl"
    made = make_wheel(directory, files, tag=tag, version=version)
    made.rename(path)
    return path


@pytest.mark.cargo
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc ELF checks are Linux-only")
def test_real_wheel_retagged_manylinux2014_is_caught(tmp_path: Path) -> None:
    """The seeded fault: a native build tagged manylinux_2_17 on a newer-glibc build machine."""
    root = Path(__file__).resolve().parents[2]
    manifest = artifacts.load_manifest(str(root))
    if manifest is None or not os.path.isfile(manifest["wheel"]):
        pytest.skip("needs the real wheel: run `nox -s build` (the pytest gate always has it)")
    n = names(root)
    real = Path(manifest["wheel"])
    path = _retag(real, tmp_path, MANYLINUX, n, manifest["version"])
    script = wc.script_path(n, manifest["version"])
    with zipfile.ZipFile(path) as zf:
        needs, _ = elf.elf_members(zf, path.name)
    assert script in needs, f"the real wheel has no {n.cli}"
    cli_top = elf.max_glibc(needs[script])
    found = elf.glibc_too_new(path.name, wc.platforms(path.name), needs)
    if cli_top is not None and cli_top[0] > (2, 17):
        assert any(script in f.message and "promises glibc 2.17" in f.message for f in found)
    else:  # built with zig or on an old glibc: nothing to catch
        assert not any(script in f.message for f in found)
