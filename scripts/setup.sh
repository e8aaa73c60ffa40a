#!/usr/bin/env bash
# Sets up a fresh machine for building, running and testing Minsheng; safe to run again.
# - Debian packages the build and tests need and the machine lacks: Node.js and npm (the build
#   fetches the map page's MapLibre GL JS), Chromium and a Chinese font (browser tests),
#   PostGIS for PostgreSQL 15 and GDAL's command-line tools (the PostgreSQL tests);
# - a running PostgreSQL 15 cluster (the tests create databases of their own on it);
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
command -v ogrinfo >/dev/null || missing+=(gdal-bin)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi

# The tests' PostgreSQL: the Debian cluster 15/main on 127.0.0.1:5432 (see tests/common/backend.rs).
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting the PostgreSQL 15 cluster"
  pg_ctlcluster 15 main start
fi

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
