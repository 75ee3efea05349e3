"""Dependency order, stable: the gates (``requires``) and the release packages (``depends_on``).

Declaration order is kept among independent items, so a list reads the way it was written.
A cycle raises :class:`Cycle` carrying the names around it (``a -> b -> a``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


class Cycle(ValueError):
    """``path`` is the cycle, first name repeated at the end."""

    def __init__(self, path: list[str]) -> None:
        super().__init__(" -> ".join(path))
        self.path = path


def ordered(names: Iterable[str], deps: Mapping[str, Iterable[str]]) -> list[str]:
    """``names`` with every name after the names it depends on (depth first, stable)."""
    done: dict[str, None] = {}
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise Cycle([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for dep in deps.get(name, ()):
            visit(dep)
        visiting.pop()
        done[name] = None

    for name in names:
        visit(name)
    return list(done)
