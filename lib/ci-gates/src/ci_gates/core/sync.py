"""``nox -s sync``: rewrite what is derived from the gate registry; ``--check`` only reports.

Two places are derived from the registry, each between marker comments, and nothing outside
the markers is touched (the rest of the file stays byte-identical):

- the gate steps of the CI workflow (``[tool.ci-gates.tool-guard] ci-file``), between
  ``# >>> ci-gates`` and ``# <<< ci-gates`` lines inside a job's ``steps:``: one step per
  registry gate that CI runs, in dependency order, each with ``if: ${{ !cancelled() }}``,
  then ``nox -s report`` with ``if: always()``. Gates skipped in ``[tool.ci-gates] skip``
  (and the gates that require them) get no step;
- the gate table of README.md, between ``<!-- >>> ci-gates -->`` and ``<!-- <<< ci-gates -->``.

Running it twice changes nothing. ``python -m ci_gates.core.sync --check`` (and the workflows and readme
gates, through :func:`ci_steps_stale` and :func:`readme_table_stale`) reports a stale place as
a finding whose fix is "run `nox -s sync`". A file without markers is not derived: it is left
alone and not reported here (the workflows gate then checks ci.yml step by step).
"""

from __future__ import annotations

import os
import re
import sys

from ci_gates.core.findings import Finding, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.registry import Registry

CI_BEGIN, CI_END = "# >>> ci-gates", "# <<< ci-gates"
MD_BEGIN, MD_END = "<!-- >>> ci-gates", "<!-- <<< ci-gates"
CI_NOTE = "# >>> ci-gates: gate steps written by `nox -s sync` from the gate registry; do not edit"
MD_NOTE = "<!-- >>> ci-gates: gate table written by `nox -s sync` from the gate registry -->"
README = "README.md"
FIX = "run `nox -s sync`"


class SyncError(Exception):
    """Markers that cannot be used (unbalanced, nested), at ``path``:``line`` (0 = unknown)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path, self.line, self.message = path, line, message


def skipped_gates(reg: Registry, skip: dict[str, str]) -> dict[str, str]:
    """Gates skipped in config, and the gates that require them: name -> reason."""
    out = dict(skip)
    for gate in reg.gates:
        blocked = next((r for r in gate.requires if r in out), None)
        if gate.name not in out and blocked is not None:
            out[gate.name] = f"skipped because {blocked} is skipped"
    return out


def ci_gates(reg: Registry, skip: dict[str, str]) -> list[str]:
    """The gates CI runs, in dependency order: ``in_ci`` and not skipped."""
    skipped = skipped_gates(reg, skip)
    return [g.name for g in reg.gates if g.in_ci and g.name not in skipped]


def ci_steps(gates: list[str], indent: str, newline: str = "\n") -> str:
    """The generated block, markers included, for a ``steps:`` list indented by ``indent``."""
    lines = [indent + CI_NOTE]
    for gate in gates:
        lines += [
            f"{indent}- name: {gate}",
            f"{indent}  if: ${{{{ !cancelled() }}}}",
            f"{indent}  run: nox -s {gate}",
        ]
    lines += [
        f"{indent}- name: report",
        f"{indent}  if: always()",
        f"{indent}  run: nox -s report",
        indent + CI_END,
    ]
    return newline.join(lines) + newline


def readme_table(reg: Registry, skip: dict[str, str], newline: str = "\n") -> str:
    """The generated gate table of README.md, markers included."""
    skipped = skipped_gates(reg, skip)
    rows = [MD_NOTE, "", "| gate | checks | requires |", "|---|---|---|"]
    for gate in reg.gates:
        checks = gate.description.replace("|", "\\|")
        if gate.name in skipped:
            checks += f" (skipped here: {skipped[gate.name]})"
        requires = ", ".join(f"`{r}`" for r in gate.requires)
        rows.append(f"| `{gate.name}` | {checks} | {requires} |")
    rows += ["", MD_END + " -->"]
    return newline.join(rows) + newline


def blocks(text: str, begin: str, end: str, rel: str) -> list[tuple[int, int, str]]:
    """``(start, stop, indent)`` character spans of each marked block (markers included)."""
    out, start, indent, offset = [], -1, "", 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        stripped = line.strip()
        if stripped.startswith(begin):
            if start >= 0:
                raise SyncError(rel, number, f"a second `{begin}` before `{end}`; remove one")
            start, indent = offset, line[: len(line) - len(line.lstrip())]
        elif stripped.startswith(end):
            if start < 0:
                raise SyncError(rel, number, f"`{end}` without a `{begin}` above it; remove it")
            out.append((start, offset + len(line), indent))
            start = -1
        offset += len(line)
    if start >= 0:
        raise SyncError(
            rel, 0, f"`{begin}` is never closed; add a `{end}` line after the generated lines"
        )
    return out


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def regenerate(text: str, rel: str, kind: str, reg: Registry, skip: dict[str, str]) -> str:
    """``text`` with every marked block of ``kind`` (``ci`` or ``readme``) rewritten."""
    marks = (CI_BEGIN, CI_END) if kind == "ci" else (MD_BEGIN, MD_END)
    out, last = [], 0
    for start, stop, indent in blocks(text, *marks, rel):
        generated = (
            ci_steps(ci_gates(reg, skip), indent, _newline(text))
            if kind == "ci"
            else readme_table(reg, skip, _newline(text))
        )
        out += [text[last:start], generated]
        last = stop
    return "".join(out) + text[last:]


def _read(root: str, rel: str) -> str | None:
    try:
        with open(os.path.join(root, rel), encoding="utf-8", newline="") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def _targets(root: str) -> tuple[Registry, dict[str, str], list[tuple[str, str]]]:
    """The registry, the skip table, and ``(path, kind)`` of the files sync derives."""
    from ci_gates.core.config import load as load_config
    from ci_gates.core.registry import load

    config = load_config(root)
    return (
        load(root),
        dict(config.get("skip", {})),
        [
            (config["tool-guard"]["ci-file"], "ci"),
            (README, "readme"),
        ],
    )


def _gates_in(block: str) -> list[str]:
    return re.findall(r"run: nox -s ([\w-]+)", block)


def _stale(
    root: str, rel: str, kind: str, reg: Registry, skip: dict[str, str], rule_id: str
) -> list[Finding]:
    text = _read(root, rel)
    if text is None:
        return []
    marks = (CI_BEGIN, CI_END) if kind == "ci" else (MD_BEGIN, MD_END)
    try:
        spans = blocks(text, *marks, rel)
        fresh = regenerate(text, rel, kind, reg, skip)
    except SyncError as exc:
        return [
            Finding(rule_id, exc.message, exc.path, exc.line, fix="fix the markers, then " + FIX)
        ]
    if fresh == text:
        return []
    out = []
    for start, stop, _ in spans:
        line = text.count("\n", 0, start) + 1
        now = (
            _gates_in(text[start:stop])
            if kind == "ci"
            else re.findall(r"^\| `(\w+)`", text[start:stop], re.M)
        )
        want = [*ci_gates(reg, skip), "report"] if kind == "ci" else reg.names
        missing = [g for g in want if g not in now]
        extra = [g for g in now if g not in want]
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"not derived from the registry: {', '.join(extra)}" if extra else "",
                "out of order" if not missing and not extra and now != want else "",
            )
            if part
        )
        what = (
            "the gate steps between the sync markers are"
            if kind == "ci"
            else "the gate table between the sync markers is"
        )
        same = (
            "a step's name or if: differs"
            if kind == "ci"
            else "a description or requirement differs"
        )
        message = f"{what} stale ({detail or same + ' from the registry'})"
        out.append(Finding(rule_id, message, rel, line, fix=FIX))
    return out


@rule("SYN001", gate="workflows")
def ci_steps_stale(root: str) -> list[Finding]:
    """The gate steps of ci.yml between the ``nox -s sync`` markers differ from the registry.

    The steps are derived from the registry (the gates CI runs, minus those skipped in
    ``[tool.ci-gates] skip``, in dependency order). Edit the registry, then run
    ``nox -s sync``; never edit the lines between the markers by hand.
    """
    reg, skip, targets = _targets(root)
    return [
        f
        for rel, kind in targets
        if kind == "ci"
        for f in _stale(root, rel, kind, reg, skip, "SYN001")
    ]


@rule("SYN002", gate="readme")
def readme_table_stale(root: str) -> list[Finding]:
    """The gate table of README.md between the ``nox -s sync`` markers differs from the registry.

    The table lists each registry gate with its description and what it requires. Edit the
    registry, then run ``nox -s sync``; never edit the lines between the markers by hand.
    """
    reg, skip, targets = _targets(root)
    return [
        f
        for rel, kind in targets
        if kind == "readme"
        for f in _stale(root, rel, kind, reg, skip, "SYN002")
    ]


def sync(root: str) -> tuple[list[str], list[str]]:
    """Rewrite every stale derived place: (paths written, notes). Raises SyncError."""
    reg, skip, targets = _targets(root)
    written, notes = [], []
    for rel, kind in targets:
        text = _read(root, rel)
        begin, end = (CI_BEGIN, CI_END) if kind == "ci" else (MD_BEGIN, MD_END)
        if text is None or (begin not in text and end not in text):
            notes.append(f"{rel}: no `{begin}` markers (or no file); nothing derived there")
            continue
        fresh = regenerate(text, rel, kind, reg, skip)
        if fresh != text:
            with open(os.path.join(root, rel), "w", encoding="utf-8", newline="") as f:
                f.write(fresh)
            written.append(rel)
    return written, notes


def main(argv: list[str] | None = None, root: str | None = None) -> int:
    from ci_gates.core.config import ConfigError
    from ci_gates.core.context import project_root

    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["--check"]):
        print("usage: ci-gates sync [--check]", file=sys.stderr)
        return 2
    root = project_root(root)
    try:
        if args == ["--check"]:
            findings = ci_steps_stale(root) + readme_table_stale(root)
            for finding in findings:
                print(finding.text())
            print("sync: stale" if findings else "sync: up to date")
            return 1 if findings else 0
        written, notes = sync(root)
    except (ConfigError, SyncError) as exc:
        print(f"sync: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"sync: {note}")
    for rel in written:
        print(f"sync: wrote {rel}")
    print("sync: up to date" if not written else f"sync: {len(written)} file(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
