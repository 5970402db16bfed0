#!/usr/bin/env bash
# A short run of each fuzz target (fuzz/, libFuzzer through cargo-fuzz): SECONDS_PER_TARGET
# each (15 by default, about a minute for the four). Installs cargo-fuzz from crates.io once.
# cargo-fuzz needs nightly flags: RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# Long runs and their figures: docs/fuzzing.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=${SECONDS_PER_TARGET:-15}
export PATH="$HOME/.cargo/bin:$PATH"
export RUSTC_BOOTSTRAP=1
log() { printf '\033[1m== %s\033[0m\n' "$*"; }

CARGO_FUZZ_VERSION=0.13.2
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION (once, about 2 minutes)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

cd "$root/fuzz"
# No sanitizer: the code under test is safe Rust, and ASan would double the build on 2 cores.
# The dev profile builds in a third of the release time and keeps overflow checks on, which
# is what a smoke wants; long runs (docs/fuzzing.md) use the release build with -a.
flags=(--sanitizer none --dev)
log "building the fuzz targets (dev profile)"
cargo fuzz build "${flags[@]}"

for target in $(cargo fuzz list); do
  log "fuzzing $target for ${seconds}s"
  corpus="target/smoke-corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  out="target/smoke-$target.log"
  rc=0
  cargo fuzz run "${flags[@]}" "$target" "$corpus" "${seeds[@]}" -- \
    -dict="dicts/$target.dict" -max_total_time="$seconds" -max_len=4096 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$out" 2>&1 || rc=$?
  grep -E '^stat::number_of_executed_units|^Done' "$out" || true
  if [ "$rc" -ne 0 ]; then
    tail -40 "$out" >&2
    echo "fuzz target $target failed (exit $rc): the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
log "fuzz smoke passed"
