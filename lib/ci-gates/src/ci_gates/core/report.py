"""The results table: ``python -m ci_gates.core.report`` (``nox -s report``) and the end of ``nox -s gates``.

One row per gate: name, status (passed / failed / could not run / skipped / not run because X
failed), duration, how many findings count, and the first of them (or why the gate did not
run). Rendered with rich on a terminal, as plain aligned text otherwise; ``--verbose`` adds
every finding. The same results are saved as ``target/ci-gates/report.json`` (every finding,
ignored ones marked), ``target/ci-gates/report.sarif`` (SARIF 2.1.0, :mod:`ci_gates.core.sarif`) and,
when ``$GITHUB_STEP_SUMMARY`` is set, appended to it as a Markdown table. rich is imported only
inside :func:`print_table`, so importing this module stays cheap.
"""

from __future__ import annotations

import json
import os
import sys
import time

from ci_gates.core.registry import load
from ci_gates.core.runner import (
    CANNOT_RUN,
    CONFIG_SKIPPED,
    FAILED,
    PASSED,
    SKIPPED,
    Result,
    load_saved,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

REPORT_FILE = os.path.join("target", "ci-gates", "report.json")
SARIF_FILE = os.path.join("target", "ci-gates", "report.sarif")
HEADERS = ("gate", "status", "duration", "findings", "first finding")
_MD_STATUS = {
    PASSED: "✅ passed",
    FAILED: "❌ failed",
    CANNOT_RUN: "⚠️ could not run",
    CONFIG_SKIPPED: "⏭️ skipped",
}
_RICH_STYLE = {
    PASSED: "green",
    FAILED: "bold red",
    CANNOT_RUN: "yellow",
    SKIPPED: "dim",
    CONFIG_SKIPPED: "cyan",
}


def status_text(result: Result) -> str:
    """``passed``, ``failed``, ``could not run``, ``skipped`` or ``not run because X failed``."""
    if result.status == SKIPPED and result.reason:
        return result.reason
    if result.cached:
        return f"{result.status} (cached)"
    return result.status


def reason_text(result: Result) -> str:
    if result.status == SKIPPED:
        return ""
    return result.reason


def count_text(result: Result) -> str:
    if result.status in (SKIPPED, CONFIG_SKIPPED):
        return ""
    counted = len(result.counted())
    ignored = sum(1 for f in result.findings if f.ignored)
    return f"{counted} ({ignored} ignored)" if ignored else str(counted)


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s"


def ok(results: list[Result]) -> bool:
    """Every gate passed or is skipped in config (a skip needs a reason; it is shown)."""
    return bool(results) and all(r.status in (PASSED, CONFIG_SKIPPED) for r in results)


def _variant_rows(result: Result) -> list[tuple[str, str, str, str, str]]:
    """One row per variant a gate ran as (its ``ran_as`` notes), below the gate's row."""
    from ci_gates.core.findings import concerns, variant_labels

    rows = []
    for label in variant_labels(result.findings):
        mine = [f for f in result.counted() if concerns(f, label)]
        failed = any(f.severity == "error" for f in mine)
        first = mine[0].text().splitlines()[0] if mine else ""
        rows.append((f"  └ {label}", FAILED if failed else PASSED, "", str(len(mine)), first))
    return rows


def _rows(results: list[Result]) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for r in results:
        out.append((r.gate, status_text(r), duration(r.seconds), count_text(r), reason_text(r)))
        out += _variant_rows(r)
    return out


def summary_line(results: list[Result]) -> str:
    passed = sum(r.status == PASSED for r in results)
    skipped = sum(r.status == CONFIG_SKIPPED for r in results)
    tail = f", {skipped} skipped in config" if skipped else ""
    return f"{passed}/{len(results)} gates passed{tail}"


def plain(results: list[Result]) -> str:
    """Aligned columns for logs and pipes (no colour, no box drawing)."""
    rows = [HEADERS, *_rows(results)]
    last = len(HEADERS) - 1
    widths = [max(len(row[i]) for row in rows) for i in range(last)]
    lines = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(last)]
        lines.append("  ".join([*cells, row[last]]).rstrip())
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def details(results: list[Result]) -> str:
    """Every finding of every gate, one per line (``--verbose``)."""
    lines = []
    for r in results:
        for f in r.findings:
            label = f"ignored ({f.ignored})" if f.ignored else f.severity
            lines.append(f"{r.gate}: {label}: {f.text()}")
    return "\n".join(lines) + ("\n" if lines else "")


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(results: list[Result]) -> str:
    """A GitHub-flavoured Markdown table (for ``$GITHUB_STEP_SUMMARY``)."""
    passed = sum(r.status == PASSED for r in results)
    lines = [
        f"### CI gates: {passed}/{len(results)} passed",
        "",
        "| Gate | Status | Duration | Findings | First finding |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        status = _MD_STATUS.get(r.status, f"⏭️ {status_text(r)}")
        cells = (f"`{r.gate}`", status, duration(r.seconds), count_text(r), reason_text(r))
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        for row in _variant_rows(r):
            cells = (row[0].strip().replace("└ ", "↳ "), _MD_STATUS[row[1]], *row[2:])
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n\n"


def print_table(results: list[Result], stream: TextIO | None = None) -> None:
    """rich table on a terminal, :func:`plain` text otherwise (or when rich is missing)."""
    out = stream if stream is not None else sys.stdout
    if out.isatty():
        try:
            from rich.console import Console
            from rich.table import Table
            from rich.text import Text
        except ImportError:
            pass
        else:
            table = Table(title="CI gates", title_justify="left")
            for header in HEADERS:
                last = header == HEADERS[-1]
                table.add_column(
                    header, no_wrap=not last, overflow="fold", ratio=1 if last else None
                )
            for row in _rows(results):
                style = _RICH_STYLE.get(row[1].split(" (")[0], "")
                if row[1].startswith("not run") or row[1].startswith("skipped because"):
                    style = _RICH_STYLE[SKIPPED]
                table.add_row(row[0], Text(row[1], style=style), *row[2:])
            console = Console(file=out)
            console.print(table, markup=False, highlight=False)
            console.print(summary_line(results), highlight=False, markup=False)
            return
    out.write(plain(results))
    out.flush()


def write_json(results: list[Result], root: str) -> str:
    path = os.path.join(root, REPORT_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {
        "ok": ok(results),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": [r.as_dict() for r in results],
    }
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)
    return path


def append_step_summary(results: list[Result]) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(markdown(results))


def write_sarif(results: list[Result], root: str) -> str:
    from ci_gates.core import sarif

    path = os.path.join(root, SARIF_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(sarif.document(results, root), f, indent=1)
    os.replace(tmp, path)
    return path


def emit(
    results: list[Result], root: str, stream: TextIO | None = None, verbose: bool = False
) -> None:
    """Everything a run ends with: the table, report.json, report.sarif, the step summary."""
    if verbose:
        (stream or sys.stdout).write(details(results))
    print_table(results, stream)
    write_json(results, root)
    write_sarif(results, root)
    append_step_summary(results)


def collect(root: str) -> list[Result]:
    """Saved results in registry order; a CI gate without one is "not run"."""
    from ci_gates.core.runner import skip_table

    reg = load(root)
    saved = {r.gate: r for r in load_saved(root, reg)}
    skip = skip_table(root)
    out = []
    for gate in reg.gates:
        if gate.name in skip:
            out.append(Result(gate.name, CONFIG_SKIPPED, 0.0, skip[gate.name]))
        elif gate.name in saved:
            out.append(saved[gate.name])
        elif gate.in_ci:
            reason = f"not run (no saved result; run `nox -s {gate.name}`)"
            out.append(Result(gate.name, SKIPPED, 0.0, reason))
    return out


def main(argv: list[str] | None = None) -> int:
    from ci_gates.core.context import project_root

    argv = list(argv or [])
    verbose = "--verbose" in argv or "-v" in argv
    if [a for a in argv if a not in ("--verbose", "-v")]:
        print(
            "usage: ci-gates report [--verbose]  (reads target/ci-gates/results/*.json)",
            file=sys.stderr,
        )
        return 2
    root = project_root()
    results = collect(root)
    emit(results, root, verbose=verbose)
    return 0 if ok(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
