#!/usr/bin/env bash
# Every benchmark in one run, and the report: BENCHMARKS.md (the machine, each figure against
# its issue's target, the ratios, peak memory, and how each was measured).
#
#   scripts/benchmarks.sh                      # everything: analytics on 10 million events
#   EVENTS=1000000 scripts/benchmarks.sh       # a smaller analytics data set
#   ONLY=intake,import scripts/benchmarks.sh   # some sections (the report keeps the others' last figures)
#   ENGINES=postgres ONLY=intake,import scripts/benchmarks.sh   # some databases (sqlite postgres postgres-socket)
#   scripts/benchmarks.sh --report             # only write BENCHMARKS.md again from the logs
#
# Sections: intake (webhooks, products and paid orders, vs /healthz, SQLite and PostgreSQL over
# TCP and over its Unix socket),
# badges (criterion), served (cached badges and the trace page under load), import (CSV, the
# same three databases), analytics (the mirror of EVENTS events: full recompute, incremental
# run, full recompute of every result, rebuild from SQLite, the same query as SQL on SQLite),
# recall (in-memory custody index; the same recalls as a recursive CTE on PostgreSQL),
# dashboards (the pages at 16 clients on the demo and a million events).
#
# Needs: a release build (the script builds it), PostgreSQL at $SUYUAN_BENCH_POSTGRES (default
# postgres://postgres@127.0.0.1:5432; databases suyuan_bench_* are dropped and created),
# sqlite3, /usr/bin/time, curl, python3. Data and logs go to $BENCH_DIR (default
# target/bench-data; tens of GB at 10 million events; the logs stay, the data are removed at
# the end unless KEEP_DATA=1). Time: about 2 hours at 10 million events on 2 cores, most of it
# filling SQLite with the same events (SQLITE_EVENTS, default EVENTS). COMPUTE_EVENTS (default
# EVENTS) sizes the in-memory recompute of every result.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
EVENTS=${EVENTS:-10000000}
SQLITE_EVENTS=${SQLITE_EVENTS:-$EVENTS}
COMPUTE_EVENTS=${COMPUTE_EVENTS:-$EVENTS}
ENGINES=${ENGINES:-sqlite postgres postgres-socket}
PAGE_EVENTS=${PAGE_EVENTS:-1000000}
SECS=${SECS:-15}
ONLY=${ONLY:-intake,badges,served,import,analytics,recall,dashboards}
dir=${BENCH_DIR:-$root/target/bench-data}
logs=$dir/logs
pg=${SUYUAN_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
port=${BENCH_PORT:-18090}
url="http://127.0.0.1:$port"
target=$(cd "${CARGO_TARGET_DIR:-target}" 2>/dev/null && pwd || echo "$root/target")/release
mkdir -p "$logs"

report() {
  python3 scripts/benchmarks_report.py "$logs" "$root/BENCHMARKS.md"
  echo "wrote BENCHMARKS.md"
}
if [ "${1:-}" = "--report" ]; then
  report
  exit 0
fi
want() { [[ ",$ONLY," == *",$1,"* ]]; }
# When and at which commit a log's figures were taken (the report shows it per row).
stamp() { echo "@json {\"phase\": \"run\", \"at\": \"$(date -u +%Y-%m-%dT%H:%MZ)\", \"commit\": \"$(git rev-parse --short HEAD)\"}"; }

echo "== build (release)"
cargo build --release --bin suyuan --bin suyuan-loadgen --bin suyuan-importgen
if want analytics || want recall || want dashboards; then cargo bench -p suyuan-analytics --no-run; fi
if want badges; then cargo bench -p suyuan-widgets --bench badges --no-run; fi
bench_bin() { ls -t "$target"/deps/"$1"-* | grep -v '\.d$' | head -n 1; }

# The machine and the build the figures belong to.
{
  echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
  echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo '+changes')"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
  echo "cores=$(nproc)"
  echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "rustc=$(rustc --version)"
  echo "postgres=$(psql "$pg/postgres" -Atc 'SHOW server_version' 2>/dev/null || echo none)"
  echo "sqlite=$(sqlite3 --version | cut -d' ' -f1)"
} > "$logs/machine.txt"

export SUYUAN_JWT_SECRET=${SUYUAN_JWT_SECRET:-$(openssl rand -hex 32)}
export SUYUAN_SECRET_KEY=${SUYUAN_SECRET_KEY:-$(openssl rand -base64 32)}
export SUYUAN_LOG=warn POLARS_MAX_THREADS=${POLARS_MAX_THREADS:-2}

server=""
# Starts `suyuan serve` (extra arguments: --demo) on $1 (a database URL) in $dir/run; waits
# until it answers.
start() {
  local db=$1
  shift
  mkdir -p "$dir/run"
  rm -f "$dir/run/suyuan-secrets.toml"
  (cd "$dir/run" && SUYUAN_DATABASE_URL="$db" SUYUAN_BIND="127.0.0.1:$port" SUYUAN_PUBLIC_URL="$url" \
    SUYUAN_ANALYTICS_DIR="$dir/run/analytics" SUYUAN_RATE_PAGES=off \
    exec "$target/suyuan" serve "$@" > "$dir/run/serve.log" 2>&1) &
  server=$!
  for _ in $(seq 1 900); do
    curl -fs "$url/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server" 2>/dev/null || { echo "the server stopped:"; tail -n 20 "$dir/run/serve.log"; exit 1; }
    sleep 1
  done
  echo "the server did not answer within 15 minutes"
  exit 1
}
# Stops the server and appends its peak resident memory to log $1.
stop() {
  local hwm
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
  echo "@json {\"phase\": \"server\", \"peak_kib\": ${hwm:-0}}" >> "$1"
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; true' EXIT
fresh_pg() {
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  echo "$pg/$1"
}
# A fresh database of engine $1 (sqlite, postgres over TCP, postgres-socket over the Unix
# socket $PG_SOCKET) named $2.
fresh() {
  case $1 in
    sqlite) fresh_sqlite "$2" ;;
    postgres) fresh_pg "suyuan_bench_${2//-/_}" ;;
    postgres-socket)
      fresh_pg "suyuan_bench_${2//-/_}" >/dev/null
      echo "postgres://postgres@localhost/suyuan_bench_${2//-/_}?host=${PG_SOCKET:-/var/run/postgresql}" ;;
  esac
}
fresh_sqlite() {
  rm -f "$dir/$1.db" "$dir/$1.db-wal" "$dir/$1.db-shm"
  echo "sqlite://$dir/$1.db?mode=rwc"
}

section_intake() {
  echo "secs=$SECS" > "$logs/intake.params"
  echo "== intake: signed Shopify deliveries vs /healthz, ${SECS} s per phase, 64 connections"
  for engine in $ENGINES; do
    for topic in products/create orders/paid; do
      name="intake-$engine-${topic%%/*}"
      db=$(fresh "$engine" "$name")
      start "$db"
      stamp > "$logs/$name.log"
      "$target/suyuan-loadgen" --url "$url" --duration "${SECS}s" --concurrency 64 --topic "$topic" --json \
        | tee -a "$logs/$name.log"
      stop "$logs/$name.log"
    done
  done
}

section_badges() {
  echo "== badges: rendering (criterion)"
  "$(bench_bin badges)" --bench --warm-up-time 1 --measurement-time 3 2>&1 | tee "$logs/badges.log"
}

section_served() {
  echo "== served: cached badges and the trace page on the demo, 64 and 16 connections"
  db=$(fresh_sqlite served)
  start "$db" --demo
  listing=$(sqlite3 "$dir/served.db" "SELECT id FROM listings ORDER BY id LIMIT 1")
  : > "$logs/served.log"
  "$target/suyuan-loadgen" --url "$url" --duration 10s --concurrency 64 --json \
    --get "/badge/code/(01)09520001000010(21)YD2025000001.svg" --get "/badge/listing/$listing.png" \
    --get "/01/09520001000010/21/YD2025000001" | tee -a "$logs/served.log"
  "$target/suyuan-loadgen" --url "$url" --duration 10s --concurrency 16 --json --no-healthz \
    --get "/01/09520001000010/21/YD2025000001" | sed 's/"phase":"get"/"phase":"get16"/' | tee -a "$logs/served.log"
  stop "$logs/served.log"
}

section_import() {
  echo "== import: 100,000 receipt rows from CSV"
  for engine in $ENGINES; do
    name="import-$engine"
    stamp > "$logs/$name.log"
    for run in 1 2 3; do
      db=$(fresh "$engine" "$name")
      seller=$(SUYUAN_DATABASE_URL="$db" "$target/suyuan-importgen" --rows 100000 --out "$dir/receipts.csv" --create-seller)
      SUYUAN_DATABASE_URL="$db" /usr/bin/time -v "$target/suyuan" import receipts "$dir/receipts.csv" --seller "$seller" \
        >> "$logs/$name.log" 2>&1
      SUYUAN_DATABASE_URL="$db" "$target/suyuan" verify >> "$logs/$name.log" 2>&1 && echo "verify: ok" >> "$logs/$name.log"
    done
    grep -E "rows/s|Maximum resident|verify" "$logs/$name.log"
  done
}

section_analytics() {
  echo "events=$EVENTS sqlite_events=$SQLITE_EVENTS compute_events=$COMPUTE_EVENTS" > "$logs/analytics.params"
  echo "== analytics on $EVENTS events (mirror), SQLite with $SQLITE_EVENTS"
  mirror=$(bench_bin mirror)
  run=$(bench_bin run)
  rm -rf "$dir/mirror" "$dir/rebuilt" "$dir/analytics.db"*
  "$mirror" generate --events "$EVENTS" --dir "$dir/mirror" | tee "$logs/analytics-generate.log"
  /usr/bin/time -v "$run" full --dir "$dir/mirror" > "$logs/analytics-full.log" 2>&1
  grep -E "full recompute|Maximum resident" "$logs/analytics-full.log"
  # Every result a run saves, from the mirror, as the service computes it.
  /usr/bin/time -v "$run" every --dir "$dir/mirror" > "$logs/analytics-every.log" 2>&1
  echo "exit status: $?" >> "$logs/analytics-every.log"
  grep -E "every result|Maximum resident" "$logs/analytics-every.log"
  # Every score, timeliness row and alert from in-memory frames of COMPUTE_EVENTS events (and as
  # many sales); a failure (at 10 million it has run out of this machine's memory) is logged and
  # the section goes on.
  set +e
  SUYUAN_BENCH_EVENTS=$COMPUTE_EVENTS /usr/bin/time -v "$(bench_bin compute)" --bench 2>&1 \
    | tee "$logs/analytics-compute-$COMPUTE_EVENTS.log"
  echo "exit status: ${PIPESTATUS[0]}" >> "$logs/analytics-compute-$COMPUTE_EVENTS.log"
  set -e
  "$mirror" sqlite --events "$SQLITE_EVENTS" --db "$dir/analytics.db" | tee "$logs/analytics-sqlite.log"
  /usr/bin/time -v "$mirror" rebuild --db "$dir/analytics.db" --dir "$dir/rebuilt" > "$logs/analytics-rebuild.log" 2>&1
  grep -E "rebuilt|Maximum resident" "$logs/analytics-rebuild.log"
  if [ "$SQLITE_EVENTS" = "$EVENTS" ]; then
    "$run" sql --dir "$dir/mirror" --db "$dir/analytics.db" | tee "$logs/analytics-sql.log"
  else
    "$run" sql --dir "$dir/rebuilt" --db "$dir/analytics.db" | tee "$logs/analytics-sql.log"
  fi
  # Last: it appends to the mirror.
  /usr/bin/time -v "$run" incremental --dir "$dir/mirror" > "$logs/analytics-incremental.log" 2>&1
  grep -E "incremental|Maximum resident" "$logs/analytics-incremental.log"
}

section_recall() {
  echo "== recall: a batch through 5 tiers, in memory and as a recursive CTE on PostgreSQL"
  "$(bench_bin recall)" --bench 2>&1 | tee "$logs/recall.log"
  SUYUAN_BENCH_PG="$pg" "$(bench_bin recall_cte)" --bench 2>&1 | tee "$logs/recall-cte.log"
}

section_dashboards() {
  echo "page_events=$PAGE_EVENTS" > "$logs/dashboards.params"
  echo "== dashboards: 16 clients, demo and $PAGE_EVENTS generated events"
  BENCH_DIR="$dir/pages" BENCH_PORT=$port LOADGEN_JSON=1 scripts/bench-pages.sh "$PAGE_EVENTS" 10 2>&1 \
    | tee "$logs/dashboards.log"
}

# Each section runs on its own: one that fails is named in the report, the others still run.
rm -f "$logs/failed.txt"
for section in intake badges served import analytics recall dashboards; do
  want "$section" || continue
  echo "$(date -u +%Y-%m-%dT%H:%MZ) $(git rev-parse --short HEAD)" > "$logs/$section.stamp"
  if ! ( set -euo pipefail; "section_$section" ); then
    echo "$section" >> "$logs/failed.txt"
    echo "!! the $section section failed; going on"
    [ -n "$server" ] && { kill "$server" 2>/dev/null || true; server=""; }
    pkill -f "$target/suyuan serve" 2>/dev/null || true
  fi
done

[ "${KEEP_DATA:-0}" = 1 ] || find "$dir" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
report
