"""Rustdoc JSON: generate it for one library crate, and list the public paths it exposes.

The JSON is generated exactly as cargo-semver-checks generates it itself (the same rustdoc
flags, its feature heuristic, ``RUSTC_BOOTSTRAP=1`` so a stable toolchain emits it), so
handing both sides to ``cargo semver-checks --baseline-rustdoc/--current-rustdoc`` finds
what ``--baseline-rev`` would. The same files give the additions cargo-semver-checks does
not report: :func:`public_paths` walks the crate from its root module the way a user
imports it (``pub use`` re-exports included, private modules not).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from typing import Any

from ci_gates.checks.api import ApiError

# cargo-semver-checks' EXTRA_RUSTDOCFLAGS (src/data_generation/generate.rs).
RUSTDOC_FLAGS = [
    "-Zunstable-options",
    "--document-private-items",
    "--document-hidden-items",
    "--output-format=json",
    "--cap-lints=allow",
]
# Its feature heuristic: every feature but these names and prefixes.
_SKIPPED_FEATURES = re.compile(r"(unstable|nightly|bench|no_std|_.*|unstable[_-].*)\Z")


def features(manifest: str) -> list[str]:
    """The features cargo-semver-checks would enable for the crate at ``manifest``."""
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(manifest, "rb") as f:
            table = tomllib.load(f).get("features") or {}
    except (OSError, ValueError) as exc:
        raise ApiError(f"rust: cannot read {manifest} ({exc})", "fix the manifest") from None
    return sorted(f for f in table if f != "default" and not _SKIPPED_FEATURES.match(f))


def generate(
    workspace: str, crate_dir: str, package: str, lib: str, target_dir: str, out: str
) -> str:
    """Rustdoc JSON of ``package``'s lib in the workspace at ``workspace``, copied to ``out``."""
    feats = features(os.path.join(workspace, crate_dir, "Cargo.toml"))
    locked = ["--locked"] if os.path.isfile(os.path.join(workspace, "Cargo.lock")) else []
    cmd = [
        "cargo",
        "rustdoc",
        *locked,
        "--quiet",
        "-p",
        package,
        "--lib",
        *(["--features", ",".join(feats)] if feats else []),
        "--",
        *RUSTDOC_FLAGS,
    ]
    env = {**os.environ, "RUSTC_BOOTSTRAP": "1", "CARGO_TARGET_DIR": target_dir}
    proc = subprocess.run(cmd, cwd=workspace, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()][-3:]
        raise ApiError(
            f"rust: `cargo rustdoc -p {package}` failed in {workspace}: {' / '.join(tail)}",
            "make the crate build (`cargo check -p {package}`), then re-run",
        )
    made = os.path.join(target_dir, "doc", f"{lib}.json")
    if not os.path.isfile(made):
        raise ApiError(
            f"rust: cargo rustdoc wrote no {made}",
            "report this: the toolchain may not emit rustdoc JSON",
        )
    os.makedirs(os.path.dirname(out), exist_ok=True)
    shutil.copyfile(made, out)
    return out


def load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or "index" not in doc or "root" not in doc:
        raise ApiError(f"rust: {path} is not rustdoc JSON", "delete it and re-run")
    return doc


def _inner(item: dict[str, Any]) -> tuple[str, Any]:
    inner = item.get("inner") or {}
    kind = next(iter(inner), "") if isinstance(inner, dict) else str(inner)
    return kind, inner.get(kind) if isinstance(inner, dict) else None


def public_paths(doc: dict[str, Any]) -> dict[str, str]:
    """Every path a dependent crate can name -> the item's kind.

    Items of public modules reachable from the root, ``pub use`` re-exports under their new
    name (globs expanded), public fields, variants, associated items of inherent impls, and
    trait impls as ``Type: impl Trait`` (auto and blanket impls left out).
    """
    index = doc["index"]
    out: dict[str, str] = {}
    seen: set[str] = set()

    def get(item_id: Any) -> dict[str, Any] | None:
        return index.get(str(item_id)) if item_id is not None else None

    def public(item: dict[str, Any]) -> bool:
        return item.get("visibility") == "public"

    def add(path: str, item: dict[str, Any]) -> None:
        kind, inner = _inner(item)
        key = f"{path}#{item.get('id')}"
        if key in seen:
            return
        seen.add(key)
        out[path] = kind
        if kind == "module":
            module(path, inner)
        elif kind in ("struct", "enum", "union", "trait"):
            members(path, kind, inner)

    def module(path: str, inner: dict[str, Any]) -> None:
        for child_id in inner.get("items", []):
            child = get(child_id)
            if child is None or not public(child):
                continue
            kind, use = _inner(child)
            if kind == "use":
                target = get(use.get("id"))
                if use.get("is_glob"):
                    if target is not None and _inner(target)[0] in ("module", "enum"):
                        module(path, _inner(target)[1] or {})
                    continue
                if target is not None:
                    add(f"{path}::{use.get('name')}", target)
                else:  # re-export of another crate's item
                    out[f"{path}::{use.get('name')}"] = "use"
            elif child.get("name"):
                add(f"{path}::{child['name']}", child)

    def members(path: str, kind: str, inner: dict[str, Any]) -> None:
        struct_kind = inner.get("kind") or {}
        fields = (
            (struct_kind.get("plain") or {}).get("fields", [])
            if isinstance(struct_kind, dict)
            else []
        )
        for field_id in [*fields, *inner.get("fields", []), *inner.get("variants", [])]:
            child = get(field_id)
            if child is not None and (public(child) or kind == "enum") and child.get("name"):
                out[f"{path}::{child['name']}"] = _inner(child)[0]
        for child_id in inner.get("items", []) if kind == "trait" else []:
            child = get(child_id)
            if child is not None and child.get("name"):
                out[f"{path}::{child['name']}"] = _inner(child)[0]
        for impl_id in inner.get("impls", []):
            impl = _inner(get(impl_id) or {})[1]
            if not isinstance(impl, dict) or impl.get("is_synthetic") or impl.get("blanket_impl"):
                continue
            trait = impl.get("trait")
            if trait:
                out[f"{path}: impl {trait.get('path') or trait.get('name')}"] = "impl"
                continue
            for child_id in impl.get("items", []):
                child = get(child_id)
                if child is not None and public(child) and child.get("name"):
                    out[f"{path}::{child['name']}"] = _inner(child)[0]

    root = get(doc["root"])
    if root is None:
        raise ApiError("rust: rustdoc JSON without its root module", "delete it and re-run")
    name = root.get("name") or "crate"
    out[name] = "module"
    module(name, _inner(root)[1] or {})
    return out
