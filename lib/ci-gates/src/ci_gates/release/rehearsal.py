"""``nox -s release_rehearsal``: the whole release on this machine, against real servers.

In a throwaway clone of HEAD (a temp dir; uncommitted changes are not in it): a commit that
plans this machine's target only, a ``feat`` commit on the core crate and a ``fix`` commit on
each python package (:mod:`ci_gates.release.rehearsal_clone`), ``plan``, ``bump``, the build
with the ``build``, ``wheel`` and ``native_import`` gates (in the clone's gates environment),
``stage``, and ``stage NAME`` for each python package (``uv build``, ``twine check
--strict``). Then, with pypiserver (htpasswd upload auth) and cargo-http-registry on free
loopback ports:

1. ``publish crates`` (what the release workflow's crates job does);
2. **fault**: the package index is stopped and ``publish`` must fail with one line naming
   the index and what is left; the index is restarted and ``publish pypi`` uploads only the
   sdist and the wheel (the crates are "already published"), ``publish python`` each python
   package's sdist and wheel (the workflow's pypi and python jobs);
3. ``pip install --index-url <local>`` into fresh venvs (:mod:`ci_gates.release.rehearsal_checks`):
   the module imports, ``__version__`` and the native CLI from the venv's ``bin/`` report
   the released versions; each python package installs from the local index alone and its
   console scripts answer;
4. a throwaway Cargo project depending on the core crate from the local registry builds, runs;
5. **re-run** ``publish``: everything "already published", nothing uploaded.

A one-screen summary follows. Servers run in their own process groups and are stopped on any
exit (error, Ctrl-C, SIGTERM); ``--keep`` keeps the temp dir for a post-mortem.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from functools import partial
from typing import Any, Callable, NamedTuple

from ci_gates.checks.versioning import history
from ci_gates.checks.versioning.errors import ReleaseError
from ci_gates.release import rehearsal_checks as checks
from ci_gates.release import rehearsal_clone as clone
from ci_gates.release.rehearsal_clone import REGISTRY
from ci_gates.release.servers import CrateRegistry, PackageIndex, free_port, install_crate_registry

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
        self.plan: dict[str, dict[str, Any]] = {}  # the plan JSON's packages by name
        self.python: dict[str, str] = {}  # python package -> its staged wheel
        self.env = dict(os.environ)
        self.env.pop("GITHUB_ACTIONS", None)  # never the CI paths (trusted publishing) here
        self.env["CARGO_TARGET_DIR"] = os.path.join(root, CARGO_CACHE)
        # Ports fixed up front: the clone's manifests name the registry from the first build on.
        self.index = PackageIndex(os.path.join(tmp, "pypiserver"), free_port())
        self.crates_port = free_port()
        self.env["CARGO_HOME"] = clone.cargo_home(tmp)
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

    # --- the clone, the release commit, the build ----------------------------------------------

    def prepare(self) -> str:
        history.git(self.root, "clone", "--quiet", "--no-local", self.root, self.clone)
        for key, value in (
            ("user.name", "Release Rehearsal"),
            ("user.email", "rehearsal@example.invalid"),
        ):
            history.git(self.clone, "config", key, value)
        host = re.search(r"^host: (\S+)$", self.run(["rustc", "-vV"]).stdout, re.M)
        if host is None:
            raise ReleaseError("rustc -vV: no host triple")
        # The library's build gate links a manylinux2014 wheel with zig (its compatibility setting).
        self.manylinux = "linux-gnu" in host.group(1)
        clone.plan_host_only(self.clone, host.group(1), COMPAT if self.manylinux else "")
        clone.point_at_registry(self.clone)
        message = "ci(release): rehearse with this machine's target and registries"
        history.git(self.clone, "commit", "-qam", message)
        changed = clone.change_packages(self.clone)
        self.build_kind = (
            f"manylinux ({COMPAT}, zig)"
            if self.manylinux
            else "native (not glibc Linux: a native wheel)"
        )
        head = (history.rev(self.clone, "HEAD") or "")[:10]
        return f"HEAD {head}, target {host.group(1)}, build {self.build_kind}; changed {', '.join(changed)}"

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
        # `ci-gates run`: the gates in the clone's own gates environment, as anywhere else
        self.py("-m", "ci_gates", "run", "build", "wheel", "native_import", env=env)
        staged = self.py("-m", "ci_gates.release", "stage").stdout
        wheels = re.findall(r"\S+\.whl", staged)
        result = f"{self.build_kind}: {', '.join(os.path.basename(w) for w in wheels)}"
        if self.manylinux:  # both ELF files (extension and CLI) within the manylinux2014 policy
            from ci_gates.core.env import env_dir
            from ci_gates.core.venvs import venv_scripts

            tools = venv_scripts(env_dir(self.clone))  # the gates environment's auditwheel
            wheel = os.path.join(self.clone, wheels[0])
            shown = self.run([os.path.join(tools, "auditwheel"), "show", wheel]).stdout
            m = re.search(r'"manylinux_(\d+)_(\d+)_\w+"', shown)
            if m is None or (int(m.group(1)), int(m.group(2))) > (2, 17):
                raise ReleaseError(
                    f"auditwheel show does not place {wheels[0]} within manylinux_2_17: {m.group(0) if m else 'no tag'}"
                )
            result += f"; auditwheel show: {m.group(0)}"
        return result

    def stage_python(self) -> str:
        """Each planned python package: built once (uv build), twine check --strict, staged."""
        names = [n for n, p in self.plan.items() if p["kind"] == "python"]
        if not names:
            return "no python package in the plan"
        staged = self.py("-m", "ci_gates.release", "stage", *names).stdout
        files = re.findall(r"^staged (\S+)", staged, re.M)
        for name in names:
            prefix = re.sub(r"[-_.]+", "_", name).lower() + "-"
            wheel = [
                f for f in files if f.endswith(".whl") and os.path.basename(f).startswith(prefix)
            ]
            if len(wheel) != 1:
                raise ReleaseError(f"stage {name} staged {files}; expected one wheel of {name}")
            self.python[name] = os.path.join(self.clone, wheel[0])
        shown = ", ".join(os.path.basename(f) for f in files)
        return f"{shown}: uv build (the wheel from the sdist), twine check --strict passed"

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
        r.step("python packages: build, twine, stage", r.stage_python)
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

            def resume(scope: str, names: list[str]) -> str:
                index.start()
                done = _published(r.publish(scope)[0])
                wrong = [d for d in done if d.split()[0] not in names or d.endswith(" crate")]
                if wrong or len(done) != 2 * len(names):
                    raise ReleaseError(
                        f"publish {scope} uploaded {done}; expected an sdist and a wheel of {', '.join(names)}"
                    )
                return f"uploaded {', '.join(d.split()[-1] for d in done)} to {index.upload_url}"

            def rerun() -> str:
                outcomes = r.publish()[0]
                if _published(outcomes) or not outcomes:
                    raise ReleaseError(
                        f"the re-run uploaded {_published(outcomes)}; it must upload nothing"
                    )
                return f"nothing uploaded: {len(outcomes)} items already published"

            dist = [n for n, p in r.plan.items() if p["kind"] == "pypi"]
            r.step("publish crates", crates_first)
            r.step("fault: index down, publish", fault)
            r.step("index back, publish pypi", lambda: resume("pypi", dist))
            if r.python:
                r.step("publish python", lambda: resume("python", list(r.python)))
            r.step("pip install + native checks", lambda: checks.verify_install(r, index))
            for name, wheel in r.python.items():
                r.step(f"pip install {name}", partial(checks.verify_python, r, index, name, wheel))
            r.step("cargo consumer", lambda: checks.consumer(r))
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
