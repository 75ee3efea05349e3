"""wheel gate: its checks on synthetic wheels built with zipfile, and on the real wheel retagged."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from ci import artifacts
from ci import wheel_checks as wc
from ci.gates import wheel as gate

VERSION = "0.1.0"
PKG = "template_python_rust_cmd"
DIST_INFO = f"{PKG}-{VERSION}.dist-info"
SCRIPT = f"{PKG}-{VERSION}.data/scripts/template-cli"
TAG = "cp39-abi3-linux_x86_64"
NATIVE_PY = "__version__ = '0.1.0'\n"


def wheel_name(tag: str = TAG, version: str = VERSION) -> str:
    return f"{PKG}-{version}-{tag}.whl"


def default_files(version: str = VERSION) -> dict[str, bytes | tuple[bytes, int]]:
    """Members of a well-formed wheel (mode 644 unless given as ``(data, mode)``)."""
    return {
        f"{PKG}/__init__.py": f"from {PKG}._native import __version__\n".encode(),
        f"{PKG}/_native.abi3.so": b"not really an extension",
        f"{PKG}/_native.pyi": b"__version__: str\n",
        f"{PKG}/py.typed": b"",
        f"{PKG}-{version}.data/scripts/template-cli": (b"fake executable", 0o755),
        f"{PKG}-{version}.dist-info/METADATA": (
            f"Metadata-Version: 2.4\nName: template-python-rust-cmd\nVersion: {version}\n".encode()
        ),
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(
    directory: str | Path,
    files: dict[str, bytes | tuple[bytes, int]] | None = None,
    tag: str = TAG,
    version: str = VERSION,
    record_override: dict[str, str] | None = None,
) -> Path:
    """A wheel with WHEEL and a correct RECORD (``record_override``: path -> bad hash)."""
    files = dict(default_files(version) if files is None else files)
    dist_info = f"{PKG}-{version}.dist-info"
    files[f"{dist_info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()
    )
    path = Path(directory) / wheel_name(tag, version)
    rows = []
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in files.items():
            data, mode = content if isinstance(content, tuple) else (content, 0o644)
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
            digest = (record_override or {}).get(name, f"sha256={_b64(data)}")
            rows.append(f"{name},{digest},{len(data)}")
        rows.append(f"{dist_info}/RECORD,,")
        zf.writestr(f"{dist_info}/RECORD", "\n".join(rows) + "\n")
    return path


def all_checks(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [
            *wc.check_abi3(path.name),
            *wc.check_contents(zf, path.name, VERSION),
            *wc.check_entry_points(zf, path.name),
            *wc.check_record(zf, path.name),
        ]


def test_well_formed_wheel_passes(tmp_path: Path) -> None:
    assert all_checks(make_wheel(tmp_path)) == []


def test_missing_cli_fails_naming_it(tmp_path: Path) -> None:
    files = default_files()
    del files[SCRIPT]
    found = all_checks(make_wheel(tmp_path, files))
    assert len(found) == 1
    assert "template-cli" in found[0] and "missing from the wheel" in found[0]


def test_cli_mode_644_fails(tmp_path: Path) -> None:
    files = default_files()
    files[SCRIPT] = b"fake executable"
    found = all_checks(make_wheel(tmp_path, files))
    assert len(found) == 1 and "mode 644, expected 755" in found[0] and SCRIPT in found[0]


@pytest.mark.parametrize("member", ["_native.pyi", "py.typed", "_native.abi3.so"])
def test_missing_package_file_fails(tmp_path: Path, member: str) -> None:
    files = default_files()
    del files[f"{PKG}/{member}"]
    found = all_checks(make_wheel(tmp_path, files))
    assert len(found) == 1 and f"{PKG}/{member} is missing" in found[0]


def test_bad_record_hash_fails_naming_the_file(tmp_path: Path) -> None:
    bad = {f"{PKG}/_native.pyi": "sha256=" + _b64(b"something else")}
    found = all_checks(make_wheel(tmp_path, record_override=bad))
    assert found == [
        f"{wheel_name()}: {PKG}/_native.pyi: RECORD hash does not match the file; rebuild"
    ]


def test_file_missing_from_record_and_weak_hash(tmp_path: Path) -> None:
    path = make_wheel(tmp_path, record_override={f"{PKG}/py.typed": "md5=abc"})
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(f"{PKG}/sneaky.py", "x = 1\n")
    found = all_checks(path)
    assert any(f"{PKG}/py.typed has no sha256 hash" in m for m in found)
    assert any(f"{PKG}/sneaky.py is not listed in" in m for m in found)


@pytest.mark.parametrize(
    "tag", ["cp311-cp311-linux_x86_64", "py3-none-any", "cp39-abi3-any", "pp39-abi3-linux_x86_64"]
)
def test_non_abi3_tag_fails(tmp_path: Path, tag: str) -> None:
    found = wc.check_abi3(wheel_name(tag))
    assert len(found) == 1 and "is not cp3X-abi3-<platform>" in found[0]


def test_abi3_tags_pass() -> None:
    assert wc.check_abi3(wheel_name("cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64")) == []
    assert wc.check_abi3(wheel_name("cp39-abi3-win_amd64")) == []


@pytest.mark.parametrize("key", ["template-cli", "template_cli"])
def test_console_script_for_the_cli_fails(tmp_path: Path, key: str) -> None:
    files = default_files()
    files[f"{DIST_INFO}/entry_points.txt"] = (
        f"[console_scripts]\n{key} = {PKG}.cli:main\nother-tool = {PKG}.x:main\n".encode()
    )
    found = all_checks(make_wheel(tmp_path, files))
    assert len(found) == 1
    assert "[console_scripts] " + key in found[0] and "shadow the native template-cli" in found[0]


def test_dist_dir_stray_file_and_version() -> None:
    wheel, sdist = f"/d/{wheel_name()}", f"/d/{PKG}-{VERSION}.tar.gz"
    entries = [os.path.basename(wheel), os.path.basename(sdist)]
    assert wc.check_dist_dir(entries, wheel, sdist, VERSION, "dist") == []
    found = wc.check_dist_dir([*entries, "old.whl"], wheel, sdist, VERSION, "dist")
    assert found == ["dist/old.whl: stray file next to the built wheel and sdist; remove it"]
    found = wc.check_dist_dir(entries, wheel, sdist, "0.2.0", "dist")
    assert len(found) == 2 and all("Cargo.toml says 0.2.0" in m for m in found)


def test_wheel_from_sdist_file_list() -> None:
    tree = {f"{PKG}/__init__.py", SCRIPT}
    assert wc.compare_file_lists(tree, set(tree), "x.tar.gz") == []
    found = wc.compare_file_lists(tree, {f"{PKG}/__init__.py"}, "x.tar.gz")
    assert len(found) == 1 and f"lacks {SCRIPT}" in found[0]


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
    assert wc.glibc_floor(platforms) == floor


def test_glibc_check_holds_every_elf_file_to_the_tag() -> None:
    needs = {
        f"{PKG}/_native.abi3.so": {"memcpy": (2, 14)},
        SCRIPT: {"__libc_start_main": (2, 34), "memcpy": (2, 14)},
    }
    tagged = wheel_name("cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64")
    found = wc.check_glibc(tagged, needs)
    assert len(found) == 1
    assert SCRIPT in found[0] and "GLIBC_2.34 (__libc_start_main)" in found[0]
    assert "glibc 2.17" in found[0]
    assert wc.check_glibc(wheel_name("cp39-abi3-manylinux_2_34_x86_64"), needs) == []
    assert wc.check_glibc(wheel_name(), needs) == []  # linux_x86_64 promises nothing


def test_auditwheel_policy_consistency() -> None:
    old = wheel_name("cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64")
    found = wc.check_auditwheel_policy(old, "manylinux_2_34_x86_64")
    assert len(found) == 1 and "only consistent with manylinux_2_34_x86_64" in found[0]
    assert wc.check_auditwheel_policy(old, "manylinux_2_17_x86_64") == []
    assert wc.check_auditwheel_policy(wheel_name(), "linux_x86_64") == []
    assert wc.check_auditwheel_policy(old, "linux_x86_64") != []


def _system_elf() -> Path:
    exe = shutil.which("true") or "/bin/true"
    return Path(os.path.realpath(exe))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc ELF checks are Linux-only")
def test_real_elf_cli_in_an_older_manylinux_tag_is_caught(tmp_path: Path) -> None:
    """A real glibc executable as the CLI, tagged one glibc minor below what it needs."""
    data = _system_elf().read_bytes()
    top = wc.max_glibc(wc.elf_glibc_symbols(data))
    assert top is not None, "the system `true` has no GLIBC symbol versions"
    (major, minor), symbols = top
    files = default_files()
    files[SCRIPT] = (data, 0o755)
    tag = f"cp39-abi3-manylinux_{major}_{minor - 1}_x86_64"
    path = make_wheel(tmp_path, files, tag=tag)
    with zipfile.ZipFile(path) as zf:
        needs, unreadable = wc.elf_members(zf, path.name)
    assert unreadable == []
    found = wc.check_glibc(path.name, needs)
    assert len(found) == 1 and SCRIPT in found[0]
    assert f"GLIBC_{major}.{minor} ({symbols[0]}" in found[0]


def test_corrupt_elf_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    files = default_files()
    files[f"{PKG}/_native.abi3.so"] = b"\x7fELF but truncated"
    with zipfile.ZipFile(make_wheel(tmp_path, files)) as zf:
        needs, found = wc.elf_members(zf, wheel_name())
    assert needs == {} and len(found) == 1 and "_native.abi3.so: starts like ELF" in found[0]


def test_check_artifacts_on_a_fixture_repo(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = make_repo({"Cargo.toml": f'[workspace.package]\nversion = "{VERSION}"\n'})
    dist = root / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = make_wheel(dist)
    sdist = dist / f"{PKG}-{VERSION}.tar.gz"
    sdist.write_bytes(b"")
    other = tmp_path / "from-sdist"
    other.mkdir()
    files = default_files()
    del files[f"{PKG}/_native.pyi"]
    sdist_wheel = make_wheel(other, files)
    manifest = {"wheel": str(wheel), "sdist": str(sdist), "sdist_wheel": str(sdist_wheel)}
    found = gate.check_artifacts(str(root), manifest, VERSION)
    assert len(found) == 1 and f"lacks {PKG}/_native.pyi" in found[0]
    manifest["sdist_wheel"] = str(make_wheel(other))
    assert gate.check_artifacts(str(root), manifest, VERSION) == []
    del manifest["sdist_wheel"]
    manifest["sdist_wheel_error"] = "`python -m build --wheel` on the unpacked sdist failed"
    found = gate.check_artifacts(str(root), manifest, VERSION)
    assert len(found) == 1 and "no wheel could be built from the sdist (`python -m" in found[0]


def test_gate_fails_without_a_build(make_repo) -> None:  # type: ignore[no-untyped-def]
    from ci import gates

    root = make_repo({"Cargo.toml": f'[workspace.package]\nversion = "{VERSION}"\n'})
    assert gate.run(str(root)) == 1
    assert "no build manifest" in gates.messages[0] and "nox -s build" in gates.messages[0]


def _retag(real: Path, directory: Path, tag: str) -> Path:
    """Copy a real wheel under a new platform tag with WHEEL and RECORD rewritten."""
    files: dict[str, bytes | tuple[bytes, int]] = {}
    with zipfile.ZipFile(real) as zf:
        for info in zf.infolist():
            if info.filename.endswith(("/RECORD", "/WHEEL")):
                continue
            files[info.filename] = (zf.read(info), (info.external_attr >> 16) & 0o777)
    return make_wheel(directory, files, tag=tag, version=VERSION)


@pytest.mark.cargo
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc ELF checks are Linux-only")
def test_real_wheel_retagged_manylinux2014_is_caught(tmp_path: Path) -> None:
    """The seeded fault: the real wheel tagged manylinux_2_17 on a newer-glibc build machine."""
    root = Path(__file__).resolve().parents[2]
    manifest = artifacts.load_manifest(str(root))
    if manifest is None or not os.path.isfile(manifest["wheel"]):
        pytest.skip("needs the real wheel: run `nox -s build` (the pytest gate always has it)")
    real = Path(manifest["wheel"])
    if manifest.get("version") != VERSION:
        pytest.skip(f"test assumes version {VERSION}, the build is {manifest.get('version')}")
    path = _retag(real, tmp_path, "cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64")
    with zipfile.ZipFile(path) as zf:
        needs, _ = wc.elf_members(zf, path.name)
        assert wc.check_record(zf, path.name) == []
    assert SCRIPT in needs, "the real wheel has no template-cli"
    cli_top = wc.max_glibc(needs[SCRIPT])
    found = wc.check_glibc(path.name, needs)
    if cli_top is not None and cli_top[0] > (2, 17):
        assert any(SCRIPT in m and "promises glibc 2.17" in m for m in found)
    else:  # built on an old glibc: nothing to catch
        assert not any(SCRIPT in m for m in found)
