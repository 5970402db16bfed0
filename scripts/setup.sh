#!/usr/bin/env bash
# Installs what the build needs and is missing, from crates.io, npm and Debian only (nothing
# else is reachable): the wasm target, cargo-leptos (no_downloads), wasm-bindgen-cli matching
# Cargo.lock, wasm-opt from npm binaryen, and with "browser" Debian's chromium (and haproxy).
# Sourced by run.sh, test.sh and scale-out.sh; leaves PATH pointing at the tools and
# `target_dir` naming cargo's target directory (CARGO_TARGET_DIR or the workspace's).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_browser=${1:-}

LEPTOS_VERSION=0.3.11
log() { printf '\033[1m== %s\033[0m\n' "$*"; }

export PATH="$HOME/.cargo/bin:$root/end2end/node_modules/.bin:$PATH"

if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$LEPTOS_VERSION" ]; then
  log "installing cargo-leptos $LEPTOS_VERSION (no_downloads; about 15 minutes on 2 cores, once)"
  # The locked tree wants rustc 1.96; it builds fine on 1.95. A light profile halves the time.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install cargo-leptos --version "$LEPTOS_VERSION" --locked --ignore-rust-version \
      --features no_downloads
fi

wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  log "installing wasm-bindgen-cli $wb_version (must equal Cargo.lock)"
  # Not --locked: its lockfile names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

if [ ! -x "$root/end2end/node_modules/.bin/wasm-opt" ] || [ ! -x "$root/end2end/node_modules/.bin/playwright" ] \
   || [ ! -d "$root/end2end/node_modules/@openai/chatkit" ]; then
  log "installing npm packages (binaryen's wasm-opt, Playwright, TypeScript, @openai/chatkit types)"
  (cd "$root/end2end" && npm ci --no-audit --no-fund)
fi

# Noto's Arabic-script fonts: without them Urdu (e.g. ے) shows as boxes in headless Chromium.
# brotli: scripts/size-check.sh measures what a browser downloads. haproxy: the balancer of
# scripts/scale-out.sh (two instances on one PostgreSQL) and its browser run
# (end2end/playwright.scale-out.config.ts); Debian installs it in /usr/sbin.
if [ "$want_browser" = "browser" ] && { [ ! -x /usr/bin/chromium ] || ! command -v brotli >/dev/null \
     || ! fc-list 2>/dev/null | grep -q NotoNastaliqUrdu \
     || { ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ]; }; }; then
  log "installing Debian chromium, fonts-noto-core, brotli and haproxy"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium fonts-noto-core brotli haproxy >/dev/null
fi

# shellcheck disable=SC2034 # read by the scripts that source this one
target_dir=$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')

# The release site, one way for run.sh and test.sh: -P writes .br/.gz beside each asset (sent
# precompressed); --split puts the chat panel's code in a WASM chunk of its own, fetched when the
# panel first opens. The .gz files are then rewritten at gzip -9 (-P's are ~15 % bigger): browsers
# send no `br` over plain HTTP beyond loopback, as a LAN install is often served.
build_site() {
  (cd "$root" && cargo leptos build --release -P --split)
  find "$root/target/site" -name '*.gz' -print0 | while IFS= read -r -d '' gz; do
    gzip -9 -n -c "${gz%.gz}" >"$gz.tmp" && mv "$gz.tmp" "$gz"
  done
}
