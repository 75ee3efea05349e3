"""The wheel gate's sdist check: the wheel built from the sdist against the tree's (WHL010-012)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ci_gates.checks import wheel_sdist
from tests.ci.test_wheel_gate import DIST_INFO, PKG, SCRIPT, default_files, make_wheel


def _compare(tmp_path: Path, tree: dict, other: dict) -> list[str]:  # type: ignore[type-arg]
    (tmp_path / "a").mkdir(parents=True)
    (tmp_path / "b").mkdir(parents=True)
    with (
        zipfile.ZipFile(make_wheel(tmp_path / "a", tree)) as a,
        zipfile.ZipFile(make_wheel(tmp_path / "b", other)) as b,
    ):
        return [
            f"{f.rule} {f.severity} {f.message}"
            for f in wheel_sdist.compare_contents(a, b, "x.tar.gz")
        ]


def test_wheel_from_sdist_must_equal_the_tree_wheel(tmp_path: Path) -> None:
    tree = default_files()
    same = dict(tree)
    same[f"{DIST_INFO}/sboms/x.cyclonedx.json"] = b'{"serialNumber": "urn:uuid:1"}'
    tree[f"{DIST_INFO}/sboms/x.cyclonedx.json"] = b'{"serialNumber": "urn:uuid:2"}'
    assert _compare(tmp_path / "1", tree, same) == [], "SBOM and RECORD are expected to differ"
    lacking = dict(tree)
    del lacking[f"{PKG}/_native.pyi"]
    found = _compare(tmp_path / "2", tree, lacking)
    assert found == [
        f"WHL010 error x.tar.gz: the wheel built from the sdist lacks {PKG}/_native.pyi"
    ]
    other = dict(tree)
    other[f"{PKG}/__init__.py"] = b"# another version of the sources\n"
    other[SCRIPT] = (b"\x7fELF another build", 0o755)
    tree[SCRIPT] = (b"\x7fELF one build", 0o755)
    found = _compare(tmp_path / "3", tree, other)
    assert found == [
        f"WHL012 warning x.tar.gz: native {SCRIPT} built from the sdist differs from the tree build's",
        f"WHL011 error x.tar.gz: {PKG}/__init__.py in the wheel built from the sdist differs "
        "from the tree wheel's",
    ]


def test_entry_points_in_another_order_are_the_same(tmp_path: Path) -> None:
    """maturin before 0.15 writes entry_points.txt from a hash map (whatlang-pyo3 0.6.0)."""
    ep = f"{DIST_INFO}/entry_points.txt"
    tree = {**default_files(), ep: b"[console_scripts]\na=m:a\nb=m:b\n\n[gui_scripts]\na=m:a\n"}
    shuffled = {**tree, ep: b"[console_scripts]\nb=m:b\na=m:a\n\n[gui_scripts]\na=m:a\n"}
    assert _compare(tmp_path / "1", tree, shuffled) == []
    moved = {**tree, ep: b"[console_scripts]\na=m:a\n\n[gui_scripts]\na=m:a\nb=m:b\n"}
    assert _compare(tmp_path / "2", tree, moved) == [
        f"WHL011 error x.tar.gz: {ep} in the wheel built from the sdist differs from the tree wheel's"
    ]
