"""The Python surface: the import package at the baseline and in the working tree, via griffe.

griffe reads the sources and the stubs (``_native.pyi`` stands for the compiled module: it is
never imported), and its breakage check finds removed names, removed, renamed, reordered or
newly required parameters, changed defaults and kinds, incompatible return and attribute types.
Those are breaking. New public names and new optional parameters are additive; griffe does not
report additions, so :func:`public_api` walks both trees for them.

griffe is imported inside the functions (it is a gate package, not a hook dependency).
"""

from __future__ import annotations

import os
from typing import Any

from ci_gates.checks.api import ADDITIVE, BREAKING, ApiError, Change

INSTALL = "run `nox -s api_compat` (it installs griffe)"

# griffe's breakage kind -> how to undo it, from (item, old value).
_RESTORE = {
    "OBJECT_REMOVED": "restore `{item}` (or keep it as a deprecated alias)",
    "OBJECT_CHANGED_KIND": "restore `{item}` as the kind of object it was",
    "PARAMETER_REMOVED": "restore parameter `{old}` of `{item}` (keep the old name when renaming)",
    "PARAMETER_MOVED": "restore the position of parameter `{old}` of `{item}`",
    "PARAMETER_CHANGED_KIND": "restore how parameter `{old}` of `{item}` is passed",
    "PARAMETER_CHANGED_DEFAULT": "restore the default of parameter `{old}` of `{item}`",
    "PARAMETER_CHANGED_REQUIRED": "give parameter `{old}` of `{item}` its default again",
    "PARAMETER_ADDED_REQUIRED": "give the new parameter `{new}` of `{item}` a default",
    "RETURN_CHANGED_TYPE": "restore the return type of `{item}`",
    "ATTRIBUTE_CHANGED_TYPE": "restore the type of `{item}`",
    "ATTRIBUTE_CHANGED_VALUE": "restore the value of `{item}`",
    "CLASS_REMOVED_BASE": "restore the base class of `{item}`",
}


def _griffe() -> Any:
    try:
        import griffe
    except ImportError:
        raise ApiError("griffe is not installed", INSTALL) from None
    return griffe


def load(root: str, package: str, source: str, ref: str | None = None) -> Any:
    """The package as griffe sees it, in the working tree or at git ``ref``."""
    griffe = _griffe()
    search = [source or "."]
    try:
        if ref is None:
            return griffe.load(
                package, search_paths=[os.path.join(root, *search)], allow_inspection=False
            )
        return griffe.load_git(
            package, ref=ref, repo=root, search_paths=search, allow_inspection=False
        )
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        where = f"at {ref}" if ref else "in the working tree"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ApiError(
            f"python: cannot load package {package!r} {where} ({first})",
            f"check [tool.maturin] python-source ({source or '.'})",
        ) from None


def _target(obj: Any) -> Any | None:
    if not obj.is_alias:
        return obj
    try:
        return obj.final_target
    except Exception:  # an alias to another package (griffe's AliasResolutionError and kin)
        return None


def _params(func: Any) -> dict[str, bool]:
    """Parameter name -> whether a caller must pass it."""
    out = {}
    for p in func.parameters:
        variadic = p.kind.name in ("var_positional", "var_keyword")
        out[p.name] = p.default is None and not variadic
    return out


def public_api(obj: Any, prefix: str = "", seen: set[int] | None = None) -> dict[str, Any]:
    """Public dotted path -> parameters (functions) or None, reachable from ``obj``.

    Public is griffe's rule: ``__all__`` when the module has one, else no leading underscore
    and not an import. A name re-exported from a private module (``_native``) counts under
    the public path users import it by.
    """
    seen = set() if seen is None else seen
    out: dict[str, Any] = {}
    for name, member in obj.members.items():
        if not member.is_public:
            continue
        path = f"{prefix or obj.path}.{name}"
        target = _target(member)
        if target is None or id(target) in seen:
            out[path] = None
            continue
        kind = target.kind.value
        out[path] = _params(target) if kind == "function" else None
        if kind in ("class", "module"):
            seen.add(id(target))
            out.update(public_api(target, path, seen))
    return out


def _public_paths(new: Any) -> dict[str, str]:
    """Real path -> the public path it is exported under (``pkg._native.f`` -> ``pkg.f``)."""
    out: dict[str, str] = {}
    for path in public_api(new):
        try:
            target = _target(new[path[len(new.path) + 1 :]]) if path != new.path else new
        except KeyError:
            continue
        if target is not None:
            out.setdefault(target.path, path)
    return out


def _location(breakage: Any, new: Any, source: str) -> tuple[str, int]:
    obj = breakage.obj
    if breakage.kind.name == "OBJECT_REMOVED":
        parent = obj.parent
        try:
            obj = new[parent.path[len(new.path) + 1 :]] if parent.path != new.path else new
        except KeyError:
            return "", 0
        line = 0
    else:
        line = obj.lineno or 0
    rel = str(obj.relative_package_filepath).replace(os.sep, "/")
    return (f"{source}/{rel}" if source else rel), line


def _value(value: Any) -> str:
    return str(getattr(value, "name", value) if value is not None else "")


def breaking(old: Any, new: Any, source: str) -> list[Change]:
    """griffe's breakages between ``old`` and ``new``, named by their public path."""
    griffe = _griffe()
    public = _public_paths(new)
    out = []
    for b in griffe.find_breaking_changes(old, new):
        item = public.get(b.obj.path, b.obj.path)
        old_v, new_v = _value(b.old_value), _value(b.new_value)
        what = b.kind.value[0].lower() + b.kind.value[1:]
        if b.kind.name.startswith("PARAMETER"):
            what += f": `{old_v or new_v}`"
        elif old_v and new_v and b.kind.name != "OBJECT_REMOVED":
            what += f": {old_v} -> {new_v}"
        restore = _RESTORE.get(b.kind.name, "restore `{item}` as it was").format(
            item=item, old=old_v, new=new_v
        )
        path, line = _location(b, new, source)
        out.append(Change("python", item, BREAKING, what, restore, path, line))
    return out


def additive(old: Any, new: Any) -> list[Change]:
    """New public names, and new optional parameters of functions that existed."""
    before, after = public_api(old), public_api(new)
    out = []
    for path, params in after.items():
        if path not in before:
            out.append(Change("python", path, ADDITIVE, "new public name", ""))
        elif params and before[path] is not None:
            for name, required in params.items():
                if name not in before[path] and not required:
                    out.append(
                        Change("python", path, ADDITIVE, f"new optional parameter `{name}`", "")
                    )
    return out


def compare(root: str, package: str, source: str, ref: str) -> list[Change]:
    """Every change of ``package``'s API from git ``ref`` to the working tree."""
    old = load(root, package, source, ref)
    new = load(root, package, source)
    return [*breaking(old, new, source), *additive(old, new)]
