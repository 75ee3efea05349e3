"""Registry look-ups against real servers on 127.0.0.1: pypiserver and cargo-http-registry.

Present, absent, and down (a clear error naming the registry, never "absent"), plus a server
that answers garbage. The servers are the rehearsal's (ci/release/servers.py); the crate
registry is installed once with `cargo install --locked` (minutes the first time, then reused).
"""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ci_gates.release import registries
from ci_gates.release.registries import RegistryError, crate_versions, index_files

pytest.importorskip(
    "pypiserver", reason="pypiserver (ci_gates.core.pins REHEARSAL_TOOLS) not installed"
)
pytest.importorskip("passlib", reason="passlib (ci_gates.core.pins REHEARSAL_TOOLS) not installed")

from ci_gates.release.servers import CrateRegistry, PackageIndex, free_port, install_crate_registry

TOOLS = os.path.join(
    os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo"), "ci-gates-tools"
)


def _wheel(directory: Path, name: str, version: str) -> Path:
    path = directory / f"{name}-{version}-py3-none-any.whl"
    dist_info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            f"{dist_info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
        zf.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        zf.writestr(f"{dist_info}/RECORD", "")
    return path


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PackageIndex]:
    with PackageIndex(str(tmp_path_factory.mktemp("pypiserver"))) as server:
        yield server


@pytest.fixture(scope="module")
def crates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrateRegistry]:
    binary, _ = install_crate_registry(TOOLS)
    with CrateRegistry(str(tmp_path_factory.mktemp("crates")), binary) as server:
        yield server


def _upload(index: PackageIndex, path: Path, password: str) -> subprocess.CompletedProcess[str]:
    uv = shutil.which("uv") or os.path.join(os.path.dirname(sys.executable), "uv")
    env = {**os.environ, "UV_PUBLISH_USERNAME": index.user, "UV_PUBLISH_PASSWORD": password}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.run(
        [uv, "publish", "--no-progress", "--publish-url", index.upload_url, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_package_index_absent_then_present(index: PackageIndex, tmp_path: Path) -> None:
    assert index_files(index.index_url, "demo-pkg") == set()
    wheel = _wheel(tmp_path, "demo_pkg", "1.2.3")
    refused = _upload(index, wheel, "wrong-password")
    assert refused.returncode != 0, "pypiserver must refuse an upload without the htpasswd password"
    assert index_files(index.index_url, "demo-pkg") == set()
    done = _upload(index, wheel, index.password)
    assert done.returncode == 0, done.stdout + done.stderr
    assert index_files(index.index_url, "Demo_Pkg") == {wheel.name}  # PEP 503 normalised
    assert index_files(index.index_url, "other") == set()


def test_crate_registry_absent_then_present(crates: CrateRegistry, tmp_path: Path) -> None:
    assert crate_versions(crates.sparse_base, "demo-crate") == set()
    project = tmp_path / "demo-crate"
    (project / "src").mkdir(parents=True)
    (project / "src" / "lib.rs").write_text("pub fn f() {}\n")
    (project / "Cargo.toml").write_text(
        '[package]\nname = "demo-crate"\nversion = "0.3.1"\nedition = "2021"\n'
        'description = "d"\nlicense = "MIT"\n\n[workspace]\n'
    )
    env = {
        **os.environ,
        **crates.cargo_env("local"),
        "CARGO_HOME": str(tmp_path / "cargo-home"),
        "CARGO_TARGET_DIR": str(tmp_path / "target"),
    }
    proc = subprocess.run(
        ["cargo", "publish", "--registry", "local", "--allow-dirty", "--no-verify"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert crate_versions(crates.sparse_base, "demo-crate") == {"0.3.1"}
    assert crate_versions(crates.sparse_base, "demo-crat") == set()


@pytest.mark.parametrize("what", ["index", "crates"])
def test_server_down_is_an_error_not_absent(what: str, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"  # nothing listens there
    with pytest.raises(RegistryError) as err:
        if what == "index":
            index_files(url + "simple/", "demo")
        else:
            crate_versions(url + "crates/", "demo")
    name = "package index" if what == "index" else "crate registry"
    assert f"cannot reach the {name} at {url}" in str(err.value)


def test_stopped_server_is_an_error(tmp_path: Path) -> None:
    server = PackageIndex(str(tmp_path))
    server.start()
    url = server.index_url
    assert index_files(url, "demo") == set()
    server.stop()
    assert not server.running
    with pytest.raises(RegistryError, match="cannot reach the package index at http://127.0.0.1"):
        index_files(url, "demo")


class _Garbage(http.server.BaseHTTPRequestHandler):
    answers: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self) -> None:
        status, kind, body = self.answers.get(self.path, (500, "text/plain", b"boom"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def garbage() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Garbage)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "answer", "message"),
    [
        (
            "/simple/demo/",
            (200, registries.SIMPLE_JSON, b"{not json"),
            "answered garbage (PEP 691 JSON",
        ),
        (
            "/simple/demo/",
            (200, "text/html", b"<a href='/login'>log in</a>"),
            "links are not distribution files",
        ),
        ("/simple/demo/", (200, "application/octet-stream", b"x"), "not a simple index"),
        ("/simple/demo/", (503, "text/plain", b"down"), "HTTP 503"),
        ("/crates/de/mo/demo", (200, "text/plain", b"<html>"), "answered garbage"),
        (
            "/crates/de/mo/demo",
            (200, "text/plain", b'{"name":"other","vers":"1.0.0"}'),
            "names crate 'other'",
        ),
        (
            "/crates/de/mo/demo",
            (405, "text/plain", b"no"),
            "HTTP 405",
        ),  # 405 without a registry's config.json
    ],
)
def test_garbage_is_an_error(
    garbage: str, path: str, answer: tuple[int, str, bytes], message: str
) -> None:
    _Garbage.answers = {path: answer}
    with pytest.raises(RegistryError, match=message.replace("(", r"\(")):
        if path.startswith("/simple/"):
            index_files(garbage + "/simple/", "demo")
        else:
            crate_versions(garbage + "/crates/", "demo")


def test_pep691_json_and_crate_lines(garbage: str) -> None:
    files = b'{"meta": {"api-version": "1.0"}, "name": "demo", "files": [{"filename": "demo-1.0.tar.gz"}]}'
    lines = b'{"name":"Demo","vers":"1.0.0"}\n{"name":"demo","vers":"1.1.0","yanked":true}\n'
    _Garbage.answers = {
        "/simple/demo/": (200, registries.SIMPLE_JSON, files),
        "/crates/de/mo/demo": (200, "text/plain", lines),
    }
    assert index_files(garbage + "/simple", "demo") == {"demo-1.0.tar.gz"}
    assert crate_versions(garbage + "/crates", "demo") == {"1.0.0", "1.1.0"}


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a", "1/a"),
        ("ab", "2/ab"),
        ("abc", "3/a/abc"),
        ("Demo-Crate", "de/mo/demo-crate"),
    ],
)
def test_crate_index_path(name: str, path: str) -> None:
    assert registries.crate_index_path(name) == path


def test_not_http_is_an_error() -> None:
    with pytest.raises(RegistryError, match="is not http"):
        index_files("file:///tmp/simple/", "demo")


def _gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_keyboard_interrupt_stops_the_server(tmp_path: Path) -> None:
    server = PackageIndex(str(tmp_path))
    with pytest.raises(KeyboardInterrupt), server:
        assert server.proc is not None
        pid = server.proc.pid
        raise KeyboardInterrupt
    assert _gone(pid)


SCRIPT = """
import signal, sys, time
from ci_gates.release.rehearsal import _sigterm
from ci_gates.release.servers import PackageIndex
signal.signal(signal.SIGTERM, _sigterm)
try:
    with PackageIndex(sys.argv[1]) as server:
        print(server.proc.pid, flush=True)
        time.sleep(60)
except KeyboardInterrupt:
    sys.exit(130)
"""


def test_sigterm_stops_the_server(tmp_path: Path) -> None:
    """What nox or CI does to a session it ends: the rehearsal's servers go with it."""
    owner = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert owner.stdout is not None
    pid = int(owner.stdout.readline())
    assert not _gone(pid)
    owner.terminate()
    assert owner.wait(timeout=20) == 130
    owner.stdout.close()
    assert _gone(pid)
