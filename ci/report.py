"""The results table: ``python -m ci.report`` (``nox -s report``) and the end of ``nox -s gates``.

One row per gate: name, status (passed / failed / could not run / not run because X failed),
duration and a one-line reason. Rendered with rich on a terminal, as plain aligned text
otherwise, saved as ``target/ci-gates/report.json`` and, when ``$GITHUB_STEP_SUMMARY`` is set,
appended to it as a Markdown table. rich is imported only inside :func:`print_table`, so
importing this module stays cheap.
"""

from __future__ import annotations

import json
import os
import sys
import time

from ci.registry import ORDERED
from ci.runner import CANNOT_RUN, FAILED, PASSED, SKIPPED, Result, load_saved

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

REPORT_FILE = os.path.join("target", "ci-gates", "report.json")
HEADERS = ("gate", "status", "duration", "reason")
_MD_STATUS = {PASSED: "✅ passed", FAILED: "❌ failed", CANNOT_RUN: "⚠️ could not run"}
_RICH_STYLE = {PASSED: "green", FAILED: "bold red", CANNOT_RUN: "yellow", SKIPPED: "dim"}


def status_text(result: Result) -> str:
    """``passed``, ``failed``, ``could not run`` or ``not run because X failed``."""
    if result.status == SKIPPED and result.reason:
        return result.reason
    return result.status


def reason_text(result: Result) -> str:
    return "" if result.status == SKIPPED else result.reason


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s"


def ok(results: list[Result]) -> bool:
    return bool(results) and all(r.status == PASSED for r in results)


def _rows(results: list[Result]) -> list[tuple[str, str, str, str]]:
    return [(r.gate, status_text(r), duration(r.seconds), reason_text(r)) for r in results]


def plain(results: list[Result]) -> str:
    """Aligned columns for logs and pipes (no colour, no box drawing)."""
    rows = [HEADERS, *_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for row in rows:
        cells = [row[i].ljust(widths[i]) for i in range(3)]
        lines.append("  ".join([*cells, row[3]]).rstrip())
    passed = sum(r.status == PASSED for r in results)
    lines.append(f"{passed}/{len(results)} gates passed")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown(results: list[Result]) -> str:
    """A GitHub-flavoured Markdown table (for ``$GITHUB_STEP_SUMMARY``)."""
    passed = sum(r.status == PASSED for r in results)
    lines = [
        f"### CI gates: {passed}/{len(results)} passed",
        "",
        "| Gate | Status | Duration | Reason |",
        "| --- | --- | --- | --- |",
    ]
    for r in results:
        status = _MD_STATUS.get(r.status, f"⏭️ {status_text(r)}")
        cells = (f"`{r.gate}`", status, duration(r.seconds), reason_text(r))
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n\n"


def print_table(results: list[Result], stream: TextIO | None = None) -> None:
    """rich table on a terminal, :func:`plain` text otherwise (or when rich is missing)."""
    out = stream if stream is not None else sys.stdout
    if out.isatty():
        try:
            from rich.console import Console
            from rich.table import Table
        except ImportError:
            pass
        else:
            table = Table(title="CI gates", title_justify="left")
            for header in HEADERS:
                table.add_column(header, no_wrap=header != "reason", overflow="fold")
            for r, row in zip(results, _rows(results)):
                style = _RICH_STYLE.get(r.status, "")
                table.add_row(row[0], f"[{style}]{row[1]}[/]", row[2], row[3])
            console = Console(file=out)
            console.print(table, markup=True, highlight=False)
            passed = sum(r.status == PASSED for r in results)
            console.print(f"{passed}/{len(results)} gates passed", highlight=False)
            return
    out.write(plain(results))
    out.flush()


def write_json(results: list[Result], root: str) -> str:
    path = os.path.join(root, REPORT_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {
        "ok": ok(results),
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "results": [r._asdict() for r in results],
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


def emit(results: list[Result], root: str, stream: TextIO | None = None) -> None:
    """Everything a run ends with: the table, report.json, and the GitHub step summary."""
    print_table(results, stream)
    write_json(results, root)
    append_step_summary(results)


def collect(root: str) -> list[Result]:
    """Saved results in registry order; a CI gate without one is "not run"."""
    saved = {r.gate: r for r in load_saved(root)}
    out = []
    for gate in ORDERED:
        if gate.name in saved:
            out.append(saved[gate.name])
        elif gate.in_ci:
            reason = f"not run (no saved result; run `nox -s {gate.name}`)"
            out.append(Result(gate.name, SKIPPED, 0.0, reason))
    return out


def main(argv: list[str] | None = None) -> int:
    from ci.gates import project_root

    if argv:
        print("usage: python -m ci.report  (reads target/ci-gates/results/*.json)", file=sys.stderr)
        return 2
    root = project_root()
    results = collect(root)
    emit(results, root)
    return 0 if ok(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
