"""workflows gate, rules for the thin workflows: CI and release run what developers run.

The thin workflows are ``[tool.ci-gates.tool-guard] ci-file`` (ci.yml) and ``release-files``
(release.yml). After the pinned setup actions (``uses:`` steps, anywhere), every ``run:`` is
exactly ``nox -s <session>`` (arguments after ``--`` allowed) or the one nox install command,
so whatever CI or a release does can be run on a laptop. ci.yml also runs every registry gate
that CI runs (not those skipped in ``[tool.ci-gates] skip``), in order, each continuing after
a failure, and ``nox -s report`` last; when its gate steps sit between the ``nox -s sync``
markers, ``ci_gates.core.sync`` owns them (SYN001) and the structure rules here leave them alone.
"""

from __future__ import annotations

import re

from ci_gates.core.findings import Finding, finding_of, rule
from ci_gates.parsers import ghyaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

NOX_RUN = re.compile(r"^nox -s ([A-Za-z0-9_][\w-]*)(?: -- (?:[^\n;&|<>`$]|\$(?!\())+)?$")
SETUP_RUN = re.compile(r"^(?:uv tool install|pipx install) (\"?)nox==([^\s\"]+)\1$")
CONTINUE_IFS = ("!cancelled()", "always()")
SYNC_FIX = "run `nox -s sync` (it writes the gate steps from the gate registry)"
HAND_FIX = (
    "or put the `# >>> ci-gates` / `# <<< ci-gates` marker comments around the gate steps and "
    "run `nox -s sync`"
)


def pin_of(requirements: str, name: str) -> str | None:
    """The ``name==V`` pin of a requirements file, or None."""
    for text in requirements.splitlines():
        m = re.match(rf"^\s*{re.escape(name)}\s*==\s*([^\s;#]+)", text)
        if m:
            return m.group(1)
    return None


def _setup_version(doc: Any, step: ghyaml.Step, version: str) -> str:
    """``$NAME``/``${NAME}`` in the install command, resolved from the file's literal env."""
    m = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", version)
    value = ghyaml.scalar(ghyaml.env_value(doc, step, m.group(1))) if m else None
    return value if value is not None and "${{" not in value else version


@rule("WF011", gate="workflows")
def not_one_nox_session(rel: str, run: Any) -> Finding | None:
    """A ``run:`` of a thin workflow (ci.yml, release.yml) is not one ``nox -s <session>``.

    CI and releases run exactly what developers run: after the pinned setup actions every
    ``run:`` is ``nox -s <session>`` (arguments after ``--`` allowed) or the one command that
    installs nox at the pin of ci/requirements-dev.txt. Anything else is logic only CI can
    run; make it a gate or a session (a gate plugin, or a session in noxfile.py) and call that.
    """
    command = (ghyaml.scalar(run) or "").strip()
    if NOX_RUN.match(command) or SETUP_RUN.match(command):
        return None
    lines = command.splitlines() or [""]
    shown = lines[0] + (" …" if len(lines) > 1 else "")
    return finding_of(
        not_one_nox_session,
        f"run: `{shown}` is not one `nox -s <session>`",
        rel,
        ghyaml.line(run),
        fix="move the logic into a nox session (a gate plugin, or noxfile.py) and call `nox -s <name>`",
    )


@rule("WF012", gate="workflows")
def unknown_session(rel: str, run: Any, sessions: tuple[str, ...]) -> Finding | None:
    """A thin workflow calls ``nox -s <name>`` for a session the noxfile does not define."""
    m = NOX_RUN.match((ghyaml.scalar(run) or "").strip())
    if not m or m.group(1) in sessions:
        return None
    return finding_of(
        unknown_session,
        f"`nox -s {m.group(1)}` names no nox session",
        rel,
        ghyaml.line(run),
        fix=f"use one of: {', '.join(sessions)} (`nox -l` lists them)",
    )


@rule("WF013", gate="workflows")
def nox_pin_mismatch(rel: str, doc: Any, step: ghyaml.Step, pin: str | None) -> Finding | None:
    """The nox install command installs another nox than ci/requirements-dev.txt pins."""
    run = ghyaml.get(step.node, "run")
    m = SETUP_RUN.match((ghyaml.scalar(run) or "").strip())
    if not m or (version := _setup_version(doc, step, m.group(2))) == pin:
        return None
    return finding_of(
        nox_pin_mismatch,
        f"installs nox {version}, but ci/requirements-dev.txt pins nox=={pin}",
        rel,
        ghyaml.line(run),
        fix=f"install nox=={pin} (or change the pin in ci/requirements-dev.txt)",
    )


@rule("WF014", gate="workflows")
def setup_after_nox(rel: str, run: Any) -> Finding:
    """The nox install command comes after a ``nox -s`` step; setup goes first."""
    return finding_of(
        setup_after_nox,
        "nox is installed after the first `nox -s` step",
        rel,
        ghyaml.line(run),
        fix="move the install step up",
    )


@rule("WF015", gate="workflows")
def setup_uv_pin(rel: str, step: Any, uv_pin: str | None) -> Finding | None:
    """``astral-sh/setup-uv`` in a thin workflow installs another uv than ci/requirements-dev.txt pins."""
    if not (ghyaml.scalar(ghyaml.get(step, "uses")) or "").startswith("astral-sh/setup-uv@"):
        return None
    version = ghyaml.path(step, "with", "version")
    if ghyaml.scalar(version) == uv_pin:
        return None
    return finding_of(
        setup_uv_pin,
        f"setup-uv installs uv {ghyaml.scalar(version) or '(latest)'}, not the pinned {uv_pin}",
        rel,
        ghyaml.line(version if version is not None else step),
        fix=f'set `with: version: "{uv_pin}"` (the pin of ci/requirements-dev.txt)',
    )


@rule("WF016", gate="workflows")
def continue_on_error(rel: str, step: Any) -> Finding | None:
    """A ``nox -s`` step has ``continue-on-error``: a failed gate would leave the job green.

    To let later steps run after a failure, use ``if: ${{ !cancelled() }}`` on them instead;
    the failed step still fails the job.
    """
    node = ghyaml.get(step, "continue-on-error")
    if node is None or (ghyaml.scalar(node) or "").lower() == "false":
        return None
    return finding_of(
        continue_on_error,
        "continue-on-error makes a failed step green",
        rel,
        ghyaml.line(node),
        fix="remove it; give later steps `if: ${{ !cancelled() }}`",
    )


def thin_findings(
    rel: str,
    parsed: ghyaml.Parsed,
    sessions: tuple[str, ...],
    pins: dict[str, str | None],
    skip_lines: set[int],
) -> list[Finding]:
    """WF011–WF016 on one thin workflow (steps on ``skip_lines`` belong to a sync block)."""
    out: list[Finding] = []
    doc = parsed.root
    for name, job in ghyaml.jobs(doc):
        seen_nox = False
        for index, node in enumerate(ghyaml.seq(ghyaml.get(job, "steps"))):
            step = ghyaml.Step(name, job, index, node)
            out += [f for f in [setup_uv_pin(rel, node, pins["uv"])] if f]
            run = ghyaml.get(node, "run")
            if run is None:
                continue
            found = not_one_nox_session(rel, run) or unknown_session(rel, run, sessions)
            found = found or nox_pin_mismatch(rel, doc, step, pins["nox"])
            setup = SETUP_RUN.match((ghyaml.scalar(run) or "").strip())
            if found is None and setup and seen_nox:
                found = setup_after_nox(rel, run)
            seen_nox = seen_nox or not setup
            if found is None and ghyaml.line(node) not in skip_lines:
                found = continue_on_error(rel, node)
            out += [found] if found else []
    return out


@rule("WF017", gate="workflows")
def no_cancel_in_progress(rel: str, doc: Any) -> Finding | None:
    """ci.yml has no ``concurrency:`` with ``cancel-in-progress: true``.

    A new push to a branch makes the run for the previous commit worthless; cancelling it
    frees the runners.
    """
    cancel = ghyaml.path(doc, "concurrency", "cancel-in-progress")
    if ghyaml.scalar(cancel) == "true":
        return None
    return finding_of(
        no_cancel_in_progress,
        "no `concurrency:` with `cancel-in-progress: true`",
        rel,
        ghyaml.line(cancel) or 1,
        fix="add `concurrency: {group: ${{ github.workflow }}-${{ github.ref }}, cancel-in-progress: true}`",
    )
