"""``[tool.ci-gates]`` from pyproject.toml: defaults, validation, and a start-up cache.

Every key has a default here, so an empty table is a valid config. A key that is not
known, or a value of the wrong type, is a :class:`ConfigError` naming the key and what to
do, never a silent fallback.

The agent hooks run on every tool call, and ``tomllib`` alone costs more to import than
the whole hook may take. :func:`load` therefore keeps the validated config as JSON under
``target/ci-gates/`` keyed by pyproject.toml's size and mtime; the hot path is one
``stat`` and one ``json.load``. This module imports nothing heavier than ``json`` at
import time for that reason.
"""

from __future__ import annotations

import json
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    Config = dict[str, Any]

CACHE_DIR = os.path.join("target", "ci-gates")
CACHE_FILE = os.path.join(CACHE_DIR, "config.json")

# section -> key -> default. The default's type is the key's type.
DEFAULTS: dict[str, Any] = {
    "loc": {
        "extensions": [".py", ".pyi", ".rs", ".sh"],
        "warn": 400,
        "fail": 600,
        # path -> reason; an entry without a reason is a config error.
        "allow": {},
    },
    "readme": {
        "root-min-lines": 20,
        "root-max-lines": 400,
        "min-lines": 5,
        "max-lines": 300,
        "dirs": ["crates/*", "python/*", "ci/gates", "ci/hooks"],
    },
    "tool-guard": {
        # Files whose commands may publish (releases go through trusted publishing only).
        "release-files": [".github/workflows/release.yml"],
        "ci-file": ".github/workflows/ci.yml",
        # Extensionless shell scripts to check besides every git-tracked *.sh.
        "scripts": [".ci/run"],
        # fnmatch patterns of repo-relative paths not checked (fixtures that show bad commands).
        "exclude": ["tests/*fixtures/*"],
    },
    "pytest": {
        # More test suites, each a directory with its own pytest configuration (a library
        # developed in the same repository), run after the project's own in the same venv.
        "suites": [],
        # What the suite's venv installs besides the wheel (with its dependencies), pytest
        # and pytest-xdist: "group:NAME" (a PEP 735 dependency group), "extra:NAME" (an
        # optional-dependencies extra of the wheel), "requirements:PATH" (a requirements file,
        # relative to the root). Empty: found alone (the project's `test`, `tests` or `dev`
        # group, extra, or a test/dev requirements file); ["none"]: nothing more.
        "test-deps": [],
    },
    "typecheck": {
        # Where mypy resolves imports: "" = the project's .venv (or venv) when the project is
        # installed there; "gates" = the gates environment (tooling that runs there); "none";
        # or a venv directory relative to the root.
        "environment": "",
    },
    "stubs": {
        "allowlist": "ci/stubtest-allowlist.txt",
        # More stubtest arguments, as the project runs it ("--ignore-missing-stub").
        "args": [],
    },
    "build": {
        # "" or "native": a wheel for this machine (linux_x86_64). manylinux2014,
        # manylinux_X_Y or musllinux_X_Y: a portable wheel linked with zig (maturin --zig).
        # CI_GATES_BUILD_COMPATIBILITY overrides it for one run.
        "compatibility": "",
    },
    "project": {
        # The maturin project's directory, relative to the root, when it is not the root (a
        # Cargo or uv workspace with the project in a sub-directory: "py", "crates/x-py").
        # Empty: the root, or the one sub-directory whose pyproject.toml builds with maturin.
        "dir": "",
        # The crate whose binary is the CLI, when more than one member crate has a binary
        # (ci/project.py finds it alone otherwise). A path ("crates/x") or a package name.
        "cli-crate": "",
        # CLI names this project no longer builds (the rename tool appends the old name): a
        # call of one in the docs, actions or workflows is an action_surface finding.
        "former-cli-names": [],
    },
    "release": {
        # [[tool.ci-gates.release.packages]]: checked by ci/release/config.py (one line per error).
        "packages": [],
    },
    "commits": {
        # Commits reachable from here are not judged (history from before the gate).
        "since": "",
        # The branch whose merge base starts a branch's range (origin/HEAD is tried first).
        "default-branch": "main",
    },
    "hooks": {
        # After an agent's edit: the file-level rules on the written files (ci_gates.hooks.post_edit).
        "post-edit": True,
        # Before the agent stops: the gates, through the result cache (ci_gates.hooks.stop).
        "stop": True,
        # Seconds the Stop hook may spend running gates; what it could not check is named.
        "stop-budget": 60,
        # Gates the Stop hook runs (with their prerequisites); empty: every gate CI runs.
        "stop-gates": [],
    },
    # Not sections: the project's own gates, modules under its root ("ci.gates.parity"), each
    # declaring GATE = Gate(...) (ci_gates.core.registry).
    "plugins": [],
    # House-style groups this project turns on (ci_gates.core.policy): "house-style" for all of
    # them; none by default (safety rules are always on).
    "policy": [],
    # [[tool.ci-gates.baseline]]: findings recorded with a reason (ci_gates.core.baseline).
    "baseline": [],
    # Flat tables of name -> reason (see REASON_TABLES).
    # gate -> why it is skipped in this project; its dependents are skipped too.
    "skip": {},
    # RULE or "RULE:path-glob" -> why its findings are ignored (still listed, as ignored).
    "ignore": {},
}


# Keys a release renamed: "section.key" (or "section") -> its new name, so a project that
# upgrades the pin gets an error naming the new key instead of "unknown key".
RENAMED: dict[str, str] = {}

# Lists of tables, each validated by its owner (a function taking the raw list).
TABLE_LISTS = {("release", "packages"): "ci_gates.checks.versioning.config:validate_packages"}

# Top-level tables whose keys are names (a gate, a rule) and whose values are reasons.
REASON_TABLES = ("ignore", "skip")
# Top-level lists of module names.
MODULE_LISTS = ("plugins",)
# Top-level lists, each validated by its owner (a function taking the raw value).
TOP_LISTS = {
    "policy": "ci_gates.core.policy:validate",
    "baseline": "ci_gates.core.baseline:validate",
}


class ConfigError(Exception):
    """The ``[tool.ci-gates]`` table is unreadable or invalid; the message says how to fix it."""


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def validate(raw: object) -> Config:
    """Merge ``raw`` (the ``[tool.ci-gates]`` table) over the defaults, rejecting unknown keys.

    The gates named in ``skip`` and the rules in ``ignore`` are checked against the registry
    when a gate reads the config (:func:`ci_gates.core.context.config_for`).
    """
    if not isinstance(raw, dict):
        raise ConfigError("pyproject.toml: [tool.ci-gates] must be a table")
    config: Config = {name: _copy(value) for name, value in DEFAULTS.items()}
    config["plugins"] = _modules(raw.get("plugins", []))
    for name in REASON_TABLES:
        config[name] = _reasons(name, raw.get(name, {}))
    for name, owner in TOP_LISTS.items():
        config[name] = _owned(owner, raw.get(name, []))
    for section, table in raw.items():
        where = f"pyproject.toml [tool.ci-gates.{section}]"
        if section in REASON_TABLES or section in MODULE_LISTS or section in TOP_LISTS:
            continue
        if section in RENAMED:
            raise ConfigError(f"{where}: renamed to [tool.ci-gates.{RENAMED[section]}]; rename it")
        if section not in DEFAULTS:
            known = ", ".join(sorted(DEFAULTS))
            raise ConfigError(f"{where}: unknown section; known sections: {known}")
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table, not {_type_name(table)}")
        for key, value in table.items():
            if f"{section}.{key}" in RENAMED:
                new = RENAMED[f"{section}.{key}"]
                raise ConfigError(f"{where} {key}: renamed to {new!r} in this ci-gates; rename it")
            if key not in DEFAULTS[section]:
                known = ", ".join(sorted(DEFAULTS[section]))
                raise ConfigError(f"{where} {key}: unknown key; known keys: {known}")
            default = DEFAULTS[section][key]
            # bool is an int subclass; `warn = true` must not pass as a line count.
            if type(value) is not type(default):
                raise ConfigError(
                    f"{where} {key}: expected {_type_name(default)}, got {_type_name(value)} "
                    f"({value!r}); default is {default!r}"
                )
            if (section, key) in TABLE_LISTS:
                value = _table_list(section, key, value)
            elif isinstance(value, list) and not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} {key}: every entry must be a string")
            if isinstance(value, dict):
                for k, v in value.items():
                    if not isinstance(v, str) or not v.strip():
                        raise ConfigError(
                            f"{where} {key}: entry {k!r} needs a non-empty reason string"
                        )
            config[section][key] = value
    loc = config["loc"]
    if not 0 < loc["warn"] <= loc["fail"]:
        raise ConfigError(
            f"pyproject.toml [tool.ci-gates.loc]: need 0 < warn <= fail, got warn={loc['warn']} "
            f"fail={loc['fail']}"
        )
    from ci_gates.core.policy import skips

    for gate, why in skips(config["policy"]).items():  # a house-style gate that is off
        config["skip"].setdefault(gate, why)
    return config


def _owned(owner: str, value: object) -> Any:
    """``value`` checked by its owner's function, whose ValueError is a config error."""
    import importlib

    module, _, func = owner.partition(":")
    try:
        return getattr(importlib.import_module(module), func)(value)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _table_list(section: str, key: str, value: list[Any]) -> list[Any]:
    return _owned(TABLE_LISTS[(section, key)], value)  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else list(value)


def _modules(value: object) -> list[str]:
    """``plugins``: a list of dotted module names."""
    where = "pyproject.toml [tool.ci-gates] plugins"
    if not isinstance(value, list):
        raise ConfigError(f'{where}: must be a list of module names, e.g. ["ci.gates.mygate"]')
    for item in value:
        if not isinstance(item, str) or not all(p.isidentifier() for p in item.split(".")):
            raise ConfigError(f"{where}: {item!r} is not a module name (dotted identifiers)")
    return list(value)


def _reasons(name: str, table: object) -> dict[str, str]:
    """``skip`` (gate -> reason) or ``ignore`` (RULE or RULE:path-glob -> reason), checked."""
    where = f"pyproject.toml [tool.ci-gates] {name}"
    if not isinstance(table, dict):
        raise ConfigError(f'{where}: must be a table of name = "reason", not {_type_name(table)}')
    for key, reason in table.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: {key!r} needs a non-empty reason string")
    return dict(table)


def parse(root: str | Path) -> Config:
    """Read and validate pyproject.toml under ``root`` (no cache)."""
    path = os.path.join(root, "pyproject.toml")
    try:
        import tomllib  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found; run from the project root") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); fix the syntax") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    return validate(data.get("tool", {}).get("ci-gates", {}))


def load(root: str | Path) -> Config:
    """The validated config, from the JSON cache when pyproject.toml has not changed."""
    pyproject = os.path.join(root, "pyproject.toml")
    cache = os.path.join(root, CACHE_FILE)
    try:
        st = os.stat(pyproject)
        key = [st.st_size, st.st_mtime_ns]
    except OSError:
        key = None
    if key is not None:
        try:
            with open(cache, encoding="utf-8") as f:
                cached = json.load(f)
            if cached.get("key") == key:
                return cached["config"]  # type: ignore[no-any-return]
        except (OSError, ValueError, AttributeError, KeyError):
            pass
    config = parse(root)
    if key is not None:
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"key": key, "config": config}, f)
            os.replace(tmp, cache)
        except OSError:
            pass  # a read-only checkout still works, just without the cache
    return config
