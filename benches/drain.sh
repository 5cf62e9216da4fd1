#!/usr/bin/env bash
# Times `run-once --drain` over generated home pages (about 50 KB each, gzip-compressed, served
# from memory by examples/bench_farm.rs) against PostgreSQL: domains per second, CPU seconds and
# peak RSS of the service process.
#
# Usage: benches/drain.sh [PAGES] [POSTGRES_ADMIN_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
pages="${1:-2000}"
admin="${2:-postgres://postgres@127.0.0.1:5432/test}"
port=18931
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"

cargo build --release --quiet --bin domain-scheduler --example bench_farm
bin="$CARGO_TARGET_DIR/release/domain-scheduler"

"$CARGO_TARGET_DIR/release/examples/bench_farm" "$port" "$pages" &
farm=$!
trap 'kill $farm 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

db="bench_drain_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
trap 'kill $farm 2>/dev/null || true; psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT

list=$(mktemp)
for i in $(seq 0 $((pages - 1))); do echo "site-$i.bench-farm.com"; done > "$list"
DATABASE_URL="$url" "$bin" add --file "$list" >/dev/null 2>&1

export DATABASE_URL="$url" RUST_LOG=warn \
  DOMAIN_SCHEDULER_FETCH_CONNECT_TO="127.0.0.1:$port" DOMAIN_SCHEDULER_FETCH_SCHEMES=http \
  DOMAIN_SCHEDULER_BATCH_SIZE="${BATCH_SIZE:-500}" DOMAIN_SCHEDULER_FETCHER_POOL_SIZE="${POOL_SIZE:-16}" \
  DOMAIN_SCHEDULER_MAX_INSTANCES="${MAX_INSTANCES:-2}"
report=$(mktemp)
${PROFILE_CMD:-} /usr/bin/time -f "%e %U %S %M" -o "$report" "$bin" run-once --drain >/dev/null
read -r elapsed user sys rss_kb < "$report"
completed=$("$bin" status | python3 -c 'import json,sys; print(json.load(sys.stdin)["completed"])')
python3 - "$pages" "$completed" "$elapsed" "$user" "$sys" "$rss_kb" <<'PY'
import sys
pages, done, elapsed, user, sys_, rss = int(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:])
print(f"domains: {pages}, completed: {done}")
print(f"wall: {elapsed:.2f} s, domains/s: {done / elapsed:.0f}")
print(f"CPU: {user + sys_:.2f} s (user {user:.2f}, sys {sys_:.2f}), CPU per domain: {(user + sys_) / max(done, 1) * 1000:.2f} ms")
print(f"peak RSS: {rss / 1024:.0f} MiB")
PY
