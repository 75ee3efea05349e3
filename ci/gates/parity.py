"""Gate ``parity``: one behaviour, two surfaces, one truth.

Each vector of ``tests/vectors/vectors.json`` (:func:`load_vectors`) goes through the BUILT
CLI's ``count --json`` (the file, ``-`` on stdin, and stdin with no path), through
``count_file`` and ``count_bytes`` of the installed wheel (one Python process for all of
them, importing the package by the name the manifests give), and through
``LC_ALL=C wc -l -w -c`` when ``wc`` is on PATH. Every answer is compared with the vector's
hand-written expectation (:func:`compare`). A project without a CLI compares the Python
surfaces and says so in a note.
"""

from __future__ import annotations

import json
import os

from ci.gates.parity_vectors import (  # noqa: F401  (re-exported: the gate's vector API)
    FIELDS,
    MAX_GENERATED,
    VECTORS,
    Vector,
    bad_vector,
    generator,
    load_vectors,
    vector_bytes,
)
from ci_gates.core import venvs as venv_tools
from ci_gates.core.findings import NOTE, CannotRun, Finding, finding_of, rule
from ci_gates.core.pins import FLOOR_ENV, FLOOR_MACHINE
from ci_gates.core.registry import Gate

GATE = Gate(
    "parity",
    "tests/vectors through the CLI and the Python API agree (and with wc)",
    requires=("native_import",),
    inputs=("tests/vectors/**",),
    # The gate compares with this machine's wc, whose word rule depends on its version.
    machine=("wc --version", *FLOOR_MACHINE),
    env=FLOOR_ENV,
)

# Runs in the wheel venv with the import package's name as argv[1]: stdin is
# [[name, path], ...]; prints {name: {surface: [l, w, b]}}.
PY_SURFACES = r"""
import importlib, json, sys
package = importlib.import_module(sys.argv[1])
count_bytes, count_file = package.count_bytes, package.count_file
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


_PLAIN = frozenset(b" \t\n\v\f\r" + bytes(range(0x21, 0x7F)))


def wc_fields(data: bytes, wc_counts_nonprintable: bool) -> tuple[str, ...]:
    """The fields ``wc`` can vouch for on ``data``.

    An older GNU ``wc`` (coreutils 9.1, for one) lets non-printable bytes neither start nor end
    a word; its word count is then only comparable on whitespace and printable ASCII.
    """
    if wc_counts_nonprintable or _PLAIN.issuperset(data):
        return FIELDS
    return ("lines", "bytes")


@rule("PAR002")
def disagrees(vector: Vector, field: str, surface: str, value: object) -> Finding:
    """A surface (the CLI, the Python API, or ``wc``) gives a count the vector does not expect.

    One behaviour, several surfaces: the CLI on a file, on ``-`` and on stdin, ``count_file``,
    ``count_bytes`` (bytes and a memoryview) and GNU ``wc`` in the C locale must all agree with
    the hand-written expectation. The message names the vector, the field and the surface.
    """
    return finding_of(
        disagrees,
        f"vector {vector.name!r} {field}: expected {vector.expected[field]}, {surface} says {value}",
        VECTORS,
        vector.line,
        fix=f"fix {surface} (or the vector, if its expectation is wrong)",
    )


@rule("PAR003")
def surface_failed(vector: Vector, surface: str, error: str) -> Finding:
    """A surface fails on a vector (raises, exits non-zero, or prints something unreadable)."""
    return finding_of(
        surface_failed,
        f"vector {vector.name!r}: {surface} failed: {error}",
        VECTORS,
        vector.line,
        fix=f"run {surface} on the vector's bytes to see why",
    )


def compare(
    vector: Vector, surface: str, got: object, fields: tuple[str, ...] = FIELDS
) -> list[Finding]:
    """Findings for each of ``fields`` where ``got`` ([lines, words, bytes], or an error) differs."""
    if isinstance(got, str):
        return [surface_failed(vector, surface, got)]
    if not (isinstance(got, (list, tuple)) and len(got) == 3):
        return [surface_failed(vector, surface, f"gave {got!r}, not [lines, words, bytes]")]
    return [
        disagrees(vector, field, surface, value)
        for field, value in zip(FIELDS, got)
        if field in fields and value != vector.expected[field]
    ]


def parse_cli_json(stdout: str) -> object:
    """``[lines, words, bytes]`` from ``<cli> count --json`` of one input, or an error."""
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


@rule("PAR004")
def unlisted_file(name: str) -> Finding:
    """A file in ``tests/vectors/`` is not listed in ``vectors.json``: list it or delete it."""
    path = f"{os.path.dirname(VECTORS)}/{name}"
    return finding_of(unlisted_file, f"not listed in {VECTORS}", path, fix="list it or delete it")


@rule("PAR005")
def no_vectors() -> Finding:
    """``vectors.json`` holds no usable vector, so parity would prove nothing."""
    return finding_of(
        no_vectors, "no usable vectors; parity would prove nothing", VECTORS, fix="add vectors"
    )


@rule("PAR006", severity=NOTE)
def surface_skipped(surface: str, why: str) -> Finding:
    """A surface was not compared on this machine (no CLI crate, no ``wc``, an older ``wc``)."""
    return finding_of(surface_skipped, f"{surface} not compared: {why}", severity=NOTE)


def _read_vectors(root: str) -> tuple[list[Vector], list[Finding]]:
    directory = os.path.join(root, os.path.dirname(VECTORS))
    try:
        with open(os.path.join(root, VECTORS), encoding="utf-8") as f:
            vectors, found = load_vectors(f.read(), directory)
    except OSError as exc:
        return [], [bad_vector(0, f"cannot read ({exc.strerror})", "the parity vectors live there")]
    listed = {v.file for v in vectors}
    found += [
        unlisted_file(name)
        for name in sorted(os.listdir(directory))
        if name.endswith(".bin") and name not in listed
    ]
    return vectors, found


def _python_answers(
    python: str, package: str, inputs: list[list[str]], cwd: str
) -> tuple[dict[str, dict[str, object]], str]:
    """``{vector: {surface: answer}}`` from one Python process in the wheel venv, and its error."""
    import subprocess

    proc = subprocess.run(
        [python, "-c", PY_SURFACES, package],
        input=json.dumps(inputs),
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    try:
        answers = json.loads(proc.stdout) if proc.returncode == 0 else {}
    except ValueError:
        answers = {}
    return answers, "" if answers else f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}"


def _cli(exe: str, args: list[str], data: bytes | None) -> object:
    import subprocess

    proc = subprocess.run([exe, "count", "--json", *args], input=data, capture_output=True)
    if proc.returncode != 0:
        return f"exit {proc.returncode}: {proc.stderr.decode('utf-8', 'replace').strip()[:200]}"
    return parse_cli_json(proc.stdout.decode("utf-8", "replace"))


def _wc() -> tuple[str | None, bool]:
    """``wc`` on PATH (or None), and whether it counts a word of non-printable bytes (GNU >= 9.5)."""
    import shutil
    import subprocess

    wc = shutil.which("wc")
    if wc is None:
        return None, False
    probe = subprocess.run([wc, "-w"], input=b"\x00\x80", capture_output=True, env=WC_ENV)
    return wc, probe.stdout.strip() == b"1"


WC_ENV = {**os.environ, "LC_ALL": "C"}


def _materialize(root: str, vectors: list[Vector]) -> dict[str, str]:
    """The file of each vector: its own, or its generated bytes under target/."""
    directory = os.path.join(root, os.path.dirname(VECTORS))
    gen_dir = os.path.join(root, "target", "ci-gates", "parity")
    os.makedirs(gen_dir, exist_ok=True)
    paths = {}
    for v in vectors:
        if v.file:
            paths[v.name] = os.path.join(directory, v.file)
            continue
        paths[v.name] = os.path.join(gen_dir, f"{v.name}.bin")
        with open(paths[v.name], "wb") as out:
            out.write(vector_bytes(v, directory))
    return paths


PY_NAMES = ("count_file", "count_bytes", "count_bytes(memoryview)")


def _python_findings(
    venv: str, package: str, vectors: list[Vector], paths: dict[str, str]
) -> list[Finding]:
    """The Python surfaces of the wheel installed in ``venv``, compared on every vector."""

    inputs = [[v.name, paths[v.name]] for v in vectors]
    py, error = _python_answers(venv_tools.venv_python(venv), package, inputs, venv)
    found = []
    for v in vectors:
        for surface in PY_NAMES:
            found += compare(v, surface, py.get(v.name, {}).get(surface, error or "no answer"))
    return found


def _native_findings(
    root: str, exe: str | None, cli: str, vectors: list[Vector], paths: dict[str, str]
) -> list[Finding]:
    """The CLI (file, ``-``, stdin) and this machine's ``wc``, compared on every vector."""
    import subprocess

    directory = os.path.join(root, os.path.dirname(VECTORS))
    wc, modern_wc = _wc()
    found: list[Finding] = []
    words_skipped = []
    for v in vectors:
        data = vector_bytes(v, directory)
        answers: dict[str, object] = {}
        if exe is not None:
            answers[f"{cli} (file)"] = _cli(exe, [paths[v.name]], None)
            answers[f"{cli} (stdin -)"] = _cli(exe, ["-"], data)
            answers[f"{cli} (stdin)"] = _cli(exe, [], data)
        if wc:
            proc = subprocess.run(
                [wc, "-l", "-w", "-c", paths[v.name]], capture_output=True, env=WC_ENV
            )
            ok = proc.returncode == 0
            answers["wc"] = parse_wc(proc.stdout.decode()) if ok else f"exit {proc.returncode}"
            if wc_fields(data, modern_wc) != FIELDS:
                words_skipped.append(v.name)
        for surface, got in answers.items():
            fields = wc_fields(data, modern_wc) if surface == "wc" else FIELDS
            found += compare(v, surface, got, fields=fields)
    if wc is None:
        found.append(surface_skipped("wc", "no wc on PATH"))
    if words_skipped:
        why = "this is an older GNU wc (non-printable bytes start no word)"
        found.append(surface_skipped(f"wc's word count on {', '.join(words_skipped)}", why))
    return found


def run(root: str | None = None) -> list[Finding]:
    from ci_gates.checks import artifacts, interpreters
    from ci_gates.core.context import config_for
    from ci_gates.core.project import ProjectError, names

    root, _ = config_for(root)
    vectors, found = _read_vectors(root)
    if not vectors:
        return [*found, no_vectors()]
    pythons, notes = interpreters.for_gate(root)
    try:
        n = names(root)
        venvs = [
            (it, artifacts.wheel_venv(root, f"parity-py{it.version}", python=it.path))
            for it in pythons
        ]
    except (ProjectError, artifacts.ArtifactError) as exc:
        raise CannotRun(str(exc)) from None
    exe = None
    if n.cli is None:
        found.append(surface_skipped("the CLI", "this project has no CLI crate"))
    else:  # one binary, whichever venv installed it
        exe = os.path.join(
            venv_tools.venv_scripts(venvs[0][1]), n.cli + (".exe" * (os.name == "nt"))
        )
        if not os.path.isfile(exe):
            raise CannotRun(f"the built wheel installs no {exe}", "see the native_import gate")
    paths = _materialize(root, vectors)
    found += _native_findings(root, exe, n.cli or "", vectors, paths)
    per = [(it, _python_findings(venv, n.package, vectors, paths)) for it, venv in venvs]
    found += interpreters.merge(per)
    versions = ", ".join(f"CPython {it.version}" for it in pythons)
    print(
        f"parity: {len(vectors)} vectors through the CLI, wc and the Python API on {versions}",
        flush=True,
    )
    return found + notes
