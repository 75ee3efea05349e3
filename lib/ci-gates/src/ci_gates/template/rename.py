"""``nox -s rename -- --dist NAME --package NAME --cli NAME [--crate-prefix NAME]``.

Renames the project consistently, reading the current names from the manifests
(:mod:`ci_gates.core.project`): the crate directories and the Python package directory (``git mv``), the
Cargo manifests (section-aware: ``[package]`` names, ``[[bin]]`` names, dependency keys), then
every other tracked text file with ordered rules — crate paths, ``-p <crate>`` forms, Rust
crate identifiers, the import package, the distribution (and its wheel-file spelling), the CLI
(and its ``UPPER_CASE`` form), the remaining crate names. Each old form is first replaced by a
placeholder so a new name that contains an old one is never rewritten twice. Then it records
the old CLI name in ``[tool.ci-gates.project] former-cli-names`` (so ``action_surface`` flags a
call the rename missed), refreshes Cargo.lock offline and runs the formatters.

It refuses a dirty tree and invalid names (:mod:`ci_gates.template.names`), prints what it changed,
and a second run with the same names changes nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import NamedTuple

from ci_gates.core.project import Names, names
from ci_gates.template import names as valid


class RenameError(Exception):
    """One line: what is wrong and what to do."""


class Plan(NamedTuple):
    old: Names
    dist: str
    package: str
    cli: str
    crates: dict[str, str]  # old crate name -> new crate name


def crate_prefix(crates: list[str]) -> str:
    """The shared ``prefix-`` of the crate names (``p-core``, ``p-cli`` → ``p``)."""
    heads = {c.rpartition("-")[0] for c in crates if "-" in c}
    if len(heads) != 1 or len(crates) != sum("-" in c for c in crates):
        raise RenameError(
            f"the workspace crates ({', '.join(crates)}) share no 'prefix-' to replace; "
            "rename them by hand"
        )
    return heads.pop()


def _lock_dependencies(root: str, own: set[str]) -> set[str]:
    path = os.path.join(root, "Cargo.lock")
    try:
        with open(path, encoding="utf-8") as f:
            found = set(re.findall(r'^name = "([^"]+)"', f.read(), re.M))
    except OSError:
        return set()
    return found - own


def make_plan(root: str, dist: str, package: str, cli: str, prefix: str | None) -> Plan:
    old = names(root)
    if old.cli is None:
        raise RenameError(
            "this project has no CLI crate (ci/project.py found none); nothing to rename"
        )
    valid.check_dist(dist)
    valid.check_package(package)
    valid.check_cli(cli)
    crate_names = [c.name for c in old.crates]
    old_prefix = crate_prefix(crate_names)
    new_prefix = prefix or re.sub(r"[._]+", "-", dist).lower()
    crates = {c: new_prefix + c[len(old_prefix) :] for c in crate_names}
    valid.check_crate_prefix(
        new_prefix, list(crates.values()), _lock_dependencies(root, set(crate_names))
    )
    return Plan(old, dist, package, cli, crates)


def already_used(root: str, plan: Plan) -> list[str]:
    """Warnings for new names that already appear as words: a later rename would rewrite them.

    This rename leaves them alone (it rewrites only the old names), so it is a warning, not a
    refusal: the next rename from these names would also rewrite those other occurrences.
    """
    old = plan.old
    pairs = [("--dist", plan.dist, old.dist), ("--package", plan.package, old.package)]
    pairs += [("--cli", plan.cli, old.cli or "")]
    pairs += [("--crate-prefix", new, o) for o, new in plan.crates.items()]
    files = [p for p in _git(root, "ls-files", "-z").split("\0") if p]
    out = []
    for flag, new, before in pairs:
        if new == before:
            continue
        pattern = re.compile(_word(new))
        hits = []
        for rel in files:
            try:
                with open(os.path.join(root, rel), encoding="utf-8") as f:
                    if pattern.search(f.read()):
                        hits.append(rel)
            except (OSError, UnicodeDecodeError):
                continue
        if hits:
            out.append(
                f"{flag} {new!r} already appears in {len(hits)} file(s) (e.g. {hits[0]}); this "
                "rename leaves those alone, but a later rename from it would rewrite them too"
            )
    return out


_BEFORE = r"(?:(?<![A-Za-z0-9-])|(?<=\\[nt]))"  # a `\n`/`\t` escape in source text ends a word
_AFTER = r"(?![A-Za-z0-9_])"  # a `-` may follow: `cli-action` is a name derived from `cli`


def _word(text: str) -> str:
    """A regex for ``text`` as a name or the head of a derived name, not inside another word."""
    return _BEFORE + re.escape(text) + _AFTER


def text_rules(plan: Plan) -> list[tuple[str, str]]:
    """(regex, replacement) in the order they apply: longest old name first.

    A name may be the head of another (a CLI ``ab`` and crates ``ab-new-core``), and a name is
    matched with a ``-`` allowed after it (``ab-action`` derives from ``ab``), so the longer
    names must be taken out first. Among rules for names of one length, context rules (a crate
    after ``-p``, in cargo's ``Compiling x v1``) come before the plain name.
    """
    old = plan.old
    assert old.cli is not None
    rules: list[tuple[int, str, str]] = []  # (length of the old literal, regex, replacement)
    for crate in old.crates:
        parent, _, leaf = crate.path.rpartition("/")
        if leaf == crate.name:
            new_path = f"{parent}/{plan.crates[crate.name]}" if parent else plan.crates[crate.name]
            rules.append((len(crate.path), re.escape(crate.path) + r"(?![\w-])", new_path))
    for old_crate, new_crate in plan.crates.items():
        for flag in ("-p ", "-p=", "--package ", "--package="):
            regex = re.escape(flag + old_crate) + r"(?![\w-])"
            rules.append((len(flag + old_crate), regex, flag + new_crate))
        # cargo's "Compiling x v0.1.0" names the crate, even when the CLI has its name
        rules.append((len(old_crate), _word(old_crate) + r"(?= v\d)", new_crate))
        ident = old_crate.replace("-", "_")
        rules.append((len(ident), _word(ident), new_crate.replace("-", "_")))
    wheel_dist = re.sub(r"[-_.]+", "_", plan.dist).lower()
    # pkg-0.1.0.dist-info, pkg-0.1.0-cp39-abi3-….whl
    rules.append(
        (len(old.wheel_dist), _BEFORE + re.escape(old.wheel_dist) + r"(?=-\d)", wheel_dist)
    )
    rules.append((len(old.package), _word(old.package), plan.package))
    rules.append((len(old.dist), _word(old.dist), plan.dist))
    if old.normalized_dist != old.dist:
        rules.append((len(old.normalized_dist), _word(old.normalized_dist), plan.dist))
    rules.append((len(old.cli), _word(old.cli), plan.cli))
    upper_old = old.cli.upper().replace("-", "_")
    upper_new = plan.cli.upper().replace("-", "_")
    rules.append((len(upper_old), rf"(?<![A-Z0-9_]){re.escape(upper_old)}(?=_|\b)", upper_new))
    for old_crate, new_crate in plan.crates.items():
        if old_crate != old.cli:
            rules.append((len(old_crate), _word(old_crate), new_crate))
    ranked = sorted(enumerate(rules), key=lambda item: (-item[1][0], item[0]))
    return [(regex, new) for _, (_, regex, new) in ranked]


def rewrite(text: str, rules: list[tuple[str, str]]) -> str:
    """Apply ``rules`` through placeholders, so no replacement is itself rewritten."""
    values: list[str] = []

    def token(value: str) -> str:
        values.append(value)
        return f"\0{len(values) - 1}\0"

    for pattern, new in rules:
        text = re.sub(pattern, lambda m, new=new: token(new), text)  # type: ignore[misc]
    return re.sub(r"\0(\d+)\0", lambda m: values[int(m.group(1))], text)


_SECTION = re.compile(r"^\s*\[\[?([^\]]+)\]\]?\s*(#.*)?$")
_DEP_SECTIONS = ("dependencies", "dev-dependencies", "build-dependencies")


def rewrite_cargo_toml(text: str, plan: Plan) -> str:
    """Crate and binary names in one Cargo.toml, by section; paths go through :func:`rewrite`."""
    out, section = [], ""
    assert plan.old.cli is not None
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip()
        elif section == "package":
            line = _replace_value(line, "name", plan.crates)
        elif section == "bin":
            line = _replace_value(line, "name", {plan.old.cli: plan.cli})
        elif section.rpartition(".")[2] in _DEP_SECTIONS:
            for old_crate, new_crate in plan.crates.items():
                line = re.sub(
                    rf"^(\s*){re.escape(old_crate)}(?=\s*[=.])", rf"\g<1>{new_crate}", line
                )
        out.append(line)
    return "".join(out)


def rewrite_pyproject(text: str, plan: Plan) -> str:
    """Release package names are crate names (or the distribution), not the CLI's name."""
    out, section = [], ""
    names_map = {**plan.crates, plan.old.dist: plan.dist}
    for line in text.splitlines(keepends=True):
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip()
        elif section == "tool.ci-gates.release.packages":
            line = re.sub(
                r'"([^"]+)"', lambda m: f'"{names_map.get(m.group(1), m.group(1))}"', line
            )
        out.append(line)
    return "".join(out)


def _replace_value(line: str, key: str, mapping: dict[str, str]) -> str:
    match = re.match(rf'^(\s*{key}\s*=\s*")([^"]+)(".*)$', line, re.S)
    if match and match.group(2) in mapping:
        return match.group(1) + mapping[match.group(2)] + match.group(3)
    return line


def rewrite_lock(text: str, plan: Plan) -> str:
    for old_crate, new_crate in plan.crates.items():
        text = re.sub(rf'(?<=")({re.escape(old_crate)})(?=["\s])', new_crate, text)
    return text


def _git(root: str, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RenameError(
            f"`git {' '.join(args)}` failed: {proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def ensure_clean(root: str) -> None:
    dirty = [line for line in _git(root, "status", "--porcelain").splitlines() if line]
    if dirty:
        raise RenameError(
            f"the working tree has {len(dirty)} uncommitted change(s) (e.g. {dirty[0][3:]}); "
            "commit or stash them first, so the rename is one reviewable change"
        )


def _moves(plan: Plan) -> list[tuple[str, str]]:
    out = []
    for crate in plan.old.crates:
        parent, _, leaf = crate.path.rpartition("/")
        if leaf == crate.name and plan.crates[crate.name] != leaf:
            out.append(
                (
                    crate.path,
                    f"{parent}/{plan.crates[crate.name]}" if parent else plan.crates[crate.name],
                )
            )
    source = plan.old.python_source
    if plan.old.package != plan.package:
        base = f"{source}/" if source else ""
        out.append((base + plan.old.package, base + plan.package))
    return out


def _rewrite_file(root: str, rel: str, plan: Plan, rules: list[tuple[str, str]]) -> bool:
    path = os.path.join(root, rel)
    try:
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False  # binary or unreadable: names never live there
    if "\0" in text:
        return False
    name = rel.rpartition("/")[2]
    new = text
    if name == "Cargo.lock":
        new = rewrite_lock(text, plan)
    else:
        if name == "Cargo.toml":
            new = rewrite_cargo_toml(new, plan)
        elif rel == "pyproject.toml":
            new = rewrite_pyproject(new, plan)
        new = rewrite(new, rules)
    if new == text:
        return False
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(new)
    return True


def _record_former_cli(root: str, former: str) -> None:
    """Append ``former`` to ``[tool.ci-gates.project] former-cli-names`` in pyproject.toml."""
    path = os.path.join(root, "pyproject.toml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    entry = re.search(r"^former-cli-names\s*=\s*\[([^\]]*)\]", text, re.M)
    if entry:
        listed = re.findall(r'"([^"]+)"', entry.group(1))
        if former in listed:
            return
        items = ", ".join(f'"{n}"' for n in [*listed, former])
        text = text[: entry.start()] + f"former-cli-names = [{items}]" + text[entry.end() :]
    elif re.search(r"^\[tool\.ci-gates\.project\]", text, re.M):
        text = re.sub(
            r"^(\[tool\.ci-gates\.project\][^\n]*\n)",
            lambda m: m.group(1) + f'former-cli-names = ["{former}"]\n',
            text,
            count=1,
            flags=re.M,
        )
    else:
        text += (
            "\n[tool.ci-gates.project]\n# CLI names this project had before `nox -s rename`:"
            f' a call to one of them is stale.\nformer-cli-names = ["{former}"]\n'
        )
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _tool(root: str, cmd: list[str], what: str) -> None:
    import shutil

    if shutil.which(cmd[0]) is None:
        raise RenameError(
            f"{cmd[0]} not found; the rename needs it to {what} (run `nox -s rename`)"
        )
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise RenameError(f"`{' '.join(cmd)}` failed while trying to {what}: {tail[0]}")


def rename(root: str, dist: str, package: str, cli: str, prefix: str | None = None) -> list[str]:
    """Rename the project under ``root``; returns ``git status --short`` lines of what changed."""
    plan = make_plan(root, dist, package, cli, prefix)
    old = plan.old
    same = (old.dist, old.package, old.cli) == (dist, package, cli) and all(
        k == v for k, v in plan.crates.items()
    )
    if same:
        return []
    ensure_clean(root)
    for warning in already_used(root, plan):
        print(f"rename: warning: {warning}", file=sys.stderr)
    for src, dst in _moves(plan):
        _git(root, "mv", src, dst)
    rules = text_rules(plan)
    files = [p for p in _git(root, "ls-files", "-z").split("\0") if p]
    for rel in files:
        _rewrite_file(root, rel, plan, rules)
    if old.cli != cli:
        _record_former_cli(root, old.cli or "")
    _tool(root, ["cargo", "update", "--workspace", "--offline", "--quiet"], "refresh Cargo.lock")
    _tool(root, ["cargo", "fmt", "--all"], "format the Rust code")
    _tool(root, ["ruff", "check", "--fix", "--select", "I", "--quiet", "."], "sort the imports")
    _tool(root, ["ruff", "format", "--quiet", "."], "format the Python code")
    return [line for line in _git(root, "status", "--short").splitlines() if line]
