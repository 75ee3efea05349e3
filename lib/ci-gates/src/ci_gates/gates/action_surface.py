"""Gate ``action_surface``: every call of the project's CLI in actions, workflows and docs is real.

The CLI is ``names(root).cli`` (:mod:`ci_gates.core.project`). The gate runs the BUILT CLI's hidden
``--dump-surface`` (its clap command tree as JSON: subcommands at every depth, flags with
aliases, hidden ones included, values and possible values) and walks each call found in
``run:`` scripts of composite actions and workflows and in shell blocks of the Markdown docs
through that tree (:func:`check`). A call of a former CLI name (``[tool.ci-gates.project]
former-cli-names``, kept by the rename tool) is stale. A project without a CLI passes with a
note. Rule functions and the extraction helpers import only the standard library.
"""

from __future__ import annotations

import glob
import os

from ci_gates.checks.cli_surface import Cmd, Invocation, Option, calls, is_dynamic
from ci_gates.core import venvs
from ci_gates.core.findings import NOTE, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import PYYAML, WORKFLOW_INPUTS
from ci_gates.core.registry import Gate


def _applies(root: str) -> str:
    """Skipped where the project builds no CLI."""
    from ci_gates.core.project import ProjectError, names

    try:
        cli = names(root).cli
    except ProjectError:
        return ""
    if cli:
        return ""
    return (
        "no CLI crate in the wheel (a workspace member with a binary the build ships; plain "
        "maturin ships none: [tool.ci-gates.project] cli-crate names one it does)"
    )


GATE = Gate(
    "action_surface",
    "Every call of the project's CLI in actions, workflows and docs is real",
    requires=("build",),
    packages=(PYYAML,),
    inputs=(*WORKFLOW_INPUTS, "**/*.md"),
    config=("project",),
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

YAML_GLOBS = (
    "action.yml",
    "action.yaml",
    "action/**/action.yml",
    "action/**/action.yaml",
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".github/actions/**/action.yml",
    ".github/actions/**/action.yaml",
)
MARKDOWN_GLOBS = (
    "*.md",
    "docs/**/*.md",
    "action/**/*.md",
    "crates/*/README.md",
    "python/*/README.md",
)
ADD_IT = "fix the call, or add it to the CLI"


@rule("AS001")
def unknown_subcommand(rel: str, line: int, prog: str, cmd: Cmd, word: str) -> Finding | None:
    """A call names a subcommand the built CLI does not have (at that depth).

    Subcommands and their aliases come from the CLI's ``--dump-surface``, hidden ones included;
    a word that is a variable (``"$SUB"``) is not checked.
    """
    if word in cmd.commands:
        return None
    names = ", ".join(n for n in cmd.visible if n != "help") or "none"
    return finding_of(
        unknown_subcommand,
        f"`{prog}` has no subcommand {word!r} (subcommands: {names})",
        rel,
        line,
        fix=ADD_IT,
    )


@rule("AS002")
def unknown_option(rel: str, line: int, prog: str, cmd: Cmd, flag: str) -> Finding | None:
    """A call passes an option the built CLI (sub)command does not accept.

    Long and short names and their aliases count, hidden options included.
    """
    if flag in cmd.options:
        return None
    shown = sorted(
        {f for f in cmd.options if not f.startswith("--dump")}, key=lambda f: f.lstrip("-")
    )
    return finding_of(
        unknown_option,
        f"`{prog}` has no option {flag!r} (options: {', '.join(shown) or 'none'})",
        rel,
        line,
        fix=ADD_IT,
    )


@rule("AS003")
def bad_option_value(
    rel: str, line: int, prog: str, flag: str, option: Option, value: str | None, attached: bool
) -> Finding | None:
    """An option's value is wrong: given to a flag that takes none, missing, or not allowed.

    ``--flag=value`` on a plain flag, a value-taking option at the end of the call, and a
    literal value outside the option's possible values are all usage errors (exit 2).
    """
    message = ""
    if option.kind == "none":
        message = f"option {flag!r} takes no value (got {flag}={value})" if attached else ""
    elif value is None:
        message = f"option {flag!r} needs a value" if option.kind == "required" else ""
    elif option.choices and not is_dynamic(value) and value not in option.choices:
        message = f"option {flag!r} takes one of {', '.join(option.choices)} (got {value!r})"
    return (
        finding_of(bad_option_value, f"`{prog}`: {message}", rel, line, fix=ADD_IT)
        if message
        else None
    )


@rule("AS004")
def stale_cli_name(rel: str, line: int, called: str, cli: str | None) -> Finding | None:
    """A call of a CLI name this project no longer builds (a former name, e.g. before a rename).

    The former names are ``[tool.ci-gates.project] former-cli-names``; the rename tool adds the
    old name there, so a README, action or workflow it missed fails here.
    """
    if called == cli:
        return None
    builds = f"its CLI is `{cli}`" if cli else "it builds no CLI"
    return finding_of(
        stale_cli_name,
        f"calls `{called}`, which this project does not build ({builds})",
        rel,
        line,
        fix=f"call `{cli}` instead" if cli else "remove the call",
    )


@rule("AS005")
def unparsable_yaml(rel: str, error: str) -> Finding:
    """A workflow or composite action is not valid YAML, so its calls cannot be checked."""
    return finding_of(unparsable_yaml, f"not valid YAML ({error})", rel, fix="fix the syntax")


@rule("AS006")
def surface_of_another_cli(dump_name: str, cli: str) -> Finding | None:
    """The built CLI calls itself by another name in its usage and ``--version`` (clap's ``name``).

    After a rename the binary is renamed but a hard-coded ``#[command(name = …)]`` is not;
    ``name = env!("CARGO_BIN_NAME")`` keeps them equal.
    """
    if dump_name == cli:
        return None
    return finding_of(
        surface_of_another_cli,
        f"the built `{cli}` names itself `{dump_name}` (clap `name`)",
        fix='set `#[command(name = env!("CARGO_BIN_NAME"))]` in the CLI crate',
    )


@rule("AS007", severity=NOTE)
def no_cli(former: list[str]) -> Finding:
    """The project builds no CLI (``ci_gates.core.project.names().cli`` is None): no call to check."""
    stale = f"; still checked for calls of former names {', '.join(former)}" if former else ""
    return finding_of(no_cli, f"no CLI in this project, nothing to check{stale}", severity=NOTE)


@rule("AS008", severity=NOTE)
def checked(count: int, cli: str) -> Finding:
    """How many calls of the CLI were checked against its built surface (a summary)."""
    return finding_of(
        checked, f"checked {count} call(s) of `{cli}` against the built CLI", severity=NOTE
    )


def check(call: Invocation, top: Cmd, rel: str) -> list[Finding]:
    """Walk one call through the command tree: subcommands, options and their values."""
    found: list[Finding] = []
    cmd, prog, args, i, positional = top, call.program, list(call.args), 0, False
    while i < len(args):
        arg, i = args[i], i + 1
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-" and not is_dynamic(arg[:2]):
            check_flag = _long_flag if arg.startswith("--") else _short_flags
            finding, i, stop = check_flag(call.line, rel, prog, cmd, arg, args, i)
            found.extend([finding] if finding else [])
            if stop:  # --help, --version: clap parses nothing after them
                break
        elif is_dynamic(arg):
            if cmd.commands and not positional:
                break  # a subcommand chosen at run time cannot be checked
        elif arg in cmd.commands and not positional:
            cmd = cmd.commands[arg]
            prog = f"{prog} {cmd.name}"
        elif cmd.commands and not cmd.positionals:
            found.extend(f for f in [unknown_subcommand(rel, call.line, prog, cmd, arg)] if f)
            break
        else:
            positional = True
    return found


def _long_flag(
    line: int, rel: str, prog: str, cmd: Cmd, arg: str, args: list[str], i: int
) -> tuple[Finding | None, int, bool]:
    flag, eq, value = arg.partition("=")
    option = cmd.options.get(flag)
    if option is None:
        return unknown_option(rel, line, prog, cmd, flag), i, False
    given: str | None = value if eq else None
    if not eq and option.kind == "required":
        given, i = (args[i] if i < len(args) else None), i + 1
    return bad_option_value(rel, line, prog, flag, option, given, bool(eq)), i, option.stops


def _short_flags(
    line: int, rel: str, prog: str, cmd: Cmd, arg: str, args: list[str], i: int
) -> tuple[Finding | None, int, bool]:
    """``-abc``: plain flags until one takes a value (the rest of the word, or the next word)."""
    for j, c in enumerate(arg[1:], 1):
        flag, option = f"-{c}", cmd.options.get(f"-{c}")
        if option is None:
            return unknown_option(rel, line, prog, cmd, flag), i, False
        if option.stops or option.kind == "none":
            if option.stops:
                return None, i, True
            continue
        rest = arg[j + 1 :]
        given: str | None = rest[1:] if rest.startswith("=") else rest or None
        if given is None and option.kind == "required":
            given, i = (args[i] if i < len(args) else None), i + 1
        return bad_option_value(rel, line, prog, flag, option, given, False), i, False
    return None, i, False


# --- where the calls are (small functions: a shared Markdown/YAML extraction may replace them)


def _rel_paths(root: str, patterns: tuple[str, ...]) -> list[str]:
    found = {p for pat in patterns for p in glob.glob(os.path.join(root, pat), recursive=True)}
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in found if os.path.isfile(p))


def _markdown_globs(root: str) -> tuple[str, ...]:
    """:data:`MARKDOWN_GLOBS`, and the same under the project's directory in a workspace."""
    from ci_gates.core.project import ProjectError, names

    try:
        project = names(root).project
    except ProjectError:
        project = ""
    nested = tuple(f"{project}/{p}" for p in MARKDOWN_GLOBS) if project else ()
    return MARKDOWN_GLOBS + nested


def markdown_scripts(text: str) -> list[tuple[int, str]]:
    """``(first_line, script)`` (0-based) of the shell code blocks of a Markdown file."""
    from ci_gates.parsers import shell

    return shell.markdown_blocks(text)


def yaml_scripts(text: str) -> list[tuple[int, str]]:
    """``(first_line, script)`` (0-based) of the ``run:`` scripts; raises ``yaml.YAMLError``."""
    from ci_gates.gates.tool_guard.rules import run_scripts

    return run_scripts(text)


def sources(root: str, bad: list[Finding]) -> Iterator[tuple[str, int, str]]:
    """``(path, first line (1-based), script)`` of every script checked; YAML errors go to ``bad``."""
    import yaml

    for rel in _rel_paths(root, YAML_GLOBS) + _rel_paths(root, _markdown_globs(root)):
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        try:
            blocks = markdown_scripts(text) if rel.endswith(".md") else yaml_scripts(text)
        except yaml.YAMLError as exc:
            bad.append(unparsable_yaml(rel, str(exc).splitlines()[0]))
            continue
        for first, script in blocks:
            yield rel, first + 1, script


def load_surface(root: str, cli: str) -> tuple[Cmd, str]:
    """The built CLI's command tree and the name it gives itself; :class:`CannotRun` if none."""
    import json
    import subprocess

    from ci_gates.checks import artifacts
    from ci_gates.checks.cli_surface import SurfaceError, from_dump

    try:
        scripts = venvs.venv_scripts(artifacts.wheel_venv(root, "action_surface"))
    except artifacts.ArtifactError as exc:
        raise CannotRun(str(exc), "run `nox -s build`, then `nox -s action_surface`") from None
    exe = os.path.join(scripts, cli + (".exe" if os.name == "nt" else ""))
    if not os.path.isfile(exe):
        raise CannotRun(
            f"the built wheel installs no `{cli}` ({exe})", "see the wheel and native_import gates"
        )
    proc = subprocess.run([exe, "--dump-surface"], capture_output=True, text=True, timeout=60)
    try:
        if proc.returncode != 0:
            raise SurfaceError(f"exit {proc.returncode}: {proc.stderr.strip()[:200]}")
        data = json.loads(proc.stdout)
        return from_dump(data), str(data.get("name", ""))
    except (ValueError, SurfaceError) as exc:
        raise CannotRun(
            f"`{cli} --dump-surface` gave no command tree ({exc})",
            "give the CLI a hidden --dump-surface flag (see the template's surface.rs), or skip "
            'this gate: [tool.ci-gates] skip = { action_surface = "why" }',
        ) from None


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names

    root, config = config_for(root)
    try:
        __import__("yaml")
    except ImportError:
        raise CannotRun("pyyaml is not installed", "run `nox -s action_surface`") from None
    try:
        cli = names(root).cli
    except ProjectError as exc:
        raise CannotRun(str(exc), path="pyproject.toml") from None
    former = [n for n in config["project"]["former-cli-names"] if n != cli]
    programs = frozenset([*former, *([cli] if cli else [])])
    found: list[Finding] = []
    mine = [
        (rel, c)
        for rel, first, script in sources(root, found)
        for c in calls(script, programs, first)
    ]
    found.extend(f for rel, c in mine if (f := stale_cli_name(rel, c.line, c.program, cli)))
    if cli is None:
        return [no_cli(former), *found]
    top, dump_name = load_surface(root, cli)
    found.extend(f for f in [surface_of_another_cli(dump_name, cli)] if f)
    ours = [(rel, c) for rel, c in mine if c.program == cli]
    for rel, call in ours:
        found.extend(check(call, top, rel))
    return [*found, checked(len(ours), cli)]
