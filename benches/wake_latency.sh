#!/usr/bin/env bash
# Latency from the commit of a new domain (inserted by another program, psql here) to the first
# request the idle service sends for it, on PostgreSQL with LISTEN/NOTIFY. The service's
# interval is one hour, so only the notification can start the work.
#
# Usage: benches/wake_latency.sh [SAMPLES] [POSTGRES_ADMIN_URL]
set -euo pipefail
cd "$(dirname "$0")/.."
samples="${1:-20}"
admin="${2:-postgres://postgres@127.0.0.1:5432/test}"
farm_port=18932
api_port=18933
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
cargo build --release --quiet --bin domain-scheduler --example bench_farm
bin="$CARGO_TARGET_DIR/release/domain-scheduler"

hits=$(mktemp)
FARM_MODE=lorem BENCH_FARM_LOG_HITS=1 "$CARGO_TARGET_DIR/release/examples/bench_farm" "$farm_port" "$samples" > "$hits" 2>/dev/null &
farm=$!
db="bench_wake_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
DATABASE_URL="$url" DOMAIN_SCHEDULER_INTERVAL_SECONDS=3600 DOMAIN_SCHEDULER_HTTP_ADDR="127.0.0.1:$api_port" \
  DOMAIN_SCHEDULER_FETCH_CONNECT_TO="127.0.0.1:$farm_port" DOMAIN_SCHEDULER_FETCH_SCHEMES=http RUST_LOG=warn \
  "$bin" serve 2>/dev/null &
service=$!
trap 'kill $service $farm 2>/dev/null || true; sleep 1; psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "127.0.0.1:$api_port/readyz" >/dev/null && break; sleep 0.1; done
sleep 1

commits=$(mktemp)
for i in $(seq 0 $((samples - 1))); do
  # Autocommit: the INSERT is committed before the next statement reads the clock.
  psql "$url" -qAt -c "INSERT INTO domains (id, tenant_id, domain, status, next_attempt_at, email_addresses,
      phone_numbers, tech_stack, domain_metadata, created_at, updated_at)
    VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'site-$i.bench-farm.com', 'pending', now(),
      '[]', '[]', '[]', '{}', now(), now())" \
    -c "SELECT 'COMMIT site-$i.bench-farm.com ' || (extract(epoch from clock_timestamp()) * 1e9)::bigint" >> "$commits"
  sleep 0.3
done
sleep 1
python3 - "$commits" "$hits" <<'PY'
import sys, statistics
commits = {l.split()[1]: int(l.split()[2]) for l in open(sys.argv[1]) if l.startswith("COMMIT")}
hits = {}
for l in open(sys.argv[2]):
    if l.startswith("HIT"):
        _, host, t = l.split()
        hits.setdefault(host, int(t))
lat = sorted((hits[h] - c) / 1e6 for h, c in commits.items() if h in hits)
print(f"samples: {len(lat)} of {len(commits)}")
if lat:
    print(f"commit -> first fetch: median {statistics.median(lat):.1f} ms, min {lat[0]:.1f} ms, max {lat[-1]:.1f} ms")
    order = sorted(commits, key=commits.get)
    print("in order of commit (ms):", " ".join(f"{(hits[h] - commits[h]) / 1e6:.1f}" for h in order if h in hits))
PY
