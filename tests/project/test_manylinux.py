"""End to end: `compatibility = manylinux2014` builds a wheel the wheel gate confirms (zig, no docker).

Slow (a release build of every crate with zig as the linker, twice: the tree and the sdist;
minutes on a cold target dir), so it is marked ``slow`` and runs when asked for: with
``CI_GATES_SLOW=1`` or a ``-m`` expression naming ``slow``. It builds a copy of the work tree
in its own cargo target dir, so the developer's native builds in ``target/`` are not disturbed.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ci_gates.checks import artifacts
from ci_gates.core.project import names
from ci_gates.gates import build
from ci_gates.testing import run_gate

ROOT = Path(__file__).resolve().parents[2]


def _copy_work_tree(dest: Path) -> None:
    out = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, out.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


@pytest.mark.slow
@pytest.mark.cargo
@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.machine() != "x86_64",
    reason="manylinux x86_64 wheels are built and audited on Linux x86_64",
)
@pytest.mark.skipif(shutil.which("uv") is None, reason="the isolated build env gets ziglang via uv")
def test_manylinux2014_wheel_built_with_zig_passes_the_wheel_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    asked = "slow" in str(request.config.getoption("markexpr", ""))
    if os.environ.get("CI_GATES_SLOW") != "1" and not asked:
        pytest.skip("slow end-to-end zig build: run it with CI_GATES_SLOW=1 or -m slow")
    copy = tmp_path / "repo"
    copy.mkdir()
    _copy_work_tree(copy)
    monkeypatch.setenv("CARGO_TARGET_DIR", str(ROOT / "target" / "ci-gates" / "zig-e2e"))
    monkeypatch.setenv(build.COMPAT_ENV, "manylinux2014")
    monkeypatch.delenv("MATURIN_PEP517_ARGS", raising=False)

    built = run_gate("build", copy)
    assert built.status == "passed", built.text
    manifest = artifacts.current_manifest(str(copy))
    assert "manylinux_2_17_x86_64" in os.path.basename(manifest["wheel"])
    assert "sdist_wheel" in manifest, manifest.get("sdist_wheel_error")

    checked = run_gate("wheel", copy)
    assert checked.status == "passed", checked.text
    [note] = [f for f in checked.findings if f.rule == "WHL017"]
    n = names(copy)
    extension_file = n.extension.rpartition(".")[2] + ".abi3.so"
    assert "consistent with manylinux_2_17_x86_64" in note.message
    assert f"{n.cli} (GLIBC_" in note.message and f"{extension_file} (GLIBC_" in note.message
