#!/usr/bin/env bash
# Builds the release site and serves it on http://127.0.0.1:3000 with the embedded defaults:
# SQLite at data/todokit.db and the offline assistant. Environment overrides: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec cargo leptos serve --release
