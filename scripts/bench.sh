#!/usr/bin/env bash
# Side by side on loopback: the official Python ChatKit server (PyPI openai-chatkit on uvicorn,
# the conformance harness's scripted responder, with its in-memory store and with a SQLite store
# of its own) against todokit's release build (the same scripted responder, its SQLite file, and
# PostgreSQL when BENCH_DATABASE_URL is set). One load tool (server/examples/chatload.rs) drives
# each in turn: threads.create and threads.add_user_message turns/s, and p50/p99 time to the
# first SSE event, at 1, 8, 32 and 128 connections. Prints the table and todokit's ratios.
#
#   scripts/bench.sh [--secs S] [--conns "1 8 32 128"] [--only todokit|python] [--smoke]
#
# --smoke: a seconds-long run (CI) that fails if any server answers an error.
# Results also go to $BENCH_OUT (default: a temp file, printed at the end) as JSON lines.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
secs=5
conns="1 8 32 128"
warmup=1
smoke=
only=
while [ $# -gt 0 ]; do
  case "$1" in
    --secs) secs=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --smoke) smoke=1; secs=1; warmup=0.3; conns="8"; shift ;;
    *) echo "usage: scripts/bench.sh [--secs S] [--conns \"1 8 32 128\"] [--smoke]" >&2; exit 2 ;;
  esac
done

export PATH="$HOME/.cargo/bin:$PATH"
source scripts/bench-lib.sh
target="${CARGO_TARGET_DIR:-$root/target}"
# TODOKIT_BIN and CHATLOAD_BIN pick other builds (a before/after pair); else build them.
bin="${TODOKIT_BIN:-$target/server-release/todokit}"
load="${CHATLOAD_BIN:-$target/server-release/examples/chatload}"
if [ -z "${TODOKIT_BIN:-}" ]; then
  echo "== building todokit (server-release)"
  cargo build --quiet --profile server-release -p todokit-server --bin todokit
fi
if [ -z "${CHATLOAD_BIN:-}" ]; then
  echo "== building the load tool (server/examples/chatload.rs)"
  cargo build --quiet --profile server-release -p todokit-server --example chatload
fi

venv="${CONFORMANCE_VENV:-$target/conformance-venv}"
if ! "$venv/bin/python" -c 'import chatkit, uvicorn' 2>/dev/null; then
  echo "== installing openai-chatkit 1.6.5 and uvicorn into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check openai-chatkit==1.6.5 'uvicorn[standard]'
fi

dir=$(mktemp -d)
out="${BENCH_OUT:-$dir/results.jsonl}"
: >"$out"
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -rf "$dir"' EXIT

port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/api/chatkit"
wait_up() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null -X POST -H 'content-type: application/json' \
      -d '{"type":"threads.list","params":{}}' "$@" "$url" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; return 1; }
    sleep 0.1
  done
  cat "$dir/server.log" >&2; return 1
}

# drive NAME HEADER...: every kind at every connection count against the running server.
drive() {
  local name=$1; shift
  local headers=()
  for h in "$@"; do headers+=(-H "$h"); done
  for kind in create add; do
    for c in $conns; do
      line=$("$load" --url "$url" --kind "$kind" --conns "$c" --secs "$secs" --warmup "$warmup" "${headers[@]}")
      echo "{\"server\":\"$name\",${line#\{}" | tee -a "$out"
      if [ -n "$smoke" ] && ! echo "$line" | grep -q '"errors":0'; then
        echo "bench smoke: $name answered errors" >&2; cat "$dir/server.log" >&2; exit 1
      fi
    done
  done
}

for store in memory sqlite; do
  [ "$only" = todokit ] && break
  echo "== official Python SDK (openai-chatkit 1.6.5, uvicorn), $store store"
  "$venv/bin/python" conformance/bench_server.py --port "$port" --store "$store" \
    --db "$dir/reference.db" >"$dir/server.log" 2>&1 &
  pid=$!
  wait_up -H 'X-User-Id: bench-user'
  drive "python-$store" 'X-User-Id: bench-user'
  stop
done

secret="bench-secret-$(date +%s%N)-0123456789abcdef"
token=$(bench_jwt "$secret" bench-user)
dbs="sqlite://$dir/todokit.db"
[ -n "${BENCH_DATABASE_URL:-}" ] && dbs="$dbs $BENCH_DATABASE_URL"
[ "$only" = python ] && dbs=
for db in $dbs; do
  name="todokit-${db%%:*}"
  echo "== todokit $(git rev-parse --short HEAD 2>/dev/null || true) (release), ${db%%:*}"
  start_scripted "$bin" "$db" "$port" "$secret" "$dir"
  wait_up -H "Authorization: Bearer $token"
  drive "$name" "Authorization: Bearer $token"
  stop
done

echo
"$venv/bin/python" - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
servers = list(dict.fromkeys(r["server"] for r in rows))
key = {(r["server"], r["kind"], r["conns"]): r for r in rows}
f = lambda v, d=1: "-" if v is None else f"{v:,.{d}f}"
print("| request | conns | " + " | ".join(f"{s} turns/s (p50 / p99 first event ms)" for s in servers)
      + " | " + " | ".join(f"{s} ÷ {r}" for s in servers if s.startswith("todokit")
                           for r in servers if r.startswith("python")) + " |")
print("|---|---|" + "---|" * len(servers)
      + "---|" * sum(1 for s in servers if s.startswith("todokit")) * sum(1 for r in servers if r.startswith("python")))
for kind in dict.fromkeys(r["kind"] for r in rows):
    for c in sorted({r["conns"] for r in rows if r["kind"] == kind}):
        cells, ratios = [], []
        for s in servers:
            r = key.get((s, kind, c))
            cells.append("-" if r is None else
                         f"{f(r['per_sec'], 0)} ({f(r['first_p50_ms'], 2)} / {f(r['first_p99_ms'], 2)})"
                         + (f" {r['errors']} errors" if r["errors"] else ""))
        for s in servers:
            if not s.startswith("todokit"):
                continue
            for ref in servers:
                if ref.startswith("python"):
                    a, b = key.get((s, kind, c)), key.get((ref, kind, c))
                    ratios.append(f"{a['per_sec'] / b['per_sec']:.1f}×" if a and b and b["per_sec"] else "-")
        name = {"create": "threads.create", "add": "threads.add_user_message"}.get(kind, kind)
        print(f"| {name} | {c} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
PY
