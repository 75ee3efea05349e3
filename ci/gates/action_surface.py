"""action_surface: every ``template-cli`` call in actions, workflows and docs is real.

Runs the BUILT ``template-cli --help`` and ``template-cli <sub> --help``, parses clap's
``Commands:`` and option sections structurally (:func:`parse_help`), and checks each
``template-cli <sub> [--flag ...]`` found in ``run:`` scripts of ``action.yml``,
``action/**/action.yml`` and ``.github/workflows/*.yml``, and in fenced shell blocks of the
Markdown docs (:func:`invocations`, via :mod:`ci.shell`: quoted text of other commands is data).
The pure functions import only the standard library so hooks can reuse them.
"""

from __future__ import annotations

import collections
import glob
import os
import re

from ci import shell
from ci.gates import cannot_run, note, problem, project_root, verdict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

CLI = "template-cli"
YAML_GLOBS = (
    "action.yml",
    "action/**/action.yml",
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
)
MARKDOWN_GLOBS = ("*.md", "docs/**/*.md", "crates/*/README.md", "python/*/README.md")

# commands: name or alias -> canonical name; options: flag -> "none" | "required" | "optional"
Help = collections.namedtuple("Help", "commands options")
# A call of the CLI: 1-based line in its file, and the words after the program name.
Invocation = collections.namedtuple("Invocation", "line args")

_HEADING = re.compile(r"^(\S[^:]*):\s*$")
_OPTION = re.compile(
    r"^(?:(?P<short>-[^-\s,])(?:,\s*)?)?(?P<long>--[A-Za-z0-9][\w-]*)?"
    r"(?P<value>(?:\.\.\.)?(?:\[=<|[ =]<|\s\[<)?)"
)
_ALIASES = re.compile(r"\[(?:short )?alias(?:es)?: ([^\]]*)\]")


def parse_help(text: str) -> Help:
    """Subcommands (with visible aliases) and flags (with their value kind) of clap help."""
    commands: dict[str, str] = {}
    options: dict[str, str] = {}
    section = None
    entry: list[str] = []  # [kind, flag...] of the option whose description continues

    for raw in text.splitlines():
        line = raw.rstrip()
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(1)
            continue
        if not line or section is None or section in {"Usage", "Arguments"}:
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent >= 8 or indent == 0:  # a description line (long help) or prose
            aliases = _ALIASES.search(body)
            if aliases and entry:
                for alias in aliases.group(1).split(","):
                    options[alias.strip()] = entry[0]
            continue
        if section in {"Commands", "Subcommands"}:
            name = body.split()[0]
            commands[name] = name
            aliases = _ALIASES.search(body)
            for alias in aliases.group(1).split(",") if aliases else ():
                commands[alias.strip()] = name
            continue
        match = _OPTION.match(body)
        if not body.startswith("-") or not match or not (match["short"] or match["long"]):
            continue
        value = match["value"].replace("...", "")
        kind = "optional" if "[" in value else "required" if "<" in value else "none"
        entry = [kind]
        for flag in (match["short"], match["long"]):
            if flag:
                options[flag] = kind
        aliases = _ALIASES.search(body)
        for alias in aliases.group(1).split(",") if aliases else ():
            options[alias.strip()] = kind
    return Help(commands, options)


_ASSIGNMENT = re.compile(r"([A-Za-z_]\w*)=(.*)", re.S)
_VAR_SUFFIX = re.compile(r"(\$\{?\w+\}?)+$")  # template-cli$exe, template-cli${EXE}


def _names_cli(word: str) -> bool:
    name = shell.basename(word)
    return name == CLI or _VAR_SUFFIX.sub("", name) == CLI


def cli_variables(script: str) -> set[str]:
    """Shell variables assigned the CLI's path (``binary="$bin/template-cli$exe"``)."""
    names = set()
    for cmd in shell.lex(script):
        words = cmd.words
        if words and words[0] in {"export", "local", "readonly", "declare", "typeset"}:
            words = [w for w in words[1:] if not w.startswith("-")]
        for word in words:
            m = _ASSIGNMENT.fullmatch(word)
            if not m:
                break  # past the assignments: a command, not an assignment
            if _names_cli(m.group(2)):
                names.add(m.group(1))
    return names


def invocations(script: str, first_line: int = 1) -> list[Invocation]:
    """Every call of the CLI in a shell script whose first line is line ``first_line``.

    :mod:`ci.shell` finds the commands (through ``env``, ``bash -c``, ``$( )``, pipes and
    line continuations; quoted text of other commands, comments and here-documents are data).
    A call through a variable holding the CLI's path (``"$binary" --version``) counts too.
    """
    variables = cli_variables(script)
    aliases = {f"${v}" for v in variables} | {f"${{{v}}}" for v in variables}
    return [
        Invocation(first_line + cmd.line, cmd.words[1:])
        for cmd in shell.commands(script)
        if cmd.words and (_names_cli(cmd.words[0]) or cmd.words[0] in aliases)
    ]


def check(call: Invocation, top: Help, subs: dict[str, Help], where: str) -> list[str]:
    """Problems with one call: an unknown subcommand, an unknown flag, a flag's value."""
    args = list(call.args)
    found: list[str] = []
    help_, prog = top, CLI
    sub = None
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("$"):
            if sub is None:
                return found  # a subcommand chosen at run time cannot be checked
            continue
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-":
            i = _check_flag(arg, args, i, help_, f"{where}: {prog}", found)
            continue
        if sub is None:
            if arg not in top.commands:
                names = ", ".join(sorted({c for c in top.commands.values() if c != "help"}))
                found.append(
                    f"{where}: {CLI} has no subcommand {arg!r} (subcommands: {names}); "
                    f"fix the call or add the subcommand to the CLI"
                )
                return found
            sub = top.commands[arg]
            prog = f"{CLI} {sub}"
            help_ = subs.get(sub, Help({}, {}))
            if sub == "help":
                return found + (
                    check(Invocation(call.line, args[i:]), top, subs, where)
                    if i < len(args) and not args[i].startswith("-")
                    else []
                )
    return found


def _check_flag(arg: str, args: list[str], i: int, help_: Help, prog: str, found: list[str]) -> int:
    known = ", ".join(sorted(help_.options, key=lambda f: f.lstrip("-"))) or "none"
    if arg.startswith("--"):
        flag, eq, _ = arg.partition("=")
        kind = help_.options.get(flag)
        if kind is None:
            found.append(
                f"{prog} has no option {flag!r} (options: {known}); "
                f"fix the call or add the option to the CLI"
            )
        elif eq and kind == "none":
            found.append(f"{prog}: option {flag!r} takes no value (got {arg!r})")
        elif not eq and kind == "required":
            if i >= len(args):
                found.append(f"{prog}: option {flag!r} needs a value")
            return i + 1
        return i
    for j, c in enumerate(arg[1:], 1):
        kind = help_.options.get(f"-{c}")
        if kind is None:
            found.append(
                f"{prog} has no option '-{c}' (options: {known}); "
                f"fix the call or add the option to the CLI"
            )
            return i
        if kind != "none":
            rest = arg[j + 1 :]
            if not rest and kind == "required":
                if i >= len(args):
                    found.append(f"{prog}: option '-{c}' needs a value")
                return i + 1
            return i
    return i


def sources(root: str) -> Iterator[tuple[str, int, str]]:
    """(relative path, first line (1-based), script) of every script this gate checks."""
    import yaml  # heavy: only when the gate runs

    from ci.gates.tool_guard import run_scripts

    def rel_paths(patterns: tuple[str, ...]) -> list[str]:
        found = {p for pat in patterns for p in glob.glob(os.path.join(root, pat), recursive=True)}
        return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in found)

    for rel in rel_paths(YAML_GLOBS) + rel_paths(MARKDOWN_GLOBS):
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        if rel.endswith(".md"):
            blocks = shell.markdown_blocks(text)
        else:
            try:
                blocks = run_scripts(text)
            except yaml.YAMLError as exc:
                problem(f"{rel}: not valid YAML ({str(exc).splitlines()[0]}); fix the syntax")
                continue
        for first, script in blocks:
            yield rel, first + 1, script


def run(root: str | None = None) -> int:
    import subprocess

    from ci import artifacts, gates

    root = root or project_root()
    before = len(gates.messages)
    try:
        __import__("yaml")
    except ImportError:
        return cannot_run("action_surface: needs pyyaml; run it through `nox -s action_surface`")
    try:
        scripts = artifacts.venv_scripts(artifacts.wheel_venv(root, "action_surface"))
    except artifacts.ArtifactError as exc:
        return cannot_run(f"action_surface: {exc}")
    exe = os.path.join(scripts, CLI + (".exe" if os.name == "nt" else ""))
    if not os.path.isfile(exe):
        return cannot_run(
            f"action_surface: the built wheel installs no {exe}; "
            "see the wheel and native_import gates"
        )

    def help_of(*argv: str) -> Help:
        proc = subprocess.run([exe, *argv, "--help"], capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            problem(
                f"action_surface: `{CLI} {' '.join(argv)} --help` exited {proc.returncode}: "
                f"{proc.stderr.strip()[:200]}"
            )
        return parse_help(proc.stdout)

    top = help_of()
    if not top.commands:
        problem(
            f"action_surface: no Commands: section in `{CLI} --help`; "
            "the CLI lost its subcommands or clap changed its help layout (fix parse_help)"
        )
        return verdict(len(gates.messages) - before)
    subs = {name: help_of(name) for name in sorted(set(top.commands.values()) - {"help"})}
    n_calls = 0
    for rel, first, script in sources(root):
        for call in invocations(script, first):
            n_calls += 1
            for msg in check(call, top, subs, f"{rel}:{call.line}"):
                problem(msg)
    note(f"action_surface: checked {n_calls} {CLI} call(s) against the built CLI")
    return verdict(len(gates.messages) - before)
