#!/usr/bin/env bash
# Builds the release site and serves it on http://127.0.0.1:3000 with the embedded defaults:
# SQLite at data/todokit.db and the offline assistant. Environment overrides: see README.
# The build is skipped when nothing it reads changed since the last one (a stamp in the site
# dir, which cargo-leptos empties when it rebuilds): wasm-bindgen and wasm-opt take ~30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bin="$target_dir/server-release/todokit"
stamp=target/site/.built
inputs=(Cargo.toml Cargo.lock app frontend server style public migrations)

if [ -f "$stamp" ] && [ -x "$bin" ] && [ -f target/site/pkg/todokit.wasm ] && [ ! "$bin" -nt "$stamp" ] \
   && [ -z "$(find "${inputs[@]}" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  log "nothing changed since the last build: serving it"
else
  # -P: .br/.gz beside each asset, which the server sends to browsers that accept them.
  build_site
  touch "$stamp"
fi
export LEPTOS_SITE_ROOT=${LEPTOS_SITE_ROOT:-target/site}
log "serving on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec "$bin"
