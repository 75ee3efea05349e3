"""``nox -s rename``: name validation, the rewrite rules, and a whole rename on a clone."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from ci_gates.core.project import names
from ci_gates.template import names as valid
from ci_gates.template import rename

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("check", "value", "words"),
    [
        (valid.check_dist, "-bad", ["--dist '-bad'", "PEP 508"]),
        (valid.check_dist, "a b", ["not a valid distribution name"]),
        (valid.check_package, "json", ["standard-library module 'json'"]),
        (valid.check_package, "class", ["keyword"]),
        (valid.check_package, "qf-new", ["not a Python identifier"]),
        (valid.check_package, "ci", ["this repository's ci/"]),
        (valid.check_cli, "a b", ["--cli 'a b'", "portable executable name"]),
        (valid.check_cli, "-x", ["portable executable name"]),
    ],
)
def test_invalid_names_get_one_line(check: object, value: str, words: list[str]) -> None:
    with pytest.raises(valid.NameError_) as exc:
        check(value)  # type: ignore[operator]
    text = str(exc.value)
    assert "\n" not in text
    for word in words:
        assert word in text


@pytest.mark.parametrize("value", ["qf-new", "Qf.New_2", "a"])
def test_valid_distribution_names(value: str) -> None:
    valid.check_dist(value)


def test_crate_prefix_collision_with_a_dependency() -> None:
    with pytest.raises(valid.NameError_, match="collides with the dependency 'serde-json'"):
        valid.check_crate_prefix("serde", ["serde-json", "serde-core"], {"serde_json", "clap"})


def plan() -> rename.Plan:
    old = names(ROOT)
    assert old.cli is not None
    prefix = rename.crate_prefix([c.name for c in old.crates])
    crates = {c.name: "zq" + c.name[len(prefix) :] for c in old.crates}
    return rename.Plan(old, "zq-dist", "zq_pkg", "zq", crates)


def test_rewrite_rules_on_every_form_of_every_name() -> None:
    p = plan()
    old = p.old
    core = next(c for c in old.crates if not c.bins and c != old.bindings)
    cli_crate = old.cli_crate
    assert cli_crate is not None and old.cli is not None
    text = "\n".join(
        [
            f"pip install {old.dist}",
            f"import {old.package}",
            f"from {old.package}._native import x",
            f"{old.wheel_dist}-0.1.0-cp39-abi3-linux_x86_64.whl",
            f"$ {old.cli} count --json",
            f'const BIN: &str = env!("CARGO_BIN_EXE_{old.cli}");',
            f'"{old.cli}: oops\\n{old.cli}: again"',
            f"cargo run -p {cli_crate.name} -- count",
            f"use {core.name.replace('-', '_')}::Stats;",
            f"see {core.path}/src/lib.rs and {core.name}",
            f"   Compiling {cli_crate.name} v0.1.0",
            f"{old.cli.upper().replace('-', '_')}_EOF",
        ]
    )
    got = rename.rewrite(text, rename.text_rules(p)).splitlines()
    new_core = p.crates[core.name]
    assert got == [
        "pip install zq-dist",
        "import zq_pkg",
        "from zq_pkg._native import x",
        "zq_dist-0.1.0-cp39-abi3-linux_x86_64.whl",
        "$ zq count --json",
        'const BIN: &str = env!("CARGO_BIN_EXE_zq");',
        '"zq: oops\\nzq: again"',
        f"cargo run -p {p.crates[cli_crate.name]} -- count",
        f"use {new_core.replace('-', '_')}::Stats;",
        f"see crates/{new_core}/src/lib.rs and {new_core}",
        f"   Compiling {p.crates[cli_crate.name]} v0.1.0",
        "ZQ_EOF",
    ]


def test_cargo_toml_sections() -> None:
    p = plan()
    cli_crate = p.old.cli_crate
    assert cli_crate is not None and p.old.cli is not None
    core = next(c.name for c in p.old.crates if not c.bins and c != p.old.bindings)
    text = (
        f'[package]\nname = "{cli_crate.name}"\n\n[[bin]]\nname = "{p.old.cli}"\n\n'
        f'[lib]\nname = "_native"\n\n[dependencies]\n{core}.workspace = true\n'
    )
    got = rename.rewrite_cargo_toml(text, p)
    assert f'name = "{p.crates[cli_crate.name]}"' in got
    assert 'name = "zq"' in got and 'name = "_native"' in got
    assert f"{p.crates[core]}.workspace = true" in got


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
    }
    env["GIT_COMMITTER_EMAIL"] = "t@e"
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.cargo
def test_whole_rename_on_a_clone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("cargo") is None or shutil.which("ruff") is None:
        pytest.skip("needs cargo and ruff on PATH (run it through `nox -s pytest`)")
    tag = "n" + uuid.uuid4().hex[:8]  # names that appear nowhere, not even in this file
    dist, package, cli = f"{tag}-dist", f"{tag}_pkg", tag
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    old = names(clone)
    (clone / "README.md").write_text("dirty\n")
    with pytest.raises(rename.RenameError, match="uncommitted change"):
        rename.rename(str(clone), dist, package, cli)
    git(clone, "checkout", "--", "README.md")
    plan = rename.make_plan(str(clone), dist, package, "fn", None)  # `fn` is in every Rust file
    (warning,) = rename.already_used(str(clone), plan)
    assert warning.startswith("--cli 'fn' already appears in") and "later rename" in warning

    changed = rename.rename(str(clone), dist, package, cli)
    assert changed
    new = names(clone)
    assert (new.dist, new.package, new.extension, new.cli) == (
        dist,
        package,
        f"{package}._native",
        cli,
    )
    assert all(c.name.startswith(f"{dist}-") for c in new.crates)
    forms = {old.dist, old.package, old.cli, *(c.name for c in old.crates)}
    pattern = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True) if f)
    found = subprocess.run(
        ["git", "grep", "-n", "-I", "-E", pattern, "--", ".", ":!pyproject.toml"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert found.stdout == ""  # nothing but the former-cli-names record spells an old name
    from ci_gates.core.config import parse

    assert old.cli in parse(clone)["project"]["former-cli-names"]
    from ci_gates.checks.versioning.config import load as release_packages

    shipped = {p.name for p in release_packages(str(clone))}  # validated against the manifests
    # the gate library keeps its name: a rename renames the project, not the library it uses
    assert shipped <= {dist, "ci-gates", *(c.name for c in new.crates)} and dist in shipped
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "chore: rename")
    assert rename.rename(str(clone), dist, package, cli) == []  # a second run: nothing
    assert git(clone, "status", "--porcelain") == ""


def test_a_cli_named_like_the_head_of_the_other_names_renames_each_once() -> None:
    from ci_gates.core.project import Crate, Names

    crates = tuple(
        Crate(f"ab-new-{s}", f"crates/ab-new-{s}", "0.1.0", b, lib, True)
        for s, b, lib in (("core", (), "ab_new_core"), ("cli", ("ab",), ""), ("py", (), "_native"))
    )
    old = Names("ab-new", "ab_new", "ab_new._native", "python", crates[2], crates[1], "ab", crates)
    new_crates = {c.name: "cd-" + c.name.rpartition("-")[2] for c in crates}
    plan = rename.Plan(old, "cd-dist", "cd_pkg", "cd", new_crates)
    text = "ab-new-core ab_new_core ab-new ab_new ab ab-action crates/ab-new-cli AB_EOF"
    assert rename.rewrite(text, rename.text_rules(plan)) == (
        "cd-core cd_core cd-dist cd_pkg cd cd-action crates/cd-cli CD_EOF"
    )
