"""PreToolUse guard for shell commands: the ``tool_guard`` gate's rule table, applied live.

Claude Code ``Bash`` / ``PowerShell`` and Codex ``Bash`` calls: the command (lexed as
PowerShell for the ``PowerShell`` tool) goes through :func:`ci_gates.gates.tool_guard.rules.evaluate`, the
same rule functions the gate applies to workflows, scripts and READMEs, in the agent's working
directory (``uv run`` in another project, or with a PEP 723 script, builds nothing here). An
error finding refuses the call with its rule ID, what is wrong and what to run instead; a note
(a command that differs from what CI runs) is allowed with the nox session to use (Claude;
Codex gets no notes). A Codex shell call that feeds an ``apply_patch``
here-document is also measured against the line budget, like the ``apply_patch`` tool.

The agent runs it as ``python3 -I -S ci/hooks/tool_guard.py [codex]`` (README.md here).
"""

from __future__ import annotations

from ci_gates.hooks.protocol import DENY, NOTE, Call, Skip, entry

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.findings import Finding
    from ci_gates.hooks.protocol import Answer

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
    from ci_gates.hooks import loc as _loc

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


def _findings(call: Call, command: str) -> list[Finding]:
    """What the tool_guard rules say about ``command``, in the agent's directory."""
    from ci_gates.gates.tool_guard.triggers import worth_checking

    if not worth_checking(command):  # most commands: the rules are not even imported
        return []
    from ci_gates.gates.tool_guard.rules import SHELL, Scope, evaluate

    dialect = "powershell" if call.tool == "PowerShell" else "bash"
    # Without a usable cwd in the payload, assume the agent is in the project (deny, not allow).
    scope = Scope(SHELL, call.root, call.cwd if call.cwd_given else call.root)
    return evaluate(command, SHELL, dialect, scope)


def _commit_message(command: str) -> str | None:
    """``git commit -m <message>`` whose message the commits gate would reject: why, else None."""
    if "commit" not in command:
        return None
    from ci_gates.gates.commits import command_denial

    return command_denial(command)


def check(call: Call) -> Answer:
    call.expect("PreToolUse", SHELL_TOOLS)
    command = _command(call)
    findings = _findings(call, command)
    denied = [f for f in findings if f.severity == "error"]
    if denied:
        return DENY, "\n".join(
            f"Blocked by tool_guard rule {f.rule} (`python -m ci_gates.gates --rules tool_guard`): "
            f"{f.message}. Instead: {f.fix}"
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
            f"Note (tool_guard {f.rule}): {f.message}. {f.fix[:1].upper()}{f.fix[1:]}"
            for f in findings
        )
    return None


main = entry("tool_guard", check)
