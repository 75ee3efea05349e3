"""``nox -s release_rehearsal``: the whole release on this machine, against real servers.

In a throwaway clone of HEAD (a temp dir; uncommitted changes are not in it): a commit that
plans this machine's target only, a ``feat`` commit on the core crate, ``plan``, ``bump``,
the build with the ``build``, ``wheel`` and ``native_import`` gates, ``stage``. Then, with
pypiserver (htpasswd upload auth) and cargo-http-registry on free loopback ports:

1. ``publish crates`` (what the release workflow's crates job does);
2. **fault**: the package index is stopped and ``publish`` must fail with one line naming
   the index and what is left; the index is restarted and ``publish`` uploads only the sdist
   and the wheel (the crates are "already published");
3. ``pip install --index-url <local>`` into a fresh venv: the module imports, ``__version__``
   and the native CLI from the venv's ``bin/`` report the released versions;
4. a throwaway Cargo project depending on the core crate from the local registry builds, runs;
5. **re-run** ``publish``: everything "already published", nothing uploaded.

A one-screen summary follows. Servers run in their own process groups and are stopped on any
exit (error, Ctrl-C, SIGTERM); ``--keep`` keeps the temp dir for a post-mortem.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, NamedTuple

from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release.servers import CrateRegistry, PackageIndex, free_port, install_crate_registry

REGISTRY = "rehearsal"  # the cargo registry name the clone publishes to
CARGO_CACHE = "target/ci-gates/rehearsal/cargo-target"
COMPAT = "manylinux2014"
_OUTCOME = re.compile(r"^(\S+) (\S+): (\S+) (published|already published) \((.*), [\d.]+ s\)$")


class Step(NamedTuple):
    name: str
    seconds: float
    result: str


class Rehearsal:
    def __init__(self, root: str, tmp: str) -> None:
        self.root, self.tmp = root, tmp
        self.clone = os.path.join(tmp, "clone")
        self.steps: list[Step] = []
        self.env = dict(os.environ)
        self.env.pop("GITHUB_ACTIONS", None)  # never the CI paths (trusted publishing) here
        self.env["CARGO_TARGET_DIR"] = os.path.join(root, CARGO_CACHE)
        # Ports fixed up front: the clone's manifests name the registry from the first build on.
        self.index = PackageIndex(os.path.join(tmp, "pypiserver"), free_port())
        self.crates_port = free_port()
        self.env["CARGO_HOME"] = self.cargo_home()
        self.env.update(
            CrateRegistry(os.path.join(tmp, "crates"), "", self.crates_port).cargo_env(REGISTRY)
        )

    def step(self, name: str, fn: Callable[[], str]) -> str:
        print(f"\n== rehearsal: {name}", flush=True)
        started = time.monotonic()
        try:
            result = fn()
        except ReleaseError as exc:
            self.steps.append(Step(name, time.monotonic() - started, f"FAILED: {exc}"))
            raise
        self.steps.append(Step(name, time.monotonic() - started, result))
        return result

    def run(
        self,
        cmd: list[str],
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        """Run in the clone, output streamed and kept; a failure raises naming the command."""
        proc = subprocess.Popen(
            cmd,
            cwd=cwd or self.clone,
            env=env or self.env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            sys.stdout.write(line)
            lines.append(line)
        sys.stdout.flush()
        done = subprocess.CompletedProcess(cmd, proc.wait(), "".join(lines), "")
        if check and done.returncode != 0:
            last = [ln.strip() for ln in lines if ln.strip()]
            raise ReleaseError(
                f"`{' '.join(cmd[:5])}` failed: {last[-1] if last else done.returncode}"
            )
        return done

    def py(
        self, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        return self.run([sys.executable, *args], env=env, check=check)

    # --- the clone and the release commit ------------------------------------------------------

    def prepare(self) -> str:
        from ci_gates.checks.versioning import history

        history.git(self.root, "clone", "--quiet", "--no-local", self.root, self.clone)
        for key, value in (
            ("user.name", "Release Rehearsal"),
            ("user.email", "rehearsal@example.invalid"),
        ):
            history.git(self.clone, "config", key, value)
        host = re.search(r"^host: (\S+)$", self.run(["rustc", "-vV"]).stdout, re.M)
        if host is None:
            raise ReleaseError("rustc -vV: no host triple")
        self.manylinux = self._zig_build() and "linux-gnu" in host.group(1)
        self._plan_host_only(host.group(1), COMPAT if self.manylinux else "")
        self._point_at_registry()
        history.git(
            self.clone,
            "commit",
            "-qam",
            "ci(release): rehearse with this machine's target and registries",
        )
        core = self.core_crate()
        lib = os.path.join(self.clone, core.path, "src", "lib.rs")
        with open(lib, "a", encoding="utf-8") as f:
            f.write("\n// Release rehearsal: a change to the core crate.\n")
        history.git(
            self.clone, "commit", "-qam", f"feat({core.name}): a change to rehearse the release"
        )
        build = (
            f"manylinux ({COMPAT}, zig)"
            if self.manylinux
            else "native (no zig build here: linux_* wheel)"
        )
        self.build_kind = build
        return f"HEAD {(history.rev(self.clone, 'HEAD') or '')[:10]}, target {host.group(1)}, build {build}"

    def _zig_build(self) -> bool:
        """Does this checkout's build gate take a compatibility setting (the zig build)?"""
        with open(os.path.join(self.clone, "ci", "gates", "build.py"), encoding="utf-8") as f:
            return "CI_GATES_BUILD_COMPATIBILITY" in f.read()

    def _plan_host_only(self, host: str, libc: str) -> None:
        import tomlkit

        path = os.path.join(self.clone, "pyproject.toml")
        with open(path, encoding="utf-8") as f:
            doc = tomlkit.parse(f.read())
        for pkg in doc["tool"]["ci-gates"]["release"]["packages"]:
            if pkg["kind"] == "pypi":
                targets = tomlkit.array()
                targets.append(tomlkit.inline_table())
                targets[0].update({"target": host, "runner": "local", "libc": libc})
                pkg["targets"] = targets
        with open(path, "w", encoding="utf-8") as f:
            f.write(tomlkit.dumps(doc))

    def _point_at_registry(self) -> None:
        """Path dependencies on released crates name the local registry: a published crate's
        path dependency becomes a registry dependency, resolved on crates.io unless named."""
        import tomlkit

        from ci_gates.checks.versioning.config import load
        from ci_gates.core.project import names

        released = {p.name for p in load(self.clone) if p.kind == "crates"}
        manifests = [
            "Cargo.toml",
            *(f"{c.path}/Cargo.toml" for c in names(self.clone).crates if c.path),
        ]
        for rel in manifests:
            path = os.path.join(self.clone, rel)
            with open(path, encoding="utf-8") as f:
                doc = tomlkit.parse(f.read())
            tables = [doc.get("workspace", {}).get("dependencies", {})]
            tables += [
                doc.get(k, {}) for k in ("dependencies", "dev-dependencies", "build-dependencies")
            ]
            for table in tables:
                for name, spec in table.items():
                    if name in released and hasattr(spec, "get") and spec.get("path"):
                        spec["registry"] = REGISTRY
            with open(path, "w", encoding="utf-8") as f:
                f.write(tomlkit.dumps(doc))

    def core_crate(self) -> Any:
        from ci_gates.checks.versioning.config import load
        from ci_gates.core.project import names

        crates = [p for p in load(self.clone) if p.kind == "crates" and not p.depends_on]
        if not crates:
            raise ReleaseError(
                "no released crate without dependencies: nothing to rehearse a consumer of"
            )
        return names(self.clone).crate(crates[0].name)

    def plan_and_bump(self) -> str:
        out = self.py("-m", "ci_gates.release", "plan", "--json").stdout
        plan = json.loads(out[out.index("{") : out.rindex("}") + 1])  # stderr is interleaved
        self.plan = {p["name"]: p for p in plan["packages"]}
        self.py("-m", "ci_gates.release", "bump")
        return ", ".join(
            f"{p['name']} {p['previous'] or '-'} -> {p['version']}" for p in plan["packages"]
        )

    def build(self) -> str:
        env = dict(self.env)
        if self.manylinux:
            env["CI_GATES_BUILD_COMPATIBILITY"] = COMPAT
        self.py("-m", "ci_gates.gates", "build", "wheel", "native_import", env=env)
        staged = self.py("-m", "ci_gates.release", "stage").stdout
        wheels = re.findall(r"\S+\.whl", staged)
        result = f"{self.build_kind}: {', '.join(os.path.basename(w) for w in wheels)}"
        if self.manylinux:  # both ELF files (extension and CLI) within the manylinux2014 policy
            shown = self.run(["auditwheel", "show", os.path.join(self.clone, wheels[0])]).stdout
            m = re.search(r'"manylinux_(\d+)_(\d+)_\w+"', shown)
            if m is None or (int(m.group(1)), int(m.group(2))) > (2, 17):
                raise ReleaseError(
                    f"auditwheel show does not place {wheels[0]} within manylinux_2_17: {m.group(0) if m else 'no tag'}"
                )
            result += f"; auditwheel show: {m.group(0)}"
        return result

    # --- publishing ----------------------------------------------------------------------------

    def publish_env(self, index: PackageIndex, crates: CrateRegistry) -> None:
        self.pub_env = {
            **self.env,
            "UV_PUBLISH_USERNAME": index.user,
            "UV_PUBLISH_PASSWORD": index.password,
        }
        self.pub_args = [
            "--tagged",
            "--crate-registry",
            REGISTRY,
            "--crates-index",
            crates.sparse_base,
            "--index-url",
            index.index_url,
            "--upload-url",
            index.upload_url,
        ]

    def cargo_home(self) -> str:
        """A CARGO_HOME of its own (the local registry's index clone lives there), sharing
        crates.io's downloads with the user's so nothing is fetched twice."""
        real = os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")
        home = os.path.join(self.tmp, "cargo-home")
        for sub in ("index", "cache", "src"):
            os.makedirs(os.path.join(home, "registry", sub), exist_ok=True)
            with contextlib.suppress(FileNotFoundError):
                for d in os.listdir(os.path.join(real, "registry", sub)):
                    link = os.path.join(home, "registry", sub, d)
                    if d.startswith("index.crates.io-") and not os.path.lexists(link):
                        os.symlink(os.path.join(real, "registry", sub, d), link)
        return home

    def publish(
        self, *scope: str, expect_failure: bool = False
    ) -> tuple[list[tuple[str, ...]], str]:
        """``(outcomes, the error line)`` of one ``python -m ci_gates.release publish`` run."""
        cmd = ["-m", "ci_gates.release", "publish", *scope, *self.pub_args]
        proc = self.py(*cmd, env=self.pub_env, check=not expect_failure)
        outcomes = [m.groups() for m in map(_OUTCOME.match, proc.stdout.splitlines()) if m]
        error = next(
            (ln for ln in proc.stdout.splitlines() if ln.startswith("release publish:")), ""
        )
        if expect_failure and proc.returncode == 0:
            raise ReleaseError("publish succeeded with the package index down; it must fail")
        return outcomes, error


def _published(outcomes: list[tuple[str, ...]]) -> list[str]:
    return [f"{o[0]} {o[1]} {o[2]}" for o in outcomes if o[3] == "published"]


def verify_install(r: Rehearsal, index: PackageIndex) -> str:
    """pip installs the release from the local index; the native module and CLI answer."""
    from ci_gates.core.project import names

    n = names(r.clone)
    version = r.plan[n.dist]["version"]
    venv = os.path.join(r.tmp, "venv")
    r.py("-m", "venv", venv)
    r.run(
        [
            os.path.join(venv, "bin", "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            index.index_url,
            f"{n.dist}=={version}",
        ]
    )
    code = f"import {n.extension}, {n.package} as m; print(m.__version__)"
    got = r.run([os.path.join(venv, "bin", "python"), "-c", code], cwd=r.tmp).stdout.strip()
    if got != version:
        raise ReleaseError(
            f"{n.package}.__version__ is {got!r} after installing {version} from the index"
        )
    result = (
        f"{n.dist}=={version} from {index.index_url}: import {n.extension} ok, __version__ {got}"
    )
    if n.cli and n.cli_crate:
        cli = os.path.join(venv, "bin", n.cli)
        with open(cli, "rb") as f:
            if f.read(4) != b"\x7fELF":
                raise ReleaseError(f"{cli}: not the native executable (a launcher script?)")
        want = f"{n.cli} {r.plan.get(n.cli_crate.name, {}).get('version') or n.cli_crate.version}"
        out = r.run([cli, "--version"], cwd=r.tmp).stdout.strip()
        if out != want:
            raise ReleaseError(f"{cli} --version printed {out!r}, expected {want!r}")
        result += f"; native {out}"
    return result


def consumer(r: Rehearsal) -> str:
    """A new Cargo project depending on the core crate from the local registry builds and runs."""
    core = r.core_crate()
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


def rehearse(root: str, tmp: str, cache: str) -> list[Step]:
    r = Rehearsal(root, tmp)
    binary = {}

    def install() -> str:
        binary["path"], seconds = install_crate_registry(cache)
        return f"installed in {seconds:.0f} s" if seconds else f"reused {binary['path']}"

    try:
        r.step("cargo-http-registry", install)
        r.step("clone, commits", r.prepare)
        r.step("plan + bump", r.plan_and_bump)
        r.step("build + gates + stage", r.build)
        crates = CrateRegistry(os.path.join(tmp, "crates"), binary["path"], r.crates_port)
        with r.index as index, crates:
            r.publish_env(index, crates)
            r.steps.append(
                Step("servers", 0.0, f"pypiserver {index.url}, cargo-http-registry {crates.url}")
            )

            def crates_first() -> str:
                done = _published(r.publish("crates")[0])
                return f"uploaded {', '.join(done)} to {crates.git_index}"

            def fault() -> str:
                index.stop()
                outcomes, error = r.publish(expect_failure=True)
                if (
                    _published(outcomes)
                    or "cannot reach the package index" not in error
                    or "left:" not in error
                ):
                    raise ReleaseError(
                        f"with the index down, publish said {error!r}, uploaded {_published(outcomes)}"
                    )
                return error

            def resume() -> str:
                index.start()
                outcomes = r.publish()[0]
                done = _published(outcomes)
                if not done or any("crate" in d for d in done) or len(done) != 2:
                    raise ReleaseError(
                        f"after the restart publish uploaded {done}; expected only the sdist and the wheel"
                    )
                return f"uploaded {', '.join(d.split()[-1] for d in done)} to {index.upload_url}; crates already published"

            def rerun() -> str:
                outcomes = r.publish()[0]
                if _published(outcomes) or not outcomes:
                    raise ReleaseError(
                        f"the re-run uploaded {_published(outcomes)}; it must upload nothing"
                    )
                return f"nothing uploaded: {len(outcomes)} items already published"

            r.step("publish crates", crates_first)
            r.step("fault: index down, publish", fault)
            r.step("index back, publish", resume)
            r.step("pip install + native checks", lambda: verify_install(r, index))
            r.step("cargo consumer", lambda: consumer(r))
            r.step("re-run publish", rerun)
    finally:
        summary(r.steps)
    return r.steps


def summary(steps: list[Step]) -> None:
    print("\n== release rehearsal: summary")
    width = max((len(s.name) for s in steps), default=4)
    for s in steps:
        print(f"  {s.name.ljust(width)}  {s.seconds:6.1f} s  {s.result}")
    print(f"  {'total'.ljust(width)}  {sum(s.seconds for s in steps):6.1f} s")


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so every `with` and `finally` stops its server


def main(argv: list[str] | None = None) -> int:
    from ci_gates.core.context import project_root

    parser = argparse.ArgumentParser(
        prog="python -m ci_gates.release.rehearsal", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temp dir (clone, servers' state)"
    )
    parser.add_argument(
        "--tools", help="where cargo-http-registry is installed (default: ~/.cargo/ci-gates-tools)"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _sigterm)
    root = project_root()
    cache = args.tools or os.path.join(
        os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo"), "ci-gates-tools"
    )
    tmp = tempfile.mkdtemp(prefix="release-rehearsal-")
    try:
        rehearse(root, tmp, cache)
    except ReleaseError as exc:
        print(f"release rehearsal: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("release rehearsal: interrupted; servers stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("release rehearsal: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
