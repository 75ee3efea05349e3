"""Staging a python package: uv build (the wheel from the sdist), twine check --strict, receipts.

Slow: each case builds the demo library for real (uv fetches its backend, hatchling, into an
isolated build environment, as for any user); the publish tests use synthetic files instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ci_gates.checks.versioning.config import load
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import dist, purepy
from tests.ci.releasing import WITH_LIB, ReleaseRepo

MANIFEST = "lib/demo-lib/pyproject.toml"
README = 'description = "A pure-Python package of the demo"\n'

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("uv") is None, reason="needs uv on PATH (nox -s release_stage installs it)"
    ),
]


def _repo(tmp_path: Path, old: str, new: str) -> ReleaseRepo:
    repo = ReleaseRepo.create(tmp_path / "r", "0.2.0", packages=WITH_LIB)
    path = repo.root / MANIFEST
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return repo


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        # a README as the long description: what PyPI shows, and what twine renders
        (README, README + 'readme = "README.md"\n', None),
        # none: twine --strict refuses the missing long description
        (README, README, "twine check --strict refused demo_lib-0.2.0.tar.gz, demo_lib-0.2.0-py3"),
        (README, README + 'readme = "MISSING.md"\n', "uv build of demo-lib (lib/demo-lib) failed"),
    ],
)
def test_stage_builds_checks_and_receipts(
    tmp_path: Path, old: str, new: str, error: str | None
) -> None:
    repo = _repo(tmp_path, old, new)
    out = repo.root / dist.STAGE_DIR
    out.mkdir(parents=True)
    (out / "demo_lib-0.1.0.tar.gz").write_bytes(b"an older build")  # replaced by the stage
    (out / "demo-0.2.0.tar.gz").write_bytes(b"another distribution's")  # kept
    pkg = load(str(repo.root))[-1]
    if error is not None:
        with pytest.raises(ReleaseError, match=error.replace("(", r"\(").replace(")", r"\)")):
            purepy.stage(str(repo.root), pkg)
        assert (out / "demo_lib-0.1.0.tar.gz").exists()  # nothing staged, nothing removed
        return
    staged = [Path(p).name for p in purepy.stage(str(repo.root), pkg)]
    assert staged == ["demo_lib-0.2.0.tar.gz", "demo_lib-0.2.0-py3-none-any.whl"]
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(dist.RECEIPT)) == [
        "demo-0.2.0.tar.gz",
        "demo_lib-0.2.0-py3-none-any.whl",
        "demo_lib-0.2.0.tar.gz",
    ]
    receipt = json.loads((out / f"{staged[1]}{dist.RECEIPT}").read_text())
    assert receipt["gates"] == {"build": "passed", "twine": "passed"}
    assert receipt["version"] == "0.2.0" and receipt["builder"] == purepy.BUILDER
    checked = dist.check(str(out), "demo-lib", "0.2.0", [], pure=True, others=("demo",))
    assert [a.kind for a in checked] == ["sdist", "wheel"]
