#!/usr/bin/env bash
# Every test: formatting and lints, the Rust suite on SQLite (and on PostgreSQL when
# TEST_DATABASE_URL is set), the SDK conformance run and the type checks against the official
# client's types, a short run of each fuzz target, then the browser suite against a fresh
# release build; with PostgreSQL, two release instances on one database, directly and behind
# haproxy (scripts/scale-out.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh browser

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy (server and browser builds)"
cargo clippy -p app -p todokit-server --features app/ssr --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

log "cargo test on SQLite"
TEST_DATABASE_URL="" cargo test -p app -p todokit-server --features app/ssr

log "ChatKit conformance: official Python SDK vs todokit (conformance/run.sh)"
capture="$target_dir/conformance-capture"
CARGO_TARGET_DIR="$target_dir" CONFORMANCE_KEEP="$capture" conformance/run.sh "$target_dir/debug/todokit"

log "our answers type-checked against @openai/chatkit (tsc --strict, end2end/wire-types)"
node end2end/wire-types/generate.mjs conformance/cases.json "$capture/actual" \
  conformance/widgets_expected.json >end2end/wire-types/captured.ts
(cd end2end && npx tsc --strict --noEmit -p wire-types/tsconfig.json)

log "official React client page compiles (tsc --noEmit, end2end/official-client)"
(cd end2end/official-client && npm ci --no-audit --no-fund && npx tsc --noEmit -p tsconfig.json)

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  # A database of this run's own: whatever an earlier checkout migrated into the shared one
  # (another branch's migration, say) cannot fail this run, and parallel runs do not meet.
  run_db="todokit_test_$$"
  base_url="${TEST_DATABASE_URL%/*}"
  scale_db="todokit_scale_$$"
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $run_db"
  psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $scale_db"
  drop_run_dbs() {
    for db in "$run_db" "$scale_db"; do
      psql -q "$base_url/postgres" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
  }
  trap drop_run_dbs EXIT
  log "cargo test on PostgreSQL ($base_url/$run_db)"
  TEST_DATABASE_URL="$base_url/$run_db" cargo test -p app -p todokit-server --features app/ssr
fi

log "fuzz smoke: each libFuzzer target for 15 s (scripts/fuzz-smoke.sh)"
scripts/fuzz-smoke.sh

log "release build (build_site in setup.sh: precompressed, the panel split off, as make run serves)"
build_site

log "first-load weight within its ratchet (scripts/size-check.sh)"
scripts/size-check.sh

# Seconds-long runs of the benchmarks on the release build just made: they fail on any error,
# short page, or lost or mixed-up stream (docs/benchmarks.md).
log "bench smoke: official Python server and todokit side by side (scripts/bench.sh --smoke)"
TODOKIT_BIN="$target_dir/server-release/todokit" scripts/bench.sh --smoke
log "bench smoke: reads over seeded data (scripts/bench-data.sh --smoke)"
TODOKIT_BIN="$target_dir/server-release/todokit" scripts/bench-data.sh --smoke
log "bench smoke: 50 concurrent model streams (scripts/bench-streams.sh --smoke)"
TODOKIT_BIN="$target_dir/server-release/todokit" scripts/bench-streams.sh --smoke

log "browser tests (Playwright, Debian chromium)"
(cd end2end && npx tsc -p tsconfig.json && TODOKIT_BIN="$target_dir/server-release/todokit" npx playwright test)

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  release_bin="$target_dir/server-release/todokit"
  log "two release instances on one PostgreSQL (server/tests/instances.rs, TODOKIT_BIN)"
  TODOKIT_BIN="$release_bin" TEST_DATABASE_URL="$base_url/$run_db" \
    cargo test -p todokit-server --features app/ssr --test instances
  log "browser slice through haproxy in front of two instances (end2end/playwright.scale-out.config.ts)"
  (cd end2end && E2E_DATABASE_URL="$base_url/$scale_db" TODOKIT_BIN="$release_bin" \
    npx playwright test -c playwright.scale-out.config.ts)
fi
