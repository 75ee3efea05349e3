"""The ``readme`` gate's part of the post-edit hook (:mod:`ci_gates.hooks.post_edit`).

For every project file a Claude ``Write`` / ``Edit`` / ``MultiEdit`` or a Codex ``apply_patch``
wrote, the deepest directory the readme gate covers (:func:`ci_gates.gates.readme.covering_dir`; the
root always counts) must have a README.md within the gate's size bounds: a missing or
out-of-bounds one is reported with what to add. A README.md that was itself written is checked
with :func:`ci_gates.gates.readme.readme_problems` in full, including that every ``nox -s NAME``
names a real session.
"""

from __future__ import annotations

import os

from ci_gates.hooks.protocol import Call, Skip

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ci_gates.core.findings import Finding

WRITE_TOOLS = ("Write", "Edit", "MultiEdit", "apply_patch")
SESSIONS_CACHE = os.path.join("target", "ci-gates", "hook-sessions.json")


def written(call: Call) -> list[str]:
    """Repo-relative paths of the project files this call wrote."""
    if call.tool == "apply_patch":
        from ci_gates.hooks import patch as _patch

        try:
            raw = _patch.paths(call.text("command"))
        except _patch.PatchError as exc:
            raise Skip(f"apply_patch: {exc}") from None
    else:
        path = call.input.get("file_path")
        response = call.payload.get("tool_response")
        if not isinstance(path, str) and isinstance(response, dict):
            path = response.get("filePath")  # Claude's documented fallback
        if not isinstance(path, str):
            raise Skip(f"{call.tool}: tool_input.file_path is not a string")
        raw = [path]
    found = [call.path(p) for p in raw]  # call.path drops "" and anything outside
    return [p for p in dict.fromkeys(found) if p is not None]


def _readme_report(call: Call, readme: str, cfg: dict[str, Any], full: bool) -> list[Finding]:
    from ci_gates.gates.readme import missing_readme, readme_problems

    try:
        text = call.read(readme)
    except Skip as exc:
        call.warnings.append(str(exc))
        return []
    if text is None:
        if full:  # the README itself was written and is gone again (moved, deleted)
            return []
        return [missing_readme(os.path.dirname(readme), cfg)]
    return readme_problems(readme, text, cfg, sessions(call.root) if full else None)


def sessions(root: str) -> list[str]:
    """The project's nox session names (:func:`ci_gates.core.sessions.session_names`), cached.

    Computing them parses the noxfile and reads the config (~1.3x a hook's budget); the JSON
    cache next to the config cache is keyed by the size and mtime of both files.
    """
    import json

    cache = os.path.join(root, SESSIONS_CACHE)
    key: list[list[int] | None] = []
    for rel in ("pyproject.toml", "noxfile.py"):
        try:
            st = os.stat(os.path.join(root, rel))
            key.append([st.st_size, st.st_mtime_ns])
        except OSError:
            key.append(None)
    try:
        with open(cache, encoding="utf-8") as f:
            cached = json.load(f)
        if cached["key"] == key and all(isinstance(s, str) for s in cached["sessions"]):
            return list(cached["sessions"])
    except (OSError, ValueError, TypeError, KeyError):
        pass
    from ci_gates.core.sessions import session_names

    names = session_names(root)
    try:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"key": key, "sessions": names}, f)
        os.replace(tmp, cache)
    except OSError:
        pass  # read-only checkout: no cache
    return names


def findings(call: Call, paths: list[str], cfg: dict[str, Any]) -> list[Finding]:
    """What the readme gate will say about the READMEs covering ``paths`` (repo-relative)."""
    from ci_gates.gates.readme import covering_dir

    problems: list[Finding] = []
    seen: set[str] = set()
    # READMEs first: a README written in this call gets the full check, not the size check.
    for rel in sorted(paths, key=lambda p: p.rpartition("/")[2] != "README.md"):
        is_readme = rel.rpartition("/")[2] == "README.md"
        if is_readme:
            readme = rel
            if os.path.dirname(rel) != covering_dir(rel, cfg):
                continue  # a README in a directory the gate does not cover: not its business
        else:
            where = covering_dir(rel, cfg)
            readme = f"{where}/README.md" if where else "README.md"
        if readme in seen:
            continue
        seen.add(readme)
        problems += _readme_report(call, readme, cfg, full=is_readme)
    return problems
