"""GitHub Actions workflow commands: a finding as an annotation on the pull request.

Printed by the runner as each gate finishes (under ``GITHUB_ACTIONS=true``), so they appear
even when a later step is cancelled; the report reuses them.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ci_gates.core.findings import Finding


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """The GitHub Actions workflow command that annotates ``finding`` on the pull request."""
    level = {"error": "error", "warning": "warning"}.get(finding.severity, "notice")
    props = [f"file={_escape_property(finding.path)}"]
    if finding.line:
        props.append(f"line={finding.line}")
        if finding.column:
            props.append(f"col={finding.column}")
    props.append(f"title={_escape_property(finding.rule)}")
    message = finding.message + (f" ({finding.fix})" if finding.fix else "")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"
