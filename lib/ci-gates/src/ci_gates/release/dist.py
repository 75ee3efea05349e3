"""The release's Python artifacts: staged with their gate receipts, checked before any upload.

``python -m ci_gates.release stage`` (after ``nox -s build`` and ``nox -s wheel``) copies the build
manifest's wheel and sdist to :data:`STAGE_DIR`, each with ``<file>.receipt.json``: its
sha256, its version, and the verdicts of the gates that judged it (``build`` and ``wheel``
must have passed, after the build that made it). A pure-Python package is staged by
:mod:`ci_gates.release.purepy` into the same directory, its receipts naming its own checks
(:data:`PURE_GATES`). Staging one distribution replaces only that distribution's files. A
release workflow's build jobs upload that directory; the publish job downloads every job's
files into one directory.

:func:`check` is what ``publish`` runs before uploading anything: for each planned pypi
package, one sdist and one wheel per planned target (for a python package, one pure wheel),
each with a receipt that matches it, and the version in the file name and in the metadata
(``PKG-INFO`` / ``METADATA``) equal to the plan's (which is the manifest's and the tag's).
Any mismatch raises one line.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tarfile
import zipfile
from email.parser import HeaderParser
from typing import Any, NamedTuple

from ci_gates.checks.versioning.errors import ReleaseError

STAGE_DIR = "target/ci-gates/release/dist"
RESULTS_DIR = "target/ci-gates/results"
RECEIPT = ".receipt.json"
REQUIRED_GATES = ("build", "wheel")
# A python package's receipt: its PEP 517 build (sdist, then the wheel from it) and twine.
PURE_GATES = ("build", "twine")
RECORDED_GATES = ("build", "wheel", "native_import")
_ARCH = {
    "x86_64": {"linux": "x86_64", "macos": "x86_64", "windows": "amd64"},
    "aarch64": {"linux": "aarch64", "macos": "arm64", "windows": "arm64"},
    "i686": {"linux": "i686", "windows": "win32"},
    "armv7": {"linux": "armv7l"},
    "powerpc64le": {"linux": "ppc64le"},
    "s390x": {"linux": "s390x"},
}
_FLOOR = re.compile(r"^(manylinux|musllinux)_(\d+)_(\d+)$")
_LEGACY = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}


class Artifact(NamedTuple):
    path: str
    kind: str  # wheel | sdist
    target: str  # the planned target a wheel serves; "" for the sdist
    sha256: str


def _floor(libc: str) -> tuple[str, tuple[int, int]] | None:
    if libc in _LEGACY:
        return "manylinux", _LEGACY[libc]
    m = _FLOOR.match(libc)
    return (m.group(1), (int(m.group(2)), int(m.group(3)))) if m else None


def platform_matches(platform: str, target: str, libc: str) -> bool:
    """Does a wheel platform tag (``manylinux_2_17_x86_64``) serve ``target`` at ``libc``?"""
    arch = target.split("-")[0]
    system = "windows" if "windows" in target else "macos" if "darwin" in target else "linux"
    want = _ARCH.get(arch, {}).get(system, arch)
    if system == "windows":
        return platform == ("win32" if want == "win32" else f"win_{want}")
    if system == "macos":
        return platform.startswith("macosx_") and platform.endswith((f"_{want}", "_universal2"))
    if not platform.endswith(f"_{want}"):
        return False
    stem = platform[: -len(want) - 1]
    if not libc:  # a native build: only this machine's tag
        return stem == "linux"
    floor, got = _floor(libc), _floor(stem)
    return floor is not None and got is not None and got[0] == floor[0] and got[1] <= floor[1]


def _metadata(text: str) -> tuple[str, str]:
    headers = HeaderParser().parsestr(text)
    return headers.get("Name", ""), headers.get("Version", "")


def wheel_metadata(path: str) -> tuple[str, str]:
    """``(Name, Version)`` from the wheel's ``*.dist-info/METADATA``."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            if len(names) != 1:
                raise ReleaseError(
                    f"{os.path.basename(path)}: expected one .dist-info/METADATA, found {len(names)}"
                )
            return _metadata(zf.read(names[0]).decode("utf-8", "replace"))
    except (OSError, zipfile.BadZipFile) as exc:
        raise ReleaseError(f"{os.path.basename(path)}: not a readable wheel ({exc})") from None


def sdist_metadata(path: str) -> tuple[str, str]:
    """``(Name, Version)`` from the sdist's top-level ``PKG-INFO``."""
    try:
        with tarfile.open(path) as tar:
            infos = [m for m in tar.getmembers() if re.fullmatch(r"[^/]+/PKG-INFO", m.name)]
            f = tar.extractfile(infos[0]) if len(infos) == 1 else None
            if f is None:
                raise ReleaseError(f"{os.path.basename(path)}: no top-level PKG-INFO")
            return _metadata(f.read().decode("utf-8", "replace"))
    except (OSError, tarfile.TarError) as exc:
        raise ReleaseError(f"{os.path.basename(path)}: not a readable sdist ({exc})") from None


def _gate_status(root: str, gate: str, built_at: float) -> str:
    """The saved verdict of ``gate``, or why it does not count for this build."""
    path = os.path.join(root, RESULTS_DIR, f"{gate}.json")
    try:
        with open(path, encoding="utf-8") as f:
            status = str(json.load(f).get("status", "unknown"))
        if os.path.getmtime(path) < built_at:
            return f"{status} before the last build"
    except (OSError, ValueError, AttributeError):
        return "not run"
    return status


def stage(root: str) -> list[str]:
    """Copy the current build's wheel and sdist with receipts to :data:`STAGE_DIR`."""
    from ci_gates.checks import artifacts

    try:
        manifest = artifacts.current_manifest(root)
    except artifacts.ArtifactError as exc:
        raise ReleaseError(str(exc)) from None
    built_at = os.path.getmtime(os.path.join(root, artifacts.MANIFEST))
    gates = {g: _gate_status(root, g, built_at) for g in RECORDED_GATES}
    failed = {g: s for g, s in gates.items() if g in REQUIRED_GATES and s != "passed"}
    if failed:
        gate, status = next(iter(failed.items()))
        raise ReleaseError(
            f"gate {gate} is {status!r} for the current build, and a release ships only what "
            f"passed it; run `nox -s {gate}`, then stage again"
        )
    out = os.path.join(root, STAGE_DIR)
    clear(out, project_of(os.path.basename(manifest["wheel"])))
    staged = []
    for key in ("wheel", "sdist"):
        src = manifest[key]
        dst = os.path.join(out, os.path.basename(src))
        shutil.copy2(src, dst)
        version = manifest.get("version", "")
        write_receipt(dst, version, gates, build_env=manifest.get("build_env", {}))
        staged.append(dst)
    return staged


def project_of(name: str) -> str:
    """The canonical project name in a wheel's or sdist's file name ("" if neither)."""
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if name.endswith(".whl"):
            return str(parse_wheel_filename(name)[0])
        return str(parse_sdist_filename(name)[0]) if name.endswith(".tar.gz") else ""
    except (InvalidWheelFilename, InvalidSdistFilename):
        return ""


def clear(directory: str, project: str) -> None:
    """Remove ``project``'s files (and their receipts) from ``directory``, making it if needed;
    the files of other distributions staged there stay."""
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        artifact = name[: -len(RECEIPT)] if name.endswith(RECEIPT) else name
        if project_of(artifact) == project:
            os.remove(os.path.join(directory, name))


def write_receipt(path: str, version: str, gates: dict[str, str], **extra: Any) -> None:
    """``<path>.receipt.json``: the file's sha256, its version, the checks it passed."""
    from ci_gates.checks.artifacts import file_sha256

    receipt = {
        "file": os.path.basename(path),
        "sha256": file_sha256(path),
        "version": version,
        "gates": gates,
        **extra,
    }
    with open(path + RECEIPT, "w", encoding="utf-8") as f:
        json.dump(receipt, f, indent=1, sort_keys=True)


def _receipt(path: str, required: tuple[str, ...] = REQUIRED_GATES) -> dict[str, Any]:
    from ci_gates.checks.artifacts import file_sha256

    name = os.path.basename(path)
    try:
        with open(path + RECEIPT, encoding="utf-8") as f:
            receipt = json.load(f)
    except (OSError, ValueError):
        raise ReleaseError(
            f"{name}: no readable {name}{RECEIPT} beside it, so nothing says it passed the wheel "
            "gate; stage it with `nox -s release_stage` after `nox -s wheel`"
        ) from None
    gates = receipt.get("gates", {}) if isinstance(receipt, dict) else {}
    for gate in required:
        if gates.get(gate) != "passed":
            raise ReleaseError(
                f"{name}: its receipt says gate {gate} {gates.get(gate, 'did not run')!r}; only what passed ships"
            )
    if receipt.get("sha256") != file_sha256(path):
        raise ReleaseError(
            f"{name}: its sha256 differs from its receipt's (changed after the gates judged it); rebuild and stage"
        )
    return dict(receipt)


def _version_ok(name: str, got: str, want: str, where: str) -> None:
    from packaging.version import InvalidVersion, Version

    try:
        same = Version(got) == Version(want)
    except InvalidVersion:
        same = False
    if not same:
        raise ReleaseError(
            f"{name}: {where} says version {got!r}, the plan (manifest, tag) says {want}; rebuild from the release commit"
        )


def check(
    directory: str,
    dist: str,
    version: str,
    targets: list[tuple[str, str]],
    *,
    pure: bool = False,
    others: tuple[str, ...] = (),
) -> list[Artifact]:
    """The artifacts of ``dist`` ``version`` in ``directory``, checked; else one-line ReleaseError.

    ``targets`` are the planned ``(target, libc)`` pairs: each needs exactly one wheel. A
    ``pure`` (python package) release needs exactly one wheel for every platform
    (``py3-none-any``) instead, and receipts of :data:`PURE_GATES`. Every ``.whl`` /
    ``.tar.gz`` in the directory must belong to this release, or to one of ``others`` (the
    project's other Python packages, which share the directory and are checked on their own).
    """
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        canonicalize_name,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    if not os.path.isdir(directory):
        raise ReleaseError(
            f"{directory}: no such directory; stage the artifacts with `nox -s release_stage`"
        )
    files = sorted(f for f in os.listdir(directory) if f.endswith((".whl", ".tar.gz")))
    theirs = {canonicalize_name(o) for o in others}
    sdists, wheels = [], []
    for name in files:
        path = os.path.join(directory, name)
        try:
            if name.endswith(".whl"):
                project, ver, _build, tags = parse_wheel_filename(name)
            else:
                project, ver = parse_sdist_filename(name)
                tags = frozenset()
        except (InvalidWheelFilename, InvalidSdistFilename) as exc:
            raise ReleaseError(f"{directory}: {exc}; remove the file") from None
        if project in theirs:
            continue
        if project != canonicalize_name(dist):
            raise ReleaseError(f"{name}: not a file of {dist}; remove it from {directory}")
        _version_ok(name, str(ver), version, "its file name")
        meta_name, meta_version = (wheel_metadata if tags else sdist_metadata)(path)
        if canonicalize_name(meta_name) != canonicalize_name(dist):
            raise ReleaseError(f"{name}: its metadata names {meta_name!r}, not {dist}")
        _version_ok(name, meta_version, version, "its metadata")
        sha = _receipt(path, PURE_GATES if pure else REQUIRED_GATES)["sha256"]
        if tags:
            wheels.append((path, {t.platform for t in tags}, sha))
        else:
            sdists.append(Artifact(path, "sdist", "", sha))
    if len(sdists) != 1:
        raise ReleaseError(
            f"{directory}: expected one sdist of {dist} {version}, found {len(sdists)}"
        )
    if pure:
        return [sdists[0], _pure_wheel(directory, dist, version, wheels)]
    out = [sdists[0]]
    for target, libc in targets:
        hits = [w for w in wheels if any(platform_matches(p, target, libc) for p in w[1])]
        if not hits:
            floor = f" ({libc})" if libc else " (native)"
            raise ReleaseError(
                f"{directory}: no wheel of {dist} {version} for planned target {target}{floor}; its build job did not deliver it"
            )
        if len(hits) > 1:
            raise ReleaseError(
                f"{directory}: {len(hits)} wheels for target {target}: {', '.join(os.path.basename(h[0]) for h in hits)}; keep one"
            )
        out.append(Artifact(hits[0][0], "wheel", target, hits[0][2]))
    extra = [os.path.basename(w[0]) for w in wheels if w[0] not in {a.path for a in out}]
    if extra:
        raise ReleaseError(
            f"{directory}: {extra[0]} serves no planned target of {dist}; remove it or plan its target"
        )
    return out


def _pure_wheel(
    directory: str, dist: str, version: str, wheels: list[tuple[str, set[str], str]]
) -> Artifact:
    """The one wheel of a python package, which must serve every platform."""
    names = ", ".join(os.path.basename(w[0]) for w in wheels) or "none"
    if len(wheels) != 1:
        raise ReleaseError(
            f"{directory}: expected one wheel of {dist} {version} (pure Python), found {names}"
        )
    path, platforms, sha = wheels[0]
    if platforms != {"any"}:
        raise ReleaseError(
            f"{os.path.basename(path)}: not a pure-Python wheel (platform {', '.join(sorted(platforms))}); "
            f"{dist} is declared kind python: build it with no native code, or declare it pypi"
        )
    return Artifact(path, "wheel", "", sha)
