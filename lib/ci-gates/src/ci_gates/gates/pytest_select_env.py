"""What the pytest gate's selection data is recorded against, and the recorder in the venv.

The data holds for one *environment* (:func:`environment_key`: the suite venv's interpreter and
distributions, the wheel, the gates environment, the recorder) and is compared file by file
with a *fingerprint* (:func:`fingerprint`: every file git sees, and the installed copies of the
distributions installed from a local directory, which a rebuild replaces). The recorder
(:mod:`ci_gates.gates.pytest_recorder`, and its pytest plugin :mod:`ci_gates.gates.
pytest_recorder_plugin`) is copied into the venv as two modules with a ``.pth`` line, so the
Python processes a test starts record too.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess

from ci_gates.gates.pytest_deps import Data

MODULE = "ci_gates_select_recorder"
PLUGIN = "ci_gates_select_plugin"  # loaded with ``-p``
PTH = "ci_gates_select.pth"


def site_packages(venv: str) -> str:
    found = sorted(glob.glob(os.path.join(venv, "lib", "python*", "site-packages")))
    found += [os.path.join(venv, "Lib", "site-packages")]
    return next((p for p in found if os.path.isdir(p)), "")


def tracked_packages(site: str) -> list[str]:
    """Top-level names of the distributions installed from a local directory (not editable):
    their installed copy is compared file by file; every other one is in the key by version."""
    names: set[str] = set()
    for info in glob.glob(os.path.join(site, "*.dist-info")):
        try:
            with open(os.path.join(info, "direct_url.json"), encoding="utf-8") as f:
                direct = json.load(f)
            with open(os.path.join(info, "RECORD"), encoding="utf-8") as f:
                record = f.read().splitlines()
        except (OSError, ValueError):
            continue
        if "dir_info" not in direct or direct["dir_info"].get("editable"):
            continue
        for line in record:
            top = line.split(",", 1)[0].split("/", 1)[0]
            if top and not top.endswith((".dist-info", ".pth", ".data")) and top != "..":
                names.add(top[:-3] if top.endswith(".py") else top)
    return sorted(names)


def _sha(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def fingerprint(root: str, site: str, packages: list[str]) -> dict[str, str]:
    """Content hashes of every file git sees (tracked, or untracked and not ignored) and of
    the installed copies of ``packages`` (``site:``-prefixed)."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=root, capture_output=True
    ).stdout.decode("utf-8", "surrogateescape")
    files: dict[str, str] = {}
    for rel in filter(None, out.split("\0")):
        try:
            files[rel] = _sha(os.path.join(root, rel))
        except OSError:
            continue  # deleted, still in the index
    for top in packages:
        base = os.path.join(site, top)
        paths = [base + ".py"] if os.path.isfile(base + ".py") else []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            paths += [os.path.join(dirpath, n) for n in filenames if not n.endswith(".pyc")]
        for path in paths:
            files["site:" + os.path.relpath(path, site).replace(os.sep, "/")] = _sha(path)
    return files


def environment_key(venv: str, site: str) -> str:
    """The interpreter and distributions of the suite's venv and of the gates environment, the
    wheel, and the recorder: what the data holds only for."""
    from importlib import metadata

    h = hashlib.sha256()
    for name in ("pyvenv.cfg", ".ci-gates-wheel.json"):
        try:
            with open(os.path.join(venv, name), encoding="utf-8") as f:
                text = f.read()
        except OSError:
            text = ""
        if name.endswith(".json") and text:  # the wheel and what came with it, not the stamp
            text = json.dumps({k: v for k, v in json.loads(text).items() if k != "stamp"})
        h.update(f"{name}\0{text}\0".encode())
    for info in sorted(os.path.basename(p) for p in glob.glob(os.path.join(site, "*.dist-info"))):
        h.update(f"suite {info}\0".encode())
    here = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    h.update("\0".join(here).encode())
    for source in _recorder_sources().values():
        h.update(_sha(source).encode())
    h.update(str(Data.FORMAT).encode())
    return h.hexdigest()[:16]


def _recorder_sources() -> dict[str, str]:
    """Module name in the venv -> the library's file it is copied from."""
    from ci_gates.gates import pytest_recorder, pytest_recorder_plugin

    return {MODULE: pytest_recorder.__file__, PLUGIN: pytest_recorder_plugin.__file__}


def install_recorder(site: str) -> None:
    """The recorder and its plugin as modules of the venv, and the ``.pth`` line that starts
    the recorder in a child."""
    files = []
    for module, source in _recorder_sources().items():
        with open(source, encoding="utf-8") as f:
            files.append((f"{module}.py", f.read()))
    line = f'import os; os.environ.get("CI_GATES_SELECT_KEY") and __import__("{MODULE}").child()\n'
    for name, text in (*files, (PTH, line)):
        path = os.path.join(site, name)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
