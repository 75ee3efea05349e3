"""wheel gate: its rules on synthetic wheels of a fixture project (names from its manifests)."""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.checks import wheel_files as wc
from ci_gates.core.findings import NOTE, RULES, WARNING
from ci_gates.core.project import Names, names
from ci_gates.gates import wheel as gate
from ci_gates.testing import run_gate
from ci_gates.testing import wheels as wf

VERSION = "0.3.0"
DIST = "qf_fixture"  # the wheel's spelling of [project].name "qf-fixture"
PKG = "qf_fixture"
CLI = "qf-tool"  # a [[bin]] named unlike its crate (qf-cli)
DIST_INFO = f"{DIST}-{VERSION}.dist-info"
SCRIPT = f"{DIST}-{VERSION}.data/scripts/{CLI}"
TAG = "cp39-abi3-linux_x86_64"
MANYLINUX = "cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"
PROJECT = {
    "pyproject.toml": (
        '[project]\nname = "qf-fixture"\n\n[tool.maturin]\n'
        'manifest-path = "crates/qf-py/Cargo.toml"\npython-source = "python"\n'
        'module-name = "qf_fixture._native"\n'
    ),
    "Cargo.toml": f'[workspace]\nmembers = ["crates/*"]\n\n[workspace.package]\nversion = "{VERSION}"\n',
    "crates/qf-py/Cargo.toml": (
        '[package]\nname = "qf-py"\nversion.workspace = true\n\n[lib]\nname = "_native"\n\n'
        '[dependencies]\npyo3 = { version = "0.30", features = ["abi3-py39"] }\n'
    ),
    "crates/qf-py/src/lib.rs": "",
    "crates/qf-cli/Cargo.toml": (
        '[package]\nname = "qf-cli"\nversion.workspace = true\n\n'
        '[[bin]]\nname = "qf-tool"\npath = "src/main.rs"\n'
    ),
    "crates/qf-cli/src/main.rs": "fn main() {}\n",
    "python/qf_fixture/__init__.py": "",
    "python/qf_fixture/_native.pyi": "",
    "python/qf_fixture/py.typed": "",
    ".gitignore": "target/\n",
}
# The package's files in the python sources, as the wheel names them (the wheel must hold them).
SOURCES = {f"{PKG}/__init__.py", f"{PKG}/_native.pyi", f"{PKG}/py.typed"}


@pytest.fixture
def project(make_repo) -> Path:  # type: ignore[no-untyped-def]
    root: Path = make_repo(PROJECT)
    return root


@pytest.fixture
def n(project: Path) -> Names:
    return names(project)


def wheel_name(tag: str = TAG, version: str = VERSION) -> str:
    return f"{DIST}-{version}-{tag}.whl"


def default_files(version: str = VERSION) -> dict[str, wf.Member]:
    """Members of a well-formed wheel (mode 644 unless given as ``(data, mode)``)."""
    return wf.default_files(PKG, DIST, CLI, version, name="qf-fixture")


_b64 = wf.b64


def make_wheel(
    directory: str | Path,
    files: dict[str, wf.Member] | None = None,
    tag: str = TAG,
    version: str = VERSION,
    record_override: dict[str, str] | None = None,
) -> Path:
    files = default_files(version) if files is None else files
    return wf.make_wheel(
        directory, files, dist=DIST, version=version, tag=tag, record_override=record_override
    )


def file_checks(path: Path, n: Names) -> list[str]:
    """Rule IDs and messages of the checks that need only the wheel."""
    found = [f for f in [wc.not_abi3(path.name, n)] if f]
    with zipfile.ZipFile(path) as zf:
        found += wc.missing_members(set(zf.namelist()), path.name, n, SOURCES)
        script = wc.script_path(n, VERSION, wc.is_windows(path.name))
        assert script is not None and n.cli is not None
        found += [f for f in [wc.cli_missing_or_not_executable(zf, path.name, script, n.cli)] if f]
        found += wc.launcher_shadows_cli(zf, path.name, n.cli)
        rows = wc.record_rows(zf)
    found += wc.weak_record_hashes(rows, path.name)
    found += wc.record_mismatch(str(path), not any(h.startswith("shake_") for _, h, _ in rows))
    return [f"{f.rule} {f.message}" for f in found]


def test_names_come_from_the_fixture_manifests(n: Names) -> None:
    assert (n.wheel_dist, n.package, n.cli) == (DIST, PKG, CLI)
    assert wc.script_path(n, VERSION) == SCRIPT
    assert wc.script_path(n, VERSION, windows=True) == SCRIPT + ".exe"


def test_well_formed_wheel_passes(tmp_path: Path, n: Names) -> None:
    assert file_checks(make_wheel(tmp_path), n) == []


def test_missing_cli_fails_naming_it(tmp_path: Path, n: Names) -> None:
    files = default_files()
    del files[SCRIPT]
    found = file_checks(make_wheel(tmp_path, files), n)
    assert len(found) == 1 and found[0].startswith("WHL005")
    assert f"the CLI {CLI} is missing from the wheel" in found[0]


def test_cli_mode_644_fails(tmp_path: Path, n: Names) -> None:
    files = default_files()
    files[SCRIPT] = b"fake executable"
    found = file_checks(make_wheel(tmp_path, files), n)
    assert len(found) == 1 and "mode 644, expected 755" in found[0] and SCRIPT in found[0]


@pytest.mark.parametrize("member", ["_native.pyi", "py.typed", "_native.abi3.so", "__init__.py"])
def test_missing_package_file_fails(tmp_path: Path, n: Names, member: str) -> None:
    files = default_files()
    del files[f"{PKG}/{member}"]
    found = file_checks(make_wheel(tmp_path, files), n)
    assert found == [
        f"WHL004 {wheel_name()}: {PKG}/{member} is missing " + found[0].split("missing ")[1]
    ]


def test_a_project_without_abi3_is_judged_by_its_own_tags(tmp_path: Path, n: Names) -> None:
    plain = n._replace(abi3=False)
    files = default_files()
    files[f"{PKG}/_native.cpython-311-x86_64-linux-gnu.so"] = files.pop(f"{PKG}/_native.abi3.so")
    del files[f"{PKG}/py.typed"], files[f"{PKG}/_native.pyi"]
    path = make_wheel(tmp_path, files, tag="cp311-cp311-linux_x86_64")
    assert wc.not_abi3(path.name, plain) is None
    with zipfile.ZipFile(path) as zf:  # no stub or marker in its sources: none expected
        assert (
            wc.missing_members(set(zf.namelist()), path.name, plain, {f"{PKG}/__init__.py"}) == []
        )


def test_bad_record_hash_fails_naming_the_file(tmp_path: Path, n: Names) -> None:
    bad = {f"{PKG}/_native.pyi": "sha256=" + _b64(b"something else")}
    found = file_checks(make_wheel(tmp_path, record_override=bad), n)
    assert found == [f"WHL008 {wheel_name()}: hash / size of {PKG}/_native.pyi didn't match RECORD"]


def test_file_missing_from_record_and_weak_hash(tmp_path: Path, n: Names) -> None:
    path = make_wheel(tmp_path, record_override={f"{PKG}/py.typed": "md5=" + _b64(b"", "md5")})
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(f"{PKG}/sneaky.py", "x = 1\n")
    found = file_checks(path, n)
    assert (
        f"WHL007 {wheel_name()}: RECORD hashes {PKG}/py.typed with 'md5', not sha256 or stronger"
        in found
    )
    assert f"WHL008 {wheel_name()}: {PKG}/sneaky.py is not mentioned in RECORD" in found


@pytest.mark.parametrize("algo", ["shake_128", "shake_256"])
def test_shake_record_row_is_a_finding_not_a_crash(tmp_path: Path, n: Names, algo: str) -> None:
    """installer's (and pip's) hashing calls digest() without a length: shake_* crashed it."""
    data = default_files()[f"{PKG}/_native.pyi"]
    assert isinstance(data, bytes)
    digest = base64.urlsafe_b64encode(hashlib.new(algo, data).digest(32)).rstrip(b"=").decode()
    path = make_wheel(tmp_path, record_override={f"{PKG}/_native.pyi": f"{algo}={digest}"})
    found = file_checks(path, n)
    assert found == [
        f"WHL007 {wheel_name()}: RECORD hashes {PKG}/_native.pyi with '{algo}', not sha256 or stronger"
    ]


def test_unreadable_record_is_a_finding(tmp_path: Path) -> None:
    path = make_wheel(tmp_path)
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / path.name
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(copy, "w") as out:
        for info in zf.infolist():
            if not info.filename.endswith("RECORD"):
                out.writestr(info, zf.read(info))
    found = wc.record_mismatch(str(copy))
    assert len(found) == 1 and found[0].rule == "WHL008", found
    assert found[0].message.startswith(f"{path.name}: Unable to retrieve `RECORD`")


@pytest.mark.parametrize(
    "tag", ["cp311-cp311-linux_x86_64", "py3-none-any", "cp39-abi3-any", "pp39-abi3-linux_x86_64"]
)
def test_non_abi3_tag_fails(n: Names, tag: str) -> None:
    found = wc.not_abi3(wheel_name(tag), n)
    assert found is not None and found.rule == "WHL003"
    assert "is not cp3X-abi3-<platform>" in found.message
    assert found.path == "crates/qf-py/Cargo.toml"


def test_abi3_tags_pass(n: Names) -> None:
    assert wc.not_abi3(wheel_name(MANYLINUX), n) is None
    assert wc.not_abi3(wheel_name("cp39-abi3-win_amd64"), n) is None


@pytest.mark.parametrize("key", ["qf-tool", "qf_tool", "QF-Tool"])
def test_console_script_for_the_cli_fails(tmp_path: Path, n: Names, key: str) -> None:
    files = default_files()
    files[f"{DIST_INFO}/entry_points.txt"] = (
        f"[console_scripts]\n{key} = {PKG}.cli:main\nother-tool = {PKG}.x:main\n".encode()
    )
    found = file_checks(make_wheel(tmp_path, files), n)
    assert len(found) == 1 and found[0].startswith("WHL006")
    assert f"[console_scripts] {key}" in found[0] and f"shadow the native {CLI}" in found[0]


def test_dist_dir_stray_file_and_version() -> None:
    wheel, sdist = wheel_name(), f"{DIST}-{VERSION}.tar.gz"
    assert wc.stray_files([wheel, sdist], {wheel, sdist}, "dist") == []
    found = wc.stray_files([wheel, sdist, "old.whl"], {wheel, sdist}, "dist")
    assert [f.message for f in found] == [
        "dist/old.whl: stray file next to the built wheel and sdist"
    ]
    assert [f.message for f in wc.stray_files([wheel], {wheel, sdist}, "dist")] == [
        f"dist/{sdist}: named in the build manifest but missing"
    ]
    finding = wc.version_mismatch(wheel, VERSION, "0.4.0")
    assert (
        finding is not None
        and finding.rule == "WHL002"
        and "Cargo.toml says 0.4.0" in finding.message
    )
    assert wc.version_mismatch(wheel, VERSION, VERSION) is None
    assert wc.version_mismatch(wheel, "1.0.0a1", "1.0.0-alpha.1") is None, "maturin's PEP 440 form"


def _fixture_build(root: Path, tmp_path: Path, sdist_files: dict | None = None) -> dict:  # type: ignore[type-arg]
    dist = root / artifacts.DIST_DIR
    dist.mkdir(parents=True)
    wheel = make_wheel(dist)
    sdist = dist / f"{DIST}-{VERSION}.tar.gz"
    sdist.write_bytes(b"")
    other = tmp_path / "from-sdist"
    other.mkdir(exist_ok=True)
    manifest = {
        "inputs_hash": artifacts.inputs_hash(str(root)),
        "version": VERSION,
        "wheel": str(wheel),
        "sdist": str(sdist),
        "sdist_wheel": str(make_wheel(other, sdist_files)),
    }
    artifacts.write_manifest(str(root), manifest)
    return manifest


def test_check_artifacts_on_a_fixture_project(project: Path, n: Names, tmp_path: Path) -> None:
    files = default_files()
    del files[f"{PKG}/_native.pyi"]
    manifest = _fixture_build(project, tmp_path, files)
    found, needs = gate.check_artifacts(str(project), manifest, VERSION, n)
    assert [f.rule for f in found] == ["WHL010"] and needs == {}
    manifest["sdist_wheel"] = str(make_wheel(tmp_path / "from-sdist"))
    assert gate.check_artifacts(str(project), manifest, VERSION, n)[0] == []
    del manifest["sdist_wheel"]
    manifest["sdist_wheel_error"] = "`python -m build --wheel` on the unpacked sdist failed"
    found, _ = gate.check_artifacts(str(project), manifest, VERSION, n)
    assert [f.rule for f in found] == ["WHL009"]
    assert "no wheel could be built from the sdist (`python -m" in found[0].message


def test_gate_without_its_tools_cannot_run_and_names_them(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fixture_build(project, tmp_path)
    monkeypatch.setattr(gate, "_tool", lambda module, exe: None)
    monkeypatch.setattr(sys, "platform", "linux")
    outcome = run_gate("wheel", project)
    assert (outcome.status, outcome.rules) == ("could not run", ["GATE001"])
    assert "wheel: needs twine, abi3audit, auditwheel" in outcome.text
    assert "nox -s wheel" in outcome.text


def test_a_tool_that_rejects_the_wheel_is_a_finding() -> None:
    script = (
        "import sys; print('checking'); print('ERROR  `long_description` is empty'); sys.exit(1)"
    )
    cmd = [sys.executable, "-c", script]
    found = gate._run_tool(cmd, "w.whl")
    assert found is not None and found.rule == "WHL018"
    assert found.message.endswith("failed: checking | ERROR  `long_description` is empty")
    assert gate._run_tool([sys.executable, "-c", "pass"], "w.whl") is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="auditwheel is Linux-only")
def test_auditwheel_on_a_wheel_without_elf_files_is_a_finding(tmp_path: Path) -> None:
    tool = gate._tool("auditwheel", "auditwheel")
    if tool is None:
        pytest.skip("needs auditwheel (the pytest gate has it)")
    found = gate._auditwheel(tool, str(make_wheel(tmp_path)), {})
    assert [f.rule for f in found] == ["WHL019"]


def test_gate_cannot_run_without_a_build(project: Path) -> None:
    outcome = run_gate("wheel", project)
    assert outcome.status == "could not run"
    assert "no build manifest" in outcome.text and "nox -s build" in outcome.text


def test_project_without_a_cli_notes_it(make_repo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    files = {k: v for k, v in PROJECT.items() if "qf-cli" not in k}
    root = make_repo(files)
    n = names(root)
    assert n.cli is None
    wheel_files = default_files()
    del wheel_files[SCRIPT]
    manifest = _fixture_build(root, tmp_path, wheel_files)
    Path(manifest["wheel"]).unlink()
    manifest["wheel"] = str(make_wheel(root / artifacts.DIST_DIR, wheel_files))
    found, _ = gate.check_artifacts(str(root), manifest, VERSION, n)
    assert [(f.rule, f.severity) for f in found] == [("WHL013", NOTE)]


def test_rules_are_declared_for_the_wheel_gate() -> None:
    ids = [r for r in RULES if r.startswith("WHL")]
    assert len(ids) >= 19
    assert all(RULES[r].gate == "wheel" and RULES[r].summary for r in ids)
    assert RULES["WHL012"].severity == WARNING and RULES["WHL017"].severity == NOTE


def test_a_wheel_without_a_long_description_is_named_once(tmp_path: Path) -> None:
    from ci_gates.gates.wheel import no_long_description

    bare = make_wheel(tmp_path)  # the factory's METADATA has no body
    found = no_long_description(str(bare), bare.name)
    assert found is not None and found.rule == "WHL020" and "[project]" in found.fix
    assert found.severity == WARNING  # the package works; its PyPI page is empty
    files = default_files()
    meta = f"{DIST}-{VERSION}.dist-info/METADATA"
    body = f"Metadata-Version: 2.4\nName: qf-fixture\nVersion: {VERSION}\n\n# qf\n\nCounts.\n"
    files[meta] = body.encode()
    (tmp_path / "described").mkdir()
    described = make_wheel(tmp_path / "described", files)
    assert no_long_description(str(described), described.name) is None


def test_abi3_is_read_from_the_pyo3_features(make_repo) -> None:  # type: ignore[no-untyped-def]
    plain = {
        **PROJECT,
        "crates/qf-py/Cargo.toml": PROJECT["crates/qf-py/Cargo.toml"].split("[dependencies]")[0],
    }
    assert names(make_repo(PROJECT)).abi3 is True
    assert names(make_repo(plain)).abi3 is False
    via_maturin = {
        **plain,
        "pyproject.toml": PROJECT["pyproject.toml"] + 'features = ["pyo3/abi3-py310"]\n',
    }
    assert names(make_repo(via_maturin)).abi3 is True
