"""publish: checks before any upload, order, skip-if-there, tags, the one-line error; GitHub Release.

The registries are replaced by recorders here (the look-ups themselves are tested against real
servers in test_release_registries.py, the whole flow by `nox -s release_rehearsal`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import ghrelease, publish, registries
from tests.ci.releasing import WITH_LIB, ReleaseRepo
from tests.ci.test_release_dist import pure, pure_wheel, sdist, wheel

LINUX = "manylinux_2_17_x86_64.manylinux2014_x86_64"
MAC = "macosx_11_0_arm64"


def stage(repo: ReleaseRepo, version: str = "0.1.0", meta_version: str | None = None) -> Path:
    """The demo's sdist and its two planned wheels, with receipts, in <repo>/dist (ignored)."""
    out = repo.root / "dist"
    out.mkdir(exist_ok=True)
    sdist(out, version, name="demo")
    for platform in (LINUX, MAC):
        wheel(out, platform, version, meta_version, name="demo")
    return out


@pytest.fixture(autouse=True)
def _outside_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing signs attestations under GitHub Actions; these tests publish from anywhere else
    (the one that is about Actions sets the variable itself)."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> ReleaseRepo:
    r = ReleaseRepo.create(tmp_path / "repo")
    with (r.root / ".gitignore").open("a") as f:
        f.write("dist/\n")
    r.git("commit", "-qam", "chore: ignore dist")
    return r


class Recorder:
    """Stands in for cargo, uv and the registries: what is there, what was uploaded."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        crates: frozenset[str] = frozenset(),
        files: frozenset[str] = frozenset(),
    ) -> None:
        self.crates, self.files = set(crates), set(files)
        self.calls: list[list[str]] = []
        monkeypatch.setattr(registries, "crate_versions", self.crate_versions)
        monkeypatch.setattr(registries, "index_files", self.index_files)
        monkeypatch.setattr(publish, "_tool", self.tool)
        monkeypatch.setattr("shutil.which", lambda name: f"/fake/{name}")

    def crate_versions(self, index: str, name: str) -> set[str]:
        return {v.split("@")[1] for v in self.crates if v.split("@")[0] == name}

    def index_files(self, index: str, dist: str) -> set[str]:
        return set(self.files)

    def tool(self, cmd: list[str], env: object = None, cwd: object = None) -> tuple[int, str]:
        self.calls.append(cmd)
        if cmd[:2] == ["cargo", "publish"]:
            self.crates.add(f"{cmd[cmd.index('-p') + 1]}@0.1.0")
        elif "publish" in cmd:
            self.files.add(os.path.basename(cmd[-1]))
        return 0, ""


def run(repo: ReleaseRepo, use_tags: bool = False) -> list[publish.Outcome]:
    s = publish.Settings(dist="dist")
    return publish.publish(str(repo.root), "all", use_tags, s, say=lambda _line: None)


def test_first_release_in_order_with_tags(
    repo: ReleaseRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage(repo)
    rec = Recorder(monkeypatch)
    outcomes = run(repo)
    uploads = [(o.package, o.item) for o in outcomes if o.action == "published"]
    assert uploads == [
        ("demo-core", "crate"),
        ("demo-cli", "crate"),
        ("demo", "demo-0.1.0.tar.gz"),
        ("demo", f"demo-0.1.0-cp39-abi3-{LINUX}.whl"),
        ("demo", f"demo-0.1.0-cp39-abi3-{MAC}.whl"),
    ]
    assert rec.calls[0] == ["cargo", "publish", "--locked", "-p", "demo-core"]
    tags = repo.git("tag", "--points-at", "HEAD").split()
    assert sorted(tags) == ["demo-cli-v0.1.0", "demo-core-v0.1.0", "demo-v0.1.0"]
    # the re-run: every item already there, nothing uploaded, the tags exist
    rec.calls.clear()
    again = run(repo, use_tags=True)
    assert rec.calls == []
    assert {o.action for o in again} == {"already published", "exists"}


def test_wheel_version_mismatch_uploads_nothing(
    repo: ReleaseRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage(repo, meta_version="0.1.1")
    rec = Recorder(monkeypatch)
    with pytest.raises(
        ReleaseError,
        match=r"its metadata says version '0.1.1', the plan \(manifest, tag\) says 0.1.0",
    ):
        run(repo)
    assert rec.calls == []
    assert repo.git("tag").split() == []


def test_manifest_behind_the_plan(repo: ReleaseRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.tag_all()
    repo.commit("feat(core): more", "crates/core/src/lib.rs")
    stage(repo)
    Recorder(monkeypatch)
    with pytest.raises(
        ReleaseError,
        match=r"demo-core: crates/core/Cargo.toml says 0.1.0, the plan says 0.1.1; run `nox -s release_bump`",
    ):
        run(repo)


def test_tag_on_another_commit(repo: ReleaseRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("fix: elsewhere", "python/demo/__init__.py")
    repo.tag("demo-v0.1.0")
    repo.git("checkout", "-q", "main")
    stage(repo)
    Recorder(monkeypatch)
    with pytest.raises(ReleaseError, match=r"demo: tag demo-v0.1.0 exists on \w{10}, not on HEAD"):
        run(repo)


def test_index_down_after_the_crates(repo: ReleaseRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    stage(repo)
    rec = Recorder(monkeypatch, crates=frozenset({"demo-core@0.1.0"}))

    def down(index: str, dist: str) -> set[str]:
        raise registries.RegistryError(f"cannot reach the package index at {index}{dist}/: refused")

    monkeypatch.setattr(registries, "index_files", down)
    with pytest.raises(ReleaseError) as err:
        run(repo)
    message = str(err.value)
    assert message.startswith(
        "cannot reach the package index at https://pypi.org/simple/demo/: refused; "
    )
    assert (
        "uploaded: demo-cli 0.1.0 crate; already there: demo-core 0.1.0 crate; nothing uploaded after demo-cli 0.1.0 crate"
        in message
    )
    assert message.endswith(
        f"left: demo-0.1.0.tar.gz, demo-0.1.0-cp39-abi3-{LINUX}.whl, demo-0.1.0-cp39-abi3-{MAC}.whl; re-run to publish the rest"
    )
    assert [c[:2] for c in rec.calls] == [["cargo", "publish"]]  # demo-cli only
    assert "demo-v0.1.0" not in repo.git("tag").split()


def test_trusted_publishing_under_github_actions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rec = Recorder(monkeypatch)
    for key in ("UV_PUBLISH_TOKEN", "UV_PUBLISH_USERNAME", "UV_PUBLISH_PASSWORD"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    p = publish.Publisher(str(tmp_path), publish.Settings())
    assert p._uv_publish("x.whl") == (0, "")
    assert rec.calls[0][-3:] == ["pypi_attestations", "sign", "x.whl"]
    assert rec.calls[1] == [
        "/fake/uv",
        "publish",
        "--no-progress",
        "--publish-url",
        registries.PYPI_UPLOAD,
        "--trusted-publishing",
        "always",
        "x.whl",
    ]
    monkeypatch.setenv("UV_PUBLISH_TOKEN", "t")  # a token given: no OIDC, no attestation
    rec.calls.clear()
    p._uv_publish("x.whl")
    assert rec.calls == [
        ["/fake/uv", "publish", "--no-progress", "--publish-url", registries.PYPI_UPLOAD, "x.whl"]
    ]


def test_settings_options_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELEASE_INDEX_URL", "http://env/simple/")
    monkeypatch.setenv("RELEASE_CRATE_REGISTRY", "local")
    s = publish.settings(index_url="http://option/simple/", crate_registry=None)
    assert (s.index_url, s.crate_registry, s.upload_url) == (
        "http://option/simple/",
        "local",
        registries.PYPI_UPLOAD,
    )


FAKE_GH = """#!/bin/sh
printf '%s\\n' "$*" >> "$GH_LOG"
if [ "$1 $2" = "release view" ]; then exit "$GH_VIEW_STATUS"; fi
if [ "$1 $2" = "release create" ]; then
  for a in "$@"; do case "$a" in */SHA256SUMS) cp "$a" "$GH_LOG.sums";; *.md) cp "$a" "$GH_LOG.notes";; esac; done
fi
"""


def fake_gh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``gh`` on PATH logging its calls (no release exists yet); the log."""
    gh = tmp_path / "bin" / "gh"
    gh.parent.mkdir()
    gh.write_text(FAKE_GH)
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "gh.log"
    monkeypatch.setenv("PATH", f"{gh.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GH_LOG", str(log))
    monkeypatch.setenv("GH_VIEW_STATUS", "1")
    return log


def test_github_release(repo: ReleaseRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (repo.root / "CHANGELOG.md").write_text(
        "# Changelog\n\n## demo-v0.1.0\n\nFirst.\n\n## demo-cli-v0.1.0\n\nCLI.\n\n## demo-core-v0.1.0\n\nCore.\n"
    )
    repo.commit("chore(release): demo 0.1.0")
    repo.tag_all()
    staged = stage(repo)
    log = fake_gh(monkeypatch, tmp_path)
    assert ghrelease.release(str(repo.root), "dist") == [
        "demo-core-v0.1.0",
        "demo-cli-v0.1.0",
        "demo-v0.1.0",
    ]
    creates = [ln for ln in log.read_text().splitlines() if ln.startswith("release create")]
    assert len(creates) == 3
    assert "--verify-tag --title demo 0.1.0 --notes-file" in creates[2]
    assert (
        creates[2].count(".whl") == 2
        and "demo-0.1.0.tar.gz" in creates[2]
        and creates[2].endswith("SHA256SUMS")
    )
    assert ".whl" not in creates[0]  # a crate's release carries its notes only
    sums = Path(str(log) + ".sums").read_text().splitlines()
    assert sorted(s.split("  ")[1] for s in sums) == sorted(
        p.name for p in staged.iterdir() if not p.name.endswith(".json")
    )
    assert Path(str(log) + ".notes").read_text().startswith("## demo-v0.1.0")
    log.write_text("")
    monkeypatch.setenv("GH_VIEW_STATUS", "0")  # the re-run: every release exists
    ghrelease.release(str(repo.root), "dist")
    assert not [ln for ln in log.read_text().splitlines() if ln.startswith("release create")]


# --- kind python: the library's files share the directory and go to PyPI in their own scope ----

LIB_WHEEL, LIB_SDIST = "demo_lib-0.1.0-py3-none-any.whl", "demo_lib-0.1.0.tar.gz"
DEMO = ["demo-0.1.0.tar.gz", f"demo-0.1.0-cp39-abi3-{LINUX}.whl", f"demo-0.1.0-cp39-abi3-{MAC}.whl"]


@pytest.fixture
def with_lib(tmp_path: Path) -> ReleaseRepo:
    r = ReleaseRepo.create(tmp_path / "repo", packages=WITH_LIB)
    with (r.root / ".gitignore").open("a") as f:
        f.write("dist/\n")
    r.git("commit", "-qam", "chore: ignore dist")
    pure(stage(r), "0.1.0")  # the demo's files and the library's, in one directory
    return r


@pytest.mark.parametrize(
    ("scope", "uploads", "tags"),
    [
        (
            "all",
            [
                ("demo-core", "crate"),
                ("demo-cli", "crate"),
                *(("demo", f) for f in DEMO),
                ("demo-lib", LIB_SDIST),
                ("demo-lib", LIB_WHEEL),
            ],
            ["demo-cli-v0.1.0", "demo-core-v0.1.0", "demo-lib-v0.1.0", "demo-v0.1.0"],
        ),
        ("pypi", [("demo", f) for f in DEMO], ["demo-v0.1.0"]),
        ("python", [("demo-lib", LIB_SDIST), ("demo-lib", LIB_WHEEL)], ["demo-lib-v0.1.0"]),
        (
            "crates",
            [("demo-core", "crate"), ("demo-cli", "crate")],
            ["demo-cli-v0.1.0", "demo-core-v0.1.0"],
        ),
    ],
)
def test_each_scope_publishes_its_kinds(
    with_lib: ReleaseRepo,
    monkeypatch: pytest.MonkeyPatch,
    scope: str,
    uploads: list[tuple[str, str]],
    tags: list[str],
) -> None:
    rec = Recorder(monkeypatch)
    s = publish.Settings(dist="dist")
    outcomes = publish.publish(str(with_lib.root), scope, False, s, say=lambda _line: None)
    assert [(o.package, o.item) for o in outcomes if o.action == "published"] == uploads
    assert sorted(with_lib.git("tag", "--points-at", "HEAD").split()) == tags
    uploaded = [c for c in rec.calls if c[:2] != ["cargo", "publish"]]
    assert [os.path.basename(c[-1]) for c in uploaded] == [f for _p, f in uploads if f != "crate"]


def test_the_library_is_skipped_when_pypi_has_it(
    with_lib: ReleaseRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = Recorder(monkeypatch, files=frozenset({LIB_SDIST, LIB_WHEEL}))
    s = publish.Settings(dist="dist")
    outcomes = publish.publish(str(with_lib.root), "python", False, s, say=lambda _line: None)
    assert [(o.item, o.action) for o in outcomes] == [
        (LIB_SDIST, "already published"),
        (LIB_WHEEL, "already published"),
        ("demo-lib-v0.1.0", "created"),
    ]
    assert rec.calls == []


def test_a_platform_wheel_of_the_library_uploads_nothing(
    with_lib: ReleaseRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    (with_lib.root / "dist" / LIB_WHEEL).unlink()
    pure_wheel(with_lib.root / "dist", "0.1.0", tag="cp39-abi3-manylinux_2_17_x86_64")
    rec = Recorder(monkeypatch)
    with pytest.raises(ReleaseError, match="not a pure-Python wheel"):
        run(with_lib)
    assert rec.calls == [] and with_lib.git("tag").split() == []


def test_the_library_github_release_carries_its_files(
    with_lib: ReleaseRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (with_lib.root / "CHANGELOG.md").write_text("# Changelog\n\n## demo-lib-v0.1.0\n\nFirst.\n")
    with_lib.commit("chore(release): demo-lib 0.1.0")
    with_lib.tag("demo-lib-v0.1.0")
    log = fake_gh(monkeypatch, tmp_path)
    assert ghrelease.release(str(with_lib.root), "dist") == ["demo-lib-v0.1.0"]
    (create,) = [ln for ln in log.read_text().splitlines() if ln.startswith("release create")]
    assert LIB_SDIST in create and LIB_WHEEL in create and create.endswith("SHA256SUMS")
    assert "demo-0.1.0" not in create  # the other package's files stay out
