"""``python -m ci_gates.hooks.filerules ROOT PATH...``: the per-file workflow and action rules.

The post-edit hook runs this in the gates environment's interpreter (pyyaml is installed
there, not in the bare ``python3 -I -S`` the hook runs in) and reads its stdout: a JSON list of
findings (:meth:`ci_gates.core.findings.Finding.as_dict`). For a workflow
(``.github/workflows/*.yml``) the ``workflows`` gate's :func:`~ci_gates.gates.workflows.file_findings`;
for a composite action also the ``action_yaml`` gate's
:func:`~ci_gates.gates.action_yaml.action_findings`. Not the JSON schema and not zizmor: they
take every file at once, and the ``workflows`` gate runs them.
"""

from __future__ import annotations

import json
import os
import sys

from ci_gates.parsers import ghyaml

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.findings import Finding


def kind(rel: str) -> str:
    """``workflow``, ``action`` or "" (not a file these rules read), from the path alone."""
    directory, _, name = rel.rpartition("/")
    if directory == ".github/workflows" and name.endswith((".yml", ".yaml")):
        return "workflow"
    if name in ghyaml.ACTION_NAMES and (
        not directory or any(f"{directory}/".startswith(f"{d}/") for d in ghyaml.ACTION_DIRS)
    ):
        return "action"
    return ""


def findings(root: str, rels: list[str]) -> list[Finding]:
    from ci_gates.core.context import config_for
    from ci_gates.gates import action_yaml, workflows

    root, config = config_for(root)
    skip = config.get("skip", {})
    out: list[Finding] = []
    for rel in rels:
        what = kind(rel)
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                parsed = ghyaml.compose(f.read())
        except (OSError, UnicodeDecodeError):
            continue  # deleted or moved since, or not text: nothing to say about it
        if what == "action" and "action_yaml" not in skip:
            out += action_yaml.action_findings(rel, parsed)
        if what and "workflows" not in skip:
            found = workflows.file_findings(root, config, rel, parsed)
            seen = {(f.path, f.line) for f in out if f.rule == "AY001"}
            out += [f for f in found if not (f.rule == "WF001" and (f.path, f.line) in seen)]
    return out


def main(argv: list[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m ci_gates.hooks.filerules ROOT PATH...\n")
        return 2
    found = findings(argv[0], argv[1:])
    sys.stdout.write(json.dumps([f.as_dict() for f in found]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
