"""Ask a registry whether a version is already there, before anything is uploaded to it.

- Crates: the index in the sparse layout (``<base>/<prefix>/<name>``, one JSON object per
  published version; ``https://index.crates.io/`` for crates.io). 404 or 410 is "no such
  crate". cargo-http-registry (the rehearsal's registry) serves its index's work tree at
  ``/crates/`` in that layout but answers 405 for any missing file (warp ranks its PUT
  route's rejection first): a 405 counts as absent only after the same base's
  ``config.json`` has answered as a registry's, so a server that is down or confused is
  never taken for "not published".
- Python packages: the simple index (PEP 503 HTML, or PEP 691 JSON when the server offers
  it): the file names listed for the project. 404 is "no such project".

Anything else (refused connection, timeout, a 5xx, a body that is not what the protocol
says) raises :class:`RegistryError`, whose message names the registry and its URL.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from typing import NamedTuple

from ci_gates.checks.versioning.errors import ReleaseError

CRATES_IO_INDEX = "https://index.crates.io/"
PYPI_INDEX = "https://pypi.org/simple/"
PYPI_UPLOAD = "https://upload.pypi.org/legacy/"
TIMEOUT = 20.0
USER_AGENT = "ci-gates-release (the release layer's registry look-ups)"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
DIST_SUFFIXES = (".whl", ".tar.gz", ".zip", ".egg", ".tar.bz2")


class RegistryError(ReleaseError):
    """A registry could not answer: down, unreachable, or not speaking its protocol."""


class Response(NamedTuple):
    status: int
    content_type: str
    body: bytes


def get(url: str, what: str, accept: str = "*/*", timeout: float = TIMEOUT) -> Response:
    """GET ``url``; any status comes back, a transport failure is a :class:`RegistryError`."""
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return Response(resp.status, resp.headers.get("Content-Type", ""), resp.read())
    except urllib.error.HTTPError as exc:
        try:  # an HTTPError built without a body or headers has None there
            body, content_type = exc.read(), exc.headers.get("Content-Type", "")
        except (AttributeError, OSError):
            body, content_type = b"", ""
        return Response(exc.code, content_type, body)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RegistryError(f"cannot reach the {what} at {url}: {reason}") from None


def _check_scheme(url: str, what: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise RegistryError(f"the {what} URL {url!r} is not http(s); pass a URL like {PYPI_INDEX}")


# --- crates -------------------------------------------------------------------------------


def crate_index_path(name: str) -> str:
    """Where the index keeps ``name`` (cargo's layout: ``1/a``, ``2/ab``, ``3/a/abc``, ``ab/cd/abcd…``)."""
    lower = name.lower()
    if len(lower) <= 2:
        return f"{len(lower)}/{lower}"
    if len(lower) == 3:
        return f"3/{lower[0]}/{lower}"
    return f"{lower[:2]}/{lower[2:4]}/{lower}"


def _is_registry_config(base: str) -> bool:
    """True when ``<base>config.json`` is an index config (a JSON object with ``dl``)."""
    what = "crate registry"
    resp = get(base + "config.json", what, "application/json")
    if resp.status != 200:
        return False
    try:
        doc = json.loads(resp.body)
    except ValueError:
        return False
    return isinstance(doc, dict) and isinstance(doc.get("dl"), str)


def crate_versions(index: str, name: str) -> set[str]:
    """The versions of crate ``name`` the index lists (yanked ones too: they cannot be reused)."""
    what = "crate registry"
    _check_scheme(index, what)
    base = index if index.endswith("/") else index + "/"
    url = base + crate_index_path(name)
    resp = get(url, what, "text/plain, application/json")
    if resp.status in (404, 410):
        return set()
    if resp.status == 405 and _is_registry_config(base):
        return set()  # cargo-http-registry's answer for a missing file (see the module doc)
    if resp.status != 200:
        raise RegistryError(f"cannot read the crate registry at {url}: HTTP {resp.status}")
    found = set()
    for number, line in enumerate(resp.body.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if entry["name"].lower() != name.lower():
                raise ValueError(f"names crate {entry['name']!r}")
            found.add(str(entry["vers"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RegistryError(
                f"the crate registry at {url} answered garbage (line {number}: {exc}); "
                "is the crates index URL right?"
            ) from None
    return found


# --- Python packages -----------------------------------------------------------------------


def normalize(name: str) -> str:
    """PEP 503 name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._in_a = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._in_a, self._text = True, ""

    def handle_data(self, data: str) -> None:
        if self._in_a:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._in_a:
            self._in_a = False
            self.names.append(self._text.strip())


def index_files(index: str, dist: str) -> set[str]:
    """File names the simple index lists for project ``dist`` (empty: no such project)."""
    what = "package index"
    _check_scheme(index, what)
    base = index if index.endswith("/") else index + "/"
    url = f"{base}{normalize(dist)}/"
    resp = get(url, what, f"{SIMPLE_JSON}, text/html;q=0.1")
    if resp.status == 404:
        return set()
    if resp.status != 200:
        raise RegistryError(f"cannot read the package index at {url}: HTTP {resp.status}")
    kind = resp.content_type.split(";")[0].strip().lower()
    if kind == SIMPLE_JSON:
        try:
            doc = json.loads(resp.body)
            return {str(f["filename"]) for f in doc["files"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistryError(
                f"the package index at {url} answered garbage (PEP 691 JSON: {exc})"
            ) from None
    if kind in ("text/html", "application/vnd.pypi.simple.v1+html"):
        parser = _Anchors()
        parser.feed(resp.body.decode("utf-8", "replace"))
        files = {n for n in parser.names if n.endswith(DIST_SUFFIXES)}
        if parser.names and not files:
            raise RegistryError(
                f"the package index at {url} answered an HTML page whose links are not "
                "distribution files; is the index URL right (it ends in /simple/)?"
            )
        return files
    raise RegistryError(
        f"the package index at {url} answered {kind or 'no content type'}, not a simple index "
        "(PEP 503/691); is the index URL right (it ends in /simple/)?"
    )
