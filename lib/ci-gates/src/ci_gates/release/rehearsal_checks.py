"""What a user of the rehearsed release sees: each check installs from the local registries.

- :func:`verify_install`: ``pip install`` of the maturin package into a fresh venv; the
  extension imports, ``__version__`` and the native CLI in the venv's ``bin/`` answer;
- :func:`verify_python`: ``pip install`` of each pure-Python package from the local index
  alone (its dependencies mirrored there first); its console scripts answer;
- :func:`consumer`: a new Cargo project depending on the core crate from the local registry
  builds and runs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release.rehearsal_clone import REGISTRY, core_crate
from ci_gates.release.servers import PackageIndex

if TYPE_CHECKING:
    from ci_gates.release.rehearsal import Rehearsal

PIP_QUIET = ("--quiet", "--no-cache-dir", "--disable-pip-version-check")
# Where pip looks besides --index-url: never during an install that must prove the local index.
PIP_ELSEWHERE = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX")


def _venv(r: Rehearsal, name: str) -> str:
    """A fresh venv under the rehearsal's temp dir; its python."""
    venv = os.path.join(r.tmp, name)
    r.py("-m", "venv", venv)
    return os.path.join(venv, "bin", "python")


def _pip_install(r: Rehearsal, python: str, index: PackageIndex, requirement: str) -> None:
    """``pip install requirement`` from the local index and nowhere else."""
    env = {k: v for k, v in r.env.items() if k not in PIP_ELSEWHERE}
    cmd = [python, "-m", "pip", "install", *PIP_QUIET, "--index-url", index.index_url]
    r.run([*cmd, requirement], env=env, cwd=r.tmp)


def verify_install(r: Rehearsal, index: PackageIndex) -> str:
    """pip installs the release from the local index; the native module and CLI answer."""
    from ci_gates.core.project import names

    n = names(r.clone)
    version = r.plan[n.dist]["version"]
    python = _venv(r, "venv")
    _pip_install(r, python, index, f"{n.dist}=={version}")
    code = f"import {n.extension}, {n.package} as m; print(m.__version__)"
    got = r.run([python, "-c", code], cwd=r.tmp).stdout.strip()
    if got != version:
        raise ReleaseError(
            f"{n.package}.__version__ is {got!r} after installing {version} from the index"
        )
    result = (
        f"{n.dist}=={version} from {index.index_url}: import {n.extension} ok, __version__ {got}"
    )
    if n.cli and n.cli_crate:
        cli = os.path.join(os.path.dirname(python), n.cli)
        with open(cli, "rb") as f:
            if f.read(4) != b"\x7fELF":
                raise ReleaseError(f"{cli}: not the native executable (a launcher script?)")
        want = f"{n.cli} {r.plan.get(n.cli_crate.name, {}).get('version') or n.cli_crate.version}"
        out = r.run([cli, "--version"], cwd=r.tmp).stdout.strip()
        if out != want:
            raise ReleaseError(f"{cli} --version printed {out!r}, expected {want!r}")
        result += f"; native {out}"
    return result


def _requires(wheel: str) -> list[str]:
    """The wheel's ``Requires-Dist`` (its dependencies, with their markers)."""
    import zipfile
    from email.parser import HeaderParser

    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        headers = HeaderParser().parsestr(zf.read(meta).decode("utf-8"))
    return [str(v) for v in headers.get_all("Requires-Dist") or []]


def _scripts(wheel: str) -> list[str]:
    """The console scripts ``entry_points.txt`` of the wheel declares."""
    import configparser
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        if not names:
            return []
        parser = configparser.ConfigParser(delimiters=("=",))
        parser.read_string(zf.read(names[0]).decode("utf-8"))
    return list(parser["console_scripts"]) if parser.has_section("console_scripts") else []


def verify_python(r: Rehearsal, index: PackageIndex, name: str, wheel: str) -> str:
    """``pip install <name>==<version>`` of a python package from the local index alone.

    Its dependencies are not the release's: they are mirrored into the index first (``pip
    download`` from wherever pip is configured to look, into the served directory), so the
    install itself reads nothing but the local index. Then each console script answers
    ``--help``, and ``--version``, where it has one, names the released version.
    """
    version = r.plan[name]["version"]
    python = _venv(r, f"venv-{name}")
    requires = _requires(wheel)
    if requires:
        download = [python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
        r.run([*download, "--dest", index.packages, *requires], cwd=r.tmp)
    _pip_install(r, python, index, f"{name}=={version}")
    r.run([python, "-m", "pip", "check"], cwd=r.tmp)
    result = f"{name}=={version} from {index.index_url} ({len(requires)} dependencies mirrored)"
    for script in _scripts(wheel):
        path = os.path.join(os.path.dirname(python), script)
        usage = r.run([path, "--help"], cwd=r.tmp).stdout.strip().splitlines()
        result += f"; {script} --help: {usage[0] if usage else 'no output'!r}"
        shown = r.run([path, "--version"], cwd=r.tmp, check=False)
        out = shown.stdout.strip()
        if shown.returncode == 0 and version not in out.split():
            raise ReleaseError(f"{path} --version printed {out!r}, expected version {version}")
        result += f", --version: {out!r}" if shown.returncode == 0 else ", no --version"
    return result


def consumer(r: Rehearsal) -> str:
    """A new Cargo project depending on the core crate from the local registry builds and runs."""
    core = core_crate(r.clone)
    version = r.plan[core.name]["version"]
    path = os.path.join(r.tmp, "consumer")
    os.makedirs(os.path.join(path, "src"))
    lib = core.lib or core.name.replace("-", "_")
    with open(os.path.join(r.clone, core.path, "src", "lib.rs"), encoding="utf-8") as f:
        counts = (
            "pub fn count_bytes(" in f.read()
        )  # the template's domain; else linking is the proof
    body = (
        f'    println!("{{:?}}", {lib}::count_bytes(b"one two\\nthree\\n"));'
        if counts
        else f'    println!("linked {{}}", std::any::type_name::<fn()>()); use {lib} as _;'
    )
    with open(os.path.join(path, "Cargo.toml"), "w", encoding="utf-8") as f:
        f.write(
            f'[package]\nname = "rehearsal-consumer"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
            f'[dependencies]\n{core.name} = {{ version = "={version}", registry = "{REGISTRY}" }}\n\n[workspace]\n'
        )
    with open(os.path.join(path, "src", "main.rs"), "w", encoding="utf-8") as f:
        f.write(f"fn main() {{\n{body}\n}}\n")
    env = {**r.pub_env, "CARGO_TARGET_DIR": os.path.join(path, "target")}
    out = r.run(["cargo", "run", "--quiet"], env=env, cwd=path).stdout.strip().splitlines()
    if counts and "lines: 2" not in (out[-1] if out else ""):
        raise ReleaseError(f"the consumer printed {out[-1:]!r}, expected the core crate's count")
    return f"{core.name} ={version} from the local registry: cargo run printed {out[-1] if out else ''}"
