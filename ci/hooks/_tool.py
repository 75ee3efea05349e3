"""PreToolUse guard for shell commands: the ``tool_guard`` gate's rule table, applied live.

Claude Code ``Bash`` / ``PowerShell`` and Codex ``Bash`` calls: the command goes through
:func:`ci.gates.tool_guard.evaluate` (the same rules the gate applies to workflows, scripts and
READMEs). A ``deny`` finding refuses the call with the reason and the command to run instead;
a ``note`` finding (a command that differs from what CI runs) is allowed with a note naming the
nox session (Claude; Codex gets no notes). A Codex shell call that feeds an ``apply_patch``
here-document is also measured against the line budget, like the ``apply_patch`` tool.

The agent runs it as ``python3 -I -S ci/hooks/tool_guard.py [codex]`` (README.md here).
"""

from __future__ import annotations

from ci.hooks._protocol import DENY, NOTE, Call, Skip, run

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

    from ci.hooks._protocol import Answer

SHELL_TOOLS = ("Bash", "PowerShell")


def _command(call: Call) -> str:
    command = call.input.get("command")
    if isinstance(command, list) and all(isinstance(w, str) for w in command):
        import shlex  # an exec-style argv (older Codex shells): make it one command line

        return shlex.join(command)
    if not isinstance(command, str):
        raise Skip(f"{call.tool} call without a command string")
    return command


def _patch_answer(call: Call, command: str) -> Answer:
    """A shell command that carries an apply_patch patch: judge the patch like the tool."""
    from ci.hooks import _loc

    start = command.find("*** Begin Patch")
    end = command.find("*** End Patch", start)
    if end < 0:
        return None
    patch_call = Call(
        {
            "hook_event_name": "PreToolUse",
            "tool_name": "apply_patch",
            "cwd": call.cwd,
            "tool_input": {"command": command[start : end + len("*** End Patch")]},
        },
        call.agent,
        call.root,
    )
    try:
        return _loc.check(patch_call)
    finally:
        call.warnings.extend(patch_call.warnings)


def _commit_message(command: str) -> str | None:
    """``git commit -m <message>`` whose message the commits gate would reject: why, else None."""
    if "commit" not in command:
        return None
    from ci.gates.commits import command_denial

    return command_denial(command)


def check(call: Call) -> Answer:
    call.expect("PreToolUse", SHELL_TOOLS)
    command = _command(call)
    from ci.gates.tool_guard import evaluate

    findings = evaluate(command, "shell")
    denied = [f for f in findings if f.action == "deny"]
    if denied:
        return DENY, "\n".join(
            f"Blocked by the tool_guard rules (ci/gates/tool_guard.py): {f.reason}. "
            f"Run instead: {f.instead}"
            for f in denied
        )
    refused = _commit_message(command)
    if refused:
        return DENY, refused
    if "*** Begin Patch" in command and "apply_patch" in command:
        try:
            answer = _patch_answer(call, command)
        except Skip as exc:
            call.warnings.append(str(exc))
            answer = None
        if answer is not None:
            return answer
    if findings:
        return NOTE, "\n".join(
            f"Note (tool_guard): {f.reason}. CI runs: {f.instead}" for f in findings
        )
    return None


def main(
    argv: list[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
    stderr: BinaryIO | None = None,
) -> int:
    return run("tool_guard", check, argv, stdin, stdout, stderr)
