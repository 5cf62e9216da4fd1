#!/usr/bin/env bash
# Rows per second and peak memory of `export` (CSV and JSON Lines, to /dev/null) on PostgreSQL
# and SQLite, for each row count given, and of `GET /api/v1/domains/export` (the server's peak
# RSS, read from /proc, while curl takes the whole body).
#
# Each database is filled straight with SQL (psql's generate_series, sqlite3's recursive CTE):
# rows of one tenant shaped like completed ones (title, description, two emails, two phones,
# three technologies, a metadata object of about 300 bytes), every fifth one pending. Peak RSS
# is `/usr/bin/time -v`'s "Maximum resident set size"; it must not grow with the row count.
#
# Usage: benches/export.sh [ROWS...] (default: 100000 1000000); BIN=PATH skips the build
#        POSTGRES_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test) names the server.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(100000 1000000)
admin="${POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
# BIN=path runs a binary already built (a debug build, to check the memory alone).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin domain-scheduler
  bin="$CARGO_TARGET_DIR/release/domain-scheduler"
else
  bin="$BIN"
fi
work="$(mktemp -d)"
api_port=18951
pg_dbs=()
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  for db in "${pg_dbs[@]}"; do psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

seed_postgres() { # URL ROWS
  psql "$1" -q -v ON_ERROR_STOP=1 -v n="$2" <<'SQL'
INSERT INTO domains (id, tenant_id, domain, status, attempts, max_pages, next_attempt_at, title,
                     description, language, canonical_url, email_addresses, phone_numbers,
                     twitter_url, is_wordpress, wordpress_version, has_elementor, tech_stack,
                     domain_metadata, http_status, final_url, fetched_at, created_at, updated_at)
SELECT md5('domain' || i)::uuid, '00000000-0000-0000-0000-000000000000',
       'site-' || i || '.example.com',
       CASE WHEN i % 5 = 0 THEN 'pending' ELSE 'completed' END, 1, 1, now() + interval '1 year',
       'Site ' || i || ', the "best" — Café', 'A description of site ' || i || ' that runs to a sentence or two.',
       'fr', 'https://site-' || i || '.example.com/',
       jsonb_build_array('hello@site-' || i || '.example.com', 'sales@site-' || i || '.example.com'),
       '["+33142685300", "+14155550100"]'::jsonb, 'https://x.com/site' || i, true, '6.4.2', i % 2 = 0,
       '[{"name": "WordPress", "version": "6.4.2", "categories": ["CMS"]}, {"name": "Elementor", "categories": ["Page builders"]}, {"name": "jQuery", "version": "3.7.1", "categories": ["JavaScript libraries"]}]'::jsonb,
       jsonb_build_object('open_graph', jsonb_build_object('title', 'Site ' || i, 'type', 'website', 'image', 'https://site-' || i || '.example.com/og.png'),
                          'timings', jsonb_build_object('fetch_ms', i % 900, 'extract_ms', i % 40),
                          'organization', jsonb_build_object('name', 'Site ' || i || ' SARL', 'address', '1 rue de la Paix, 75002 Paris')),
       200, 'https://site-' || i || '.example.com/', now() - (i % 1440) * interval '1 minute',
       now() - interval '2 days', now() - (i % 1440) * interval '1 minute'
FROM generate_series(1, :n) i;
SQL
  psql "$1" -qc "VACUUM ANALYZE domains" >/dev/null
}

seed_sqlite() { # FILE ROWS
  sqlite3 "$1" <<SQL
.output /dev/null
PRAGMA journal_mode = WAL;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2)
INSERT INTO domains (id, tenant_id, domain, status, attempts, max_pages, next_attempt_at, title,
                     description, language, canonical_url, email_addresses, phone_numbers,
                     twitter_url, is_wordpress, wordpress_version, has_elementor, tech_stack,
                     domain_metadata, http_status, final_url, fetched_at, created_at, updated_at)
SELECT randomblob(16), zeroblob(16), 'site-' || i || '.example.com',
       CASE WHEN i % 5 = 0 THEN 'pending' ELSE 'completed' END, 1, 1, '2099-01-01T00:00:00+00:00',
       'Site ' || i || ', the "best" — Café', 'A description of site ' || i || ' that runs to a sentence or two.',
       'fr', 'https://site-' || i || '.example.com/',
       json_array('hello@site-' || i || '.example.com', 'sales@site-' || i || '.example.com'),
       '["+33142685300","+14155550100"]', 'https://x.com/site' || i, 1, '6.4.2', i % 2 = 0,
       '[{"name":"WordPress","version":"6.4.2","categories":["CMS"]},{"name":"Elementor","categories":["Page builders"]},{"name":"jQuery","version":"3.7.1","categories":["JavaScript libraries"]}]',
       json_object('open_graph', json_object('title', 'Site ' || i, 'type', 'website', 'image', 'https://site-' || i || '.example.com/og.png'),
                   'timings', json_object('fetch_ms', i % 900, 'extract_ms', i % 40),
                   'organization', json_object('name', 'Site ' || i || ' SARL', 'address', '1 rue de la Paix, 75002 Paris')),
       200, 'https://site-' || i || '.example.com/', '2026-11-29T12:00:00+00:00',
       '2026-11-28T12:00:00+00:00', '2026-11-29T12:00:00+00:00'
FROM n;
SQL
}

# One timed export: "rows/s peak_rss_mib seconds".
timed() { # URL FORMAT ROWS
  DATABASE_URL="$1" /usr/bin/time -v "$bin" export --format "$2" 2>"$work/time" >"$work/out"
  lines=$(wc -l <"$work/out")
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; print s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/time")
  echo "$(awk -v n="$3" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') rows/s, peak RSS $rss MiB, $secs s ($lines lines)"
}

# The server's peak RSS over one streamed export of every row through the API.
api() { # URL FORMAT
  DATABASE_URL="$1" DOMAIN_SCHEDULER_HTTP_ADDR="127.0.0.1:$api_port" DOMAIN_SCHEDULER_ADMIN_TOKENS=bench-admin \
    DOMAIN_SCHEDULER_INTERVAL_SECONDS=3600 RUST_LOG=warn "$bin" serve 2>"$work/serve.log" &
  server=$!
  for _ in $(seq 100); do curl -sf "127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.1; done
  before=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  took=$(curl -sf -o /dev/null -w '%{time_total}' -H 'Authorization: Bearer bench-admin' \
    "127.0.0.1:$api_port/api/v1/domains/export?format=$2")
  after=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  echo "server peak RSS $((before / 1024)) MiB before, $((after / 1024)) MiB after; curl ${took} s"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load $(cut -d' ' -f1-3 /proc/loadavg)"
for rows in "${counts[@]}"; do
  db="bench_export_$$_$rows"
  psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
  pg_dbs+=("$db")
  pg="${admin%/*}/$db"
  DATABASE_URL="$pg" "$bin" migrate >/dev/null
  start=$(date +%s); seed_postgres "$pg" "$rows"; echo "postgres $rows rows seeded in $(( $(date +%s) - start )) s"
  for format in csv jsonl; do echo "postgres $rows $format: $(timed "$pg" $format "$rows")"; done
  echo "postgres $rows api csv: $(api "$pg" csv)"

  file="$work/export-$rows.db"
  sqlite="sqlite://$file?mode=rwc"
  DATABASE_URL="$sqlite" "$bin" migrate >/dev/null
  start=$(date +%s); seed_sqlite "$file" "$rows"; echo "sqlite $rows rows seeded in $(( $(date +%s) - start )) s"
  for format in csv jsonl; do echo "sqlite $rows $format: $(timed "$sqlite" $format "$rows")"; done
  echo "sqlite $rows api csv: $(api "$sqlite" csv)"
  rm -f "$file"*
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
done
