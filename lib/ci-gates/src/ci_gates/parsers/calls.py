"""The tools one simple command runs, seeing through Python's and uv's runners.

``python -m pytest -x`` is ``Call("pytest", None, ["-x"], "python -m", …)``; ``uv run --with
rich pytest`` is the uv call (its options as ``args``, the command it runs as ``command``)
followed by the pytest call. ``uvx``, ``uv tool run``, ``pipx run`` and ``python -m`` are seen
through; the command ``uv run`` runs is unwrapped like any shell command (``uv run bash -c
'…'``, ``uv run env X=1 …``). Used by the tool_guard rules and the readme gate's ``nox -s``
check. Standard library only (hooks import it).
"""

from __future__ import annotations

from ci_gates.core.records import record
from ci_gates.parsers import shell

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple

    class Call(NamedTuple):
        tool: str
        sub: str | None
        args: list[str]
        via: str
        command: list[str]
        env: dict[str, str]
        line: int

else:
    Call = record("Call", "tool sub args via command env line")
Call.__doc__ = (
    "One tool invocation: ``tool`` (basename), ``sub`` (first word after its global options, or "
    "None), ``args`` (its options and arguments; for ``uv run`` only its options), ``via`` (the "
    'runner: "", "python -m", "uvx", "uv run", …), ``command`` (the words as written; for '
    "``uv run``, the command it runs), ``env`` (a dict of the environment exported to it), "
    "``line`` (0-based)."
)

# Options that take a value, per tool, before the subcommand (or, for uv run, the command).
GLOBAL_VALUE = {
    "cargo": frozenset("--color --config -Z -C".split()),
    "uv": frozenset(
        "--directory --project --config-file --cache-dir --color --python-preference "
        "--allow-insecure-host".split()
    ),
}
UV_RUN_VALUE = GLOBAL_VALUE["uv"] | frozenset(
    "--with --with-editable --with-requirements --extra --no-extra --group --no-group "
    "--only-group --python -p --package --env-file --index --default-index --index-url -i "
    "--extra-index-url --find-links -f --resolution --prerelease --exclude-newer --from "
    "--index-strategy --keyring-provider --link-mode --refresh-package --reinstall-package "
    "--upgrade-package -P --no-build-package --no-binary-package --config-setting -C "
    "--fork-strategy --python-platform --no-sources-package --max-recursion-depth "
    "--exclude-newer-package --config-settings-package".split()
)


def is_python(tool: str) -> bool:
    """``python``, ``python3.12``, ``python3.13t``, ``pypy3``, ``py``."""
    for prefix in ("python", "pypy"):
        if tool.startswith(prefix):
            version = tool[len(prefix) :]
            version = version[:-1] if version.endswith("t") else version
            return not version or (version[0].isdigit() and version.replace(".", "").isdigit())
    return tool == "py"


def split_options(args: list[str], value_opts: frozenset[str]) -> tuple[list[str], list[str]]:
    """``(options, rest)``: leading options (with their values) and what follows them."""
    i = 0
    while i < len(args) and args[i].startswith(("-", "+")) and args[i] not in ("-", "--"):
        i += 2 if args[i] in value_opts else 1
    return args[:i], args[i + 1 if i < len(args) and args[i] == "--" else i :]


def option(args: list[str], names: tuple[str, ...]) -> str | None:
    """The value of the first of ``names`` in ``args`` (``--x v`` / ``--x=v``); "" for a flag
    without one; None when absent."""
    for k, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in names:
            if eq:
                return value
            nxt = args[k + 1] if k + 1 < len(args) else ""
            return nxt if not nxt.startswith("-") else ""
    return None


def calls(cmd: shell.Command, depth: int = 0) -> list[Call]:
    """The tool invocations in one simple command (launchers already removed)."""
    return _calls(list(cmd.words), "", dict(cmd.env), cmd.line, depth)


def _calls(words: list[str], via: str, env: dict[str, str], line: int, depth: int) -> list[Call]:
    if not words or depth > shell.MAX_DEPTH:
        return []
    tool, args = shell.basename(words[0]), words[1:]
    if is_python(tool):
        i = 0
        while i < len(args) and args[i].startswith("-") and not args[i].startswith(("-m", "-c")):
            i += 2 if args[i] in ("-X", "-W", "-Q") else 1
        if i < len(args) and args[i].startswith("-m"):
            module = args[i][2:] or (args[i + 1] if i + 1 < len(args) else "")
            rest = args[i + 1 :] if args[i][2:] else args[i + 2 :]
            return _calls([module, *rest], "python -m", env, line, depth) if module else []
        return []
    if tool == "uvx":
        return _calls(split_options(args, UV_RUN_VALUE)[1], "uvx", env, line, depth)
    if tool == "pipx" and args[:1] == ["run"]:
        rest = split_options(args[1:], frozenset({"--spec", "--python"}))[1]
        return _calls(rest, "pipx run", env, line, depth)
    opts, rest = split_options(args, GLOBAL_VALUE.get(tool, frozenset()))
    sub = rest[0] if rest else None
    if tool == "uv" and sub == "tool" and rest[1:2] == ["run"]:
        return _calls(split_options(rest[2:], UV_RUN_VALUE)[1], "uv tool run", env, line, depth)
    if tool == "uv" and sub == "run":
        run_opts, command = split_options(rest[1:], UV_RUN_VALUE)
        out = [Call("uv", "run", opts + run_opts, via, command, env, line)]
        if command:
            inner = shell.Command(command, line, tuple(env.items()))
            for cmd in shell.unwrap(inner, depth + 1, env):
                out += _calls(list(cmd.words), "uv run", dict(cmd.env), cmd.line, depth + 1)
        return out
    return [Call(tool, sub, opts + rest[1:], via, words, env, line)]
