#!/usr/bin/env bash
# Fixed work, for timing a build as a whole process and pairing two builds (farm-bench A B):
# todokit BIN with the scripted responder on a fresh database, CONNS connections each sending
# COUNT turns (server/examples/chatload.rs --count), then stopped. On PostgreSQL each run gets a
# database of its own (two builds may carry different migrations), dropped at the end.
#   scripts/bench-fixed.sh BIN DATABASE_URL [--kind create|add] [--conns N] [--count N]
# DATABASE_URL: postgres://…/any_db (the server's, for CREATE DATABASE) or "sqlite".
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/bench-lib.sh"
[ $# -ge 2 ] || { echo "usage: scripts/bench-fixed.sh BIN DATABASE_URL [--kind K] [--conns N] [--count N]" >&2; exit 2; }
bin=$1 db=$2; shift 2
kind=add conns=8 count=50
while [ $# -gt 0 ]; do
  case "$1" in
    --kind) kind=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
load="${CHATLOAD_BIN:-${CARGO_TARGET_DIR:-$root/target}/server-release/examples/chatload}"

dir=$(mktemp -d)
pid="" fresh=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$fresh" ]; then psql -q "${db%/*}/postgres" -c "DROP DATABASE IF EXISTS $fresh WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
case "$db" in
  postgres://*|postgresql://*)
    fresh="bench_fixed_$$_$RANDOM"
    psql -q "$db" -c "CREATE DATABASE $fresh"
    url="${db%/*}/$fresh" ;;
  *) url="sqlite://$dir/todokit.db" ;;
esac

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
secret="bench-secret-$(date +%s%N)-0123456789abcdef"
start_scripted "$bin" "$url" "$port" "$secret" "$dir"
wait_health "http://127.0.0.1:$port" "$pid"
"$load" --url "http://127.0.0.1:$port/api/chatkit" --kind "$kind" --conns "$conns" --count "$count" \
  -H "Authorization: Bearer $(bench_jwt "$secret" bench-user)" >/dev/null
