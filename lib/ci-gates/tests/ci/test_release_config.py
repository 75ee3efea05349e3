"""[[tool.ci-gates.release.packages]]: one clear error line naming the entry, and the real config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ci_gates.checks.versioning.config import load
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.core.config import ConfigError, validate
from tests.ci.releasing import PACKAGES, ReleaseRepo


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
