#!/usr/bin/env bash
# Re-scan wave benchmark: how long fresh submissions wait while a wave of re-scans is due.
#
#   benches/rescan_wave.sh [WAVE] [FRESH] [RUNS]      defaults: 10000 200 3
#
# For each run and each case, on a fresh PostgreSQL database (POSTGRES_ADMIN_URL, default
# postgres://postgres@127.0.0.1:5432/test) and the varied bench farm:
#   - WAVE domains are stored as completed a month ago; in the "wave" case their re-scan is due
#     now, in the "no wave" case it is a month away;
#   - `serve` starts at the service defaults, and once it has started FRESH new domains are
#     submitted with `add`;
#   - the figure is each fresh domain's wait, from its row's creation to its first successful
#     fetch (`fetched_at - created_at`): median, 90th percentile and maximum.
# Fresh work is claimed before re-scans, so the wave should not lengthen the wait by more than
# the fetches already in flight when the fresh domains arrive.
set -euo pipefail
cd "$(dirname "$0")/.."

wave="${1:-10000}"
fresh="${2:-200}"
runs="${3:-3}"
admin="${POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
[[ "${NO_BUILD:-}" == 1 ]] || cargo build --release --quiet --bin domain-scheduler --example bench_farm
bin="$CARGO_TARGET_DIR/release/domain-scheduler"
out="$CARGO_TARGET_DIR/bench-rescan-wave/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"

total=$((wave + fresh))
port=$((19431 + RANDOM % 500))
cleanup() {
  [[ -n "${service:-}" ]] && kill "$service" 2>/dev/null || true
  [[ -n "${farm:-}" ]] && kill "$farm" 2>/dev/null || true
  [[ -n "${dbname:-}" ]] && psql "$admin" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$CARGO_TARGET_DIR/release/examples/bench_farm" "$port" "$total" 2>"$out/farm.log" &
farm=$!
for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

seq 0 $((wave - 1)) | sed 's/.*/site-&.bench-farm.com/' > "$out/wave.txt"
seq "$wave" $((total - 1)) | sed 's/.*/site-&.bench-farm.com/' > "$out/fresh.txt"

export RUST_LOG=warn DOMAIN_SCHEDULER_FETCH_CONNECT_TO="127.0.0.1:$port" DOMAIN_SCHEDULER_FETCH_SCHEMES=http
export DOMAIN_SCHEDULER_PER_IP_CONCURRENCY="${DOMAIN_SCHEDULER_PER_IP_CONCURRENCY:-1024}"
echo "re-scan wave: $wave re-scans, $fresh fresh domains, $runs run(s), commit $(git rev-parse --short HEAD), $(nproc) cores" | tee "$out/report.txt"

for run in $(seq 1 "$runs"); do
  for case in wave no-wave; do
    dbname="bench_wave_$$_${run}_${case//-/_}"
    psql "$admin" -qc "CREATE DATABASE $dbname" >/dev/null
    export DATABASE_URL="${admin%/*}/$dbname"
    "$bin" add --file "$out/wave.txt" >/dev/null 2>&1
    due="now()"; [[ "$case" == no-wave ]] && due="now() + interval '30 days'"
    psql "$DATABASE_URL" -qc "UPDATE domains SET status = 'completed', attempts = 0, \
      fetched_at = now() - interval '30 days', rescan_at = $due, title = 'old'" >/dev/null
    port_api=$((20431 + RANDOM % 500))
    DOMAIN_SCHEDULER_HTTP_ADDR="127.0.0.1:$port_api" "$bin" serve >/dev/null 2>"$out/serve-$run-$case.log" &
    service=$!
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port_api/healthz" >/dev/null && break; sleep 0.1; done
    # Let the wave get going before the fresh domains arrive.
    sleep 2
    "$bin" add --file "$out/fresh.txt" >/dev/null 2>&1
    for _ in $(seq 1 1200); do
      left=$(psql "$DATABASE_URL" -qAtc "SELECT count(*) FROM domains WHERE fetched_at IS NULL")
      [[ "$left" == 0 ]] && break
      sleep 0.25
    done
    fresh_list=$(paste -sd, "$out/fresh.txt")
    figures=$(psql "$DATABASE_URL" -qAtF ' ' -c "WITH fresh AS (
        SELECT extract(epoch FROM fetched_at - created_at) AS wait, fetched_at
        FROM domains WHERE domain = ANY(string_to_array('$fresh_list', ',')))
      SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY wait)::numeric, 2),
             round(percentile_cont(0.9) WITHIN GROUP (ORDER BY wait)::numeric, 2),
             round(max(wait)::numeric, 2),
             count(*) FILTER (WHERE fetched_at IS NULL),
             (SELECT count(*) FROM domains WHERE fetched_at > now() - interval '1 day'
                AND NOT domain = ANY(string_to_array('$fresh_list', ',')))
      FROM fresh")
    read -r median p90 max missing rescanned <<<"$figures"
    kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; service=
    echo "run $run, $case: fresh wait median ${median} s, p90 ${p90} s, max ${max} s (${missing} not fetched); re-scans done meanwhile: ${rescanned}" | tee -a "$out/report.txt"
    psql "$admin" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null; dbname=
  done
done
echo "report: $out/report.txt"
