"""Small workflows for the workflows gate's rule tables (test_workflow_rules.py, test_workflow_thin_rules.py)."""

from __future__ import annotations

import textwrap

from ci_gates.parsers import ghyaml

W = ".github/workflows/w.yml"
SESSIONS = ("build", "wheel", "release_plan", "publish", "report", "loc", "readme", "ruff")
PINS = {"nox": "2026.10.20", "uv": "0.13.9"}
SHA = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"


def parse(text: str) -> ghyaml.Parsed:
    return ghyaml.compose(textwrap.dedent(text))


def workflow(steps: str, extra_job: str = "", top: str = "permissions: {}\n") -> ghyaml.Parsed:
    """A one-job workflow; ``steps`` is the YAML of the steps list (indented 6)."""
    body = (
        f"name: w\non: [push]\n{top}jobs:\n  a:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        f"{extra_job}    steps:\n{steps}"
    )
    return ghyaml.compose(body)


def steps_block(text: str) -> str:
    return textwrap.indent(textwrap.dedent(text), "      ")
