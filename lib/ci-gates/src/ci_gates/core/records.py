"""Small immutable records for the hot path: named tuples without ``namedtuple``'s start-up cost.

The agent hooks define their record types (``Finding``, ``Rule``, ``parsers.posix.Command``,
``parsers.calls.Call``, ``parsers.uvrun.Scope``) on every call; ``collections.namedtuple``
compiles a constructor per type (~0.4 ms each, a tenth of a hook's budget). :func:`record`
builds the same thing from plain functions, and is as strict as a named tuple: a missing
field, an unknown or repeated keyword, or too many arguments is a ``TypeError``.
"""

from __future__ import annotations

from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MISSING = object()


def record(name: str, fields: str, defaults: tuple[Any, ...] = ()) -> Any:
    """A named tuple class: ``fields`` space-separated; ``defaults`` for the LAST fields."""
    names = tuple(fields.split())
    n = len(names)
    if len(defaults) > n:
        raise ValueError(f"{name}: {len(defaults)} defaults for {n} fields")
    if len(set(names)) != n or not all(f.isidentifier() for f in names):
        raise ValueError(f"{name}: field names must be distinct identifiers: {fields!r}")
    fallback = (_MISSING,) * (n - len(defaults)) + tuple(defaults)
    index = {f: i for i, f in enumerate(names)}

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        if len(args) > n:
            raise TypeError(f"{name}() takes {n} arguments, {len(args)} given")
        values = list(args) + list(fallback[len(args) :])
        for key, value in kwargs.items():
            i = index.get(key)
            if i is None:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
            if i < len(args):
                raise TypeError(f"{name}() got multiple values for argument {key!r}")
            values[i] = value
        for i, value in enumerate(values):
            if value is _MISSING:
                raise TypeError(f"{name}() missing required argument {names[i]!r}")
        return tuple.__new__(cls, values)

    def _replace(self: tuple[Any, ...], **kwargs: Any) -> Any:
        unknown = set(kwargs) - set(names)
        if unknown:
            raise TypeError(f"{name}._replace() got unexpected field(s) {sorted(unknown)}")
        return tuple.__new__(type(self), [kwargs.get(f, v) for f, v in zip(names, self)])

    def __repr__(self: tuple[Any, ...]) -> str:
        return f"{name}({', '.join(f'{f}={v!r}' for f, v in zip(names, self))})"

    space: dict[str, Any] = {"__slots__": (), "_fields": names, "__new__": __new__}
    space.update(_replace=_replace, __repr__=__repr__)
    space.update({f: property(itemgetter(i)) for i, f in enumerate(names)})
    return type(name, (tuple,), space)
