"""Real registry servers on 127.0.0.1 for the rehearsal and the tests: started, then stopped.

- :class:`PackageIndex`: pypiserver (the PyPI package) serving ``<state>/packages``, uploads
  behind htpasswd authentication (the file written with passlib), no fallback to pypi.org.
  The simple index is ``<url>/simple/``, uploads go to ``<url>/``.
- :class:`CrateRegistry`: cargo-http-registry serving a git index at ``<url>/git`` (cargo reads
  it with ``net.git-fetch-with-cli``), publishing at ``<url>/api/v1/crates/new`` (any token),
  and the index's work tree, in the sparse layout, at ``<url>/crates/`` (what the look-ups read).

Each runs in its own process group on a port found free just before, is ready when it
answers HTTP, and is stopped (the whole group, SIGTERM then SIGKILL) by :meth:`stop`, which
the ``with`` block calls on any exit: an exception, Ctrl-C, or SIGTERM turned into one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from types import TracebackType
from typing import TypeVar

from ci_gates.checks.versioning.errors import ReleaseError

CHR_VERSION = "0.1.8"
READY_SECONDS = 30.0
S = TypeVar("S", bound="Server")


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A child process serving HTTP on 127.0.0.1:<port>; restartable on the same port."""

    name = "server"
    probe = "/"

    def __init__(self, state: str, port: int | None = None) -> None:
        self.state = state
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = os.path.join(state, f"{self.name}.log")
        os.makedirs(state, exist_ok=True)

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self: S) -> S:
        if self.proc is not None and self.proc.poll() is None:
            return self
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: stop() ends all of it
            )
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ReleaseError(
                    f"{self.name} exited at start (status {self.proc.returncode}); see {self.log}"
                )
            try:
                with urllib.request.urlopen(self.url + self.probe, timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ReleaseError(
            f"{self.name} did not answer on {self.url} within {READY_SECONDS:.0f} s; see {self.log}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class PackageIndex(Server):
    name = "pypiserver"
    probe = "/health"
    user = "rehearsal"

    def __init__(self, state: str, port: int | None = None) -> None:
        super().__init__(state, port)
        self.packages = os.path.join(state, "packages")
        self.htpasswd = os.path.join(state, "htpasswd")
        self.password = os.urandom(12).hex()
        os.makedirs(self.packages, exist_ok=True)
        from passlib.apache import HtpasswdFile  # type: ignore[import-untyped,unused-ignore]

        users = HtpasswdFile(self.htpasswd, new=True)
        users.set_password(self.user, self.password)
        users.save()

    @property
    def index_url(self) -> str:
        return self.url + "/simple/"

    @property
    def upload_url(self) -> str:
        return self.url + "/"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pypiserver",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--authenticate",
            "update",
            "--passwords",
            self.htpasswd,
            "--disable-fallback",
            "--log-file",
            self.log + ".app",
            self.packages,
        ]


class CrateRegistry(Server):
    name = "cargo-http-registry"
    probe = "/crates/config.json"

    def __init__(self, state: str, binary: str, port: int | None = None) -> None:
        super().__init__(state, port)
        self.binary = binary
        self.root = os.path.join(state, "index")

    @property
    def git_index(self) -> str:
        return self.url + "/git"

    @property
    def sparse_base(self) -> str:
        return self.url + "/crates/"

    def command(self) -> list[str]:
        return [self.binary, "--addr", f"127.0.0.1:{self.port}", self.root]

    def cargo_env(self, registry: str) -> dict[str, str]:
        """What cargo needs to publish to and read from this registry as ``registry``."""
        key = registry.upper().replace("-", "_")
        return {
            f"CARGO_REGISTRIES_{key}_INDEX": self.git_index,
            f"CARGO_REGISTRIES_{key}_TOKEN": "rehearsal",  # the server checks none; cargo wants one
            "CARGO_NET_GIT_FETCH_WITH_CLI": "true",
        }


def install_crate_registry(cache: str) -> tuple[str, float]:
    """cargo-http-registry, installed once under ``cache`` (``cargo install --locked``).

    ``(binary, seconds the install took)``; 0.0 when an earlier install was reused.
    """
    root = os.path.join(cache, f"cargo-http-registry-{CHR_VERSION}")
    binary = os.path.join(root, "bin", "cargo-http-registry")
    if os.access(binary, os.X_OK):
        return binary, 0.0
    started = time.monotonic()
    cmd = [
        "cargo",
        "install",
        "cargo-http-registry",
        "--locked",
        "--version",
        CHR_VERSION,
        "--root",
        root,
        "--quiet",
    ]
    print(
        f"rehearsal: installing cargo-http-registry {CHR_VERSION} (once): {' '.join(cmd)}",
        flush=True,
    )
    env = {k: v for k, v in os.environ.items() if k != "CARGO_TARGET_DIR"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0 or not os.access(binary, os.X_OK):
        why = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ReleaseError(f"cargo install cargo-http-registry {CHR_VERSION} failed: {why}")
    return binary, time.monotonic() - started
