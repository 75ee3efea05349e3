"""The agent hook protocol, shared by every guard: read the payload, answer, never block by accident.

Both agents (Claude Code, Codex) send one JSON object on stdin and read the answer from stdout:

- allow: print nothing, exit 0;
- deny (PreToolUse): exit 0 and one JSON object ``{"hookSpecificOutput": {"hookEventName":
  "PreToolUse", "permissionDecision": "deny", "permissionDecisionReason": "..."}}``;
- a note to the agent before a call (PreToolUse): ``hookSpecificOutput.additionalContext``
  (Claude only; Codex releases before May 2026 reject it on PreToolUse as "unsupported");
- context after a write (PostToolUse): ``hookSpecificOutput.additionalContext``, for both
  agents: added next to the tool result, which stays as it was (the write has happened);
- feedback after a write: ``{"decision": "block", "reason": "..."}`` (Claude adds the reason
  next to the result, Codex *replaces* the result with it; no guard uses it any more);
- block a stop (Stop, SubagentStop): ``{"decision": "block", "reason": "..."}``; the reason
  is the agent's next instruction;
- a message to the user (Stop, SubagentStop): ``{"systemMessage": "..."}``; the stop goes on.

A guard never exits 2 and never prints a traceback: anything it cannot judge (empty stdin,
garbage, an unknown tool, an unreadable file, its own bug) is allowed, with one line on stderr.
This module imports only ``json``, ``os`` and ``sys``: it runs on every tool call.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Callable, Optional

    Answer = Optional[tuple[str, str]]

# stdin is read with this cap: a 50 MB Write is still judged (parsed once); beyond it, allowed.
MAX_PAYLOAD = 64 * 1024 * 1024
# Existing files larger than this are not read (an Edit to one is allowed unchecked).
MAX_FILE = 64 * 1024 * 1024
# Answers longer than this are cut (agents cap hook output around 10,000 characters).
MAX_TEXT = 4000

CLAUDE, CODEX = "claude", "codex"
DENY, NOTE, FEEDBACK = "deny", "note", "feedback"
CONTEXT, BLOCK, MESSAGE = "context", "block", "message"
STOP_EVENTS = ("Stop", "SubagentStop")


class Skip(Exception):
    """This call cannot be judged: allow it and say why on stderr."""


class Call:
    """One tool call as the agent described it (the fields every guard needs)."""

    def __init__(self, payload: dict[str, Any], agent: str, root: str) -> None:
        self.agent = agent
        self.root = root
        self.payload = payload
        self.event = payload.get("hook_event_name")
        self.tool = payload.get("tool_name")
        tool_input = payload.get("tool_input")
        self.shaped = isinstance(tool_input, dict)
        self.input: dict[str, Any] = tool_input if isinstance(tool_input, dict) else {}
        cwd = payload.get("cwd")
        # A cwd this machine cannot use (absent, relative, C:\ on POSIX): the hook's own.
        self.cwd_given = isinstance(cwd, str) and os.path.isabs(cwd)
        self.cwd: str = cwd if isinstance(cwd, str) and self.cwd_given else os.getcwd()
        self.warnings: list[str] = []

    def expect(self, event: str, tools: tuple[str, ...]) -> None:
        """Skip unless this is ``event`` for one of ``tools`` with an object as tool_input."""
        if self.event != event or self.tool not in tools:
            raise Skip(f"{self.event}/{self.tool} is not a call this guard checks")
        if not self.shaped:
            raise Skip(f"{self.tool}: tool_input is not a JSON object")

    def text(self, key: str) -> str:
        """``tool_input[key]``; Skip if it is not a string (a payload of the wrong shape)."""
        value = self.input.get(key)
        if not isinstance(value, str):
            raise Skip(f"{self.tool}: tool_input.{key} is not a string")
        return value

    def path(self, raw: object) -> str | None:
        """The repo-relative POSIX path of ``raw`` (absolute, or relative to the call's cwd).

        None for anything that is not a usable path inside the project: outside the root,
        a Windows drive path on a POSIX system, an empty string, a NUL byte.
        """
        if not isinstance(raw, str) or not raw or "\0" in raw:
            return None
        path = raw
        if os.sep == "/":
            path = path.replace("\\", "/")
            if len(path) > 1 and path[1] == ":" and path[0].isalpha():
                return None  # C:\x\y.py from a Windows agent: not a path on this machine
        path = os.path.normpath(os.path.join(self.cwd, path))
        rel = _under(path, self.root)
        if rel is None:  # symlinked checkout, /tmp vs /private/tmp, ...
            rel = _under(os.path.realpath(path), os.path.realpath(self.root))
        return rel

    def read(self, rel: str) -> str | None:
        """Current text of a project file; None if it does not exist; Skip if not text."""
        path = os.path.join(self.root, rel)
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_FILE + 1)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise Skip(f"{rel}: cannot read ({exc.strerror or exc})") from None
        if len(data) > MAX_FILE:
            raise Skip(f"{rel}: over {MAX_FILE >> 20} MiB, not checked")
        if b"\0" in data:
            raise Skip(f"{rel}: binary file, not checked")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Skip(f"{rel}: not UTF-8, not checked") from None


def _under(path: str, root: str) -> str | None:
    root = root.rstrip(os.sep) or os.sep
    if path == root:
        return None
    prefix = root if root.endswith(os.sep) else root + os.sep
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :].replace(os.sep, "/")


def agent_of(argv: list[str]) -> str:
    """``codex`` when the configured command says so (``.codex/hooks.json`` passes it)."""
    return CODEX if CODEX in argv or "--codex" in argv else CLAUDE


def read_payload(stream: BinaryIO) -> dict[str, Any]:
    """The JSON object on ``stream``, read once with a size cap; Skip for anything else."""
    data = stream.read(MAX_PAYLOAD + 1)
    if len(data) > MAX_PAYLOAD:
        raise Skip(f"payload over {MAX_PAYLOAD >> 20} MiB, not checked")
    if not data.strip():
        raise Skip("empty stdin, nothing to check")
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        raise Skip("stdin is not JSON, nothing to check") from None
    if not isinstance(payload, dict):
        raise Skip(f"stdin is a JSON {type(payload).__name__}, not an object")
    return payload


def _cut(text: str) -> str:
    text = text.strip() or "blocked by a project guard (no reason given)"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def render(answer: Answer, call: Call) -> bytes:
    """The bytes to print for ``answer``: nothing, or one JSON object and a LF."""
    if answer is None:
        return b""
    kind, text = answer
    obj: dict[str, Any]
    if kind == DENY and call.event == "PreToolUse":
        obj = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": _cut(text),
            }
        }
    elif kind == NOTE and call.agent == CLAUDE and call.event in ("PreToolUse", "PostToolUse"):
        obj = {"hookSpecificOutput": {"hookEventName": call.event, "additionalContext": _cut(text)}}
    elif kind == CONTEXT and call.event == "PostToolUse":
        obj = {"hookSpecificOutput": {"hookEventName": call.event, "additionalContext": _cut(text)}}
    elif (kind == FEEDBACK and call.event == "PostToolUse") or (
        kind == BLOCK and call.event in STOP_EVENTS
    ):
        obj = {"decision": "block", "reason": _cut(text)}
    elif kind == MESSAGE and call.event in STOP_EVENTS:
        obj = {"systemMessage": _cut(text)}
    else:
        return b""
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode("ascii")


def _say(stderr: BinaryIO, name: str, msg: str) -> None:
    line = " ".join(f"{name}: {msg}".split())[:MAX_TEXT] + "\n"
    try:
        stderr.write(line.encode("utf-8", "replace"))
        stderr.flush()
    except (OSError, ValueError):
        pass


def _describe(exc: BaseException) -> str:
    try:
        return f"{type(exc).__name__}: {exc}"
    except BaseException:  # an exception whose str() raises
        return type(exc).__name__


def run(
    name: str,
    handler: Callable[[Call], Answer],
    argv: list[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
    root: str | None = None,
) -> int:
    """Run one guard on one payload. Always returns 0; see the module docstring.

    ``root`` is the project's (the entry script passes it); default: the nearest directory
    at or above the current one holding pyproject.toml.
    """
    argv = sys.argv[1:] if argv is None else argv
    if root is None:
        from ci_gates.core.context import project_root

        root = project_root()
    err = stderr if stderr is not None else sys.stderr.buffer
    out = b""
    call = None
    said: list[str] = []
    try:
        payload = read_payload(stdin if stdin is not None else sys.stdin.buffer)
        call = Call(payload, agent_of(argv), root)
        out = render(handler(call), call)
    except Skip as exc:
        said.append(f"{exc}; allowed")
    except BaseException as exc:  # a guard must never turn its own bug into a block
        said.append(f"internal error, allowed ({_describe(exc)})")
    if call is not None:
        said = call.warnings + said
    if said:
        _say(err, name, "; ".join(said))
    if out:
        try:
            (stdout if stdout is not None else sys.stdout.buffer).write(out)
            (stdout if stdout is not None else sys.stdout.buffer).flush()
        except (OSError, ValueError):
            pass
    return 0


def entry(name: str, handler: Callable[[Call], Answer]) -> Callable[..., int]:
    """A hook module's ``main``: :func:`run` of ``handler`` under ``name``."""

    def main(
        argv: list[str] | None = None,
        stdin: BinaryIO | None = None,
        stdout: BinaryIO | None = None,
        stderr: BinaryIO | None = None,
        root: str | None = None,
    ) -> int:
        return run(name, handler, argv, stdin, stdout, stderr, root)

    return main


def config(root: str) -> dict[str, Any]:
    """The validated ``[tool.ci-gates]`` config (the JSON cache; TOML only when it is stale)."""
    from ci_gates.core.config import ConfigError, load

    try:
        try:
            return load(root)
        except ModuleNotFoundError:
            # Python < 3.11 reads TOML with tomli, from site-packages, which -S leaves out.
            # Only a stale cache gets here; pay for site once and refresh the cache.
            import site

            site.main()
            return load(root)
    except ConfigError as exc:
        raise Skip(f"config: {exc}") from None
    except ModuleNotFoundError as exc:
        raise Skip(f"config: cannot read pyproject.toml ({exc}); run `nox -s gates` once") from None
