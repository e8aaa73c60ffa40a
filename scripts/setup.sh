#!/usr/bin/env bash
# Sets up a fresh machine for building, running and testing Minsheng; safe to run again.
# - Debian packages the build and tests need and the machine lacks: Node.js and npm (the build
#   fetches the map page's MapLibre GL JS), Chromium and a Chinese font (browser tests),
#   PostGIS for PostgreSQL 15 and GDAL's command-line tools (the PostgreSQL and OGC API tests),
#   Redis (the shared submission limit) and COIN-OR Cbc with pkg-config (the set-covering
#   plan's solver);
# - a running PostgreSQL 15 cluster (the tests create databases of their own on it) and Redis;
# - Node.js 20 or later for the browser tests (from the npm registry into .tools/ if the
#   system's is older);
# - a Python virtual environment in .venv with the pinned packages of tests/requirements.txt
#   (the tests run independent implementations from it; the system Python is left alone).
# Rust stable (cargo) must be there already.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo >/dev/null || { echo "cargo is required (Rust stable, from rustup)" >&2; exit 1; }

missing=()
command -v npm >/dev/null || missing+=(nodejs npm)
command -v chromium >/dev/null || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || missing+=(postgresql-15-postgis-3)
command -v ogr2ogr >/dev/null || missing+=(gdal-bin)
command -v redis-server >/dev/null || missing+=(redis-server)
# COIN-OR Cbc, the set-covering plan's solver (linked by good_lp's coin_cbc through pkg-config).
dpkg -s coinor-libcbc-dev >/dev/null 2>&1 || missing+=(coinor-libcbc-dev)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

# Node.js 20 or later: playwright-core (the browser tests) needs it, and Debian 12's is 18. When
# the system's is older, a project-local one comes from the npm registry's node-linux-<arch>
# package into .tools/ (tests/common::node() prefers .tools/bin/node).
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major node)" -lt 20 ] && [ "$(node_major .tools/bin/node)" -lt 20 ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "no Node.js 20 package for $(uname -m): install Node.js 20 or later by hand" >&2; exit 1 ;;
  esac
  echo "the system's Node.js is older than 20: installing node-linux-$arch@22 from the npm registry into .tools/"
  npm install --silent --no-audit --no-fund --prefix .tools "node-linux-$arch@22"
  mkdir -p .tools/bin
  ln -sf "../node_modules/node-linux-$arch/bin/node" .tools/bin/node
  echo "Node.js $(.tools/bin/node --version) in .tools/bin/node"
fi

# Without systemd (containers, CI) the package's service does not start by itself.
if ! redis-cli ping >/dev/null 2>&1; then
  echo "starting Redis on 127.0.0.1:6379"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes >/dev/null
  for _ in $(seq 50); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli ping >/dev/null || { echo "Redis did not start" >&2; exit 1; }
fi

# The tests' PostgreSQL: the Debian cluster 15/main on 127.0.0.1:5432 (see tests/common/backend.rs).
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting the PostgreSQL 15 cluster"
  pg_ctlcluster 15 main start
fi

# The tests' npm packages, pinned by their package-lock.json: playwright-core (browser tests; it
# never downloads a browser) and the MapLibre style validator. Installed here, so tests need no network.
for dir in tests/browser tests/style; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "installing the npm packages of $dir"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund --ignore-scripts)
  fi
done

if [ ! -x .venv/bin/python ]; then
  echo "creating the Python virtual environment .venv"
  python3 -m venv .venv
fi
# pip only downloads what is missing or at another version; the stamp skips even that check.
stamp=.venv/.requirements
if ! cmp -s tests/requirements.txt "$stamp"; then
  echo "installing tests/requirements.txt into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt "$stamp"
fi
echo "setup done"
