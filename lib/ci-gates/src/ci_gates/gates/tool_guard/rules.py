"""Gate ``tool_guard``: every command this repository tells someone to run obeys ONE rule table.

Checked: the ``run:`` steps of ``.github/workflows/*.yml`` and of the composite actions
(``action.yml``, ``action/**/action.yml``), shell scripts (``*.sh``, ``*.ps1`` and
``[tool.ci-gates.tool-guard] scripts``), and shell code blocks in Markdown (read by
:mod:`ci_gates.parsers.markdown`). The agent hook (``ci/hooks/tool_guard.py``) calls :func:`evaluate` on
every Bash / PowerShell command with the same rule functions (:data:`CALL_RULES`), so a command
the gate rejects in a README is the command the hook refuses.

Contexts: ``"shell"`` (an agent's command, a script, a doc block), ``"ci"`` (a ``run:`` step of
the CI workflow: only ``nox -s <session>``), ``"release"`` (a release workflow or job:
publishing allowed). An error fails the gate and makes the hook refuse the command; a note is
allowed (the hook tells the agent which nox session CI runs). Module level imports only the
standard library: the hook imports it on every call. Files and workflows: :mod:`.files`.
"""

from __future__ import annotations

from ci_gates.core.findings import ERROR, NOTE, Finding, finding_of, rule
from ci_gates.gates.tool_guard.triggers import worth_checking
from ci_gates.parsers import shell
from ci_gates.parsers.calls import Call, calls
from ci_gates.parsers.uvrun import SHELL as SHELL
from ci_gates.parsers.uvrun import Scope as Scope
from ci_gates.parsers.uvrun import after as _after
from ci_gates.parsers.uvrun import uv_run_builds

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CI, RELEASE = "ci", "release"
EVERYWHERE = (SHELL, CI, RELEASE)
# The nox session that runs a tool the way CI does: (tool, subcommand) first, then the tool.
SESSIONS: dict[Any, str] = {
    ("cargo", "test"): "nox -s cargo_test",
    ("cargo", "clippy"): "nox -s clippy",
    ("cargo", "fmt"): "nox -s fmt",
    ("cargo", "build"): "nox -s build",
    "cargo": "nox -s cargo_test",
    "pytest": "nox -s pytest",
    "ruff": "nox -s ruff",
    "mypy": "nox -s typecheck",
    "maturin": "nox -s build",
    "build": "nox -s build",
    ("pip", "wheel"): "nox -s build",
}
CI_TOOLS = ("cargo", "pytest", "maturin", "ruff", "mypy")
_PUBLISHERS: dict[tuple[str, str | None], tuple[str, ...]] = {  # -> its dry-run flags
    ("cargo", "publish"): ("--dry-run", "-n"),
    ("twine", "upload"): (),
    ("maturin", "publish"): (),
    ("maturin", "upload"): (),
    ("uv", "publish"): ("--dry-run",),
}
_SAFE = frozenset("_@%+=:,./{}$-")


def _quote(word: str) -> str:
    """``shlex.quote`` without importing shlex (the hook's start-up budget)."""
    if word and all(c.isalnum() or c in _SAFE for c in word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def _shown(call: Call) -> str:
    """The command as a person would type it, cut to 80 characters."""
    uv_run = (call.tool, call.sub) == ("uv", "run")
    words = ["uv", "run", *call.args, *call.command] if uv_run else call.command
    text = " ".join(_quote(w) for w in words)
    return text if len(text) <= 80 else text[:77] + "..."


def _joined(words: list[str]) -> str:
    return " ".join(_quote(w) for w in words)


def session_for(call: Call) -> str | None:
    return SESSIONS.get((call.tool, call.sub)) or SESSIONS.get(call.tool)


@rule("TG001")
def uv_run_syncs_project(call: Call, scope: Scope) -> Finding | None:
    """``uv run`` that syncs this project first: in a maturin project, a full wheel build.

    ``uv run`` locks and syncs the project environment before running the command, which
    here means building and installing the whole wheel (Rust too) — minutes, on every call.
    Not denied: ``--no-project``, ``--no-sync``, ``--only-group G`` / ``--only-dev``,
    ``--script`` / ``-s`` or a script file with PEP 723 metadata (``# /// script``), a
    ``--project`` / ``--directory`` (or working directory) in another project or in a job
    without a checkout of this repository, and ``UV_NO_PROJECT=1`` / ``UV_NO_SYNC=1`` (prefix,
    ``env``, ``export``, ``$env:``, workflow ``env:``). The project uv finds is judged by its
    own ``pyproject.toml``: one that is not a package (``[tool.uv] package = false``, no build
    system) or whose backend compiles nothing is not a build, unless a workspace member it
    depends on is. A ``uv sync`` (or a ``uv run`` already reported) earlier in the same script
    or workflow job synced the project: a later ``uv run`` builds nothing (``--isolated``,
    ``--reinstall``, ``--refresh`` do). ``--frozen`` and ``--locked`` alone still sync and
    build: denied. Run the nox session instead, which builds once and reuses it.
    """
    verdict, why = uv_run_builds(call, scope)
    if verdict != "builds":
        return None
    inner = [c for cmd in shell.unwrap(shell.Command(list(call.command), 0)) for c in calls(cmd)]
    script = call.command[0] if call.command else "…"
    if why:
        fix = (
            f"give {script} PEP 723 metadata (`uv add --script {script} <dependency>`), or run "
            f"`uv run --no-project {_joined(call.command)}`"
        )
    elif inner and inner[0].tool == "nox":
        fix = f"run `{_joined(call.command)}` directly (nox is installed as a tool, not in the project)"
    elif inner and session_for(inner[0]):
        fix = f"run `{session_for(inner[0])}` instead, or `uv run --no-project …` if it needs no project"
    else:
        fix = f"run `uv run --no-project {_joined(call.command) or '…'}` (or add --no-sync / --only-group G)"
    reason = f" ({why})" if why else ""
    message = f"`{_shown(call)}` syncs this project first{reason}: in this maturin project that builds and installs the whole wheel (Rust too)"
    return finding_of(uv_run_syncs_project, message, fix=fix)


@rule("TG006", severity=NOTE)
def uv_run_undecided(call: Call, scope: Scope) -> Finding | None:
    """``uv run`` that may or may not build this project: the guard cannot tell.

    A script that is not in the repository (cloned or written at run time) may carry PEP 723
    metadata, which makes uv ignore the project; a ``--project`` / ``--directory`` / working
    directory named by a variable may be another project. The note asks for an explicit
    ``--no-project`` (or ``--script``) where the project is not needed.
    """
    verdict, why = uv_run_builds(call, scope)
    if verdict != "unknown":
        return None
    return finding_of(
        uv_run_undecided,
        f"`{_shown(call)}` may sync and build this project: {why}",
        fix="add `--no-project` (or `--script`) if it does not need this project",
        severity=NOTE,
    )


@rule("TG002")
def publishes_outside_release(call: Call, scope: Scope) -> Finding | None:
    """Publishing outside the release workflow: ``cargo publish``, ``twine upload``,
    ``maturin publish`` / ``upload``, ``uv publish``.

    Releases are published only by the release workflow, through trusted publishing. A
    release workflow is a file in ``[tool.ci-gates.tool-guard] release-files``, one that runs
    only on tags / releases / manual dispatch, or a job (or step) that runs only for those
    (``if: startsWith(github.ref, 'refs/tags/')``) or publishes with ``id-token: write``.
    Dry runs (``--dry-run``) are fine anywhere.
    """
    dry = _PUBLISHERS.get((call.tool, call.sub))
    if (
        dry is None
        or scope.context == RELEASE
        or any(a.partition("=")[0] in dry for a in call.args)
    ):
        return None
    return finding_of(
        publishes_outside_release,
        f"`{_shown(call)}` publishes a release; releases are published only by the release workflow, through trusted publishing",
        fix="publish from the release workflow (push a version tag); a dry run is fine anywhere",
    )


@rule("TG003")
def ci_step_not_nox(call: Call, scope: Scope) -> Finding | None:
    """A step of the CI workflow calls a tool directly instead of one ``nox -s <session>``.

    Each CI step is exactly the command developers run, so a red CI step reproduces locally
    as printed. Add a session to the noxfile (or a gate plugin) if none fits.
    """
    if scope.context != CI or call.tool == "nox":
        return None
    if call.tool not in CI_TOOLS and call.via != "python -m":
        return None
    return finding_of(
        ci_step_not_nox,
        f"`{_shown(call)}` calls the tool directly in the CI workflow; each CI step is exactly one `nox -s <session>`, the command developers run",
        fix=f"run `{session_for(call) or 'nox -s <session>'}` (add a session to noxfile.py if none fits)",
    )


def _differs(
    rule_id: str, call: Call, scope: Scope, why: str, strict: tuple[str, ...] = ()
) -> Finding | None:
    """A note that ``call`` is not what CI runs, unless it has one of the ``strict`` flags."""
    joined = f" {' '.join(call.args)} "
    if scope.context == CI or any(f" {f} " in joined or f" {f}=" in joined for f in strict):
        return None
    session = session_for(call) or "nox -s <session>"
    return Finding(
        rule_id,
        f"`{_shown(call)}` differs from CI: {why}",
        fix=f"run `{session}` to check what CI checks",
        severity=NOTE,
    )


_CLIPPY_STRICT = ("-D warnings", "-Dwarnings", "--deny warnings", "--deny=warnings")


@rule("TG010", severity=NOTE)
def clippy_differs(call: Call, scope: Scope) -> Finding | None:
    """``cargo clippy`` without ``-D warnings``: CI runs clippy on the whole workspace with it."""
    if (call.tool, call.sub) != ("cargo", "clippy"):
        return None
    return _differs(
        "TG010",
        call,
        scope,
        "CI runs clippy on the whole workspace with `-D warnings`",
        _CLIPPY_STRICT,
    )


@rule("TG011", severity=NOTE)
def cargo_test_differs(call: Call, scope: Scope) -> Finding | None:
    """``cargo test`` without ``--locked``: CI runs ``cargo test --workspace --locked``."""
    if (call.tool, call.sub) != ("cargo", "test"):
        return None
    return _differs(
        "TG011", call, scope, "CI runs `cargo test --workspace --locked`", ("--locked",)
    )


@rule("TG012", severity=NOTE)
def pytest_differs(call: Call, scope: Scope) -> Finding | None:
    """``pytest`` from the source tree: CI runs pytest against the installed wheel."""
    if call.tool != "pytest":
        return None
    return _differs(
        "TG012", call, scope, "CI runs pytest against the installed wheel, not the source"
    )


@rule("TG013", severity=NOTE)
def ruff_differs(call: Call, scope: Scope) -> Finding | None:
    """``ruff check``: CI runs the project's ruff (its pinned version and settings)."""
    if (call.tool, call.sub) != ("ruff", "check"):
        return None
    return _differs("TG013", call, scope, "CI runs the project's pinned ruff with its settings")


@rule("TG014", severity=NOTE)
def mypy_differs(call: Call, scope: Scope) -> Finding | None:
    """``mypy``: CI runs the project's mypy (its pinned version, settings and files)."""
    if call.tool != "mypy":
        return None
    return _differs("TG014", call, scope, "CI runs the project's pinned mypy on its files")


@rule("TG015", severity=NOTE)
def build_differs(call: Call, scope: Scope) -> Finding | None:
    """Building the wheel by hand (``maturin build`` / ``develop``, ``pip wheel``, ``python -m
    build``): CI builds the wheel and sdist once and reuses them while the inputs match."""
    if (call.tool, call.sub) not in (
        ("maturin", "build"),
        ("maturin", "develop"),
        ("pip", "wheel"),
    ) and call.tool != "build":
        return None
    return _differs(
        "TG015", call, scope, "CI builds the wheel and sdist once, reused while inputs match"
    )


@rule("TG004")
def invalid_yaml(rel: str, exc: Exception) -> Finding:
    """A workflow or action file is not valid YAML, so its ``run:`` steps cannot be checked."""
    mark = getattr(exc, "problem_mark", None)
    return finding_of(
        invalid_yaml,
        f"invalid YAML ({getattr(exc, 'problem', None) or exc})",
        rel,
        mark.line + 1 if mark is not None else 0,
        fix="fix the syntax so its run: steps can be checked",
    )


@rule("TG005", severity=NOTE)
def step_not_checked(rel: str, line: int, shell_: str) -> Finding:
    """A ``run:`` step whose ``shell:`` is not one the guard reads (``cmd``, ``nu``, …).

    The guard reads POSIX shells (``bash``, ``sh``, templates like ``bash -el {0}``) and
    PowerShell (``pwsh``, ``powershell``, the default on Windows runners); a Python step
    (``shell: python``, ``python {0}``) is not shell and is skipped. Any other shell's
    commands are not checked, and this note says so, so nothing passes unseen.
    """
    return finding_of(
        step_not_checked,
        f"`shell: {shell_}` step not checked: the guard reads POSIX shell and PowerShell only",
        rel,
        line,
        fix="use `shell: bash` or `shell: pwsh` if the step can, or review its commands by hand",
        severity=NOTE,
    )


CALL_RULES = (
    uv_run_syncs_project,
    uv_run_undecided,
    publishes_outside_release,
    ci_step_not_nox,
    clippy_differs,
    cargo_test_differs,
    pytest_differs,
    ruff_differs,
    mypy_differs,
    build_differs,
)


def findings(
    text: str,
    scope: Scope | None = None,
    dialect: str = shell.BASH,
    env: dict[str, str] | None = None,
    line: int = 0,
    path: str = "",
) -> list[Finding]:
    """Every finding for the commands in ``text``; ``line`` (0-based) is where ``text`` starts
    in ``path``, so each finding's line is the 1-based line of its command there."""
    scope = scope or Scope()
    if scope.context not in EVERYWHERE:
        scope = scope._replace(context=SHELL)
    if not worth_checking(text):
        return []  # the common case in the hook: nothing the rules look at
    out: list[Finding] = []
    for cmd in shell.commands(text, line, dialect, env):
        found: list[Finding] = []
        for call in calls(cmd):
            for check in CALL_RULES:
                finding = check(call, scope)
                if finding is not None:
                    finding = finding._replace(path=path, line=cmd.line + 1)
                    found += [finding] if finding not in found else []
            scope = _after(call, scope)
        if any(f.severity == ERROR for f in found):  # a denied command needs no notes
            found = [f for f in found if f.severity == ERROR]
        out += [f for f in found if f not in out]
    return out


def evaluate(
    command: str, context: str = SHELL, dialect: str = shell.BASH, scope: Scope | None = None
) -> list[Finding]:
    """What the rules say about one command line (or script); the hook refuses on an error."""
    return findings(command, (scope or Scope())._replace(context=context), dialect)


def _section(config: dict[str, Any]) -> dict[str, Any]:
    from ci_gates.core.config import DEFAULTS

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


def run_scripts(text: str) -> list[tuple[int, str]]:
    """``(first line, script)`` of each non-Python ``run:`` step (kept for action_surface;
    new code reads :func:`ci_gates.parsers.steps.steps`, which also gives the shell, env and checkouts)."""
    from ci_gates.parsers.steps import dialect, steps

    return [(s.line, s.script) for s in steps(text) if dialect(s.shell) != "python"]
