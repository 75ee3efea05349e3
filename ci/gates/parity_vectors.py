"""The parity gate's vectors: ``tests/vectors/vectors.json`` read, checked and materialised.

A vector is ``{"name", "lines", "words", "bytes"}`` plus exactly one of ``"file"`` (a ``.bin``
beside the JSON) or ``"generate"`` (``[[latin-1 text, times], ...]``). Its rule (PAR001) belongs
to the ``parity`` gate, which imports this module.
"""

from __future__ import annotations

import collections
import json
import os
import re

from ci_gates.core.findings import Finding, finding_of, rule

VECTORS = "tests/vectors/vectors.json"
FIELDS = ("lines", "words", "bytes")
MAX_GENERATED = 64 << 20  # a generated vector is at most 64 MiB

# file: relative to the vectors directory, or None; generate: [(text, times), ...] or None.
Vector = collections.namedtuple("Vector", "name line file generate expected")


@rule("PAR001", gate="parity")
def bad_vector(line: int, message: str, fix: str) -> Finding:
    """``tests/vectors/vectors.json`` is unreadable, or one of its vectors is malformed.

    A vector is ``{"name", "lines", "words", "bytes"}`` plus exactly one of ``"file"`` (a
    ``.bin`` beside it) or ``"generate"`` (``[[latin-1 text, times], ...]``).
    """
    return finding_of(bad_vector, message, VECTORS, line, fix=fix)


def load_vectors(text: str, directory: str) -> tuple[list[Vector], list[Finding]]:
    """The vectors of a ``vectors.json`` text, and a :func:`bad_vector` finding per problem."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [], [bad_vector(0, f"not valid JSON ({exc})", "fix the syntax")]
    if not isinstance(data, dict) or not isinstance(data.get("vectors"), list):
        return [], [bad_vector(1, 'expected {"vectors": [...]} at the top level', "fix the shape")]
    lines = text.splitlines()
    vectors: list[Vector] = []
    problems: list[Finding] = []
    seen: set[str] = set()
    for i, item in enumerate(data["vectors"]):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name):
            fix = "give it a \"name\" of letters, digits, '.', '_', '-'"
            problems.append(bad_vector(0, f"vector #{i + 1} has no usable name", fix))
            continue
        pattern = f'"name": "{name}"'
        line = next((n for n, t in enumerate(lines, 1) if pattern in t), 0)
        problem = _vector_problem(item, name, seen, directory)
        if problem is not None:
            problems.append(bad_vector(line, f"vector {name!r}: {problem[0]}", problem[1]))
            continue
        seen.add(name)
        generate = None if item.get("generate") is None else generator(item["generate"])
        expected = {f: item[f] for f in FIELDS}
        vectors.append(Vector(name, line, item.get("file"), generate, expected))
    return vectors, problems


def _count(value: object) -> bool:
    """A non-negative int (not a bool)."""
    return type(value) is int and value >= 0


def generator(value: object) -> list[tuple[str, int]] | None:
    """``[(latin-1 text, times), ...]`` from a vector's ``"generate"``, or None if malformed."""
    if not isinstance(value, list):
        return None
    parts: list[tuple[str, int]] = []
    for part in value:
        if not (isinstance(part, list) and len(part) == 2):
            return None
        text, times = part
        if not isinstance(text, str) or any(ord(c) > 255 for c in text) or not _count(times):
            return None
        parts.append((text, times))
    return parts


def _vector_problem(
    item: dict[str, object], name: str, seen: set[str], directory: str
) -> tuple[str, str] | None:
    """``(what is wrong, what to do)`` for one vector, or None."""
    if name in seen:
        return "duplicate name", "rename one"
    bad = [f for f in FIELDS if not _count(item.get(f))]
    if bad:
        return f"{', '.join(bad)} must be non-negative integers", "fix the expected counts"
    file, generate = item.get("file"), item.get("generate")
    if (file is None) == (generate is None):
        return 'needs exactly one of "file" and "generate"', "keep one"
    if file is not None:
        if not isinstance(file, str) or not os.path.isfile(os.path.join(directory, file)):
            return f"file {file!r} is not in {directory}", "add it"
        return None
    parts = generator(generate)
    if parts is None or sum(len(text) * times for text, times in parts) > MAX_GENERATED:
        what = f'"generate" must be [[latin-1 text, times], ...] of at most {MAX_GENERATED} bytes'
        return what, "fix the generator"
    return None


def vector_bytes(vector: Vector, directory: str) -> bytes:
    if vector.file is not None:
        with open(os.path.join(directory, vector.file), "rb") as f:
            return f.read()
    return b"".join(text.encode("latin-1") * times for text, times in vector.generate)
