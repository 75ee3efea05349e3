#!/usr/bin/env bash
# The gate library as users get it: its wheel, built with a standard front end, served by a real
# package index on loopback (pypiserver), pinned by a project, upgraded by changing the pin; and
# this template's gates run by that released wheel instead of the source in lib/ci-gates.
#   .ci/released_library.sh WORKDIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$1
mkdir -p "$work/dist"
say() { echo "-- $*"; }

say "build ci-gates 0.1.0 and a 0.1.1 of the same source (the upgrade), wheel + sdist, twine check"
uv build --quiet "$root/lib/ci-gates" --out-dir "$work/dist"
cp -r "$root/lib/ci-gates" "$work/lib-next"
version=$(python3 -c "import tomllib,sys; print(tomllib.load(open(sys.argv[1],'rb'))['project']['version'])" "$root/lib/ci-gates/pyproject.toml")
next=$(python3 -c "import sys; a,b,c=sys.argv[1].split('.'); print(f'{a}.{b}.{int(c)+1}')" "$version")
sed -i "s/^version = \"$version\"/version = \"$next\"/" "$work/lib-next/pyproject.toml"
uv build --quiet "$work/lib-next" --out-dir "$work/dist"
uv venv --quiet "$work/index-venv"
uv pip install --quiet --python "$work/index-venv/bin/python" "pypiserver==2.4.2" "passlib==1.7.4" twine
"$work/index-venv/bin/twine" check --strict "$work"/dist/*

say "serve them from pypiserver on loopback"
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
"$work/index-venv/bin/pypi-server" run -i 127.0.0.1 -p "$port" -a . -P . "$work/dist" >"$work/index.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
index="http://127.0.0.1:$port/simple/"
for _ in $(seq 50); do curl -fs "$index" >/dev/null && break; sleep 0.2; done
export UV_EXTRA_INDEX_URL="$index" PIP_EXTRA_INDEX_URL="$index"  # ci-gates from here, the rest from PyPI

say "a maturin project pins ci-gates==$version from the index, adopts, and its gates pass"
uv venv --quiet "$work/tools"
uv pip install --quiet --python "$work/tools/bin/python" "ci-gates==$version" "nox==2026.10.20" "uv==0.13.9"
(
  cd "$work"
  export PATH="$work/tools/bin:$PATH"
  maturin new --bindings pyo3 pinned >/dev/null
  cd pinned
  # maturin's generated CI.yml (unpinned actions, a PyPI token) is .ci/run's adoption proof;
  # this one is about the pinned library.
  rm -rf .github
  git init -q && git add -A && git commit -qm "chore: maturin new"
  ci-gates adopt . | tee "$work/adopt.txt"
  grep -q "ci-gates==$version" ci/requirements-dev.txt
  cargo generate-lockfile --quiet
  git add -A && git commit -qm "chore: adopt ci-gates $version"
  nox --non-interactive -s gates
  target/ci-gates/env/bin/python -c "import ci_gates; assert ci_gates.__version__ == '$version'"

  say "upgrade: change the pin to $next; the project's config is kept, the gates run the new library"
  sed -i "s/ci-gates==$version/ci-gates==$next/" ci/requirements-dev.txt
  uv pip install --quiet --python "$work/tools/bin/python" -r ci/requirements-dev.txt
  before=$(git show HEAD:pyproject.toml | sha256sum)
  nox --non-interactive -s gates
  target/ci-gates/env/bin/python -c "import ci_gates; assert ci_gates.__version__ == '$next'"
  [ "$(sha256sum < pyproject.toml)" = "$before" ]
  git diff --quiet -- pyproject.toml .claude .codex noxfile.py
)

say "this template's gates, run by the released wheel ci-gates==$version (not lib/ci-gates' source)"
git clone -q "$root" "$work/template"
uv pip install --quiet --python "$work/tools/bin/python" "ci-gates==$version"
(
  cd "$work/template"
  export PATH="$work/tools/bin:$PATH" CI_GATES_LIBRARY=installed
  nox --non-interactive -s gates
  grep -q "ci-gates==$version" target/ci-gates/env/ci-gates-env.json
)
say "the released library works as pinned, upgraded and in this template"
