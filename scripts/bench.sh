#!/usr/bin/env bash
# Load benchmark on loopback with wrk (Debian): health, threads.list, and full chat turns
# (threads.create: parse, auth, SQLite/PostgreSQL writes, offline agent, tool call, SSE).
# The per-user rate limit is lifted for the run: it would answer 429 after 20 turns.
# Usage: scripts/bench.sh [seconds] [connections]; DATABASE_URL picks the database.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-16}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/server-release/todokit"
[ -x "$bin" ] || { echo "build first: cargo leptos build --release"; exit 1; }

dir=$(mktemp -d)
port=3300
secret="bench-secret-$(date +%s%N)-0123456789"
RATE_LIMIT_PER_MINUTE=1000000000 JWT_SECRET="$secret" TODOKIT_DATA_DIR="$dir" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  DATABASE_URL="${DATABASE_URL:-sqlite://$dir/todokit.db}" "$bin" >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/api/chatkit/health" >/dev/null && break; sleep 0.2; done

# An HS256 token for a user the server provisions on first use.
token=$(SECRET="$secret" python3 - <<'PY'
import base64, hashlib, hmac, json, os, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=")
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps({"sub": "bench-user", "exp": int(time.time()) + 3600}).encode())
s = b(hmac.new(os.environ["SECRET"].encode(), h + b"." + p, hashlib.sha256).digest())
print((h + b"." + p + b"." + s).decode())
PY
)

lua() { cat >"$dir/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '$2'
LUA
}
lua list '{"type":"threads.list","params":{"limit":20}}'
lua turn '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text","text":"add benchmark task"}],"attachments":[],"inference_options":{}}}}'

echo "== GET /api/chatkit/health"
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/api/chatkit/health" | sed -n '1,12p'
echo "== POST threads.create (a full chat turn: add_task tool + streamed reply)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$dir/turn.lua" "http://127.0.0.1:$port/api/chatkit" | sed -n '1,12p'
echo "== POST threads.list (20 threads per page)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$dir/list.lua" "http://127.0.0.1:$port/api/chatkit" | sed -n '1,12p'
