"""Table tests of the workflows gate's thin-workflow and ci.yml rules, and of its tool findings.

Each case is its rule ID, message, fix and line, on a small workflow written here.
"""

from __future__ import annotations

import pytest

from ci_gates.gates import workflows
from ci_gates.gates.workflows import structure as _wf_ci
from ci_gates.gates.workflows import thin as _wf_thin
from ci_gates.parsers import ghyaml
from tests.ci.wfcases import PINS, SESSIONS, SHA, W, parse, steps_block, workflow


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        ("nox -s build", None),
        ("nox -s release_plan -- --json", None),
        ('nox -s publish -- "$TARGET"', None),
        ("uv tool install nox==2026.10.20", None),
        ('uv tool install "nox==$NOX_VERSION"', None),
        ("pipx install nox==2026.10.20", None),
        ("uv tool install nox==2025.1.1", "WF013"),
        ("nox -s nosuch", "WF012"),
        ("nox -s build && nox -s wheel", "WF011"),
        ("nox -s build -- $(curl x)", "WF011"),
        ("nox -s build -- a; rm -rf /", "WF011"),
        ("pytest", "WF011"),
        ("cargo test", "WF011"),
    ],
)
def test_wf011_wf012_wf013_thin_runs(command: str, rule: str | None) -> None:
    step = (
        f"- run: '{command}'\n" if command.startswith("nox -s build --") else f"- run: {command}\n"
    )
    parsed = workflow(steps_block(step), top='permissions: {}\nenv:\n  NOX_VERSION: "2026.10.20"\n')
    found = _wf_thin.thin_findings(W, parsed, SESSIONS, PINS, set())
    assert [f.rule for f in found] == ([rule] if rule else [])
    if rule:
        assert found[0].line == 11 and found[0].fix


def test_wf011_message_shows_the_first_line() -> None:
    parsed = workflow(steps_block("- run: |\n    set -e\n    cargo build\n"))
    (found,) = _wf_thin.thin_findings(W, parsed, SESSIONS, PINS, set())
    assert found.message == "run: `set -e …` is not one `nox -s <session>`"
    assert "nox -s <name>" in found.fix


def test_wf014_setup_after_nox() -> None:
    parsed = workflow(steps_block("- run: nox -s build\n- run: uv tool install nox==2026.10.20\n"))
    (found,) = _wf_thin.thin_findings(W, parsed, SESSIONS, PINS, set())
    assert (found.rule, found.line) == ("WF014", 10)


@pytest.mark.parametrize(
    ("with_", "hit"),
    [
        ('version: "0.13.9"', None),
        ('version: "0.5.0"', "uv 0.5.0"),
        ("enable-cache: false", "(latest)"),
    ],
)
def test_wf015_setup_uv_pin(with_: str, hit: str | None) -> None:
    parsed = workflow(steps_block(f"- uses: astral-sh/setup-uv@{SHA}\n  with:\n    {with_}\n"))
    found = _wf_thin.thin_findings(W, parsed, SESSIONS, PINS, set())
    assert [f.rule for f in found] == (["WF015"] if hit else [])
    if hit:
        assert hit in found[0].message and '"0.13.9"' in found[0].fix


def test_wf016_continue_on_error_outside_sync_block() -> None:
    parsed = workflow(steps_block("- run: nox -s build\n  continue-on-error: true\n"))
    (found,) = _wf_thin.thin_findings(W, parsed, SESSIONS, PINS, set())
    assert (found.rule, found.line, found.message) == (
        "WF016",
        10,
        "continue-on-error makes a failed step green",
    )
    # inside the sync markers ci_gates.core.sync owns the step (SYN001), so no second finding
    assert _wf_thin.thin_findings(W, parsed, SESSIONS, PINS, {9}) == []


def test_wf017_cancel_in_progress() -> None:
    found = _wf_thin.no_cancel_in_progress(
        W, parse("concurrency:\n  group: g\n  cancel-in-progress: false\n").root
    )
    assert found is not None and (found.rule, found.line) == ("WF017", 3)
    assert (
        _wf_thin.no_cancel_in_progress(
            W, parse("concurrency: {group: g, cancel-in-progress: true}\n").root
        )
        is None
    )


GATES = ["loc", "readme", "ruff"]


def ci(steps: str) -> object:
    return workflow(steps_block(steps)).root


def gate(name: str, cond: str = "${{ !cancelled() }}") -> str:
    return f"- if: {cond}\n  run: nox -s {name}\n" if cond else f"- run: nox -s {name}\n"


REPORT = "- if: always()\n  run: nox -s report\n"


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        (gate("loc") + gate("readme") + gate("ruff") + REPORT, []),
        (gate("loc") + gate("readme", "") + gate("ruff") + REPORT, [("WF018", 11)]),
        (gate("loc") + gate("readme") + gate("ruff"), [("WF019", 8)]),
        (gate("loc") + gate("readme") + gate("ruff") + "- run: nox -s report\n", [("WF019", 15)]),
        (gate("loc") + gate("readme") + REPORT, [("WF020", 8)]),
        (gate("loc") + gate("readme") + gate("readme") + gate("ruff") + REPORT, [("WF021", 13)]),
        (gate("loc") + gate("readme") + gate("ruff") + gate("build") + REPORT, [("WF021", 15)]),
        (gate("readme") + gate("loc") + gate("ruff") + REPORT, [("WF022", 8)]),
        ("- run: nox -s report\n", [("WF023", 1)]),
    ],
)
def test_wf018_to_wf023_hand_written_ci(steps: str, expected: list[tuple[str, int]]) -> None:
    found = _wf_ci.ci_structure(W, ci(steps), GATES, set())
    assert [(f.rule, f.line) for f in found] == expected
    assert all("nox -s sync" in f.fix for f in found)


def test_skipped_gate_is_neither_demanded_nor_rejected() -> None:
    steps = gate("loc") + gate("ruff") + REPORT
    assert _wf_ci.ci_structure(W, ci(steps), ["loc", "ruff"], {"readme"}) == []
    steps = gate("loc") + gate("readme") + gate("ruff") + REPORT
    assert _wf_ci.ci_structure(W, ci(steps), ["loc", "ruff"], {"readme"}) == []


def test_wf001_unparsable() -> None:
    found = workflows.unparsable(W, ghyaml.compose("on: [push\njobs: {}\n"))
    assert found is not None and (found.rule, found.line) == ("WF001", 2)
    assert found.message.startswith("cannot parse it: ") and found.fix == "fix the YAML"
    assert (
        workflows.unparsable(W, ghyaml.compose("- a\n")).message
        == "cannot parse it: not a YAML mapping"
    )
    assert workflows.unparsable(W, ghyaml.compose("on: x\n")) is None


def test_wf024_schema_error_line() -> None:
    parsed = workflow(steps_block("- run: nox -s build\n"))
    found = workflows.schema_error(W, "$.jobs.a.steps[0]", "bad step", parsed.root)
    assert (found.rule, found.line, found.message) == (
        "WF024",
        9,
        "schema $.jobs.a.steps[0]: bad step",
    )


def zizmor(ident: str, route: list[dict[str, object]]) -> dict[str, object]:
    location = {
        "symbolic": {
            "key": {"Local": {"verbatim_path": W}},
            "annotation": "here",
            "route": {"route": route},
            "kind": "Primary",
        },
        "concrete": {"location": {"start_point": {"row": 9, "column": 4}}},
    }
    return {
        "ident": ident,
        "desc": "something",
        "url": "https://docs.zizmor.sh/audits/",
        "locations": [location],
    }


def test_wf025_zizmor_findings_and_the_ones_owned_elsewhere() -> None:
    found = workflows.zizmor_finding(zizmor("artipacked", [{"Key": "jobs"}]))
    assert found is not None
    assert (found.rule, found.path, found.line, found.message) == (
        "WF025",
        W,
        10,
        "zizmor artipacked: something (here)",
    )
    assert found.fix == "see https://docs.zizmor.sh/audits/"
    assert workflows.zizmor_finding(zizmor("unpinned-uses", [{"Key": "uses"}])) is None  # WF003
    assert (
        workflows.zizmor_finding(zizmor("template-injection", [{"Index": 0}, {"Key": "run"}]))
        is None
    )  # WF004/5
    # github-script's `script:` is not a run: — zizmor stays its only owner
    assert (
        workflows.zizmor_finding(zizmor("template-injection", [{"Key": "with"}, {"Key": "script"}]))
        is not None
    )


def test_pin_of() -> None:
    text = "# comment\nnox==2026.10.20\nuv == 0.13.9 ; python_version >= '3.9'\n"
    assert _wf_thin.pin_of(text, "nox") == "2026.10.20"
    assert _wf_thin.pin_of(text, "uv") == "0.13.9"
    assert _wf_thin.pin_of(text, "ruff") is None
