#!/usr/bin/env bash
# Long streams (docs/benchmarks.md, "Long streams"): todokit's release binary with a scripted
# OpenAI-compatible model on loopback (scripts/bench-streams.py model: 50 content deltas over
# 5 s, each echoing the turn's own token), and N threads.create turns at once from one user
# whose chat-turn allowance is lifted (scripts/bench-streams.py drive). Every stream must end
# with its own text, in order and whole, and every stored thread (items.list) must hold exactly
# that text. Reports the server's idle RSS after start, its peak RSS (VmHWM) and the CPU
# seconds (utime + stime) it spent over the run.
#
#   scripts/bench-streams.sh [--smoke] [--turns 1000] [--deltas 50] [--seconds 5]
#
# --smoke: 50 turns of 1 s each (CI). TODOKIT_BIN picks the binary (default: the
# server-release build, built if missing); DATABASE_URL the database (default: a fresh SQLite
# file). Exits non-zero if any stream or stored thread is wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
root=$(pwd)

turns=1000
deltas=50
seconds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) turns=50; seconds=1; shift ;;
    --turns) turns=$2; shift 2 ;;
    --deltas) deltas=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: scripts/bench-streams.sh [--smoke] [--turns N] [--deltas N] [--seconds S]" >&2; exit 2 ;;
  esac
done

export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${TODOKIT_BIN:-$target/server-release/todokit}"
if [ ! -x "$bin" ]; then
  echo "== building todokit (server-release)"
  cargo build --quiet --profile server-release -p todokit-server --bin todokit
fi
# A connection per turn on each side (client → todokit → model), and a few files each.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((turns * 3 + 256)) ]; then
  echo "bench-streams: ulimit -n is $(ulimit -n), too low for $turns turns" >&2
  exit 1
fi

dir=$(mktemp -d)
server=
model=
stop() { # PID: TERM, then wait
  if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi
}
cleanup() { stop "$server"; stop "$model"; rm -rf "$dir"; }
trap cleanup EXIT
fail() {
  echo "bench-streams: $*" >&2
  tail -20 "$dir/server.log" >&2 || true
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

model_port=$(free_port)
python3 scripts/bench-streams.py model --port "$model_port" --deltas "$deltas" --seconds "$seconds" \
  >"$dir/model.out" 2>"$dir/model.log" &
model=$!

port=$(free_port)
url="http://127.0.0.1:$port"
secret="bench-streams-$(date +%s%N)-0123456789abcdef"
mkdir -p "$dir/data"
# LLM_TIMEOUT_SECS bounds one model turn (30 s by default): room for a stream's length on a
# shared CPU.
LLM_BASE_URL="http://127.0.0.1:$model_port/v1" LLM_MODEL=x LLM_API_KEY=x \
  LLM_TIMEOUT_SECS=$(( seconds * 6 + 30 )) RATE_LIMIT_PER_MINUTE=1000000000 JWT_SECRET="$secret" \
  TODOKIT_DATA_DIR="$dir/data" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  DATABASE_URL="${DATABASE_URL:-sqlite://$dir/data/todokit.db}" "$bin" >"$dir/server.log" 2>&1 &
server=$!
wait_health "$url" "$server" || fail "no server"
for _ in $(seq 1 50); do
  (echo >"/dev/tcp/127.0.0.1/$model_port") 2>/dev/null && break
  sleep 0.1
done

token=$(bench_jwt "$secret" stream-bench-user)

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; } # utime + stime (pid's comm has no spaces)
hz=$(getconf CLK_TCK)
sleep 1
idle_rss=$(kib VmRSS)
cpu0=$(cpu_ticks)

echo "== $turns turns at once, $deltas deltas over ${seconds} s each (todokit $(git rev-parse --short HEAD 2>/dev/null || true), ${DATABASE_URL:-sqlite})"
status=0
python3 scripts/bench-streams.py drive --url "$url" --token "$token" --turns "$turns" --deltas "$deltas" \
  >"$dir/drive.out" || status=$?
cpu1=$(cpu_ticks)
peak_rss=$(kib VmHWM)
after_rss=$(kib VmRSS)
cat "$dir/drive.out"
kill -0 "$server" 2>/dev/null || fail "the server died"
stop "$model"
model=
echo "model: $(cat "$dir/model.out")"
python3 - "$idle_rss" "$peak_rss" "$after_rss" "$cpu0" "$cpu1" "$hz" <<'PY'
import sys
idle, peak, after, c0, c1, hz = (int(x) for x in sys.argv[1:])
print(f"server: idle RSS {idle / 1024:.1f} MiB, peak RSS (VmHWM) {peak / 1024:.1f} MiB, "
      f"RSS after the run {after / 1024:.1f} MiB, CPU over the run {(c1 - c0) / hz:.2f} s")
PY
if [ "$status" -ne 0 ]; then
  fail "streams lost, mixed up or stored wrong (see above)"
fi
if grep -qw ERROR "$dir/server.log"; then
  fail "the server logged errors"
fi
echo "bench-streams: all $turns streams whole and stored"
