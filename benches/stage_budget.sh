#!/usr/bin/env bash
# CPU per domain, stage by stage: a drain of the varied farm timed as benches/drain.sh times it,
# then the same drain again under `perf record --call-graph dwarf`, whose samples
# benches/stage_budget.py attributes to stages (connect, request and read, inflate, charset,
# parse, the walk, the rules, contacts, the database, the runtime...). Each stage's share of
# the profiled run is applied to the service CPU per domain of the unprofiled one; PostgreSQL's
# CPU per domain and the whole machine's come from the unprofiled run.
#
# Usage: benches/stage_budget.sh [DOMAINS] [drain.sh options]
# (SERVICE_BIN=path profiles that binary; --no-build skips the release build.)
# Needs perf (linux-perf) and, for the symbols of inlined frames, the release profile's line tables.
set -euo pipefail
cd "$(dirname "$0")/.."
domains="${1:-4000}"
shift || true
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
out="${OUT:-$CARGO_TARGET_DIR/bench-stages/$(date +%Y%m%d-%H%M%S)-$domains}"
mkdir -p "$out"
benches/drain.sh --domains "$domains" --runs 1 --no-curl --out "$out/plain" "$@" > "$out/plain.log"
cpu_ms=$(awk '/^service CPU per domain/ {print $5}' "$out/plain/report.txt")
PROFILE_CMD="perf record -F 499 --call-graph dwarf,16384 -o $out/perf.data --" \
  benches/drain.sh --domains "$domains" --runs 1 --no-curl --no-build --out "$out/profiled" "$@" > "$out/profiled.log"
perf script -i "$out/perf.data" -F comm,pid,tid,ip,sym 2>/dev/null | benches/stage_budget.py "$cpu_ms" | tee "$out/stages.md"
grep -E "^(domains/s|service CPU|bare parse|PostgreSQL CPU|whole machine|farm CPU)" "$out/plain/report.txt" | tee -a "$out/stages.md"
echo "stages: $out/stages.md"
