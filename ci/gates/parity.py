"""parity: one behaviour, two surfaces, one truth.

Each vector of ``tests/vectors/vectors.json`` (:func:`load_vectors`) goes through the BUILT
``template-cli count --json`` (the file, ``-`` on stdin, and stdin with no path), through
``count_file`` and ``count_bytes`` of the installed wheel (one Python process for all of
them), and through ``LC_ALL=C wc -l -w -c`` when ``wc`` is on PATH. Every answer is compared
with the vector's hand-written expectation (:func:`compare`).
"""

from __future__ import annotations

import collections
import json
import os
import re

from ci.gates import cannot_run, note, problem, project_root, verdict

VECTORS = "tests/vectors/vectors.json"
FIELDS = ("lines", "words", "bytes")
MAX_GENERATED = 64 << 20  # a generated vector is at most 64 MiB

# file: relative to the vectors directory, or None; generate: [(text, times), ...] or None.
Vector = collections.namedtuple("Vector", "name line file generate expected")

# Runs in the wheel venv: stdin is [[name, path], ...]; prints {name: {surface: [l, w, b]}}.
PY_SURFACES = r"""
import json, sys
from template_python_rust_cmd import count_bytes, count_file
out = {}
for name, path in json.load(sys.stdin):
    got = out[name] = {}
    data = open(path, "rb").read()
    for surface, call in (("count_file", lambda: count_file(path)),
                          ("count_bytes", lambda: count_bytes(data)),
                          ("count_bytes(memoryview)", lambda: count_bytes(memoryview(bytearray(data))))):
        try:
            s = call()
            got[surface] = [s.lines, s.words, s.bytes]
        except Exception as exc:
            got[surface] = f"raised {type(exc).__name__}: {exc}"
json.dump(out, sys.stdout)
"""


def load_vectors(text: str, directory: str) -> tuple[list[Vector], list[str]]:
    """The vectors of a ``vectors.json`` text, and what is wrong with it (``line: message``)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [], [f"not valid JSON ({exc}); fix the syntax"]
    if not isinstance(data, dict) or not isinstance(data.get("vectors"), list):
        return [], ['expected {"vectors": [...]} at the top level']
    lines = text.splitlines()
    vectors: list[Vector] = []
    problems: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(data["vectors"]):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name):
            problems.append(f"vector #{i + 1}: needs a \"name\" of letters, digits, '.', '_', '-'")
            continue
        pattern = f'"name": "{name}"'
        line = next((n for n, t in enumerate(lines, 1) if pattern in t), 0)
        where = f"{line}: vector {name!r}"
        if name in seen:
            problems.append(f"{where}: duplicate name; rename one")
            continue
        seen.add(name)
        expected = {f: item.get(f) for f in FIELDS}
        bad = [f for f, v in expected.items() if type(v) is not int or v < 0]
        if bad:
            problems.append(f"{where}: {', '.join(bad)} must be non-negative integers")
            continue
        file, generate = item.get("file"), item.get("generate")
        if (file is None) == (generate is None):
            problems.append(f'{where}: give exactly one of "file" and "generate"')
            continue
        if file is not None:
            if not isinstance(file, str) or not os.path.isfile(os.path.join(directory, file)):
                problems.append(f"{where}: file {file!r} is not in {directory}; add it")
                continue
        else:
            ok = isinstance(generate, list) and all(
                isinstance(p, list)
                and len(p) == 2
                and isinstance(p[0], str)
                and type(p[1]) is int
                and p[1] >= 0
                and all(ord(c) < 256 for c in p[0])
                for p in generate
            )
            if not ok or sum(len(t) * n for t, n in generate) > MAX_GENERATED:
                problems.append(
                    f'{where}: "generate" must be [[latin-1 text, times], ...] '
                    f"of at most {MAX_GENERATED} bytes"
                )
                continue
            generate = [(t, n) for t, n in generate]
        vectors.append(Vector(name, line, file, generate, expected))
    return vectors, problems


def vector_bytes(vector: Vector, directory: str) -> bytes:
    if vector.file is not None:
        with open(os.path.join(directory, vector.file), "rb") as f:
            return f.read()
    return b"".join(text.encode("latin-1") * times for text, times in vector.generate)


_PLAIN = frozenset(b" \t\n\v\f\r" + bytes(range(0x21, 0x7F)))


def wc_fields(data: bytes, wc_counts_nonprintable: bool) -> tuple[str, ...]:
    """The fields ``wc`` can vouch for on ``data``.

    An older GNU ``wc`` (coreutils 9.1, for one) lets non-printable bytes neither start nor end
    a word; its word count is then only comparable on whitespace and printable ASCII.
    """
    if wc_counts_nonprintable or _PLAIN.issuperset(data):
        return FIELDS
    return ("lines", "bytes")


def compare(
    vector: Vector,
    surface: str,
    got: object,
    where: str = VECTORS,
    fields: tuple[str, ...] = FIELDS,
) -> list[str]:
    """Messages for each of ``fields`` where ``got`` ([lines, words, bytes], or an error) differs."""
    head = f"{where}:{vector.line}: vector {vector.name!r}"
    if isinstance(got, str):
        return [f"{head}: {surface} failed: {got}"]
    if not (isinstance(got, (list, tuple)) and len(got) == 3):
        return [f"{head}: {surface} gave {got!r}, not [lines, words, bytes]"]
    return [
        f"{head} {field}: expected {vector.expected[field]}, {surface} says {value}"
        for field, value in zip(FIELDS, got)
        if field in fields and value != vector.expected[field]
    ]


def parse_cli_json(stdout: str) -> object:
    """``[lines, words, bytes]`` from ``template-cli count --json`` of one input, or an error."""
    try:
        data = json.loads(stdout)
        (item,) = data
        return [item[f] for f in FIELDS]
    except (ValueError, TypeError, KeyError):
        return f"output is not a JSON array of one {{lines, words, bytes}}: {stdout[:120]!r}"


def parse_wc(stdout: str) -> object:
    """``[lines, words, bytes]`` from ``wc -l -w -c FILE``, or an error."""
    fields = stdout.split()
    if len(fields) < 3 or not all(f.isdigit() for f in fields[:3]):
        return f"unexpected output {stdout[:120]!r}"
    return [int(f) for f in fields[:3]]


def run(root: str | None = None) -> int:
    import shutil
    import subprocess

    from ci import artifacts, gates

    root = root or project_root()
    before = len(gates.messages)
    directory = os.path.join(root, os.path.dirname(VECTORS))
    try:
        with open(os.path.join(root, VECTORS), encoding="utf-8") as f:
            vectors, bad = load_vectors(f.read(), directory)
    except OSError as exc:
        problem(f"{VECTORS}: cannot read ({exc.strerror}); the parity vectors live there")
        return verdict(1)
    for msg in bad:
        problem(f"{VECTORS}:{msg}")
    listed = {v.file for v in vectors} | {
        name for name in os.listdir(directory) if not name.endswith(".bin")
    }
    for name in sorted(set(os.listdir(directory)) - listed):
        problem(f"{os.path.dirname(VECTORS)}/{name}: not listed in {VECTORS}; list it or delete it")
    if not vectors:
        problem(f"{VECTORS}: no usable vectors; parity would prove nothing")
        return verdict(1)
    try:
        venv = artifacts.wheel_venv(root, "parity")
    except artifacts.ArtifactError as exc:
        return cannot_run(f"parity: {exc}")
    exe = os.path.join(artifacts.venv_scripts(venv), "template-cli" + (".exe" * (os.name == "nt")))
    if not os.path.isfile(exe):
        return cannot_run(f"parity: the built wheel installs no {exe}; see the native_import gate")
    gen_dir = os.path.join(root, "target", "ci-gates", "parity")
    os.makedirs(gen_dir, exist_ok=True)
    paths = {}
    for v in vectors:
        if v.file is not None:
            paths[v.name] = os.path.join(directory, v.file)
        else:
            paths[v.name] = os.path.join(gen_dir, f"{v.name}.bin")
            with open(paths[v.name], "wb") as out:
                out.write(vector_bytes(v, directory))

    def cli(args: list[str], data: bytes | None) -> object:
        proc = subprocess.run([exe, "count", "--json", *args], input=data, capture_output=True)
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            return f"exit {proc.returncode}: {err[:200]}"
        return parse_cli_json(proc.stdout.decode("utf-8", "replace"))

    py = subprocess.run(
        [artifacts.venv_python(venv), "-c", PY_SURFACES],
        input=json.dumps([[v.name, paths[v.name]] for v in vectors]),
        capture_output=True,
        text=True,
        cwd=venv,
    )
    try:
        py_results = json.loads(py.stdout) if py.returncode == 0 else {}
    except ValueError:
        py_results = {}
    py_error = "" if py_results else f"exit {py.returncode}: {py.stderr.strip()[-300:]}"
    wc = shutil.which("wc")
    wc_env = {**os.environ, "LC_ALL": "C"}
    # Does this wc count a word of non-printable bytes (current GNU) or not (older GNU)?
    modern_wc = (
        wc is not None
        and subprocess.run(
            [wc, "-w"], input=b"\x00\x80", capture_output=True, env=wc_env
        ).stdout.strip()
        == b"1"
    )
    wc_words_skipped = []
    messages: list[str] = []
    for v in vectors:
        data = vector_bytes(v, directory)
        answers = {
            "template-cli (file)": cli([paths[v.name]], None),
            "template-cli (stdin -)": cli(["-"], data),
            "template-cli (stdin)": cli([], data),
        }
        for surface in ("count_file", "count_bytes", "count_bytes(memoryview)"):
            answers[surface] = py_results.get(v.name, {}).get(surface, py_error or "no answer")
        if wc:
            proc = subprocess.run(
                [wc, "-l", "-w", "-c", paths[v.name]], capture_output=True, env=wc_env
            )
            answers["wc"] = (
                parse_wc(proc.stdout.decode())
                if proc.returncode == 0
                else f"exit {proc.returncode}"
            )
        for surface, got in answers.items():
            fields = wc_fields(data, modern_wc) if surface == "wc" else FIELDS
            if fields != FIELDS:
                wc_words_skipped.append(v.name)
            messages.extend(compare(v, surface, got, fields=fields))
    for msg in messages:
        problem(msg)
    surfaces = "CLI file/stdin, count_file, count_bytes" + (", wc" if wc else " (no wc on PATH)")
    note(f"parity: {len(vectors)} vectors through {surfaces}")
    if wc_words_skipped:
        note(
            f"parity: this wc is an older GNU wc (non-printable bytes start no word), so words "
            f"were not compared with it on: {', '.join(wc_words_skipped)}"
        )
    return verdict(len(gates.messages) - before)
