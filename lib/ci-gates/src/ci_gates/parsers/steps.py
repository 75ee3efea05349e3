"""The ``run:`` steps of a GitHub workflow or composite action, with what a command checker needs.

:func:`steps` reads the YAML once (with line numbers) and returns, per ``run:`` step, its
script and first line, the shell that runs it (``shell:``, else ``defaults.run.shell`` of the
job or workflow, else the runner's default: ``pwsh`` on Windows, ``bash`` elsewhere), the
environment from ``env:`` (workflow, job, step), the working directory, whether that directory
is in a checkout of this repository (a job that never ran ``actions/checkout``, or that runs in
a checkout of another repository, is not), whether the step only runs for a release (a
tag push, a ``release`` event, a manual dispatch, or trusted publishing: ``id-token: write``),
its job and its ``if:`` (what ran before it in the same job is what it can rely on).
An action's ``with: run:`` input (CodSpeedHQ/action, run-on-arch-action) is a step too.
Gate-only: imports yaml.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import yaml

Checkout = tuple[str, bool]  # (path in the workspace, is this repository)


class Step(NamedTuple):
    line: int  # 0-based first line of the script
    script: str
    shell: str  # as written ("bash", "pwsh", "python", "bash -el {0}", …)
    shell_line: int  # 0-based line of the ``shell:`` key (the step's line when defaulted)
    env: dict[str, str]
    cwd: str | None  # workspace-relative ("" = the workspace), None when an expression
    checkouts: tuple[Checkout, ...] | None  # None: a composite action (the caller's workspace)
    release: bool
    job: str = ""  # the job's id ("" in a composite action: the caller's job)
    cond: str = ""  # the step's ``if:`` ("" when it always runs)


_RELEASE_IF = re.compile(
    r"(?<!!)(startsWith\(\s*github\.ref\s*,\s*'refs/tags/?'\s*\)|github\.ref_type\s*==\s*'tag'"
    r"|github\.event_name\s*==\s*'(release|workflow_dispatch)'|contains\(\s*github\.ref\s*,\s*"
    r"'refs/tags)"
)
_RELEASE_EVENTS = frozenset({"release", "workflow_dispatch"})
_WORKSPACE = re.compile(r"^\$\{\{\s*github\.workspace\s*\}\}/?")


def _map(node: Any) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _text(node: Any) -> str:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else ""


def _env(node: Any) -> dict[str, str]:
    return {k: _text(v) for k, v in _map(node).items()}


def _shell(*mappings: dict[str, Any]) -> Any:
    """The ``shell`` of the first mapping (a step, then ``defaults.run`` upward) that sets one."""
    for m in mappings:
        if "shell" in m:
            return m["shell"]
    return None


def _defaults_run(node: dict[str, Any]) -> dict[str, Any]:
    return _map(_map(node.get("defaults")).get("run"))


def release_only_if(expression: str) -> bool:
    """Does an ``if:`` expression hold only for a tag, a release or a manual dispatch?"""
    expression = expression.strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2]
    disjuncts, depth, start, quoted = [], 0, 0, False
    for k, c in enumerate(expression):
        quoted = quoted != (c == "'")
        depth += 0 if quoted else (c == "(") - (c == ")")
        if not quoted and depth == 0 and expression.startswith("||", k):
            disjuncts.append(expression[start:k])
            start = k + 2
    disjuncts.append(expression[start:])
    return bool(expression.strip()) and all(_RELEASE_IF.search(d) for d in disjuncts)


def _release_triggers(on: Any) -> bool:
    """Does the workflow run only for tags, releases and manual dispatches?"""
    if isinstance(on, yaml.ScalarNode):
        return on.value in _RELEASE_EVENTS
    if isinstance(on, yaml.SequenceNode):
        return bool(on.value) and all(_text(e) in _RELEASE_EVENTS for e in on.value)
    events = _map(on)
    for name, spec in events.items():
        push = _map(spec)
        if name == "push" and "tags" in push and not {"branches", "branches-ignore"} & set(push):
            continue
        if name not in _RELEASE_EVENTS:
            return False
    return bool(events)


def _id_token(node: Any) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return bool(node.value == "write-all")
    return _text(_map(node).get("id-token")) == "write"


def _matrix_values(matrix: dict[str, Any], path: list[str]) -> list[str]:
    """The values ``${{ matrix.a.b }}`` takes: ``a``'s entries and ``include`` rows, then ``b``."""
    nodes = [n for n in _seq(matrix.get(path[0]))]
    nodes += [_map(row)[path[0]] for row in _seq(matrix.get("include")) if path[0] in _map(row)]
    for key in path[1:]:
        nodes = [_map(n).get(key) for n in nodes]
    return [_text(n) for n in nodes]


def _seq(node: Any) -> list[Any]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _runner_shell(job: dict[str, Any]) -> str:
    """``pwsh`` when the job runs only on Windows runners, else ``bash``."""
    runs_on = job.get("runs-on")
    labels = [_text(n) for n in _seq(runs_on)] or [_text(runs_on)]
    m = re.fullmatch(r"\$\{\{\s*matrix\.([\w.-]+)\s*\}\}", labels[0].strip())
    if m:
        labels = _matrix_values(
            _map(_map(job.get("strategy")).get("matrix")), m.group(1).split(".")
        )
    windows = [label for label in labels if "windows" in label.lower()]
    return "pwsh" if labels and len(windows) == len(labels) else "bash"


def _cwd(node: Any) -> str | None:
    if node is None:
        return ""
    path = _WORKSPACE.sub("", _text(node).strip())
    if "${{" in path or "$" in path:
        return None
    path = path.replace("\\", "/").strip("/")
    while path.startswith("./"):
        path = path[2:]
    return "" if path in (".", "") else path


def _checkout(step: dict[str, Any]) -> Checkout | None:
    uses = _text(step.get("uses"))
    if not re.match(r"actions/checkout(@|$)", uses):
        return None
    with_ = _map(step.get("with"))
    repo = _text(with_.get("repository")).strip()
    this = not repo or "github.repository" in repo
    return (_cwd(with_.get("path")) or "", this)


def _step(
    step: dict[str, Any],
    defaults: tuple[dict[str, Any], ...],
    env: dict[str, str],
    checkouts: tuple[Checkout, ...] | None,
    release: bool,
    runner_shell: str,
    job: str = "",
) -> Step | None:
    run, inputs = step.get("run"), _map(step.get("with"))
    if run is None and "uses" in step and isinstance(inputs.get("run"), yaml.ScalarNode):
        # An action that runs its ``run`` input as a script (CodSpeedHQ/action,
        # uraimo/run-on-arch-action, …): the same commands, in the same workspace.
        run, step = (
            inputs["run"],
            {**step, "shell": inputs.get("shell")} if "shell" in inputs else step,
        )
    if not isinstance(run, yaml.ScalarNode):
        return None
    shell_node = _shell(step, *defaults)
    shell = _text(shell_node).strip() or runner_shell
    where = step.get("working-directory")
    if where is None:
        where = next((d["working-directory"] for d in defaults if "working-directory" in d), None)
    block = run.style in ("|", ">")  # a block scalar starts on the line after its indicator
    return Step(
        run.start_mark.line + block,
        str(run.value),
        shell,
        (shell_node or run).start_mark.line,
        {**env, **_env(step.get("env"))},
        _cwd(where),
        checkouts,
        release or release_only_if(_text(step.get("if"))),
        job,
        _text(step.get("if")).strip(),
    )


def steps(text: str) -> list[Step]:
    """Every ``run:`` step of a workflow (``jobs.*.steps``) or composite action (``runs.steps``).

    Raises ``yaml.YAMLError`` for text that does not parse.
    """
    doc = _map(yaml.compose(text, Loader=yaml.SafeLoader))
    out: list[Step] = []
    runs = _map(doc.get("runs"))
    if isinstance(runs.get("steps"), yaml.SequenceNode):  # a composite action
        for node in runs["steps"].value:
            step = _step(_map(node), (), {}, None, False, "bash")
            out += [step] if step else []
        return out
    on = doc.get("on", doc.get("true"))
    wf_release, wf_env, wf_defaults = (
        _release_triggers(on),
        _env(doc.get("env")),
        _defaults_run(doc),
    )
    for job_id, job_node in _map(doc.get("jobs")).items():
        job = _map(job_node)
        permissions = job.get("permissions", doc.get("permissions"))
        release = wf_release or release_only_if(_text(job.get("if"))) or _id_token(permissions)
        env = {**wf_env, **_env(job.get("env"))}
        defaults = (_defaults_run(job), wf_defaults)
        checkouts: tuple[Checkout, ...] = ()
        steps_node = job.get("steps")
        for node in steps_node.value if isinstance(steps_node, yaml.SequenceNode) else []:
            fields = _map(node)
            checkout = _checkout(fields)
            checkouts += (checkout,) if checkout else ()
            found = _step(fields, defaults, env, checkouts, release, _runner_shell(job), job_id)
            out += [found] if found else []
    return sorted(out, key=lambda step: step.line)


def dialect(shell: str) -> str | None:
    """ "bash", "powershell" or "python" for a step's ``shell:`` (a keyword or a ``… {0}``
    template); None for anything else (``cmd``, ``nu``, …: not a language the guard reads)."""
    words = [w.rsplit("/", 1)[-1].lower() for w in shell.replace("{0}", "").split()]
    name = words[0] if words else "bash"
    if name in ("bash", "sh", "zsh", "dash", "ksh", "wsl-bash", "msys2"):
        return "bash"
    if name in ("pwsh", "powershell"):
        return "powershell"
    python = re.compile(r"python[0-9.]*|py|pypy[0-9.]*")
    return "python" if any(python.fullmatch(w) for w in words) else None  # uv run python {0}
