"""Tool pins and the input globs the gates share: what the gate declarations are built from.

A pin lives here once; a gate's registry entry lists it in ``packages`` (nox installs exactly
that), and the result cache (:mod:`ci_gates.core.cache`) keys on the installed version.
"""

from __future__ import annotations

# Pins for tools whose findings or formatting can change between releases.
RUFF = "ruff==0.17.6"
MYPY = "mypy==2.4.1"
CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"
ZIZMOR = "zizmor==1.32.0"
PYYAML = "pyyaml>=6"
# The release layer (ci/release): git-cliff renders the notes, tomlkit edits the manifests.
GIT_CLIFF = "git-cliff==2.14.2"
TOMLKIT = "tomlkit>=0.13"
TOMLI = "tomli>=2; python_version < '3.11'"
GRIFFE = "griffe==2.4.1; python_version >= '3.11'"
GRIFFE_OLD_PYTHON = "griffe==1.14.0; python_version < '3.11'"
# The build gate runs `python -m build` with build isolation: the backend's own requirements
# (maturin) go into build's throwaway env, exactly as for users; only the front end is ours.
BUILD_TOOLS = ("build>=1.2", "filelock>=3.12")
# The developer tools a project installs once (adopt writes them next to the library's pin).
NOX = "nox==2026.10.20"
UV = "uv==0.13.9"
# Publishing: uv uploads (trusted publishing in CI), pypi-attestations signs (PEP 740) under Actions.
UPLOAD_TOOLS = (UV, "packaging>=24")
PUBLISH_TOOLS = (*UPLOAD_TOOLS, "pypi-attestations==0.0.30")
# The cibuildwheel seed path's configuration is validated by cibuildwheel itself (tests).
CIBUILDWHEEL = "cibuildwheel==4.3.5"
REHEARSAL_TOOLS = ("pypiserver==2.4.2", "passlib==1.7.4")  # the rehearsal's index (htpasswd auth)
# Staging a pure-Python release package: uv builds it (PEP 517), twine checks what PyPI renders
# (>= 6.1 reads metadata 2.4, License-Expression).
TWINE = "twine>=6.1"
STAGE_TOOLS = (UV, TWINE, "packaging>=24")

# The CPython versions that prove the abi3 floor, and where they are (ci/interpreters.py);
# CI decides whether a missing one could not run.
FLOOR_MACHINE = ("python -m ci_gates.checks.interpreters",)
FLOOR_ENV = ("CI",)

# Input globs shared by several gates (what each gate reads; see Gate.inputs).
RUST_INPUTS = (
    "**/*.rs",
    "**/Cargo.toml",
    "Cargo.lock",
    ".cargo/**",
    "rust-toolchain*",
    "**/rustfmt.toml",
    "**/.rustfmt.toml",
    "**/clippy.toml",
    "**/.clippy.toml",
)
PY_INPUTS = ("**/*.py", "**/*.pyi", "pyproject.toml")
# What decides which ruff / mypy a project runs and how (ci_gates.checks.projecttools): its lock
# files, pre-commit hooks, requirements, tool configs, and the task runners and CI that run them.
TOOL_INPUTS = (
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    ".pre-commit-config.yaml",
    "**/*requirements*.txt",
    "requirements/*.txt",
    "ruff.toml",
    ".ruff.toml",
    "mypy.ini",
    ".mypy.ini",
    "setup.cfg",
    "pyrightconfig.json",
    "Makefile",
    "tox.ini",
    "justfile",
    "Justfile",
    ".github/workflows/*",
)
WORKFLOW_INPUTS = (".github/**", "**/action.yml", "**/action.yaml")
EVERYTHING = ("**",)
