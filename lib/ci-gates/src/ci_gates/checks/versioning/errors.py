"""The release layer's one error: a message a maintainer can act on, printed as one line."""

from __future__ import annotations


class ReleaseError(Exception):
    """Bad config, a history the plan cannot read, a dirty tree: the message says what to do."""
