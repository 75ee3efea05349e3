"""The gates of a project: the library's own (:data:`BUILTIN`) plus the project's plugins.

Each gate module declares itself once, ``GATE = Gate(...)`` next to its rules and ``run()``;
:func:`load` reads those declarations for a project root: every built-in gate, then every module
named in ``[tool.ci-gates] plugins`` (``"ci.gates.parity"``: imported with the project root on
``sys.path``). A gate's name is its module's last name, so the names are known without importing
anything (:func:`gate_names`; the hooks use that). Nox sessions, invoke tasks, the CI workflow
check, the report and the hooks all read this one registry.

Order does not matter: :meth:`Registry.ordered` follows ``requires``. An unknown name in
``requires``, a cycle or a duplicate raises :class:`RegistryError`, so a typo can never turn
into a gate that silently does not run. Standard library only: gate modules import :class:`Gate`.
"""

from __future__ import annotations

import functools
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ci_gates.core.findings import Rule

EVERYTHING = ("**",)

# The library's gates, one line each (``ci_gates.gates.<name>``; order does not matter: ``requires``
# orders the run). Loaded by name, like a project's plugins: the core imports no gate.
BUILTIN: tuple[str, ...] = (
    "loc",
    "readme",
    "commits",
    "api_compat",
    "action_yaml",
    "tool_guard",
    "workflows",
    "release_doctor",
    "fmt",
    "clippy",
    "ruff",
    "typecheck",
    "build",
    "native_import",
    "action_surface",
    "wheel",
    "stubs",
    "cargo_test",
    "pytest",
)


class RegistryError(Exception):
    """The gate list is inconsistent (unknown ``requires``, a cycle, a duplicate name)."""


class Gate:
    """One gate's declaration. Everything after the description is a keyword.

    - ``requires``: gates that must pass first (nox ``requires=``, the runner's order).
    - ``packages``: Python requirements the gates environment installs (pin what changes output).
    - ``commands``: executables that must be on PATH; without them the gate "could not run".
    - ``inputs``: globs of project files the result depends on (``**`` spans directories).
      ``None`` (not declared) means every file: a gate is never cached on nothing. ``()`` says
      the gate reads no project file (only artifacts and what ``requires`` hands on).
    - ``config``: the ``[tool.ci-gates]`` sections it reads; ``machine``: commands whose output
      describes what it reads off the machine (``wc --version``); ``env``: variables it reads.
    - ``fingerprint``: ``fingerprint(root) -> str``, more of what the result depends on than
      files can say (the build's input hash); a gate with one, and every gate requiring it,
      is in the artifact chain (their digests carry it on).
    - ``outputs``: files (relative to the root) the gate leaves for its dependents; a cached pass
      is served only while they exist.
    - ``cacheable``: False for a gate judged from something no digest covers (git history).
    - ``in_ci``: False for a gate CI does not run as a step of its own.
    - ``applies``: ``applies(root) -> ""`` when the gate applies to the project, else why not
      (adopt turns that into a reasoned ``skip``).
    """

    __slots__ = tuple(
        "name description requires packages commands inputs config machine env fingerprint"
        " outputs cacheable in_ci applies module".split()
    )
    TUPLES = ("requires", "packages", "commands", "config", "machine", "env", "outputs")

    def __init__(
        self,
        name: str,
        description: str,
        *,
        requires: tuple[str, ...] = (),
        packages: tuple[str, ...] = (),
        commands: tuple[str, ...] = (),
        inputs: tuple[str, ...] | None = None,
        config: tuple[str, ...] = (),
        machine: tuple[str, ...] = (),
        env: tuple[str, ...] = (),
        fingerprint: Callable[[str], str] | None = None,
        outputs: tuple[str, ...] = (),
        cacheable: bool = True,
        in_ci: bool = True,
        applies: Callable[[str], str] | None = None,
        module: str = "",
    ) -> None:
        self.name, self.description = name, description
        self.requires, self.packages, self.commands = requires, packages, commands
        self.inputs = EVERYTHING if inputs is None else inputs
        self.config, self.machine, self.env = config, machine, env
        self.fingerprint, self.outputs, self.cacheable = fingerprint, outputs, cacheable
        self.in_ci, self.applies = in_ci, applies
        self.module = module or f"ci_gates.gates.{name}"
        for field in (*self.TUPLES, "inputs"):
            value = getattr(self, field)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"gate {name!r}: {field} must be a tuple of strings")

    def __repr__(self) -> str:
        return f"Gate({self.name!r}, requires={self.requires!r}, module={self.module!r})"

    def replace(self, **changes: object) -> Gate:
        """A copy with ``changes`` (keywords of the constructor)."""
        fields = {f: getattr(self, f) for f in self.__slots__ if f not in ("name", "description")}
        fields.update(changes)
        name = str(fields.pop("name", self.name))
        description = str(fields.pop("description", self.description))
        return Gate(name, description, **fields)


def ordered(gates: Iterable[Gate]) -> list[Gate]:
    """Gates in dependency order (stable: declaration order among independent gates)."""
    from ci_gates.core.toposort import Cycle
    from ci_gates.core.toposort import ordered as dependency_order

    by_name: dict[str, Gate] = {}
    for gate in gates:
        if gate.name in by_name:
            raise RegistryError(f"gate {gate.name!r} is declared twice")
        by_name[gate.name] = gate
    for gate in by_name.values():
        for req in gate.requires:
            if req not in by_name:
                raise RegistryError(
                    f"gate {gate.name!r} requires unknown gate {req!r}; "
                    f"known gates: {', '.join(sorted(by_name))}"
                )
    try:
        names = dependency_order(by_name, {g.name: g.requires for g in by_name.values()})
    except Cycle as exc:
        raise RegistryError(f"requires cycle: {exc}") from None
    return [by_name[name] for name in names]


class Registry:
    """The gates of one project, in dependency order."""

    def __init__(self, gates: Iterable[Gate]) -> None:
        self.gates: list[Gate] = ordered(gates)
        self.by_name: dict[str, Gate] = {g.name: g for g in self.gates}
        self.names: list[str] = [g.name for g in self.gates]

    def __getitem__(self, name: str) -> Gate:
        return self.by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def with_requires(self, names: Iterable[str]) -> list[str]:
        """``names`` plus everything they require, transitively, in dependency order."""
        wanted: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in wanted:
                wanted.add(name)
                stack.extend(self.by_name[name].requires)
        return [name for name in self.names if name in wanted]

    def packages(self, names: Iterable[str] | None = None) -> list[str]:
        """The union of the Python requirements of ``names`` (default: every gate), sorted."""
        chosen = self.names if names is None else list(names)
        return sorted({pkg for name in chosen for pkg in self.by_name[name].packages})


def plugin_modules(root: str) -> list[str]:
    """``[tool.ci-gates] plugins`` of the project at ``root`` (module names); none when the
    config cannot be read (every gate then reports the broken config itself)."""
    from ci_gates.core.config import ConfigError
    from ci_gates.core.config import load as load_config

    try:
        return list(load_config(root).get("plugins", []))
    except ConfigError:
        return []


def gate_names(root: str, plugins: Iterable[str] | None = None) -> list[str]:
    """The names of every gate, built-in then plugins, without importing a gate module."""
    mods = plugin_modules(root) if plugins is None else list(plugins)
    return [*BUILTIN, *(m.rpartition(".")[2] for m in mods)]


def import_plugin(root: str, module: str) -> object:
    """Import a project's gate module with the project root first on ``sys.path``."""
    import importlib

    where = os.path.abspath(root)
    if where in sys.path:
        sys.path.remove(where)
    sys.path.insert(0, where)
    # A process that loaded another project's plugins (a test, a long-lived hook) holds that
    # project's top package (`ci`): forget it, or this project's modules resolve inside it.
    top = module.partition(".")[0]
    loaded = sys.modules.get(top)
    origin = getattr(loaded, "__file__", None) or next(iter(getattr(loaded, "__path__", [])), "")
    if loaded is not None and not os.path.abspath(origin or "/").startswith(where + os.sep):
        for name in [n for n in sys.modules if n == top or n.startswith(f"{top}.")]:
            del sys.modules[name]
        importlib.invalidate_caches()
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise RegistryError(
            f"pyproject.toml [tool.ci-gates] plugins: cannot import {module!r} ({exc}); "
            'name a module under the project root, e.g. "ci.gates.mygate"'
        ) from None


def declaration(module_name: str, module: object) -> Gate:
    gate = getattr(module, "GATE", None)
    if not isinstance(gate, Gate):
        raise RegistryError(f"{module_name}: no GATE = Gate(...) declaration")
    if gate.name != module_name.rpartition(".")[2]:
        raise RegistryError(
            f"{module_name}: GATE is named {gate.name!r}; a gate is named after its module"
        )
    gate.module = module_name
    return gate


def builtin() -> list[Gate]:
    """The library's own gates (:data:`BUILTIN`), as declared."""
    import importlib

    names = [f"ci_gates.gates.{name}" for name in BUILTIN]
    return [declaration(m, importlib.import_module(m)) for m in names]


def load(root: str, plugins: Iterable[str] | None = None) -> Registry:
    """The registry of the project at ``root``: built-in gates plus its plugins (memoised)."""
    mods = tuple(plugin_modules(root) if plugins is None else plugins)
    return _load(os.path.abspath(root), mods)


@functools.cache  # a memo with ``cache_clear()``: see ci_gates.core.memo
def _load(root: str, mods: tuple[str, ...]) -> Registry:
    return Registry(builtin() + [declaration(m, import_plugin(root, m)) for m in mods])


def load_rules(root: str, plugins: Iterable[str] | None = None) -> dict[str, Rule]:
    """Every declared rule (``ci_gates.core.findings.RULES``): loading the gate modules imports
    the modules that declare rules for them too."""
    from ci_gates.core.findings import RULES

    load(root, plugins)
    return dict(RULES)
