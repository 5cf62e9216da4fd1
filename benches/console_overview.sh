#!/usr/bin/env bash
# Answer time of the console's overview (`GET /ui`) with 1,000,000 domains on PostgreSQL, as an
# admin (every tenant) and as one tenant, then again without the console's indexes.
#
# The database is filled with psql (generate_series: 20 tenants, 200 batches, 70 % completed
# over the last two days, 14 % error, 15 % pending of which half due now, a few processing,
# an error row per errored domain, 5,000 runs of 4 instances), vacuumed and analysed. The
# service runs with its fetches sent to a port that accepts connections and never answers, so
# its one run holds its claim and the data stays as seeded while the overview is timed.
#
# It also times the console's list pages (domains, a batch's members, runs, a run, a bulk
# action's dry run) and its text search over name, title and last error.
#
# Usage: benches/console_overview.sh [DOMAINS] [REQUESTS] [POSTGRES_ADMIN_URL]
# (BENCH_BIN=path uses that binary instead of building the release one.) The text search is
# timed with the trigram indexes of the migrations, then without them, and their build timed.
set -euo pipefail
cd "$(dirname "$0")/.."
domains="${1:-1000000}"
requests="${2:-50}"
admin="${3:-postgres://postgres@127.0.0.1:5432/test}"
api_port=18941
tarpit_port=18942
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --quiet --bin domain-scheduler
fi
bin="${BENCH_BIN:-$CARGO_TARGET_DIR/release/domain-scheduler}"

db="bench_console_$$"
psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
url="${admin%/*}/$db"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
}
trap cleanup EXIT
DATABASE_URL="$url" "$bin" migrate >/dev/null

echo "seeding $domains domains..."
seed_start=$(date +%s)
psql "$url" -q -v ON_ERROR_STOP=1 -v n="$domains" <<'SQL'
INSERT INTO batch_jobs (id, tenant_id, total, created_at)
SELECT md5('batch' || b)::uuid, md5('tenant' || (b % 20))::uuid, :n / 200, now() - b * interval '10 minutes'
FROM generate_series(0, 199) b;

INSERT INTO domains (id, tenant_id, domain, status, batch_id, attempts, max_pages, next_attempt_at,
                     locked_by, locked_until, title, email_addresses, phone_numbers, tech_stack,
                     domain_metadata, http_status, last_error, fetched_at, created_at, updated_at)
SELECT md5('domain' || i)::uuid,
       md5('tenant' || (i % 20))::uuid,
       'site-' || i || '.bench-' || (i % 20) || '.com',
       CASE WHEN r < 0.70 THEN 'completed' WHEN r < 0.84 THEN 'error'
            WHEN r < 0.9999 THEN 'pending' ELSE 'processing' END,
       md5('batch' || (i % 200))::uuid,
       1, 1,
       CASE WHEN r >= 0.84 AND r < 0.915 THEN now() - t * interval '1 hour'
            WHEN r >= 0.915 AND r < 0.9999 THEN now() + t * interval '6 hours'
            ELSE now() - interval '2 days' END,
       CASE WHEN r >= 0.9999 THEN 'bench-instance-' || (i % 2) END,
       CASE WHEN r >= 0.9999 THEN now() + interval '5 minutes' END,
       CASE WHEN r < 0.70 THEN 'Site ' || i END,
       '[]'::jsonb, '[]'::jsonb, '[]'::jsonb, '{}'::jsonb,
       CASE WHEN r < 0.70 THEN 200 END,
       CASE WHEN r >= 0.70 AND r < 0.84 THEN 'fetch/dns: no such host' END,
       CASE WHEN r < 0.70 THEN now() - t * interval '48 hours' END,
       now() - interval '3 days',
       now() - t * interval '48 hours'
FROM (SELECT i, random() AS r, random() AS t FROM generate_series(1, :n) i) s;

INSERT INTO domain_errors (domain_id, run_id, attempt, stage, kind, message, occurred_at)
SELECT id, NULL, 1, 'fetch',
       (ARRAY['dns', 'connect', 'timeout', 'http_status', 'tls', 'not_html'])[1 + (abs(hashtext(id::text)) % 6)],
       'bench failure', now() - random() * interval '48 hours'
FROM domains WHERE status IN ('error', 'pending');

INSERT INTO scheduler_runs (id, tenant_id, instance_id, started_at, finished_at, duration_seconds,
                            domains_claimed, domains_processed, domains_successful, domains_failed,
                            domains_retried, domains_skipped, success_rate)
SELECT md5('run' || i)::uuid, NULL, 'bench-instance-' || (i % 4), now() - i * interval '30 seconds',
       now() - i * interval '30 seconds' + interval '5 seconds', 5.0, 500, 500, 430, 50, 20, 0, 0.86
FROM generate_series(1, 5000) i;
SQL
psql "$url" -qc "VACUUM ANALYZE" >/dev/null
echo "seeded in $(( $(date +%s) - seed_start )) s: $(psql "$url" -Atc "SELECT count(*) FROM domains") domains, $(psql "$url" -Atc "SELECT count(*) FROM domain_errors") errors"

# Accepts connections and never answers: the service's fetches wait, its run holds its claim.
python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $tarpit_port)); s.listen(4096); time.sleep(86400)" &
pids+=($!)

tenant_token="bench-tenant-token"
tenant=$(psql "$url" -Atc "SELECT md5('tenant' || 3)::uuid")
DATABASE_URL="$url" RUST_LOG=warn DOMAIN_SCHEDULER_HTTP_ADDR="127.0.0.1:$api_port" \
  DOMAIN_SCHEDULER_ADMIN_TOKENS="bench-admin-token" DOMAIN_SCHEDULER_API_TOKENS="$tenant_token=$tenant" \
  DOMAIN_SCHEDULER_INTERVAL_SECONDS=86400 DOMAIN_SCHEDULER_FETCH_CONNECT_TO="127.0.0.1:$tarpit_port" \
  DOMAIN_SCHEDULER_FETCH_SCHEMES=http DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS=3600 \
  "$bin" serve 2>/dev/null &
pids+=($!)
for _ in $(seq 1 200); do curl -sf "127.0.0.1:$api_port/readyz" >/dev/null && break; sleep 0.1; done

# Times `requests` answers of PATH for the session of TOKEN; prints median, p95 and max in ms.
measure() {
  local token="$1" path="$2" label="$3" jar
  jar=$(mktemp)
  curl -sf -c "$jar" -o /dev/null --data-urlencode "token=$token" "127.0.0.1:$api_port/ui/sign-in"
  local code
  code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "127.0.0.1:$api_port$path")
  if [ "$code" != 200 ]; then echo "$label: answered $code, not 200" >&2; exit 1; fi
  for _ in 1 2; do curl -sf -b "$jar" -o /dev/null "127.0.0.1:$api_port$path"; done
  for _ in $(seq 1 "$requests"); do
    curl -sf -b "$jar" -o /dev/null -w '%{time_total}\n' "127.0.0.1:$api_port$path"
  done | python3 -c "
import statistics, sys
t = sorted(float(x) * 1000 for x in sys.stdin)
print(f'$label: median {statistics.median(t):.1f} ms, p95 {t[int(len(t) * 0.95) - 1]:.1f} ms, max {t[-1]:.1f} ms ({len(t)} requests)')"
  rm -f "$jar"
}

echo "with the console's indexes:"
measure bench-admin-token /ui "  admin, GET /ui"
measure "$tenant_token" /ui "  tenant, GET /ui"
measure bench-admin-token /ui/batches "  admin, GET /ui/batches"
measure bench-admin-token "/ui/domains?q=site-12345" "  admin, GET /ui/domains?q=site-12345"
batch=$(psql "$url" -Atc "SELECT md5('batch' || 7)::uuid")
run=$(psql "$url" -Atc "SELECT md5('run' || 1)::uuid")
# The list pages: each a first page of 50 rows (or 25 batches), as admin and as one tenant.
measure bench-admin-token "/ui/domains" "  admin, GET /ui/domains"
measure bench-admin-token "/ui/domains?status=pending" "  admin, GET /ui/domains?status=pending"
measure bench-admin-token "/ui/domains?error_kind=dns" "  admin, GET /ui/domains?error_kind=dns"
measure "$tenant_token" "/ui/domains?status=error" "  tenant, GET /ui/domains?status=error"
measure bench-admin-token "/ui/batches/$batch" "  admin, GET /ui/batches/ID (5,000 members)"
measure bench-admin-token "/ui/batches/$batch?status=error" "  admin, GET /ui/batches/ID?status=error"
measure bench-admin-token "/ui/runs" "  admin, GET /ui/runs"
measure bench-admin-token "/ui/runs/$run" "  admin, GET /ui/runs/ID"
measure bench-admin-token "/ui/domains/bulk?action=retry&status=error" "  admin, GET /ui/domains/bulk?action=retry&status=error (dry run)"
# Text search over name, title and last error: a common text, a rare one and one nothing holds.
measure bench-admin-token "/ui/domains?text=site-12345" "  admin, GET /ui/domains?text=site-12345"
measure bench-admin-token "/ui/domains?text=no+such+host" "  admin, GET /ui/domains?text=no+such+host"
measure bench-admin-token "/ui/domains?text=site+99999" "  admin, GET /ui/domains?text=site+99999 (11 titles hold it)"
measure bench-admin-token "/ui/domains?text=nothing-holds-this" "  admin, GET /ui/domains?text=nothing-holds-this"
measure "$tenant_token" "/ui/domains?text=nothing-holds-this" "  tenant, GET /ui/domains?text=nothing-holds-this"

psql "$url" -qc "DROP INDEX idx_domains_domain_trgm, idx_domains_title_trgm, idx_domains_last_error_trgm"
psql "$url" -qc "ANALYZE domains"
echo "text search without the trigram indexes (migration m20261208_000200_domain_text_search):"
measure bench-admin-token "/ui/domains?text=site-12345" "  admin, GET /ui/domains?text=site-12345"
measure bench-admin-token "/ui/domains?text=no+such+host" "  admin, GET /ui/domains?text=no+such+host"
measure bench-admin-token "/ui/domains?text=site+99999" "  admin, GET /ui/domains?text=site+99999 (11 titles hold it)"
measure bench-admin-token "/ui/domains?text=nothing-holds-this" "  admin, GET /ui/domains?text=nothing-holds-this"
measure "$tenant_token" "/ui/domains?text=nothing-holds-this" "  tenant, GET /ui/domains?text=nothing-holds-this"
# What building them costs on a table of this size (as the migration does on an existing one).
psql "$url" -q -c '\timing on' \
  -c "CREATE INDEX idx_domains_domain_trgm ON domains USING gin (domain gin_trgm_ops)" \
  -c "CREATE INDEX idx_domains_title_trgm ON domains USING gin (lower(title) gin_trgm_ops)" \
  -c "CREATE INDEX idx_domains_last_error_trgm ON domains USING gin (lower(last_error) gin_trgm_ops)" \
  | sed 's/^/  building the trigram indexes: /'

psql "$url" -q <<'SQL'
DROP INDEX idx_domains_tenant_status, idx_domains_status_fetched_at, idx_domains_batch_status,
           idx_domains_domain, idx_domain_errors_occurred_at, idx_scheduler_runs_instance_started_at,
           idx_batch_jobs_created_at, idx_batch_jobs_tenant_created_at;
CREATE INDEX idx_domains_batch ON domains (batch_id);
CREATE INDEX idx_batch_jobs_tenant ON batch_jobs (tenant_id);
ANALYZE;
SQL
echo "without them (the indexes before the console's migration):"
measure bench-admin-token /ui "  admin, GET /ui"
measure "$tenant_token" /ui "  tenant, GET /ui"
