"""PostToolUse guard: after a write, tell the agent what the ``readme`` gate will want.

For every project file a Claude ``Write`` / ``Edit`` / ``MultiEdit`` or a Codex ``apply_patch``
wrote, the deepest directory the readme gate covers (:func:`ci.gates.readme.covering_dir`; the
root always counts) must have a README.md within the gate's size bounds: a missing or
out-of-bounds one is reported with what to add. A README.md that was itself written is checked
with :func:`ci.gates.readme.readme_problems` in full, including that every ``nox -s NAME``
names a real session. The answer is ``{"decision": "block", "reason": ...}``, which both agents
show to the model (the write has already happened; nothing is undone).

The agent runs it as ``python3 -I -S ci/hooks/readme_guard.py [codex]`` (README.md here).
"""

from __future__ import annotations

import os

from ci.hooks._protocol import FEEDBACK, Call, Skip, config, run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from ci.hooks._protocol import Answer

WRITE_TOOLS = ("Write", "Edit", "MultiEdit", "apply_patch")
SESSIONS_CACHE = os.path.join("target", "ci-gates", "hook-sessions.json")


def written(call: Call) -> list[str]:
    """Repo-relative paths of the project files this call wrote."""
    if call.tool == "apply_patch":
        from ci.hooks import _patch

        try:
            raw = _patch.paths(call.text("command"))
        except _patch.PatchError as exc:
            raise Skip(f"apply_patch: {exc}") from None
    else:
        raw = [call.text("file_path")]
    found = [call.path(p) for p in raw]  # call.path drops "" and anything outside
    return [p for p in dict.fromkeys(found) if p is not None]


def _readme_report(call: Call, readme: str, cfg: dict[str, Any], full: bool) -> list[str]:
    from ci.gates.readme import missing_readme, readme_problems

    try:
        text = call.read(readme)
    except Skip as exc:
        return [str(exc)]
    if text is None:
        if full:  # the README itself was written and is gone again (moved, deleted)
            return []
        return [missing_readme(os.path.dirname(readme), cfg).text()]
    found = readme_problems(readme, text, cfg, sessions(call.root) if full else None)
    return [f.text() for f in found]


def sessions(root: str) -> list[str]:
    """The nox session names of ``ci/registry.py``, cached as JSON next to the config cache.

    Importing the registry costs ``typing`` and the whole gate list (~1.3x a hook's budget);
    the cache is keyed by the registry file's size and mtime and rewritten when it changes.
    """
    import json

    registry = os.path.join(root, "ci", "registry.py")
    cache = os.path.join(root, SESSIONS_CACHE)
    try:
        st = os.stat(registry)
        with open(cache, encoding="utf-8") as f:
            cached = json.load(f)
        if cached["key"] == [st.st_size, st.st_mtime_ns] and all(
            isinstance(s, str) for s in cached["sessions"]
        ):
            return list(cached["sessions"])
    except (OSError, ValueError, TypeError, KeyError):
        pass
    from ci.registry import SESSIONS

    try:
        st = os.stat(registry)
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        tmp = f"{cache}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"key": [st.st_size, st.st_mtime_ns], "sessions": list(SESSIONS)}, f)
        os.replace(tmp, cache)
    except OSError:
        pass  # read-only checkout: no cache, just the import
    return list(SESSIONS)


def check(call: Call) -> Answer:
    call.expect("PostToolUse", WRITE_TOOLS)
    paths = written(call)
    if not paths:
        return None
    from ci.gates.readme import covering_dir

    cfg = config(call.root)
    problems: list[str] = []
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
    if not problems:
        return None
    return FEEDBACK, "readme gate: " + " | ".join(problems)


def main(
    argv: list[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> int:
    return run("readme_guard", check, argv, stdin, stdout, stderr)
