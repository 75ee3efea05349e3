"""API compatibility: what changed on each public surface between a release and HEAD.

Three surfaces, one shape of answer. Each module compares one surface at a baseline (the
package's last release tag ``{name}-v{version}``) with the working tree and returns
:class:`Change` records, each ``breaking`` or ``additive``:

- :mod:`ci_gates.checks.api.rust` — a library crate's public API: cargo-semver-checks on rustdoc JSON of
  both sides (breaking), new public item paths from the same JSON (additive);
- :mod:`ci_gates.checks.api.python` — the import package, stubs included: griffe's breakage check, and new
  public names or parameters;
- :mod:`ci_gates.checks.api.cli` — the CLI's ``--dump-surface`` tree: subcommands, flags, positionals,
  values, exit codes and ``--json`` fields.

:mod:`ci_gates.checks.api.verdict` maps packages to surfaces and turns changes into the bump they require
(:func:`ci_gates.checks.api.verdict.required_bump`), which the ``api_compat`` gate and the release plan
compare with the bump the commits declare.
"""

from __future__ import annotations

from collections import namedtuple

BREAKING, ADDITIVE = "breaking", "additive"
SURFACES = ("rust", "python", "cli")

Change = namedtuple("Change", "surface item kind what restore path line", defaults=("", 0))
Change.__doc__ = """One difference on a public surface.

``surface`` is "rust", "python" or "cli"; ``item`` the thing that changed as a user spells
it (``acme_core::parse``, ``acme.load(path)``, ``acme-cli run
--json``); ``kind`` is :data:`BREAKING` or :data:`ADDITIVE`; ``what`` says what happened in
a few words; ``restore`` how to undo a breaking change ("" for additive ones); ``path`` and
``line`` locate it at HEAD (or at the baseline for a removal) when known.
"""


class ApiError(Exception):
    """A surface could not be compared (a build failed, a tool is missing); one line, with a fix."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


class Incomparable(ApiError):
    """A surface the baseline does not expose in a comparable form (a release from before the
    CLI had ``--dump-surface``): a note, not a failure; the next release will have it."""
