#!/usr/bin/env bash
# Differential conformance test: the official Python SDK (openai-chatkit, pinned) and our
# `todokit` binary run the same request sequences with the same scripted responder; outputs are
# compared after normalising ids and timestamps (see README.md and docs/chatkit-compat.md).
#
#   conformance/run.sh [path/to/todokit]      default: $CARGO_TARGET_DIR/debug/todokit
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
bin="${1:-$target_dir/debug/todokit}"
[ -x "$bin" ] || { echo "conformance: no binary at $bin (run cargo test/build first)" >&2; exit 2; }

# The venv lives in the target directory so it is built once per machine (PyPI only).
venv="${CONFORMANCE_VENV:-$target_dir/conformance-venv}"
if ! "$venv/bin/python" -c 'import chatkit' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check openai-chatkit==1.6.5
fi
py="$venv/bin/python"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The widget fixture the Rust byte test reads must be exactly what the SDK prints today.
echo "conformance: widget wire fixture (widgets.py vs widgets_expected.json)"
"$py" "$here/widgets.py" >"$work/widgets_expected.json"
if ! diff -u "$here/widgets_expected.json" "$work/widgets_expected.json"; then
  echo "conformance: widgets_expected.json is not the SDK's output; regenerate it with" >&2
  echo "  $py conformance/widgets.py > conformance/widgets_expected.json" >&2
  exit 1
fi

echo "conformance: recording the SDK's answers"
"$py" "$here/sdk_runner.py" "$here/cases.json" --normalise --out-dir "$work/expected"

port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export JWT_SECRET="conformance-secret-$(date +%s%N)"
mkdir -p "$work/data"
TODOKIT_RESPONDER=scripted TODOKIT_DATA_DIR="$work/data" DATABASE_URL="sqlite://$work/data/todokit.db" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=error "$bin" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if "$py" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/api/chatkit/health', timeout=1)" 2>/dev/null; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

echo "conformance: driving todokit on 127.0.0.1:$port"
"$py" "$here/sdk_runner.py" "$here/cases.json" --http "http://127.0.0.1:$port/api/chatkit" \
  --jwt-secret-env JWT_SECRET --cancel-request todokit.threads.cancel --normalise --out-dir "$work/actual" \
  || true  # harness errors after a documented difference are judged by compare.py
[ -z "${CONFORMANCE_KEEP:-}" ] || { rm -rf "$CONFORMANCE_KEEP"; cp -r "$work" "$CONFORMANCE_KEEP"; }
"$py" "$here/compare.py" "$work/expected" "$work/actual" --allow "$here/differences.json"
