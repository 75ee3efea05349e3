"""Run a composite action's steps on this machine, the way a GitHub runner would.

GitHub cannot be reached from here, so this is how ``action.yml`` is proven: each ``run:``
step executes in order with ``bash --noprofile --norc -eo pipefail`` (GitHub's ``shell: bash``),
its ``env:`` evaluated by a tiny expression evaluator, and the runner files set up
(``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``, ``GITHUB_ENV``, ``GITHUB_PATH``,
``GITHUB_ACTION_PATH``, ``RUNNER_TEMP``). A failing step stops the action, as on GitHub.

The evaluator knows exactly the expressions this repository's actions use:
``${{ inputs.NAME }}``, ``${{ steps.ID.outputs.NAME }}``, ``${{ github.action_path }}``,
``${{ github.workspace }}`` and ``${{ runner.temp }}`` / ``${{ runner.os }}``. Anything else
is an :class:`ActionError`, so a new expression cannot silently evaluate to "".

``python -m ci_gates.checks.actionrun [--action action.yml] [--temp DIR] NAME=VALUE ...`` prints each
step's output, then the action's outputs; the exit code is that of the failing step (0 if
none failed).
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Any, NamedTuple

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STEP_OUTPUT = re.compile(r"steps\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)$")


class ActionError(Exception):
    """The action file cannot be run locally (bad YAML, unknown expression, missing input)."""


class ActionResult(NamedTuple):
    returncode: int
    outputs: dict[str, str]
    step_outputs: dict[str, dict[str, str]]
    summary: str
    stdout: str
    stderr: str


def evaluate(text: str, context: dict[str, Any]) -> str:
    """Substitute every ``${{ expr }}`` in ``text`` from ``context``."""

    def one(match: re.Match[str]) -> str:
        expr = match.group(1)
        step = _STEP_OUTPUT.match(expr)
        if step:
            # An output a step did not set is "" on GitHub too.
            return str(context["steps"].get(step.group(1), {}).get(step.group(2), ""))
        head, _, name = expr.partition(".")
        if head in ("inputs", "github", "runner") and re.fullmatch(r"[\w-]+", name):
            table = context[head]
            if name not in table:
                raise ActionError(f"${{{{ {expr} }}}}: unknown {head} value {name!r}")
            return str(table[name])
        raise ActionError(f"${{{{ {expr} }}}}: the local runner does not evaluate this expression")

    return EXPR.sub(one, text)


def parse_command_file(text: str) -> dict[str, str]:
    """``GITHUB_OUTPUT`` / ``GITHUB_ENV`` syntax: ``name=value`` and ``name<<DELIM`` blocks."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            body: list[str] = []
            while i < len(lines) and lines[i] != delim:
                body.append(lines[i])
                i += 1
            if i >= len(lines):
                raise ActionError(f"command file: no closing {delim!r} for {name!r}")
            i += 1
            values[name] = "\n".join(body)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        else:
            raise ActionError(f"command file: cannot parse line {line!r}")
    return values


def load_action(path: str) -> dict[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            action = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        raise ActionError(f"{path}: cannot load ({exc})") from None
    runs = action.get("runs") if isinstance(action, dict) else None
    if not isinstance(runs, dict) or runs.get("using") != "composite":
        raise ActionError(f"{path}: not a composite action (runs.using must be composite)")
    loaded: dict[str, Any] = action
    return loaded


def resolve_inputs(action: dict[str, Any], given: dict[str, str], path: str) -> dict[str, str]:
    declared = action.get("inputs") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise ActionError(f"{path}: unknown input {unknown[0]!r}; declared: {', '.join(declared)}")
    inputs: dict[str, str] = {}
    for name, spec in declared.items():
        spec = spec or {}
        if name in given:
            inputs[name] = given[name]
        elif "default" in spec:
            inputs[name] = str(spec["default"])
        elif spec.get("required"):
            raise ActionError(f"{path}: input {name!r} is required")
        else:
            inputs[name] = ""
    return inputs


def run_action(
    path: str,
    inputs: dict[str, str],
    *,
    temp: str | None = None,
    workspace: str | None = None,
    echo: bool = True,
) -> ActionResult:
    """Run the composite action at ``path``; see the module docstring.

    A ``temp`` directory made here (none given) is removed afterwards: the result holds what
    the steps wrote to it that counts (outputs, the step summary)."""
    if temp is not None:
        return _run_action(path, inputs, temp, workspace, echo)
    made = tempfile.mkdtemp(prefix="actionrun-")
    try:
        return _run_action(path, inputs, made, workspace, echo)
    finally:
        shutil.rmtree(made, ignore_errors=True)


def _run_action(
    path: str, inputs: dict[str, str], temp: str, workspace: str | None, echo: bool
) -> ActionResult:
    action = load_action(path)
    action_path = os.path.dirname(os.path.abspath(path))
    workspace = os.path.abspath(workspace or os.getcwd())
    os.makedirs(temp, exist_ok=True)
    summary_file = os.path.join(temp, "step-summary.md")
    open(summary_file, "w").close()
    context: dict[str, Any] = {
        "inputs": resolve_inputs(action, inputs, path),
        "github": {"action_path": action_path, "workspace": workspace},
        "runner": {
            "temp": temp,
            "os": {"Linux": "Linux", "Darwin": "macOS"}.get(platform.system(), "Windows"),
        },
        "steps": {},
    }
    extra_env: dict[str, str] = {}
    extra_path: list[str] = []
    out_all: list[str] = []
    err_all: list[str] = []
    returncode = 0
    for n, step in enumerate(action["runs"].get("steps") or [], 1):
        name = step.get("name") or step.get("id") or f"step {n}"
        if "uses" in step:
            raise ActionError(
                f"{path}: step {name!r} uses {step['uses']}; only run: steps run locally"
            )
        if "if" in step:
            raise ActionError(
                f"{path}: step {name!r} has an if:; the local runner does not evaluate it"
            )
        if step.get("shell") != "bash":
            raise ActionError(f"{path}: step {name!r} needs shell: bash")
        output_file = os.path.join(temp, f"output-{n}")
        env_file = os.path.join(temp, f"env-{n}")
        path_file = os.path.join(temp, f"path-{n}")
        for file in (output_file, env_file, path_file):
            open(file, "w").close()
        env = {**os.environ, **extra_env}
        env["PATH"] = os.pathsep.join([*reversed(extra_path), env.get("PATH", "")])
        env.update(
            GITHUB_ACTIONS="true",
            CI="true",
            GITHUB_WORKSPACE=workspace,
            GITHUB_ACTION_PATH=action_path,
            RUNNER_TEMP=temp,
            RUNNER_OS=context["runner"]["os"],
            GITHUB_OUTPUT=output_file,
            GITHUB_ENV=env_file,
            GITHUB_PATH=path_file,
            GITHUB_STEP_SUMMARY=summary_file,
        )
        for key, value in (step.get("env") or {}).items():
            env[str(key)] = evaluate(str(value), context)
        script = os.path.join(temp, f"step-{n}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(str(step["run"]))
        if echo:
            print(f"::group::{name}", flush=True)
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        out_all.append(proc.stdout)
        err_all.append(proc.stderr)
        if echo:
            sys.stdout.write(proc.stdout)
            sys.stderr.write(proc.stderr)
            print(f"::endgroup:: {name}: exit {proc.returncode}", flush=True)
        with open(output_file, encoding="utf-8") as f:
            outputs = parse_command_file(f.read())
        if step.get("id"):
            context["steps"][step["id"]] = outputs
        with open(env_file, encoding="utf-8") as f:
            extra_env.update(parse_command_file(f.read()))
        with open(path_file, encoding="utf-8") as f:
            extra_path.extend(line for line in f.read().splitlines() if line)
        if proc.returncode != 0:
            returncode = proc.returncode
            break  # later steps are skipped, as on GitHub (none of ours has `if: always()`)
    action_outputs = {
        name: evaluate(str((spec or {}).get("value", "")), context)
        for name, spec in (action.get("outputs") or {}).items()
    }
    with open(summary_file, encoding="utf-8") as f:
        summary = f.read()
    return ActionResult(
        returncode, action_outputs, context["steps"], summary, "".join(out_all), "".join(err_all)
    )


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ci_gates.checks.actionrun", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--action", default="action.yml", help="composite action file")
    parser.add_argument("--temp", help="RUNNER_TEMP (default: a new temp dir)")
    parser.add_argument("inputs", nargs="*", metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    given = {}
    for item in args.inputs:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"input {item!r}: expected NAME=VALUE")
        given[name] = value
    try:
        result = run_action(args.action, given, temp=args.temp)
    except ActionError as exc:
        print(f"actionrun: {exc}", file=sys.stderr)
        return 2
    for name, value in result.outputs.items():
        print(f"output {name}: {value}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
