#!/usr/bin/env bash
# Two todokit instances on one PostgreSQL database behind haproxy (README "Scaling out"):
# instances on 127.0.0.1:SCALE_PORT+1 and +2, haproxy on 127.0.0.1:SCALE_PORT (default 3000)
# balancing every request round robin, with no stickiness. Stays in the foreground: Ctrl-C or
# SIGTERM stops all three, and when any of them dies the others are stopped too.
#
#   DATABASE_URL=postgres://… scripts/scale-out.sh    # required, PostgreSQL only
#   scripts/scale-out.sh --print-config               # the haproxy config, nothing started
#
# Shared by both instances: DATABASE_URL, JWT_SECRET (generated once into the data dir when
# unset), TODOKIT_DATA_DIR (default data/scale-out; attachment bytes live there), each logging
# to $TODOKIT_DATA_DIR/instance-N.log (haproxy to haproxy.log). TODOKIT_BIN picks the binary
# (default: the release build `make run` makes); every other variable of the README's
# configuration table is passed through to both.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m== %s\033[0m\n' "$*"; }
die() { printf 'scale-out: %s\n' "$*" >&2; exit 1; }

port=${SCALE_PORT:-3000}
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65533 ]; then
  die "SCALE_PORT must be a port number (the instances take the next two), not '$port'"
fi
names=(instance-1 instance-2)
ports=($((port + 1)) $((port + 2)))

haproxy_config() {
  cat <<EOF
# todokit behind haproxy: written by scripts/scale-out.sh (--print-config prints it).
global
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    # Keep-alive on both sides (haproxy's default). Each request is balanced on its own:
    # no cookie, no stick table, no "option prefer-last-server".
    option http-keep-alive
    # X-Forwarded-For: the instances use its last entry (this one) with TRUST_FORWARDED_FOR=1.
    option forwardfor
    # A request refused before it reached an instance (one just died) goes to the other.
    retries 2
    option redispatch 1
    timeout connect 5s
    # A chat turn or a task feed is a server-sent-event stream that can stay quiet for long.
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    # Idle keep-alive connections and slow request heads are not held for that long.
    timeout http-keep-alive 10s
    timeout http-request 10s
    timeout queue 30s
    timeout check 5s

frontend todokit
    bind 127.0.0.1:${port}
    default_backend instances

backend instances
    balance roundrobin
    option httpchk
    http-check send meth GET uri /api/chatkit/health
    http-check expect status 200
    default-server check inter 2s fall 2 rise 2
    # Which instance answered (tests and debugging read it).
    http-response set-header X-Todokit-Instance %s
    server ${names[0]} 127.0.0.1:${ports[0]}
    server ${names[1]} 127.0.0.1:${ports[1]}
EOF
}

case "${1:-}" in
  --print-config) haproxy_config; exit 0 ;;
  "") ;;
  *) die "usage: DATABASE_URL=postgres://… $0 [--print-config]" ;;
esac

case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  "") die "DATABASE_URL is not set: give the PostgreSQL database both instances share, e.g. DATABASE_URL=postgres://user@host:5432/todokit $0" ;;
  *) die "DATABASE_URL must be a postgres:// URL: the instances share one PostgreSQL database (a SQLite file serves one process)" ;;
esac

if [ -n "${TODOKIT_BIN:-}" ]; then
  bin=$TODOKIT_BIN
else
  source scripts/setup.sh
  bin="$target_dir/server-release/todokit"
fi
[ -x "$bin" ] || die "no todokit binary at $bin: build the release once with \`make run\` (or set TODOKIT_BIN)"
site_root=${LEPTOS_SITE_ROOT:-target/site}
[ -f "$site_root/pkg/todokit.wasm" ] \
  || die "no built site in $site_root (pkg/todokit.wasm): build the release once with \`make run\`"

# Debian puts it in /usr/sbin, which a user's PATH often lacks.
haproxy_bin=$(command -v haproxy || true)
if [ -z "$haproxy_bin" ]; then
  [ -x /usr/sbin/haproxy ] || die "haproxy is not installed: sudo apt-get install haproxy"
  haproxy_bin=/usr/sbin/haproxy
fi

data_dir=${TODOKIT_DATA_DIR:-data/scale-out}
mkdir -p "$data_dir"
if [ -z "${JWT_SECRET:-}" ]; then
  # The file a lone instance would generate, written once here so both read the same one.
  secret_file="$data_dir/jwt_secret"
  if [ ! -s "$secret_file" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$secret_file")
  fi
  JWT_SECRET=$(tr -d '[:space:]' <"$secret_file")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/todokit-scale-out.XXXXXX")
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  trap - INT TERM
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
# SIGINT or SIGTERM: all three get SIGTERM (SIGKILL after 5 s). Not SIGINT: children started
# in the background by a script ignore it.
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_up URL PID WHAT LOG: until URL answers 200 (60 s at most; migrations run first).
wait_up() {
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || die "$3 exited at start; see $4"
    sleep 0.1
  done
  die "$3 did not answer $1 within 60 s; see $4"
}

for i in 0 1; do
  DATABASE_URL=$DATABASE_URL JWT_SECRET=$JWT_SECRET TODOKIT_DATA_DIR=$data_dir \
    TRUST_FORWARDED_FOR=1 LEPTOS_SITE_ROOT=$site_root LEPTOS_SITE_ADDR="127.0.0.1:${ports[i]}" \
    "$bin" >"$data_dir/${names[i]}.log" 2>&1 &
  pids+=($!)
done
for i in 0 1; do
  wait_up "http://127.0.0.1:${ports[i]}/api/chatkit/health" "${pids[i]}" "${names[i]}" \
    "$data_dir/${names[i]}.log"
done

haproxy_config >"$tmp/haproxy.cfg"
"$haproxy_bin" -c -q -f "$tmp/haproxy.cfg" || die "haproxy refused its config ($0 --print-config)"
"$haproxy_bin" -db -f "$tmp/haproxy.cfg" >"$data_dir/haproxy.log" 2>&1 &
pids+=($!)
names+=(haproxy)
wait_up "http://127.0.0.1:$port/api/chatkit/health" "${pids[2]}" haproxy "$data_dir/haproxy.log"

log "todokit on http://127.0.0.1:$port (haproxy → ${names[0]} :${ports[0]}, ${names[1]} :${ports[1]}; logs in $data_dir)"

status=0
wait -n "${pids[@]}" || status=$?
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[i]}" 2>/dev/null; then
    printf 'scale-out: %s exited (status %s): stopping the others\n' "${names[i]}" "$status" >&2
    break
  fi
done
exit 1
