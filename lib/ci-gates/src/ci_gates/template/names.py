"""Validation of the names ``nox -s rename`` is given, one clear line per problem.

- distribution: a PEP 508 name (letters, digits, ``.``, ``_``, ``-``; starts and ends with a
  letter or digit);
- import package: a Python identifier, not a keyword, not a standard-library module, and not a
  top-level directory of this repository (``ci``, ``tests``);
- CLI: a file name that works on every OS and in a shell without quoting;
- crate prefix: what crates.io accepts at the start of a crate name (ASCII letter first, then
  letters, digits, ``-``, ``_``), and no resulting crate may collide with a dependency in
  Cargo.lock.
"""

from __future__ import annotations

import keyword
import re
import sys

DIST = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
CLI = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CRATE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
RESERVED_PACKAGES = {"ci", "tests", "build_backend", "python", "crates"}


class NameError_(ValueError):
    """An invalid name; the message is one line naming it and the rule."""


def _stdlib() -> set[str]:
    names = getattr(sys, "stdlib_module_names", None)
    if names:
        return set(names)
    # Python 3.9 has no sys.stdlib_module_names: the modules its library directory holds.
    import os
    import sysconfig

    stdlib = sysconfig.get_paths()["stdlib"]
    found = {n.partition(".")[0] for n in os.listdir(stdlib)}
    return found | set(sys.builtin_module_names)


def check_dist(name: str) -> None:
    if not DIST.match(name):
        raise NameError_(
            f"--dist {name!r}: not a valid distribution name (PEP 508: letters, digits, '.', '_', "
            "'-'; starting and ending with a letter or digit)"
        )


def check_package(name: str) -> None:
    if not name.isidentifier() or not name.isascii():
        raise NameError_(f"--package {name!r}: not a Python identifier (letters, digits, '_')")
    if keyword.iskeyword(name):
        raise NameError_(f"--package {name!r}: a Python keyword cannot be imported")
    if name in _stdlib():
        raise NameError_(f"--package {name!r}: collides with the standard-library module {name!r}")
    if name in RESERVED_PACKAGES:
        raise NameError_(f"--package {name!r}: collides with this repository's {name}/ directory")


def check_cli(name: str) -> None:
    if not CLI.match(name) or len(name) > 64:
        raise NameError_(
            f"--cli {name!r}: not a portable executable name (ASCII letters, digits, '-', '_'; "
            "starting with a letter or digit; at most 64 characters)"
        )


def check_crate_prefix(prefix: str, crates: list[str], dependencies: set[str]) -> None:
    if not CRATE.match(prefix):
        raise NameError_(
            f"--crate-prefix {prefix!r}: crate names start with an ASCII letter, then letters, "
            "digits, '-' or '_'"
        )
    for crate in crates:
        if len(crate) > 64:
            raise NameError_(f"--crate-prefix {prefix!r}: crate {crate!r} is over 64 characters")
        if crate.replace("_", "-") in {d.replace("_", "-") for d in dependencies}:
            raise NameError_(
                f"--crate-prefix {prefix!r}: crate {crate!r} collides with the dependency "
                f"{crate!r} in Cargo.lock"
            )
