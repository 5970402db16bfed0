# shellcheck shell=bash
# Shared by the benchmark scripts (sourced): tokens and waiting for a server.

# bench_jwt SECRET SUB [TYP SID]: an HS256 token valid for 3 hours. With SUB only it is an API
# token as another auth service would mint it; TYP/SID make a session cookie's token.
bench_jwt() {
  SECRET="$1" SUB="$2" TYP="${3:-}" SID="${4:-}" python3 - <<'PY'
import base64, hashlib, hmac, json, os, time
b = lambda d: base64.urlsafe_b64encode(d).rstrip(b"=")
claims = {"sub": os.environ["SUB"], "exp": int(time.time()) + 3 * 3600}
if os.environ["TYP"]:
    claims.update(typ=os.environ["TYP"], sid=os.environ["SID"])
h = b(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
p = b(json.dumps(claims).encode())
s = b(hmac.new(os.environ["SECRET"].encode(), h + b"." + p, hashlib.sha256).digest())
print((h + b"." + p + b"." + s).decode())
PY
}

# wait_health BASE_URL PID: until todokit at BASE_URL answers its health check (10 s at most);
# fails at once if PID has exited.
wait_health() {
  for _ in $(seq 1 100); do
    curl -sf -o /dev/null "$1/api/chatkit/health" && return 0
    kill -0 "$2" 2>/dev/null || { echo "the server did not start" >&2; return 1; }
    sleep 0.1
  done
  curl -sf -o /dev/null "$1/api/chatkit/health" || { echo "the server did not answer" >&2; return 1; }
}

# start_scripted BIN DATABASE_URL PORT SECRET DIR: todokit with the conformance responder and
# the per-user turn limit lifted, data and log (server.log) in DIR; sets `pid`.
start_scripted() {
  mkdir -p "$5/data"
  TODOKIT_RESPONDER=scripted RATE_LIMIT_PER_MINUTE=1000000000 JWT_SECRET="$4" \
    TODOKIT_DATA_DIR="$5/data" LEPTOS_SITE_ADDR="127.0.0.1:$3" RUST_LOG=error \
    DATABASE_URL="$2" "$1" >"$5/server.log" 2>&1 &
  # shellcheck disable=SC2034 # read by the caller
  pid=$!
}
