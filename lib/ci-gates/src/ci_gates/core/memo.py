"""A process-wide memo that says how to empty it.

``cache_clear()`` is functools' protocol (``functools.cache`` has it): the pytest gate's recorder
empties every memo a module holds at its top level before each test it records, so the test's
record names the code that filled what it uses (:mod:`ci_gates.gates.pytest_recorder_plugin`).
A module-level memo of this library is a ``functools`` cache or a :class:`Memo`.
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """A dict kept for the life of the process; :meth:`cache_clear` empties it."""

    def cache_clear(self) -> None:
        self.clear()
