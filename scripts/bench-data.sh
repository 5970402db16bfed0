#!/usr/bin/env bash
# Read latency against the size of the data (docs/benchmarks.md, "Scale of data").
#
# One user owns N threads, N items in one of them and N tasks, for N in 1 k, 100 k, 1 M, next
# to 10 k other users with a few rows each; the rows are seeded with SQL (a recursive CTE on
# SQLite, generate_series on PostgreSQL) into the schema the release binary's migrations made,
# with ids and timestamps shaped like the server's own. At each N, chatload
# (server/examples/chatload.rs) measures p50/p99 of the reads the panel and the tasks page make:
# threads.list and items.list (20 a page: the first page and one half-way down via `after`),
# and the tasks page's list (the `list_tasks` server function: all tasks, smart order, 500).
# The query plans of these reads at the largest N are printed too.
#
#   scripts/bench-data.sh [--smoke] [--db sqlite|postgres|both] [--scales "1000 100000 1000000"]
#                         [--users 10000] [--secs 3] [--conns 2]
#
# --smoke: 1 k rows, 100 users, SQLite only, 1 s a load (CI); fails on any error or short page.
# TODOKIT_BIN / CHATLOAD_BIN pick the binaries (default: the server-release build, built if
# missing); BENCH_PG_URL the PostgreSQL server (default postgres://postgres@127.0.0.1:5432,
# a database of the run's own is created and dropped). Results: JSON lines in $BENCH_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
root=$(pwd)

scales="1000 100000 1000000"
users=10000
secs=3
conns=2
warmup=0.5
dbs=both
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) scales=1000; users=100; secs=1; warmup=0.2; dbs=sqlite; shift ;;
    --db) dbs=$2; shift 2 ;;
    --scales) scales=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --secs) secs=$2; shift 2 ;;
    --conns) conns=$2; shift 2 ;;
    *) echo "usage: scripts/bench-data.sh [--smoke] [--db sqlite|postgres|both] [--scales \"1000 100000 1000000\"] [--users N] [--secs S] [--conns N]" >&2; exit 2 ;;
  esac
done
case "$dbs" in both) dbs="sqlite postgres" ;; sqlite | postgres) ;; *) echo "--db: sqlite, postgres or both" >&2; exit 2 ;; esac

export PATH="$HOME/.cargo/bin:$PATH"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${TODOKIT_BIN:-$target/server-release/todokit}"
load="${CHATLOAD_BIN:-$target/server-release/examples/chatload}"
if [ ! -x "$bin" ]; then
  echo "== building todokit (server-release)"
  cargo build --quiet --profile server-release -p todokit-server --bin todokit
fi
if [ ! -x "$load" ]; then
  echo "== building chatload (server-release)"
  cargo build --quiet --profile server-release -p todokit-server --example chatload
fi
for tool in sqlite3 python3 curl; do command -v "$tool" >/dev/null || { echo "bench-data: needs $tool" >&2; exit 1; }; done
pg_base="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
if [[ " $dbs " == *" postgres "* ]] && ! psql -qAt "$pg_base/postgres" -c 'SELECT 1' >/dev/null 2>&1; then
  echo "bench-data: no PostgreSQL at $pg_base; SQLite only" >&2
  dbs=sqlite
fi

dir=$(mktemp -d)
out="${BENCH_OUT:-$dir/results.jsonl}"
: >"$out"
pid=
pg_db=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
drop_pg() { if [ -n "$pg_db" ]; then psql -q "$pg_base/postgres" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; pg_db=; fi; }
cleanup() { stop; drop_pg; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "bench-data: $*" >&2; [ -f "$dir/server.log" ] && tail -20 "$dir/server.log" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
secret="bench-data-$(date +%s%N)-0123456789abcdef"
user_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
session_id="ses_$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
big_thread="thr_$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
t0=$(( $(date +%s) - 40 * 86400 )) # the oldest seeded row; 1 M rows 2 s apart end before now

# HS256 tokens: an API token (another service's kind: `sub` only) for /api/chatkit, and the
# session cookie's token (`typ` todokit_session, `sid` a live session) for server functions.
jwt() { bench_jwt "$secret" "$user_id" "$@"; }
token=$(jwt)
cookie=$(jwt todokit_session "$session_id")
list_tasks_path=$(grep -ao '/api/list_tasks[0-9]*' "$bin" | head -1)
[ -n "$list_tasks_path" ] || fail "no list_tasks server function in $bin"

# sql: runs stdin on the database under test.
db_kind=
db_file=
sql() {
  if [ "$db_kind" = sqlite ]; then
    { echo '.bail on'; echo '.timeout 10000'; cat; } | sqlite3 "$db_file"
  else
    psql -qAtX -v ON_ERROR_STOP=1 "$pg_base/$pg_db"
  fi
}

# Timestamp expressions for row i at second $t0 + i * 2 (microseconds never a whole
# millisecond, so SQLite's text form always has six digits, as the server writes it).
ts_col() { # column value
  if [ "$db_kind" = sqlite ]; then
    echo "(strftime('%Y-%m-%dT%H:%M:%S', $t0 + ($1) * 2, 'unixepoch') || printf('.%06d', (($1) % 997) * 1000 + 123) || '+00:00')"
  else
    echo "(to_timestamp($t0 + ($1) * 2) + ((($1) % 997) * 1000 + 123) * interval '1 microsecond')"
  fi
}
ts_json() { # the same instant as the protocol writes it
  if [ "$db_kind" = sqlite ]; then
    echo "(strftime('%Y-%m-%dT%H:%M:%S', $t0 + ($1) * 2, 'unixepoch') || printf('.%06d', (($1) % 997) * 1000 + 123) || 'Z')"
  else
    echo "to_char($(ts_col "$1") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
  fi
}
hex32() { if [ "$db_kind" = sqlite ]; then echo "lower(hex(randomblob(16)))"; else echo "md5(random()::text || ($1)::text)"; fi; }
uuid_expr() { # a v4 UUID's shape; on SQLite each piece its own random call
  if [ "$db_kind" = sqlite ]; then
    echo "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-a' || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))"
  else
    echo "gen_random_uuid()::text"
  fi
}
# series LO HI: rows i = LO..HI as a FROM clause.
series() {
  if [ "$db_kind" = sqlite ]; then
    echo "(WITH RECURSIVE s(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM s WHERE i < $2) SELECT i FROM s) AS n"
  else
    echo "generate_series($1, $2) AS n(i)"
  fi
}
item_json() { # a user or assistant message, as the server stores one
  local text="'Message ' || i"
  echo "'{\"id\":\"' || id || '\",\"thread_id\":\"' || thread_id || '\",\"created_at\":\"' || at || '\",' ||
    CASE WHEN i % 2 = 1
      THEN '\"type\":\"user_message\",\"content\":[{\"type\":\"input_text\",\"text\":\"' || $text || '\"}],\"attachments\":[],\"inference_options\":{}}'
      ELSE '\"type\":\"assistant_message\",\"content\":[{\"annotations\":[],\"text\":\"' || $text || ', noted.\",\"type\":\"output_text\"}]}' END"
}
bool() { if [ "$db_kind" = sqlite ]; then echo "($1)"; else echo "($1)::boolean"; fi; }

seed_base() {
  local now_col
  now_col=$(ts_col 0)
  sql <<SQL
INSERT INTO users (id, email, name, password_hash, created_at)
  VALUES ('$user_id', 'bench@example.com', 'Bench', NULL, $now_col);
INSERT INTO sessions (id, user_id, created_at, expires_at, revoked_at)
  VALUES ('$session_id', '$user_id', $now_col, $(if [ "$db_kind" = sqlite ]; then echo "'2999-01-01T00:00:00+00:00'"; else echo "'2999-01-01'"; fi), NULL);
INSERT INTO threads (id, user_id, title, status, allowed_image_domains, metadata, created_at)
  VALUES ('$big_thread', '$user_id', 'The long thread', '{"type":"active"}', NULL, '{}', $now_col);
-- $users other users, each with a thread of two messages and two tasks.
INSERT INTO users (id, email, name, password_hash, created_at)
  SELECT $(uuid_expr), 'user' || i || '@example.com', 'User ' || i, NULL, $(ts_col i) FROM $(series 1 "$users");
INSERT INTO threads (id, user_id, title, status, allowed_image_domains, metadata, created_at)
  SELECT 'thr_' || $(hex32 1), id, 'Hello', '{"type":"active"}', NULL, '{}', created_at FROM users WHERE id <> '$user_id';
INSERT INTO thread_items (id, thread_id, user_id, kind, data, created_at)
  SELECT id, thread_id, user_id, CASE WHEN i % 2 = 1 THEN 'user_message' ELSE 'assistant_message' END, $(item_json), col FROM (
    SELECT 'msg_' || $(hex32 n.i) AS id, t.id AS thread_id, t.user_id, n.i, $(ts_col n.i) AS col, $(ts_json n.i) AS at
    FROM threads t, $(series 1 2) WHERE t.user_id <> '$user_id') AS x;
INSERT INTO tasks (user_id, title, description, completed, completed_at, priority, due_at, tags, created_at, updated_at)
  SELECT u.id, 'Call ' || n.i, '', $(bool "n.i = 2"), NULL, 'normal', NULL, '[]', u.created_at, u.created_at
  FROM users u, $(series 1 2) WHERE u.id <> '$user_id';
SQL
}

# grow TABLE N: the user's threads, the long thread's items or the user's tasks up to N.
grow() {
  local table=$1 n=$2 have lo
  case "$table" in
    threads) have=$(echo "SELECT count(*) FROM threads WHERE user_id = '$user_id';" | sql) ;;
    items) have=$(echo "SELECT count(*) FROM thread_items WHERE thread_id = '$big_thread';" | sql) ;;
    tasks) have=$(echo "SELECT count(*) FROM tasks WHERE user_id = '$user_id';" | sql) ;;
  esac
  [ "$have" -lt "$n" ] || return 0
  lo=$((have + 1))
  case "$table" in
    threads) sql <<SQL ;;
INSERT INTO threads (id, user_id, title, status, allowed_image_domains, metadata, created_at)
  SELECT 'thr_' || $(hex32 i), '$user_id', 'Plan for week ' || i, '{"type":"active"}', NULL, '{}', $(ts_col i)
  FROM $(series "$lo" "$n");
SQL
    items) sql <<SQL ;;
INSERT INTO thread_items (id, thread_id, user_id, kind, data, created_at)
  SELECT id, thread_id, '$user_id', CASE WHEN i % 2 = 1 THEN 'user_message' ELSE 'assistant_message' END, $(item_json), col FROM (
    SELECT 'msg_' || $(hex32 i) AS id, '$big_thread' AS thread_id, i, $(ts_col i) AS col, $(ts_json i) AS at
    FROM $(series "$lo" "$n")) AS x;
SQL
    tasks) sql <<SQL ;;
-- A quarter done, a third undated, the rest due over the following months.
INSERT INTO tasks (user_id, title, description, completed, completed_at, priority, due_at, tags, created_at, updated_at)
  SELECT '$user_id', 'Task number ' || i, CASE WHEN i % 5 = 0 THEN 'Some notes' ELSE '' END,
    $(bool "i % 4 = 0"), CASE WHEN i % 4 = 0 THEN $(ts_col "i + 1") END,
    CASE i % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'normal' WHEN 2 THEN 'high' ELSE 'urgent' END,
    CASE WHEN i % 3 = 0 THEN NULL ELSE $(ts_col "i + 5000") END,
    CASE WHEN i % 2 = 0 THEN '["work"]' ELSE '[]' END, $(ts_col i), $(ts_col i)
  FROM $(series "$lo" "$n");
SQL
  esac
}

# The hot reads, as app/src/store writes them (placeholders filled in), for the plans.
plans() {
  local tc ti ic iseq
  tc=$(echo "SELECT created_at FROM threads WHERE id = '$thread_cursor';" | sql)
  ic=$(echo "SELECT created_at FROM thread_items WHERE id = '$item_cursor' AND thread_id = '$big_thread';" | sql)
  iseq=$(echo "SELECT seq FROM thread_items WHERE id = '$item_cursor' AND thread_id = '$big_thread';" | sql)
  ti="'$thread_cursor'"
  local ts_type=""
  [ "$db_kind" = postgres ] && ts_type="::timestamptz"
  local cols="id, title, status, allowed_image_domains, metadata, created_at"
  local task_cols="id, title, description, completed, completed_at, priority, due_at, tags, created_at, updated_at"
  local nul="NULL$ts_type"
  local explain="EXPLAIN QUERY PLAN"
  [ "$db_kind" = postgres ] && explain="EXPLAIN (ANALYZE, COSTS OFF)"
  while IFS='|' read -r name q; do
    echo "-- $name"
    echo "$explain $q;" | sql
  done <<Q
threads.list, first page|SELECT $cols FROM threads WHERE user_id = '$user_id' ORDER BY created_at DESC, id DESC LIMIT 21
threads.list, the cursor|SELECT created_at FROM threads WHERE id = $ti AND user_id = '$user_id'
threads.list, after the cursor|SELECT $cols FROM threads WHERE user_id = '$user_id' AND (created_at, id) < ('$tc'$ts_type, $ti) ORDER BY created_at DESC, id DESC LIMIT 21
items.list, first page|SELECT id, data FROM thread_items WHERE thread_id = '$big_thread' AND user_id = '$user_id' ORDER BY created_at DESC, seq DESC LIMIT 21
items.list, the cursor|SELECT created_at, seq FROM thread_items WHERE thread_id = '$big_thread' AND user_id = '$user_id' AND id = '$item_cursor'
items.list, after the cursor|SELECT id, data FROM thread_items WHERE thread_id = '$big_thread' AND user_id = '$user_id' AND (created_at, seq) < ('$ic'$ts_type, $iseq) ORDER BY created_at DESC, seq DESC LIMIT 21
tasks page (list_tasks: all, smart order, 500)|SELECT $task_cols FROM tasks WHERE user_id = '$user_id' AND ($nul IS NULL OR due_at >= $nul) AND ($nul IS NULL OR due_at < $nul) AND (NULL IS NULL OR priority = NULL) AND (NULL IS NULL OR tags LIKE NULL) AND (NULL IS NULL OR LOWER(title) LIKE NULL OR LOWER(description) LIKE NULL) ORDER BY completed ASC, CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at ASC, id DESC LIMIT 500
Q
}

chat() { curl -sf -X POST -H 'content-type: application/json' -H "Authorization: Bearer $token" -d "$1" "$url/api/chatkit"; }
tasks_form='filter[status]=all&filter[limit]=500&sort=smart'
tasks_call() {
  curl -sf -X POST -H 'content-type: application/x-www-form-urlencoded' -H 'accept: application/json' \
    -H "origin: $url" -H "cookie: todokit_session=$cookie" -d "$tasks_form" "$url$list_tasks_path"
}

# check NAME EXPECTED: the page on stdin has EXPECTED entries (and says there are more).
check() {
  python3 -c '
import json, sys
name, want = sys.argv[1], int(sys.argv[2])
v = json.load(sys.stdin)
rows = v if isinstance(v, list) else v["data"]
if len(rows) != want:
    sys.exit(f"bench-data: {name}: {len(rows)} rows, expected {want}")
' "$1" "$2" || fail "$1: wrong page"
}

measure() { # NAME BODY [chatload args...]: one load, one JSON line
  local name=$1 body=$2; shift 2
  local line
  line=$("$load" --url "$url/api/chatkit" --body "$body" --conns "$conns" --secs "$secs" --warmup "$warmup" "$@") \
    || fail "chatload failed on $name"
  echo "$line" | grep -q '"errors":0' || fail "$name answered errors: $line"
  echo "{\"db\":\"$db_kind\",\"rows\":$n,\"read\":\"$name\",${line#\{}" >>"$out"
}

for db_kind in $dbs; do
  if [ "$db_kind" = sqlite ]; then
    db_file="$dir/todokit.db"
    rm -f "$db_file"*
    db_url="sqlite://$db_file"
  else
    pg_db="bench_data_$$"
    psql -q "$pg_base/postgres" -c "CREATE DATABASE $pg_db" >/dev/null
    db_url="$pg_base/$pg_db"
  fi
  echo "== $db_kind: todokit $(git rev-parse --short HEAD 2>/dev/null || true) ($bin)"
  start_scripted "$bin" "$db_url" "$port" "$secret" "$dir"
  wait_health "$url" "$pid" || fail "no server"
  echo "   seeding $users other users"
  seed_base
  for n in $scales; do
    start=$(date +%s)
    grow threads "$n"; grow items "$n"; grow tasks "$n"
    [ "$db_kind" = postgres ] && echo "ANALYZE;" | sql
    echo "   $n rows each seeded in $(( $(date +%s) - start )) s"
    half=$((n / 2))
    thread_cursor=$(echo "SELECT id FROM threads WHERE user_id = '$user_id' ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $half;" | sql)
    item_cursor=$(echo "SELECT id FROM thread_items WHERE thread_id = '$big_thread' ORDER BY created_at DESC, seq DESC LIMIT 1 OFFSET $half;" | sql)
    threads_first='{"type":"threads.list","params":{"limit":20}}'
    threads_deep="{\"type\":\"threads.list\",\"params\":{\"limit\":20,\"after\":\"$thread_cursor\"}}"
    items_first="{\"type\":\"items.list\",\"params\":{\"thread_id\":\"$big_thread\",\"limit\":20}}"
    items_deep="{\"type\":\"items.list\",\"params\":{\"thread_id\":\"$big_thread\",\"limit\":20,\"after\":\"$item_cursor\"}}"
    # Each read once, checked, before it is timed.
    chat "$threads_first" | check "threads.list first page" 20
    chat "$threads_deep" | check "threads.list deep page" 20
    chat "$items_first" | check "items.list first page" 20
    chat "$items_deep" | check "items.list deep page" 20
    tasks_call | check "tasks page" $((n < 500 ? n : 500))
    measure "threads.list first page" "$threads_first" -H "Authorization: Bearer $token"
    measure "threads.list deep page" "$threads_deep" -H "Authorization: Bearer $token"
    measure "items.list first page" "$items_first" -H "Authorization: Bearer $token"
    measure "items.list deep page" "$items_deep" -H "Authorization: Bearer $token"
    "$load" --url "$url$list_tasks_path" --body "$tasks_form" --content-type application/x-www-form-urlencoded \
      --conns "$conns" --secs "$secs" --warmup "$warmup" -H "Origin: $url" -H "Accept: application/json" \
      -H "Cookie: todokit_session=$cookie" >"$dir/line" || fail "chatload failed on the tasks page"
    line=$(cat "$dir/line")
    echo "$line" | grep -q '"errors":0' || fail "tasks page answered errors: $line"
    echo "{\"db\":\"$db_kind\",\"rows\":$n,\"read\":\"tasks page (500)\",${line#\{}" >>"$out"
  done
  echo "== $db_kind: query plans with $n rows each"
  plans
  stop
  drop_pg
done

echo "== results (conns $conns, ${secs} s each; latency of whole requests)"
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| db | rows | read | req/s | p50 ms | p99 ms |")
print("|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['db']} | {r['rows']:,} | {r['read']} | {r['per_sec']:,.0f} | {r['total_p50_ms']:.2f} | {r['total_p99_ms']:.2f} |")
by = {}
for r in rows:
    by.setdefault((r["db"], r["read"]), []).append(r)
print()
for (db, read), rs in by.items():
    if len(rs) > 1:
        lo, hi = rs[0], rs[-1]
        print(f"{db} {read}: p50 {lo['total_p50_ms']:.2f} -> {hi['total_p50_ms']:.2f} ms "
              f"({(hi['total_p50_ms'] / lo['total_p50_ms'] - 1) * 100:+.0f} % from {lo['rows']:,} to {hi['rows']:,} rows)")
PY
