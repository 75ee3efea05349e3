"""[[tool.ci-gates.release.packages]]: one clear error line naming the entry, and the real config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_gates.checks.versioning.config import load
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.checks.versioning.versions import read_version
from ci_gates.core.config import ConfigError, validate
from tests.ci.releasing import PACKAGES, WITH_LIB, ReleaseRepo


def pkg(name: str, paths: list[str], deps: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    entry = {"name": name, "kind": "crates", "path": f"crates/{name}", "paths": paths}
    return {**entry, "depends_on": deps or [], **extra}


def check(*packages: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as err:
        validate({"release": {"packages": list(packages)}})
    message = str(err.value)
    assert "\n" not in message
    return message


def test_unknown_depends_on_names_the_entry_and_the_known_ones() -> None:
    msg = check(pkg("a", ["a/**"]), pkg("b", ["b/**"], ["c"]))
    assert "'b' depends_on: unknown package 'c'; known: a" in msg


def test_cycle_is_spelled_out() -> None:
    msg = check(pkg("a", ["a/**"], ["c"]), pkg("b", ["b/**"], ["a"]), pkg("c", ["c/**"], ["b"]))
    assert "cycle a -> c -> b -> a" in msg


def test_self_dependency_is_unknown() -> None:
    assert "'a' depends_on: unknown package 'a'" in check(pkg("a", ["a/**"], ["a"]))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("crates/**", "crates/core/**"),
        ("crates/core", "crates/core/src/*.rs"),
        ("pyproject.toml", "pyproject.toml"),
        ("python/**/*.py", "python/pkg/**"),
    ],
)
def test_overlapping_paths(a: str, b: str) -> None:
    msg = check(pkg("x", [a]), pkg("y", [b]))
    assert f"'x' paths {a!r} overlaps 'y' paths {b!r}" in msg


def test_disjoint_paths_pass() -> None:
    entries = [pkg("x", ["crates/x/**", "Cargo.toml"]), pkg("y", ["crates/xy/**", "crates/*.md"])]
    assert len(validate({"release": {"packages": entries}})["release"]["packages"]) == 2


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        (pkg("a", []), "'a': `paths` is missing or empty"),
        (pkg("a", [""]), "'a' paths: every glob must be a non-empty string"),
        ({"name": "a", "kind": "npm", "path": "a", "paths": ["a"]}, "kind: 'npm' is not one of"),
        (pkg("a", ["a"], colour="red"), "'a': unknown key 'colour'"),
        (pkg("a", ["a"], targets=[{"target": "x", "runner": "r"}]), "only pypi packages"),
        (
            {
                "name": "a",
                "kind": "pypi",
                "path": ".",
                "paths": ["a"],
                "targets": [{"target": "t", "runner": "r", "libc": "glibc"}],
            },
            "libc 'glibc'",
        ),
        ("not a table", "entry 1: must be a table"),
    ],
)
def test_bad_entries(entry: Any, needle: str) -> None:
    assert needle in check(entry)


def test_duplicate_names() -> None:
    assert "'a': declared twice" in check(pkg("a", ["a/**"]), pkg("a", ["b/**"]))


def test_names_must_agree_with_the_manifests(tmp_path: Path) -> None:
    wrong = PACKAGES.replace('path = "crates/cli"', 'path = "crates/cli2"')
    repo = ReleaseRepo.create(tmp_path / "r", packages=wrong)
    with pytest.raises(
        ReleaseError,
        match=r"'demo-cli' path 'crates/cli2' differs from crate demo-cli at 'crates/cli'",
    ):
        load(str(repo.root))
    renamed = PACKAGES.replace('name = "demo"\n', 'name = "demo-wheel"\n')
    repo = ReleaseRepo.create(tmp_path / "s", packages=renamed.replace('"demo", ', ""))
    with pytest.raises(ReleaseError, match="'demo-wheel' .* differs from the distribution 'demo'"):
        load(str(repo.root))


# --- kind python: a pure-Python distribution with its own pyproject.toml ---------------------


def test_a_python_package_loads_with_its_pyproject_as_manifest(tmp_path: Path) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", packages=WITH_LIB)
    lib = load(str(repo.root))[-1]
    assert (lib.name, lib.kind, lib.path, lib.manifest) == (
        "demo-lib",
        "python",
        "lib/demo-lib",
        "lib/demo-lib/pyproject.toml",
    )
    assert (lib.paths, lib.depends_on, lib.targets) == (("lib/demo-lib/**",), (), ())
    assert read_version(str(repo.root), lib.manifest) == "0.1.0"


def test_a_python_package_name_is_compared_normalised(tmp_path: Path) -> None:
    spelled = WITH_LIB.replace('name = "demo-lib"', 'name = "Demo_Lib"')
    repo = ReleaseRepo.create(tmp_path / "r", packages=spelled)
    assert load(str(repo.root))[-1].name == "Demo_Lib"


LIB_MANIFEST = "lib/demo-lib/pyproject.toml"


@pytest.mark.parametrize(
    ("rel", "old", "new", "needle"),
    [
        (
            "pyproject.toml",
            'path = "lib/demo-lib"',
            'path = "lib/other"',
            "'demo-lib' path 'lib/other': no lib/other/pyproject.toml",
        ),
        (
            LIB_MANIFEST,
            'name = "demo-lib"',
            'name = "demo-other"',
            "'demo-lib': lib/demo-lib/pyproject.toml [project] name is 'demo-other'; make them agree",
        ),
        (
            LIB_MANIFEST,
            'version = "0.1.0"  # bumped by the release',
            'dynamic = ["version"]',
            "lib/demo-lib/pyproject.toml: [project] version is not set (dynamic or missing)",
        ),
        (
            LIB_MANIFEST,
            'version = "0.1.0"',
            'version = "0.1.0rc1"',
            "lib/demo-lib/pyproject.toml: version '0.1.0rc1' is not semver x.y.z",
        ),
    ],
)
def test_a_bad_python_package_is_named(
    tmp_path: Path, rel: str, old: str, new: str, needle: str
) -> None:
    repo = ReleaseRepo.create(tmp_path / "r", packages=WITH_LIB)
    path = repo.root / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ReleaseError) as err:
        for pkg in load(str(repo.root)):
            read_version(str(repo.root), pkg.manifest)
    assert needle in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"targets": [{"target": "x", "runner": "r"}]}, "only pypi packages have build targets"),
        ({"paths": ["lib/**"]}, "'a' paths 'lib/a/**' overlaps 'lib' paths 'lib/**'"),
    ],
)
def test_a_python_entry_is_validated_like_the_others(extra: dict[str, Any], needle: str) -> None:
    entry = {"name": "lib", "kind": "python", "path": "lib", "paths": ["lib/x/**"], **extra}
    assert needle in check(pkg("a", ["lib/a/**"]), entry)
