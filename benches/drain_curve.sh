#!/usr/bin/env bash
# Peak RSS and most open descriptors of `run-once --drain` as the number of domains grows: one
# benches/drain.sh run per size, same farm and settings, then a table.
#
# Usage: benches/drain_curve.sh [SIZES...]   (default: 2000 5000 10000 20000 50000 100000)
# Every drain.sh option and variable applies (FARM_MODE, DB, DOMAIN_SCHEDULER_*, ULIMIT_NOFILE);
# RUNS defaults to 1 here. Adding 100,000 domains takes about 11 s on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
((${#sizes[@]})) || sizes=(2000 5000 10000 20000 50000 100000)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}" RUNS="${RUNS:-1}"
base="$CARGO_TARGET_DIR/bench-drain/curve-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$base"
built=0
for size in "${sizes[@]}"; do
  flags=()
  ((built)) && flags+=(--no-build)
  benches/drain.sh "${flags[@]}" --domains "$size" --out "$base/$size" >/dev/null
  built=1
  echo "$size done: $(grep -E '^domains/s|^peak RSS' "$base/$size/report.txt" | tr '\n' ' ')" >&2
done
{
  echo "| domains | completed | error | domains/s | peak RSS (MiB) | most open descriptors |"
  echo "| --: | --: | --: | --: | --: | --: |"
  for size in "${sizes[@]}"; do
    awk -F'\t' -v size="$size" '{printf "| %s | %s | %s | %.0f | %.0f | %s |\n", size, $2, $3, $2 / $4, $7 / 1024, $8}' "$base/$size/runs.tsv"
  done
} | tee "$base/curve.md"
echo "per-second samples: $base/*/samples-*.csv"
