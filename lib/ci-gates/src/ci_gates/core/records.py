"""The gate library: one registry of checks run the same way by nox, invoke, CI and agent hooks.

:func:`record` lives here because every agent hook imports this package anyway: the hooks'
record types (``ci_gates.parsers.posix.Command``, ``ci_gates.parsers.calls.Call``, ``ci_gates.parsers.uvrun.Scope``) cost no extra import.
"""

from __future__ import annotations

from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def record(name: str, fields: str, defaults: tuple[Any, ...] = ()) -> Any:
    """A named tuple class (fields, defaults, ``_replace``) for half of ``namedtuple``'s cost,
    which builds its constructor with ``eval``: the hooks define three on every call."""
    names = tuple(fields.split())
    n, first_default = len(names), len(names) - len(defaults)

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if len(args) > n:
            raise TypeError(f"{name}() takes {n} arguments, {len(args)} given")
        values = list(args)
        for i in range(len(values), n):
            values.append(
                kwargs.pop(names[i]) if names[i] in kwargs else defaults[i - first_default]
            )
        return tuple.__new__(cls, values)

    def _replace(self: tuple[Any, ...], **kwargs: Any) -> Any:
        return tuple.__new__(type(self), [kwargs.get(f, v) for f, v in zip(names, self)])

    def __repr__(self: tuple[Any, ...]) -> str:
        return f"{name}({', '.join(f'{f}={v!r}' for f, v in zip(names, self))})"

    space: dict[str, Any] = {"__slots__": (), "_fields": names, "__new__": __new__}
    space.update(_replace=_replace, __repr__=__repr__)
    space.update({f: property(itemgetter(i)) for i, f in enumerate(names)})
    return type(name, (tuple,), space)
