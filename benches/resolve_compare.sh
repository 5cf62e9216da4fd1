#!/usr/bin/env bash
# Name resolution against `connect_to`, in one invocation: the same drain (benches/drain.sh, same
# farm, pages and database) three ways, one after the other, each RUNS times:
#   1. every name routed to the farm by `connect_to`, the DNS records of each domain (MX, SPF,
#      DMARC) still asked of the farm's DNS server: the same work but for the address look-ups;
#   2. every name resolved through the farm's DNS server, every name answering;
#   3. the same, with SILENT (default 0.05) of the names never answered.
# Then the report lines of each side by side: domains/s, service CPU per domain, DNS queries
# per name, and each class's outcome (PostgreSQL).
#
# Usage: benches/resolve_compare.sh [DOMAINS] — RUNS (default 3), SILENT, DB and every drain.sh
# setting pass through the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
domains="${1:-${DOMAINS:-10000}}" silent="${SILENT:-0.05}"
export RUNS="${RUNS:-3}"
out="${OUT_ROOT:-${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}/bench-resolve/$(date +%Y%m%d-%H%M%S)-$domains}"
mkdir -p "$out"
benches/drain.sh --domains "$domains" --out "$out/connect-to" --records "$@"
benches/drain.sh --domains "$domains" --out "$out/resolve" --no-build --resolve --dns-shares "silent=0" "$@"
benches/drain.sh --domains "$domains" --out "$out/silent" --no-build --resolve --dns-shares "silent=$silent" "$@"
for variant in connect-to resolve silent; do
  echo "== $variant"
  grep -E "^(domains/s|service CPU|  DNS|runs:|run [0-9])" "$out/$variant/report.txt" || true
done | tee "$out/summary.txt"
echo "summary: $out/summary.txt"
