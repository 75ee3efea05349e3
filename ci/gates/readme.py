"""Gate ``readme``: READMEs exist, stay within size bounds, and name only real nox sessions.

Checked: the root README.md (``root-min-lines``..``root-max-lines``); a README.md in every
directory matching ``[tool.ci-gates.readme] dirs`` (``min-lines``..``max-lines``); a readme
declared, and present, for every published crate and for the Python package; and every
``nox -s NAME`` in a README's shell code blocks names a session in :data:`ci.registry.SESSIONS`.
The pure functions are what the agent hooks call; they take the session names as an argument
because importing the registry (and ``typing``) would blow a hook's start-up budget.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase

from ci.config import DEFAULTS
from ci.gates.loc import count_lines

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection
    from typing import Any

SHELL_LANGUAGES = frozenset({"", "sh", "bash", "shell", "console", "zsh", "shell-session"})
# Directory names a wildcard in ``dirs`` never matches: caches, build output, hidden dirs.
SKIP_DIRS = ("__pycache__", ".*", "*.egg-info", "*.dist-info", "target", "node_modules")
_FENCE = r"^ {0,3}(`{3,}|~{3,})\s*([^\s`{]*)"
_TOKEN = (
    r"""\s*(?:(&&|\|\||[;&|()<>])|\#.*|((?:[^\s;&|()<>'"\\]|\\.?|'[^']*'?|"(?:[^"\\]|\\.)*"?)+))"""
)
_QUOTED = r"""'([^']*)'?|"((?:[^"\\]|\\.)*)"?|\\(.?)"""
_SESSION_FLAGS = ("-s", "-e", "--session", "--sessions")
_PROMPT = r"^\s*[$%] "


def _readme(config: dict[str, Any]) -> dict[str, Any]:
    """The ``readme`` section over its defaults; accepts the whole config or the section."""
    section = config.get("readme")
    return {**DEFAULTS["readme"], **(section if isinstance(section, dict) else config)}


def _norm(path: str) -> str:
    path = path.replace("\\", "/").strip("/")
    while path.startswith("./"):
        path = path[2:]
    return "" if path == "." else path


def covered_dir(rel_dir: str, config: dict[str, Any]) -> bool:
    """Must this repo-relative directory have a README.md? (The root always must.)"""
    parts = _norm(rel_dir).split("/") if _norm(rel_dir) else []
    if not parts:
        return True
    for pattern in _readme(config)["dirs"]:
        globs = _norm(pattern).split("/")
        if len(globs) == len(parts) and all(
            fnmatchcase(part, glob)
            and (glob == part or not any(fnmatchcase(part, skip) for skip in SKIP_DIRS))
            for part, glob in zip(parts, globs)
        ):
            return True
    return False


def covering_dir(rel_path: str, config: dict[str, Any]) -> str:
    """The deepest covered directory holding the file ``rel_path`` ("" is the root)."""
    parts = _norm(rel_path).split("/")[:-1]
    while parts and not covered_dir("/".join(parts), config):
        parts.pop()
    return "/".join(parts)


def _words(line: str) -> list[str]:
    """Shell words and operators of one command line; quotes removed, comments dropped."""
    out = []
    for m in re.finditer(_TOKEN, line):
        if m.group(1):
            out.append(m.group(1))
        elif m.group(2):
            out.append(
                re.sub(_QUOTED, lambda q: next(g for g in q.groups() if g is not None), m.group(2))
            )
    return out


def _sessions_in_command(words: list[str]) -> list[str]:
    names: list[str] = []
    collecting = False
    in_nox = False
    for word in words:
        if word in {"&&", "||", ";", "&", "|", "(", ")", "<", ">"}:
            in_nox = collecting = False
        elif not in_nox:
            in_nox = word == "nox" or word.endswith("/nox")
        elif word == "--":
            in_nox = collecting = False
        elif word in _SESSION_FLAGS:
            collecting = True
        elif word.startswith(("--session=", "--sessions=")):
            names.append(word.partition("=")[2])
            collecting = False
        elif word.startswith(("-s", "-e")) and not word.startswith("--") and len(word) > 2:
            names.append(word[2:].lstrip("="))
            collecting = False
        elif word.startswith("-"):
            collecting = False
        elif collecting:
            names.append(word)
    return [n for n in names if n and "$" not in n and "{" not in n]


def nox_sessions_in(text: str) -> list[tuple[int, str]]:
    """``(line, session)`` for every ``nox -s NAME`` in the shell code blocks of Markdown."""
    found: list[tuple[int, str]] = []
    fence, lang, command, start = "", "", "", 0
    for number, line in enumerate(text.splitlines(), 1):
        m = re.match(_FENCE, line)
        if m and m.group(1)[0] == "`" and "`" in line[m.end(1) :]:
            m = None  # ```inline``` code, not a fence (CommonMark)
        if not fence:
            if m:
                fence, lang = m.group(1), m.group(2).lower()
            continue
        if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) and not m.group(2):
            fence, command = "", ""
            continue
        if lang not in SHELL_LANGUAGES:
            continue
        if not command:
            if lang in {"console", "shell-session"} and not re.match(_PROMPT, line):
                continue  # command output, not a command
            line, start = re.sub(_PROMPT, "", line, count=1), number
        command += line
        if command.endswith("\\"):
            command = command[:-1] + " "
            continue
        found.extend((start, name) for name in _sessions_in_command(_words(command)))
        command = ""
    return found


def _known(name: str, sessions: Collection[str]) -> bool:
    """``tests`` and parametrised forms like ``tests-3.12`` or ``tests(python='3.12')``."""
    base = re.sub(r"(-[0-9][0-9.]*|\(.*\))$", "", name)
    return name in sessions or base in sessions


def missing_readme(rel_dir: str, config: dict[str, Any]) -> str:
    """The message for a covered directory without README.md (the gate's and the hook's)."""
    readme, where = _readme(config), _norm(rel_dir).strip("/")
    rel = f"{where}/README.md" if where else "README.md"
    lo, hi = ("root-min-lines", "root-max-lines") if not where else ("min-lines", "max-lines")
    what = "the project" if not where else "this directory"
    return (
        f"{rel}: missing; the readme gate (`nox -s readme`) requires one here ([tool.ci-gates."
        f"readme]); add {readme[lo]}-{readme[hi]} lines saying what {what} is for, how to use "
        "it and how to test it"
    )


def readme_problems(
    rel_path: str, text: str, config: dict[str, Any], sessions: Collection[str] | None
) -> list[str]:
    """Size bounds (root bounds for the root README.md) and unknown ``nox -s`` sessions."""
    readme, rel = _readme(config), _norm(rel_path)
    lo, hi = (
        ("root-min-lines", "root-max-lines") if rel == "README.md" else ("min-lines", "max-lines")
    )
    n, out = count_lines(text), []
    if n < readme[lo]:
        lines = "1 line" if n == 1 else f"{n} lines"
        out.append(
            f"{rel}: {lines}, under the {readme[lo]}-line minimum ({lo}); say what this is, "
            "how to use it and how to test it"
        )
    elif n > readme[hi]:
        out.append(
            f"{rel}: {n} lines, over the {readme[hi]}-line maximum ({hi}); keep the "
            "essentials and move reference material into docs/ with a link"
        )
    if sessions is not None:
        for line, name in nox_sessions_in(text):
            if not _known(name, sessions):
                out.append(
                    f"{rel}:{line}: `nox -s {name}` names no nox session; use one of: "
                    f"{', '.join(sessions)}"
                )
    return out


def _toml(path: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    with open(path, "rb") as f:
        return tomllib.load(f)  # type: ignore[no-any-return]


def _declared_readmes(root: str) -> list[str]:
    """Problems with the readme each published crate and the Python package declare."""
    import glob
    import os

    out: list[str] = []
    try:
        workspace = _toml(os.path.join(root, "Cargo.toml")).get("workspace", {}).get("package", {})
    except (OSError, ValueError):
        workspace = {}
    for manifest in sorted(glob.glob(os.path.join(root, "crates", "*", "Cargo.toml"))):
        rel = os.path.relpath(manifest, root).replace(os.sep, "/")
        try:
            package = _toml(manifest).get("package", {})
        except (OSError, ValueError) as exc:
            out.append(f"{rel}: cannot read ({exc}); fix the manifest")
            continue
        publish, readme, base = package.get("publish", True), package.get("readme"), manifest
        if isinstance(publish, dict) and publish.get("workspace"):
            publish = workspace.get("publish", True)
        if publish is False or publish == []:
            continue
        if isinstance(readme, dict) and readme.get("workspace"):
            readme, base = workspace.get("readme"), os.path.join(root, "Cargo.toml")
            if not isinstance(readme, str):
                out.append(
                    f"{rel}: readme.workspace = true, but Cargo.toml has no readme in "
                    "[workspace.package]; add it there or set readme in this crate"
                )
                continue
        if readme is True:  # Cargo: `readme = true` means README.md next to the manifest
            readme = "README.md"
        if not isinstance(readme, str):
            out.append(
                f'{rel}: published crate declares no readme; add readme = "README.md" '
                "to [package] (or publish = false if it is not published)"
            )
        elif not os.path.isfile(os.path.join(os.path.dirname(base), readme)):
            out.append(f"{rel}: readme {readme!r} does not exist; add the file or fix the path")
    project = _toml(os.path.join(root, "pyproject.toml")).get("project")
    if not isinstance(project, dict) or "readme" in project.get("dynamic", ()):
        return out
    if "Private :: Do Not Upload" in project.get("classifiers", ()):
        return out
    readme = project.get("readme")
    if isinstance(readme, dict) and "text" in readme:
        return out
    file = readme.get("file") if isinstance(readme, dict) else readme
    if not isinstance(file, str):
        out.append('pyproject.toml: [project] declares no readme; add readme = "README.md"')
    elif not os.path.isfile(os.path.join(root, file)):
        out.append(
            f"pyproject.toml: [project] readme {file!r} does not exist; add the file or "
            "fix the path"
        )
    return out


def run(root: str | None = None) -> int:
    import glob
    import os

    from ci.gates import CANNOT_RUN, note, problem, root_and_config, verdict
    from ci.registry import SESSIONS

    loaded = root_and_config(root)
    if loaded is None:
        return CANNOT_RUN
    root, config = loaded
    found: list[str] = []
    dirs = [""]
    for pattern in config["readme"]["dirs"]:
        matches = sorted(
            os.path.relpath(p, root).replace(os.sep, "/")
            for p in glob.glob(os.path.join(root, pattern))
            if os.path.isdir(p)
        )
        if not matches:
            note(f"readme: no directory matches {pattern!r} in [tool.ci-gates.readme] dirs")
        dirs += [d for d in matches if covered_dir(d, config) and d not in dirs]
    for rel_dir in dirs:
        rel = f"{rel_dir}/README.md" if rel_dir else "README.md"
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            found.append(missing_readme(rel_dir, config))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            found.append(f"{rel}: cannot read as UTF-8 ({exc}); fix the file")
            continue
        found += readme_problems(rel, text, config, SESSIONS)
    found += _declared_readmes(root)
    for msg in found:
        problem(msg)
    return verdict(len(found))
