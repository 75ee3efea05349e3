"""Gate ``release_doctor``: the one-time prerequisites of a release that can be checked offline.

Trusted publishing ties a registry to one workflow file and one GitHub environment; a typo on
either side is found only when the first real release fails. So, from
``[[tool.ci-gates.release.packages]]`` (``workflow``, ``environment``) and the workflows:
each package declares its trusted publisher (RD001), the workflow exists (RD002), a job of
it behind that environment publishes the package (RD003) with ``id-token: write`` (RD004);
no other job, and no workflow as a whole, holds ``id-token: write`` (RD005); no registry
token is read from ``secrets`` anywhere (RD006); the names agree with the manifests (RD007)
and the PyPI environment's URL names the distribution (RD008). A package goes to the registry
of its kind: ``crates`` to crates.io, ``pypi`` (the maturin wheels) and ``python`` (a pure-Python
distribution) to PyPI, each published by ``nox -s publish -- <kind>`` (or ``all``). A
one-time check: putitoutthere's ``doctor``.
"""

from __future__ import annotations

import os
import re

from ci_gates.core.findings import CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import PYYAML, TOMLI, WORKFLOW_INPUTS
from ci_gates.core.registry import Gate


def _applies(root: str) -> str:
    """Skipped until the project declares what it releases."""
    from ci_gates.core.config import ConfigError, load

    try:
        if load(root)["release"]["packages"]:
            return ""
    except ConfigError:
        return ""
    return (
        "no [[tool.ci-gates.release.packages]] declared yet; declare them (see the library's "
        "release guide) and remove this skip"
    )


GATE = Gate(
    "release_doctor",
    "Release prerequisites: trusted publishers match release.yml, id-token only there, no tokens",
    packages=(PYYAML, TOMLI),
    # **/pyproject.toml: a python release package's own manifest names it (checks/versioning).
    inputs=(*WORKFLOW_INPUTS, "**/pyproject.toml", "**/Cargo.toml"),
    config=("release",),
    applies=_applies,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WORKFLOWS = ".github/workflows"
CONFIG = "pyproject.toml"
PUBLISH_ACTIONS = ("pypa/gh-action-pypi-publish", "rust-lang/crates-io-auth-action")
# The action that publishes to a kind's registry, when a job uses one instead of the session.
ACTION_OF = {"crates": PUBLISH_ACTIONS[1], "pypi": PUBLISH_ACTIONS[0], "python": PUBLISH_ACTIONS[0]}
PYPI_KINDS = ("pypi", "python")
SECRET = re.compile(
    r"secrets\.([A-Za-z0-9_]*(?:PYPI|CARGO|CRATES|TWINE|UV_PUBLISH|MATURIN)[A-Za-z0-9_]*)", re.I
)
NOX_PUBLISH = re.compile(r"^nox -s publish\b(?: -- (.*))?$")


def _line(text: str, pattern: str) -> int:
    m = re.search(pattern, text, re.M)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def publishes(job: dict[str, Any], kind: str) -> bool:
    """Does ``job`` publish packages of ``kind`` (``crates`` / ``pypi`` / ``python``)?"""
    for step in job.get("steps") or []:
        uses = str(step.get("uses", "")).split("@")[0]
        if uses == ACTION_OF.get(kind):
            return True
        m = NOX_PUBLISH.match(str(step.get("run", "")).strip())
        if m:
            scope = next((a for a in (m.group(1) or "").split() if not a.startswith("-")), "all")
            if scope in ("all", kind):
                return True
    return False


def environment(job: dict[str, Any]) -> tuple[str, str]:
    env = job.get("environment")
    if isinstance(env, dict):
        return str(env.get("name", "")), str(env.get("url", ""))
    return (str(env), "") if env else ("", "")


def id_token(perms: object) -> bool:
    return perms == "write-all" or (isinstance(perms, dict) and perms.get("id-token") == "write")


@rule("RD001")
def no_trust_policy(pkg: dict[str, Any]) -> Finding | None:
    """A released package declares no trusted publisher (``workflow`` and ``environment``).

    The registry (PyPI's "trusted publishers", crates.io's "Trusted Publishing") accepts an
    upload only from the workflow file and environment configured there; write the same two
    names in the package's entry so this gate can check the workflow against them.
    """
    if pkg.get("workflow") and pkg.get("environment"):
        return None
    return finding_of(
        no_trust_policy,
        f"package {pkg['name']!r} declares no trusted publisher",
        CONFIG,
        fix='add `workflow = "release.yml"` and `environment = "<name>"` to its '
        "[[tool.ci-gates.release.packages]] entry, the same as on the registry",
    )


@rule("RD002")
def no_workflow(pkg: dict[str, Any], exists: bool) -> Finding | None:
    """The declared publishing workflow is not a file under ``.github/workflows``."""
    if exists:
        return None
    return finding_of(
        no_workflow,
        f"package {pkg['name']!r}: {WORKFLOWS}/{pkg['workflow']} does not exist",
        CONFIG,
        fix="fix `workflow` (a file name, as configured on the registry) or add the workflow",
    )


@rule("RD003")
def no_publish_job(pkg: dict[str, Any], rel: str, jobs: dict[str, Any]) -> Finding | None:
    """No job of the workflow runs in the declared environment and publishes the package."""
    for job in jobs.values():
        if environment(job)[0] == pkg["environment"] and publishes(job, pkg["kind"]):
            return None
    return finding_of(
        no_publish_job,
        f"no job with environment: {pkg['environment']} publishes {pkg['name']} ({pkg['kind']})",
        rel,
        fix=f"run `nox -s publish -- {pkg['kind']} --tagged` in the job with environment: {pkg['environment']}, or fix `environment`",
    )


@rule("RD004")
def publish_job_without_id_token(
    pkg: dict[str, Any], rel: str, name: str, job: dict[str, Any], line: int
) -> Finding | None:
    """The job that publishes a package cannot mint the OIDC token trusted publishing needs."""
    if id_token(job.get("permissions")):
        return None
    return finding_of(
        publish_job_without_id_token,
        f"job {name} publishes {pkg['name']} without id-token: write",
        rel,
        line,
        fix=f"add `id-token: write` to jobs.{name}.permissions",
    )


@rule("RD005")
def id_token_elsewhere(rel: str, name: str, line: int) -> Finding:
    """A job that publishes no declared package (or the whole workflow) holds ``id-token: write``.

    Every registry that trusts this repository accepts that token: only the publish jobs,
    each behind its protected environment, should be able to mint one.
    """
    what = "the workflow" if not name else f"job {name}"
    return finding_of(
        id_token_elsewhere,
        f"{what} has id-token: write but publishes no declared package",
        rel,
        line,
        fix="remove it; grant it only on the publish jobs (jobs.<id>.permissions)",
    )


@rule("RD006")
def token_from_secrets(rel: str, secret: str, line: int) -> Finding:
    """A long-lived registry token is read from ``secrets``.

    With trusted publishing nothing long-lived is needed; a stored token works from any
    machine that steals it. Delete the secret (and revoke the token on the registry).
    """
    return finding_of(
        token_from_secrets,
        f"reads the registry token secrets.{secret}",
        rel,
        line,
        fix="publish with trusted publishing; delete the secret and revoke the token",
    )


@rule("RD007")
def names_disagree(message: str) -> Finding:
    """The release config's package names and paths disagree with the manifests."""
    return finding_of(
        names_disagree,
        message,
        CONFIG,
        fix="make [[tool.ci-gates.release.packages]] name the crates and the distribution as the manifests do",
    )


@rule("RD008")
def environment_url(pkg: dict[str, Any], rel: str, url: str, line: int) -> Finding | None:
    """The PyPI environment's URL names another project than the distribution released."""
    want = f"https://pypi.org/project/{pkg['name']}/"
    if not url or url.rstrip("/") + "/" == want or "${{" in url:
        return None
    return finding_of(
        environment_url,
        f"environment {pkg['environment']} url {url} is not {want}",
        rel,
        line,
        fix=f"set url: {want}",
    )


def _url_line(text: str, url: str) -> int:
    """The line of the environment URL ``url`` (the first ``url:`` when it is not found)."""
    return _line(text, rf"^\s+url:\s*['\"]?{re.escape(url)}") or _line(text, r"^\s+url:")


def _workflows(root: str) -> dict[str, tuple[str, dict[str, Any]]]:
    import yaml

    out: dict[str, tuple[str, dict[str, Any]]] = {}
    folder = os.path.join(root, WORKFLOWS)
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if name.endswith((".yml", ".yaml")):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise CannotRun(
                    f"{WORKFLOWS}/{name}: not YAML ({exc.__class__.__name__})",
                    "fix the file",
                    f"{WORKFLOWS}/{name}",
                ) from None
            out[name] = (text, doc if isinstance(doc, dict) else {})
    return out


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.core.context import config_for

    root, config = config_for(root)
    packages = config["release"]["packages"]
    workflows = _workflows(root)
    found: list[Finding] = []
    from ci_gates.checks.versioning.config import load
    from ci_gates.checks.versioning.errors import ReleaseError

    try:
        load(root, config)
    except ReleaseError as exc:
        found.append(names_disagree(str(exc)))
    publish_jobs: set[tuple[str, str]] = set()
    for pkg in packages:
        if (f := no_trust_policy(pkg)) is not None:
            found.append(f)
            continue
        rel = f"{WORKFLOWS}/{pkg['workflow']}"
        if (f := no_workflow(pkg, pkg["workflow"] in workflows)) is not None:
            found.append(f)
            continue
        text, doc = workflows[pkg["workflow"]]
        jobs = {str(k): v for k, v in (doc.get("jobs") or {}).items() if isinstance(v, dict)}
        if (f := no_publish_job(pkg, rel, jobs)) is not None:
            found.append(f)
        for name, job in jobs.items():
            env_name, url = environment(job)
            if env_name == pkg["environment"] and publishes(job, pkg["kind"]):
                publish_jobs.add((pkg["workflow"], name))
                line = _line(text, rf"^  {re.escape(name)}:")
                found += [
                    f
                    for f in (
                        publish_job_without_id_token(pkg, rel, name, job, line),
                        environment_url(pkg, rel, url, _url_line(text, url))
                        if pkg["kind"] in PYPI_KINDS
                        else None,
                    )
                    if f
                ]
    for wf, (text, doc) in workflows.items():
        rel = f"{WORKFLOWS}/{wf}"
        if id_token(doc.get("permissions")):
            found.append(id_token_elsewhere(rel, "", _line(text, r"^\s*id-token:\s*write")))
        for name, job in (doc.get("jobs") or {}).items():
            if (
                isinstance(job, dict)
                and id_token(job.get("permissions"))
                and (wf, str(name)) not in publish_jobs
            ):
                found.append(
                    id_token_elsewhere(rel, str(name), _line(text, rf"^  {re.escape(str(name))}:"))
                )
    for path in _secret_files(root):
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in SECRET.finditer(text):
            found.append(token_from_secrets(path, m.group(1), text.count("\n", 0, m.start()) + 1))
    return found


def _secret_files(root: str) -> list[str]:
    """Workflows and composite actions: where GitHub expands ``secrets``."""
    out = (
        [
            f"{WORKFLOWS}/{n}"
            for n in sorted(os.listdir(os.path.join(root, WORKFLOWS)))
            if n.endswith((".yml", ".yaml"))
        ]
        if os.path.isdir(os.path.join(root, WORKFLOWS))
        else []
    )
    for top in (".github/actions", "action", "."):
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in (
            os.walk(base) if top != "." else [(base, [], os.listdir(base))]
        ):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            out += [
                os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/")
                for n in filenames
                if n in ("action.yml", "action.yaml")
            ]
    return sorted(set(out))
