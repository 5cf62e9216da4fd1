#!/usr/bin/env bash
# Does a bulk retry from the console stall the pipeline's claims? On PostgreSQL: 100,000 errored
# domains are put back to pending through the console (`POST /ui/domains/bulk`, action retry,
# status error) while pgbench claims due domains the way the service does, and the claims per
# second during the bulk action are compared with those just before it.
#
# The claim is the service's statement (src/store/claims.rs): `UPDATE ... WHERE id IN (SELECT
# ... ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)`, here followed by a second
# statement that puts the claimed rows back in the queue (due now, so at its end), standing in
# for the results the pipeline writes: the queue never runs dry and the load stays the same.
# The service itself is paused (it still answers the console) so that only pgbench claims.
#
# Usage: benches/console_bulk_claims.sh [ERRORED] [PENDING] [CLIENTS] [POSTGRES_ADMIN_URL]
# NO_BULK=1 runs the control: the same windows (NO_BULK_SECONDS long, default 30) without the
# bulk action.
# (BENCH_BIN=path uses that binary instead of building the release one.)
set -euo pipefail
cd "$(dirname "$0")/.."
errored="${1:-100000}"
pending="${2:-200000}"
clients="${3:-2}"
admin="${4:-postgres://postgres@127.0.0.1:5432/test}"
api_port=18951
tarpit_port=18952
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --quiet --bin domain-scheduler
fi
bin="${BENCH_BIN:-$CARGO_TARGET_DIR/release/domain-scheduler}"

db="bench_bulk_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
DATABASE_URL="$url" "$bin" migrate >/dev/null

echo "seeding $errored errored and $pending pending domains..."
psql "$url" -q -v ON_ERROR_STOP=1 -v errored="$errored" -v pending="$pending" <<'SQL'
INSERT INTO batch_jobs (id, tenant_id, total, created_at)
SELECT md5('batch' || b)::uuid, md5('tenant' || (b % 4))::uuid, 1000, now() - b * interval '10 minutes'
FROM generate_series(0, 99) b;

INSERT INTO domains (id, tenant_id, domain, status, batch_id, attempts, max_pages, next_attempt_at,
                     title, email_addresses, phone_numbers, tech_stack, domain_metadata, last_error,
                     created_at, updated_at)
SELECT md5('domain' || i)::uuid, md5('tenant' || (i % 4))::uuid, 'site-' || i || '.bench.com',
       CASE WHEN i <= :errored THEN 'error' ELSE 'pending' END,
       md5('batch' || (i % 100))::uuid, 1, 1,
       CASE WHEN i <= :errored THEN timestamptz '9999-12-31 23:59:59+00'
            ELSE now() - random() * interval '1 hour' END,
       NULL, '[]'::jsonb, '[]'::jsonb, '[]'::jsonb, '{}'::jsonb,
       CASE WHEN i <= :errored THEN 'fetch/dns: no such host' END,
       now() - interval '1 day', now() - interval '1 hour'
FROM generate_series(1, :errored + :pending) i;
SQL
psql "$url" -qc "VACUUM ANALYZE" >/dev/null

python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $tarpit_port)); s.listen(4096); time.sleep(86400)" &
pids+=($!)
tenant=$(psql "$url" -Atc "SELECT md5('tenant' || 0)::uuid")
DATABASE_URL="$url" "$bin" pause >/dev/null
DATABASE_URL="$url" RUST_LOG=warn DOMAIN_SCHEDULER_HTTP_ADDR="127.0.0.1:$api_port" \
  DOMAIN_SCHEDULER_ADMIN_TOKENS="bench-admin-token" DOMAIN_SCHEDULER_API_TOKENS="bench-tenant-token=$tenant" \
  DOMAIN_SCHEDULER_INTERVAL_SECONDS=86400 DOMAIN_SCHEDULER_FETCH_CONNECT_TO="127.0.0.1:$tarpit_port" \
  DOMAIN_SCHEDULER_FETCH_SCHEMES=http DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS=3600 \
  "$bin" serve 2>/dev/null &
pids+=($!)
for _ in $(seq 1 200); do curl -sf "127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.1; done

cat >"$work/claim.sql" <<'SQL'
WITH claimed AS (
  UPDATE domains SET status = 'processing', locked_by = 'bench-' || :client_id,
         locked_until = now() + interval '5 minutes', attempts = attempts + 1
  WHERE id IN (SELECT id FROM domains WHERE status = 'pending' AND next_attempt_at <= now()
               ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)
  RETURNING id)
SELECT count(*) FROM claimed;
UPDATE domains SET status = 'pending', next_attempt_at = now(), locked_by = NULL, locked_until = NULL
WHERE status = 'processing' AND locked_by = 'bench-' || :client_id;
SQL

jar="$work/jar"
curl -sf -c "$jar" -o /dev/null --data-urlencode "token=bench-admin-token" "127.0.0.1:$api_port/ui/sign-in"
csrf=$(curl -sf -b "$jar" "127.0.0.1:$api_port/ui" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')

echo "claiming with pgbench ($clients clients, 50 domains a claim), the bulk retry from second 20..."
pgbench -n -c "$clients" -j "$clients" -T 90 -P 1 --progress-timestamp -f "$work/claim.sql" "$url" \
  >"$work/pgbench.out" 2>"$work/progress.log" &
bench=$!
sleep 20
count=$(curl -sf -b "$jar" "127.0.0.1:$api_port/ui/domains/bulk?action=retry&status=error" | grep -o 'id="bulk-count">[0-9,]*' | sed 's/.*>//')
start=$(date +%s.%N)
if [ -n "${NO_BULK:-}" ]; then
  # The control: the same windows without the bulk action, for the drift of the claim rate
  # over a run (the claims leave dead rows behind as they go).
  sleep "${NO_BULK_SECONDS:-30}"
  echo "no bulk action (control)" >"$work/bulk.out"
else
  curl -sf -b "$jar" -o /dev/null -w '%{http_code} %{redirect_url}\n' \
    --data-urlencode "csrf=$csrf" --data-urlencode "action=retry" --data-urlencode "status=error" \
    "127.0.0.1:$api_port/ui/domains/bulk" >"$work/bulk.out"
fi
end=$(date +%s.%N)
wait "$bench"
echo "bulk retry: dry run counted $count; answer $(cat "$work/bulk.out"); took $(python3 -c "print(f'{$end - $start:.1f}')") s"
echo "still errored afterwards: $(psql "$url" -Atc "SELECT count(*) FROM domains WHERE status = 'error'")"
python3 - "$work/progress.log" "$start" "$end" <<'PY'
import re, statistics, sys
path, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
samples = []
for line in open(path):
    m = re.match(r"progress: ([0-9.]+) s, ([0-9.]+) tps", line)
    if m:
        samples.append((float(m.group(1)), float(m.group(2)) * 50))
before = [c for t, c in samples if start - 15 <= t < start]
during = [c for t, c in samples if start + 1 <= t <= end]
after = [c for t, c in samples if end + 2 <= t]
def show(name, xs):
    if xs:
        print(f"{name}: mean {statistics.mean(xs):.0f} claims/s, median {statistics.median(xs):.0f} ({len(xs)} s)")
    else:
        print(f"{name}: no sample")
show("before the bulk action", before)
show("during it", during)
show("after it", after)
if before and during:
    print(f"during / before: {statistics.mean(during) / statistics.mean(before) * 100:.0f} %")
PY
