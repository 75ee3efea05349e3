"""``ci-gates adopt PATH`` (``nox -s adopt -- PATH``): bring the gates to an existing maturin project.

It writes a pin and a config, never a copy of the library:

- the pinned requirement where the project keeps its dev tools (a ``dev`` dependency group, a
  dev requirements file, else a new ``ci/requirements-dev.txt`` with nox and uv);
- a three-line ``noxfile.py`` asking the library for its sessions (a project that has one
  gets the lines to add, printed; its file is never overwritten);
- a ``[tool.ci-gates]`` section fitted to the project: every gate that does not apply to what
  the project has is skipped with the reason and what would make it apply (each gate's
  ``applies``), the workflows that publish, where the commits gate starts;
- the agent hook files (``ci/hooks/guard.py``, ``.claude/settings.json``,
  ``.codex/hooks.json``; existing settings get the hooks merged in, theirs kept).

The configuration lives in the repository root's ``pyproject.toml``, beside ``.github/`` and
git. In a workspace whose maturin project sits in a sub-directory the library finds it alone
(the one ``pyproject.toml`` that builds with maturin); ``--project DIR`` names it when there are
several (``[tool.ci-gates.project] dir``), and a root without a ``pyproject.toml`` (a Cargo
workspace) gets one holding only the gates' configuration.

It touches none of the project's code. A second run changes nothing. Upgrading is changing the
pin. The report says what was written, how many lines, and what to do next.
"""

from __future__ import annotations

import os
import subprocess

from ci_gates.core.project import Names, ProjectError, names
from ci_gates.template import adoptfiles


class AdoptError(Exception):
    """One line: what is wrong and what to do."""


def _preflight(project: str, chosen: str | None = None) -> Names | None:
    """The project's names; None while they need ``chosen`` written down first."""
    if chosen is not None and not os.path.isfile(os.path.join(project, chosen, "pyproject.toml")):
        raise AdoptError(f"{project}: --project {chosen}: no pyproject.toml there")
    if chosen is None and not os.path.isfile(os.path.join(project, "pyproject.toml")):
        try:
            found = names(project)  # a Cargo workspace with the maturin project below it
        except ProjectError:
            found = None
        if found is None or not found.project:
            raise AdoptError(
                f"{project}: no pyproject.toml; adopt works on a maturin project's root "
                "(or a workspace with one in a sub-directory)"
            )
    if not os.path.isdir(os.path.join(project, ".git")):
        raise AdoptError(
            f"{project}: not a git repository (the gates read tracked files); run `git init`"
        )
    try:
        return names(project)
    except ProjectError as exc:
        if chosen is not None and "several maturin projects" in str(exc):
            return None  # --project settles it, once written
        hint = "; adopt with --project DIR" if "several maturin projects" in str(exc) else ""
        raise AdoptError(f"{exc}{hint}") from None


def skips(project: str) -> dict[str, str]:
    """Gates that do not apply to the project as it is, each with why and what would change it."""
    from ci_gates.core.registry import builtin

    out = {}
    for gate in builtin():
        why = gate.applies(project) if gate.applies else ""
        if why:
            out[gate.name] = why
    return out


def head(project: str) -> str:
    """The commit the project is at ("" before its first): history before adoption is not judged."""
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.stdout.strip() if proc.returncode == 0 else ""


def adopt(project: str, requirement: str | None = None, project_dir: str | None = None) -> str:
    """Adopt the gates into ``project`` (the repository root; ``project_dir``: the maturin
    project in it, when the library cannot tell); returns the report. Raises :class:`AdoptError`."""
    from ci_gates.core.env import library_requirement

    project = os.path.abspath(project)
    chosen = project_dir.strip().strip("/") if project_dir else None
    n = _preflight(project, chosen)
    requirement = requirement or adoptfiles.pinned(library_requirement())
    written: list[tuple[str, int]] = []
    notes: list[str] = []
    written += adoptfiles.root_pyproject(project)
    written += adoptfiles.pin(project, requirement, notes)
    written += adoptfiles.noxfile(project, notes)
    written += adoptfiles.hooks(project, notes)
    skipped = skips(project) if n is not None and (chosen is None or n.project == chosen) else {}
    written += adoptfiles.config(project, skipped, head(project))
    if chosen is not None and (n is None or n.project != chosen):
        written += adoptfiles.project_dir(project, chosen)
        n = _preflight(project)
        more = {g: why for g, why in skips(project).items() if g not in skipped}
        written += adoptfiles.add_skips(project, more)
        skipped.update(more)
    assert n is not None
    flags = adoptfiles.stubtest_args(project, n.project, n.package)
    written += adoptfiles.stubs_args(project, flags)
    return _report(project, n, requirement, written, notes, skipped)


def _report(
    project: str,
    n: Names,
    requirement: str,
    written: list[tuple[str, int]],
    notes: list[str],
    skipped: dict[str, str],
) -> str:
    if not written:
        lines = [f"adopt: {project} has the gates already; nothing changed"]
    else:
        total = sum(count for _, count in written)
        lines = [f"adopt: wrote {total} lines into {project} (no library code):"]
        per: dict[str, int] = {}
        for rel, count in written:  # one line per file, however many steps wrote to it
            per[rel] = per.get(rel, 0) + count
        lines += [f"  {rel}: {count} lines" for rel, count in per.items()]
    if n.project:
        lines.append(f"  the maturin project: {n.project}/ (the gates build and test it there)")
    lines.append(
        f"  names read from its manifests: distribution {n.dist}, package {n.package}, "
        f"extension {n.extension}, CLI {n.cli or '(none)'}"
    )
    lines += [f"  skipped: {gate}: {why}" for gate, why in sorted(skipped.items())]
    lines.append(
        '  house style: off (pyproject.toml lists each group; `policy = ["house-style"]` '
        "turns all on); safety rules judge every workflow and action"
    )
    lines += [f"  note: {note}" for note in notes]
    if requirement.startswith("ci-gates @ "):
        lines.append(
            f"  once ci-gates is on PyPI, change `{requirement}` to "
            f"`{adoptfiles.released()}` where the pin is"
        )
    steps = []
    if not os.path.isfile(os.path.join(project, n.cargo_root, "Cargo.lock")):
        steps.append("`cargo generate-lockfile` (the Rust gates build with --locked)")
    steps.append("`git add -A` (the gates read tracked files)")
    steps.append(
        f"install the dev tools (`python -m pip install {adoptfiles.install_hint(project)}`)"
    )
    steps.append("`nox -s gates`")
    lines.append("next: " + "; then ".join(steps))
    return "\n".join(lines)
