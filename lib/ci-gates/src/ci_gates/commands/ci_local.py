"""``nox -s ci_local``: run the Linux x86-64 CI job's commands on this machine, in CI's order.

The proof that CI and local are the same commands: this reads ``.github/workflows/ci.yml``
(never a copy of its list), picks the job that runs the gates on Linux x86-64, and runs
exactly its ``run:`` lines, each as ``bash -e -c LINE`` from the repository root with the
workflow's, the job's and the step's ``env:``. Like CI it continues past a failed step when
the step's ``if:`` says so (``!cancelled()``, ``always()``, ``failure()``) and skips it
otherwise, then exits 1 if any step failed.

The ``uses:`` setup steps (checkout, Python, uv, Rust) are this machine's business, and so is
the one nox setup command the workflows gate allows (``uv tool install nox==V``): it is shown
and skipped, after checking that the nox running here is that version.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from typing import Any

from ci_gates.gates.workflows.thin import SETUP_RUN

CI_FILE = os.path.join(".github", "workflows", "ci.yml")
LINUX_X86 = ("ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04")
# The nox install command the workflows gate allows, from its one owner (group 2: the version).
SETUP = SETUP_RUN
MATRIX_EXPR = re.compile(r"\$\{\{\s*matrix\.([\w-]+)\s*\}\}")
RUNS_AFTER_FAILURE = ("always()", "!cancelled()", "failure()")


class CiLocalError(Exception):
    """ci.yml cannot be read or has no Linux x86-64 job; the message says what to fix."""


def linux_job(workflow: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(job id, job, matrix values) of the first job that runs on Linux x86-64."""
    for name, job in (workflow.get("jobs") or {}).items():
        runs_on = str(job.get("runs-on", ""))
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        candidates: list[dict[str, str]] = [{}]
        if "matrix." in runs_on:
            candidates = [dict(m) for m in matrix.get("include") or []]
            for key, values in matrix.items():
                if key not in ("include", "exclude") and isinstance(values, list):
                    candidates += [{key: str(v)} for v in values]
        for values in candidates:
            resolved = substitute(runs_on, values, f"{CI_FILE} jobs.{name}.runs-on")
            if resolved in LINUX_X86 and any("run" in s for s in job.get("steps") or []):
                return name, job, {k: str(v) for k, v in values.items()}
    raise CiLocalError(f"{CI_FILE}: no job with run: steps runs on Linux x86-64 ({LINUX_X86[0]})")


def substitute(value: object, matrix: dict[str, str], where: str) -> str:
    text = MATRIX_EXPR.sub(lambda m: matrix.get(m.group(1), ""), str(value))
    if "${{" in text:
        raise CiLocalError(f"{where}: ci_local cannot evaluate {text!r}; use a literal value")
    return text


def nox_version() -> str | None:
    try:
        out = subprocess.run(["nox", "--version"], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return (out.stdout or out.stderr).strip().splitlines()[-1] if out.returncode == 0 else None


def main(root: str | None = None, list_only: bool = False) -> int:
    try:
        import yaml
    except ImportError:
        print(
            "ci_local: pyyaml is not installed in the interpreter running nox; "
            "`pip install pyyaml` next to nox (ci/requirements-dev.txt)",
            file=sys.stderr,
        )
        return 2

    root = os.path.abspath(root or os.getcwd())
    path = os.path.join(root, CI_FILE)
    try:
        with open(path, encoding="utf-8") as f:
            workflow = yaml.safe_load(f)
        name, job, matrix = linux_job(workflow)
        base_env = {
            k: substitute(v, matrix, f"{CI_FILE} env.{k}")
            for k, v in {**(workflow.get("env") or {}), **(job.get("env") or {})}.items()
        }
    except (OSError, yaml.YAMLError, CiLocalError, AttributeError) as exc:
        print(f"ci_local: {exc}", file=sys.stderr)
        return 2
    label = f"{name} ({', '.join(f'{k}={v}' for k, v in matrix.items())})" if matrix else name
    print(f"ci_local: running the run: steps of job {label} from {CI_FILE}", flush=True)
    results: list[tuple[str, str, float]] = []
    failed = False
    for n, step in enumerate(job.get("steps") or [], 1):
        if "run" not in step:
            continue
        line = str(step["run"]).strip()
        if list_only:
            print(line)
            continue
        setup = SETUP.match(line)
        if setup:
            have = nox_version()
            note = "matches" if have == setup.group(2) else f"differs: this machine has {have}"
            print(f"ci_local: skip setup step `{line}` (nox {setup.group(2)} {note})", flush=True)
            results.append((line, "skipped (setup)", 0.0))
            continue
        cond = str(step.get("if", ""))
        if failed and not any(c in cond for c in RUNS_AFTER_FAILURE):
            print(f"ci_local: skip `{line}` (an earlier step failed; if: {cond or 'success()'})")
            results.append((line, "skipped", 0.0))
            continue
        try:
            env = {**os.environ, **base_env, "CI_LOCAL": "1"}
            env.update(
                {
                    k: substitute(v, matrix, f"{CI_FILE} step {n} env.{k}")
                    for k, v in (step.get("env") or {}).items()
                }
            )
        except CiLocalError as exc:
            print(f"ci_local: {exc}", file=sys.stderr)
            return 2
        print(f"\nci_local: $ {line}", flush=True)
        start = time.perf_counter()
        code = subprocess.run(["bash", "-e", "-c", line], cwd=root, env=env, check=False).returncode
        status = "passed" if code == 0 else f"failed (exit {code})"
        failed = failed or code != 0
        results.append((line, status, time.perf_counter() - start))
        print(f"ci_local: {status}: {line}", flush=True)
    if list_only:
        return 0
    print(f"\nci_local: {CI_FILE} job {label}")
    for line, status, seconds in results:
        print(f"  {status:<18} {seconds:7.1f}s  {line}")
    bad = [line for line, status, _ in results if status.startswith("failed")]
    print(f"ci_local: {len(bad)} of {len(results)} steps failed" if bad else "ci_local: all passed")
    return 1 if bad else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args not in ([], ["--list"]):
        print("usage: python -m ci_gates.commands.ci_local [--list]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(list_only=args == ["--list"]))
