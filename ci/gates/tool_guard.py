"""Gate ``tool_guard``: every command this repository tells someone to run obeys ONE rule table.

Checked: the ``run:`` steps of ``.github/workflows/*.yml`` and of the composite actions
(``action.yml``, ``action/**/action.yml``), shell scripts (``*.sh`` and
``[tool.ci-gates.tool-guard] scripts``), and shell code blocks in Markdown. The agent hook
(``ci/hooks/tool_guard.py``) calls :func:`evaluate` on every Bash command with the same
:data:`RULES`, so a command the gate rejects in a README is the command the hook refuses.

Contexts: ``"shell"`` (an agent's command, a script, a doc block), ``"ci"`` (a ``run:`` step
of the CI workflow: only ``nox -s <session>``), ``"release"`` (a ``run:`` step of a release
workflow: publishing allowed). A finding is ``"deny"`` (the gate fails, the hook refuses) or
``"note"`` (allowed; the hook tells the agent which nox session CI runs).
Module level imports only the standard library: the hook imports it on every call.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

from ci import shell

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Finding = namedtuple("Finding", "action rule reason instead")
Rule = namedtuple("Rule", "rule action tools sub unless contexts instead")
# One tool invocation: ``python -m pytest -x`` is Call("pytest", None, ["-x"], "python -m", …).
Call = namedtuple("Call", "tool sub args via text")

SHELL, CI, RELEASE = "shell", "ci", "release"
EVERYWHERE, NOT_RELEASE, NOT_CI = (SHELL, CI, RELEASE), (SHELL, CI), (SHELL, RELEASE)
CI_TOOLS = ("cargo", "pytest", "maturin", "ruff", "mypy", "python -m")
_CLIPPY_STRICT = ("-D warnings", "-Dwarnings", "--deny warnings", "--deny=warnings")
_PUBLISH = "the release workflow (push a version tag); a dry run is fine anywhere"

# The ONE rule table. ``unless``: flags that make the rule not apply; ``instead``: None means
# computed from the command (see :func:`_instead`). Texts per rule: :data:`REASONS`.
RULES: tuple[Rule, ...] = (
    Rule("uv-run", "deny", ("uv",), "run", ("--no-project", "--script", "-s"), EVERYWHERE, None),
    Rule("publish", "deny", ("cargo",), "publish", ("--dry-run", "-n"), NOT_RELEASE, _PUBLISH),
    Rule("publish", "deny", ("twine",), "upload", (), NOT_RELEASE, _PUBLISH),
    Rule("publish", "deny", ("maturin",), "publish", (), NOT_RELEASE, _PUBLISH),
    Rule("publish", "deny", ("maturin",), "upload", (), NOT_RELEASE, _PUBLISH),
    Rule("publish", "deny", ("uv",), "publish", ("--dry-run",), NOT_RELEASE, _PUBLISH),
    Rule("ci-direct", "deny", CI_TOOLS, None, (), (CI,), None),
    Rule("clippy", "note", ("cargo",), "clippy", _CLIPPY_STRICT, NOT_CI, "nox -s clippy"),
    Rule("cargo-test", "note", ("cargo",), "test", ("--locked",), NOT_CI, "nox -s cargo_test"),
    Rule("pytest", "note", ("pytest",), None, (), NOT_CI, "nox -s pytest"),
    Rule("ruff", "note", ("ruff",), "check", (), NOT_CI, "nox -s ruff"),
    Rule("mypy", "note", ("mypy",), None, (), NOT_CI, "nox -s typecheck"),
    Rule("build", "note", ("maturin",), "build", (), NOT_CI, "nox -s build"),
    Rule("build", "note", ("maturin",), "develop", (), NOT_CI, "nox -s build"),
    Rule("build", "note", ("pip",), "wheel", (), NOT_CI, "nox -s build"),
    Rule("build", "note", ("build",), None, (), NOT_CI, "nox -s build"),
)

# rule -> (what the command does, why that is denied or differs from CI)
REASONS = {
    "uv-run": (
        "runs without --no-project",
        "in this maturin project `uv run` first builds and installs the whole wheel (Rust too)",
    ),
    "publish": (
        "publishes a release",
        "releases are published only by the release workflow, through trusted publishing",
    ),
    "ci-direct": (
        "calls the tool directly in the CI workflow",
        "each CI step is exactly one `nox -s <session>`, the command developers run",
    ),
    "clippy": ("differs from CI", "CI runs clippy on the whole workspace with `-D warnings`"),
    "cargo-test": ("differs from CI", "CI runs `cargo test --workspace --locked`"),
    "pytest": ("differs from CI", "CI runs pytest against the installed wheel, not the source"),
    "ruff": ("differs from CI", "CI runs the pinned ruff: check and format --check"),
    "mypy": ("differs from CI", "CI runs the pinned mypy over ci/, noxfile.py, tasks.py, python/"),
    "build": ("builds the wheel", "CI builds the wheel and sdist once, reused while inputs match"),
}

# The nox session that runs a tool the way CI does: (tool, subcommand) first, then the tool.
SESSIONS: dict[Any, str] = {
    ("cargo", "test"): "nox -s cargo_test",
    ("cargo", "clippy"): "nox -s clippy",
    ("cargo", "fmt"): "nox -s fmt",
    ("cargo", "build"): "nox -s build",
    "cargo": "nox -s cargo_test (or clippy, fmt, build)",
    "pytest": "nox -s pytest (or nox -s tests)",
    "ruff": "nox -s ruff",
    "mypy": "nox -s typecheck",
    "maturin": "nox -s build",
    "build": "nox -s build",
    ("pip", "wheel"): "nox -s build",
}
_NO_SESSION = "one `nox -s <session>`; add a session to ci/registry.py if none fits"

# Options that take a value, per tool, before the subcommand (or, for uv run, the command).
_GLOBAL_VALUE = {
    "cargo": frozenset("--color --config -Z -C".split()),
    "uv": frozenset(
        "--directory --project --config-file --cache-dir --color --python-preference "
        "--allow-insecure-host".split()
    ),
}
_UV_RUN_VALUE = _GLOBAL_VALUE["uv"] | frozenset(
    "--with --with-editable --with-requirements --extra --no-extra --group --no-group "
    "--only-group --python -p --package --env-file --index --default-index --index-url -i "
    "--extra-index-url --find-links -f --resolution --prerelease --exclude-newer --from "
    "--index-strategy --keyring-provider --link-mode --refresh-package --reinstall-package "
    "--upgrade-package -P --no-build-package --no-binary-package --config-setting -C "
    "--fork-strategy --python-platform --no-sources-package".split()
)
_PYTHON = re.compile(r"(python|pypy)([0-9][0-9.]*t?)?|py")
_TRIGGERS = ("uv", "publish", "upload", "cargo", "py", "ruff", "maturin", "pip", "build")
_UNQUOTE = str.maketrans("", "", "'\"\\")


def _split(args: list[str], value_opts: frozenset[str]) -> tuple[list[str], list[str]]:
    """``(options, rest)``: leading options (with their values) and what follows them."""
    i = 0
    while i < len(args) and args[i].startswith(("-", "+")) and args[i] not in ("-", "--"):
        i += 2 if args[i] in value_opts else 1
    return args[:i], args[i + 1 if i < len(args) and args[i] == "--" else i :]


def _calls(words: list[str], via: str = "") -> list[Call]:
    """The tool invocations in one simple command, seeing through ``python -m``, ``uvx``,
    ``uv tool run`` and ``uv run`` (whose own call comes first, its options as ``args``)."""
    if not words:
        return []
    tool, args, text = shell.basename(words[0]), words[1:], " ".join(words)
    if _PYTHON.fullmatch(tool):
        i = 0
        while i < len(args) and args[i].startswith("-") and not args[i].startswith(("-m", "-c")):
            i += 2 if args[i] in ("-X", "-W", "-Q") else 1
        if i < len(args) and args[i].startswith("-m"):
            module = args[i][2:] or (args[i + 1] if i + 1 < len(args) else "")
            rest = args[i + 1 :] if args[i][2:] else args[i + 2 :]
            return _calls([module, *rest], "python -m") if module else []
        return []
    if tool == "uvx":
        return _calls(_split(args, _UV_RUN_VALUE)[1], "uvx")
    if tool == "pipx" and args[:1] == ["run"]:
        return _calls(_split(args[1:], frozenset({"--spec", "--python"}))[1], "pipx run")
    opts, rest = _split(args, _GLOBAL_VALUE.get(tool, frozenset()))
    sub = rest[0] if rest else None
    if tool == "uv" and sub == "tool" and rest[1:2] == ["run"]:
        return _calls(_split(rest[2:], _UV_RUN_VALUE)[1], "uv tool run")
    if tool == "uv" and sub == "run":
        run_opts, command = _split(rest[1:], _UV_RUN_VALUE)
        # The uv run call's text is the command it runs (for the suggestion).
        return [
            Call("uv", "run", opts + run_opts, via, " ".join(command)),
            *_calls(command, "uv run"),
        ]
    return [Call(tool, sub, opts + rest[1:], via, text)]


def _has(args: list[str], flags: tuple[str, ...]) -> bool:
    joined = f" {' '.join(args)} "
    return any(f" {flag} " in joined or f" {flag}=" in joined for flag in flags)


def _instead(rule: Rule, call: Call, inner: Call | None) -> str:
    if rule.instead is not None:
        return str(rule.instead)
    if rule.rule == "uv-run":
        if inner is not None and inner.tool == "nox":
            return f"{call.text} (nox is installed as a tool, not in the project)"
        session = inner and (SESSIONS.get((inner.tool, inner.sub)) or SESSIONS.get(inner.tool))
        return session or f"uv run --no-project {call.text or '…'}"
    return SESSIONS.get((call.tool, call.sub)) or SESSIONS.get(call.tool) or _NO_SESSION


def _matches(rule: Rule, call: Call, context: str) -> bool:
    if context not in rule.contexts:
        return False
    if call.tool not in rule.tools and not (
        call.via == "python -m" and "python -m" in rule.tools and call.tool != "nox"
    ):
        return False
    if rule.sub is not None and call.sub != rule.sub:
        return False
    return not (rule.unless and _has(call.args, rule.unless))


def check(words: list[str], context: str = SHELL) -> list[Finding]:
    """Findings for one simple command (launchers already removed, see :mod:`ci.shell`)."""
    if context not in EVERYWHERE:
        context = SHELL
    calls = _calls(list(words))
    shown = " ".join(words)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    found: list[Finding] = []
    for k, call in enumerate(calls):
        inner = calls[k + 1] if k + 1 < len(calls) else None
        for rule in RULES:
            if _matches(rule, call, context):
                what, why = REASONS[rule.rule]
                reason = f"`{shown}` {what}; {why}"
                finding = Finding(rule.action, rule.rule, reason, _instead(rule, call, inner))
                if finding not in found:
                    found.append(finding)
    if any(f.action == "deny" for f in found):
        found = [f for f in found if f.action == "deny"]
    return found


def findings(text: str, context: str = SHELL, line: int = 0) -> list[tuple[int, Finding]]:
    """``(line, finding)`` for every command in shell ``text`` (0-based lines plus ``line``)."""
    if not any(t in text.translate(_UNQUOTE) for t in _TRIGGERS):
        return []
    return [(cmd.line, f) for cmd in shell.commands(text, line) for f in check(cmd.words, context)]


def evaluate(command: str, context: str = SHELL) -> list[Finding]:
    """What the rule table says about one command line (or script); the hook denies on "deny"."""
    out: list[Finding] = []
    for _, finding in findings(command, context):
        if finding not in out:
            out.append(finding)
    return out


def _section(config: dict[str, Any]) -> dict[str, Any]:
    from ci.config import DEFAULTS

    section = config.get("tool-guard")
    return {**DEFAULTS["tool-guard"], **(section if isinstance(section, dict) else config)}


def _norm(path: str) -> str:
    path = path.replace("\\", "/").strip("/")
    while path.startswith("./"):
        path = path[2:]
    return path


def context_for(rel_path: str, config: dict[str, Any]) -> str:
    """``"release"``, ``"ci"`` or ``"shell"`` for the commands of a repo-relative file."""
    section, rel = _section(config), _norm(rel_path)
    if rel in {_norm(p) for p in section["release-files"]}:
        return RELEASE
    return CI if rel == _norm(section["ci-file"]) else SHELL


# --- the gate -------------------------------------------------------------------------------

_ACTION_OR_WORKFLOW = r"\.github/workflows/[^/]+\.ya?ml|(action/(.+/)?)?action\.ya?ml"


def _listed(root: str) -> list[str]:
    """Git-tracked files plus untracked ones git does not ignore (what is about to be committed)."""
    import subprocess

    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout
    return sorted({f for f in out.decode("utf-8", "surrogateescape").split("\0") if f})


def _is_python_step(step: Any) -> bool:
    shells = [v.value for k, v in step.value if getattr(k, "value", None) == "shell"]
    return any(isinstance(v, str) and v.strip().startswith("python") for v in shells)


def run_scripts(text: str) -> list[tuple[int, str]]:
    """``(first_line, script)`` (0-based) of every ``run:`` scalar in a workflow or action."""
    import yaml

    scripts: list[tuple[int, str]] = []
    stack = [yaml.compose(text, Loader=yaml.SafeLoader)]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if (
                    isinstance(key, yaml.ScalarNode)
                    and key.value == "run"
                    and isinstance(value, yaml.ScalarNode)
                ):
                    if _is_python_step(node):
                        continue  # `shell: python`: the script is Python, not shell
                    # A block scalar (| or >) starts on the line after its indicator.
                    block = value.style in ("|", ">")
                    scripts.append((value.start_mark.line + block, str(value.value)))
                else:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return sorted(scripts)


def file_findings(rel: str, text: str, config: dict[str, Any]) -> list[tuple[int, Finding]]:
    """``(1-based line, finding)`` for a workflow, action, script or Markdown file.

    Raises ``yaml.YAMLError`` for a workflow or action file that does not parse.
    """
    context = context_for(rel, config)
    if re.fullmatch(_ACTION_OR_WORKFLOW, rel):
        blocks = run_scripts(text)
    elif rel.endswith(".md"):
        blocks = shell.markdown_blocks(text)
    else:
        blocks = [(0, text)]
    return [
        (line + 1, f) for start, script in blocks for line, f in findings(script, context, start)
    ]


def run(root: str | None = None) -> int:
    from fnmatch import fnmatchcase

    from ci import gates

    loaded = gates.root_and_config(root)
    if loaded is None:
        return gates.CANNOT_RUN
    root, config = loaded
    try:
        import yaml
    except ImportError:
        return gates.cannot_run("tool_guard: needs pyyaml; run `nox -s tool_guard`")
    try:
        files = _listed(root)
    except (OSError, ValueError) as exc:
        return gates.cannot_run(
            f"tool_guard: cannot list files with git ({exc}); run it in a "
            "git checkout with git on PATH"
        )
    except Exception as exc:  # CalledProcessError: not a git repository
        return gates.cannot_run(
            f"tool_guard: `git ls-files` failed ({exc}); run it in a git checkout"
        )
    section = _section(config)
    scripts = {_norm(p) for p in section["scripts"]}
    problems = 0
    for rel in files:
        if any(fnmatchcase(rel, pattern) for pattern in section["exclude"]) or not (
            re.fullmatch(_ACTION_OR_WORKFLOW, rel) or rel.endswith((".sh", ".md")) or rel in scripts
        ):
            continue
        try:
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                text = f.read()
            found = file_findings(rel, text, config)
        except OSError:
            continue  # listed but deleted in the work tree
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{rel}:{mark.line + 1}" if mark is not None else rel
            gates.problem(
                f"{where}: invalid YAML ({getattr(exc, 'problem', exc)}); fix the "
                "syntax so its run: steps can be checked"
            )
            problems += 1
            continue
        for line, finding in found:
            if finding.action == "deny":
                gates.problem(f"{rel}:{line}: {finding.reason}; use instead: {finding.instead}")
                problems += 1
            else:
                gates.note(f"{rel}:{line}: note: {finding.reason}; CI runs: {finding.instead}")
    return gates.verdict(problems)
