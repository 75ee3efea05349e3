"""``record`` is as strict as a named tuple: no silent defaults, no dropped keywords."""

from __future__ import annotations

import pytest

from ci_gates.core.records import record


def test_fields_defaults_replace_and_repr() -> None:
    point = record("Point", "x y z", (0,))
    p = point(1, 2)
    assert (p.x, p.y, p.z) == (1, 2, 0) and p == (1, 2, 0)
    assert point(1, y=5, z=7) == (1, 5, 7)
    assert p._replace(z=9) == (1, 2, 9) and repr(p) == "Point(x=1, y=2, z=0)"
    assert point._fields == ("x", "y", "z")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X: X(), "missing required argument 'a'"),  # the old helper gave X(a=2, b=1, c=2)
        (lambda X: X(1, 2, 3, 4), "takes 3 arguments, 4 given"),
        (lambda X: X(1, d=4), "unexpected keyword argument 'd'"),
        (lambda X: X(1, a=4), "multiple values for argument 'a'"),
        (lambda X: X(1)._replace(q=1), "unexpected field"),
    ],
)
def test_wrong_calls_are_type_errors(call: object, message: str) -> None:
    klass = record("X", "a b c", (1, 2))
    with pytest.raises(TypeError, match=message):
        call(klass)  # type: ignore[operator]


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(ValueError, match="3 defaults for 2 fields"):
        record("X", "a b", (1, 2, 3))
    with pytest.raises(ValueError, match="distinct identifiers"):
        record("X", "a a")
