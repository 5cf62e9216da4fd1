#!/usr/bin/env bash
# Drain benchmark: times `run-once --drain` of DOMAINS domains served by the local site farm
# (examples/bench_farm.rs) and reports, per run: domains/s, service CPU per domain (user+sys of
# the service process alone), that CPU divided by a bare `scraper::Html::parse_document` of the
# same pages measured in the same invocation (examples/bench_parse.rs), peak RSS, the farm's own
# CPU, PostgreSQL's CPU (its processes and the backends they reaped) and the whole machine's
# (/proc/stat) per domain, and a once-a-second CSV of the service's open descriptors and RSS.
#
# Usage: benches/drain.sh [options] [DOMAINS] [POSTGRES_ADMIN_URL]
#   --farm varied|slow|lorem|web|web-slow
#                              what the farm serves (FARM_MODE; default varied). `web` serves the
#                              varied pages as the web does (FARM_WEB=1: TLS from a farm CA the
#                              service is told to trust, redirects, bad certificates, bot walls,
#                              parked pages; see examples/bench_farm.rs), `web-slow` the slow ones
#                              so; the report adds each class's outcome against the farm's truth
#                              (PostgreSQL) and curl fetches https:// with the farm's CA
#   --domains N                domains to add and drain (DOMAINS; default 2000)
#   --runs N                   repeat the drain N times, each on a fresh database (RUNS; default 3)
#   --set NAME=VALUE           pass DOMAIN_SCHEDULER_NAME=VALUE to the service (repeatable); any
#                              DOMAIN_SCHEDULER_* already in the environment passes through too
#   --db postgres|sqlite       the database (DB; default postgres on POSTGRES_ADMIN_URL)
#   --ulimit N                 run the service under `ulimit -n N`, soft and hard (ULIMIT_NOFILE)
#   --max-pages N              `add --max-pages N` (home page plus up to N-1 contact pages)
#   --curl / --no-curl         also time curl --parallel through the farm at the service's pool
#                              size (CURL; default on for the slow farm)
#   --out DIR                  where the report and CSVs go (OUT; default target/bench-drain/...)
#   --no-build                 use the binaries already built (NO_BUILD=1)
#   --resolve                  names are resolved through the farm's DNS server instead of
#                              `connect_to` (RESOLVE=1): the farm serves port 80 and answers DNS on
#                              127.0.0.1, with the shares of failing names of --dns-shares
#   --records                  with `connect_to`, still ask the farm's DNS server for what the
#                              DNS says of each domain (MX, SPF, DMARC), as --resolve does
#                              (RECORDS=1): the same drain but for the address look-ups
#   --dns-shares S             FARM_DNS shares of the names that fail (DNS_SHARES; default
#                              nxdomain=0.04,servfail=0.02,slow=0.02,silent=0.02: a tenth, as in a
#                              lead list; none for the web farm, whose classes are the web's);
#                              the report adds DNS queries per name and, on PostgreSQL, each
#                              class's outcome
# SERVICE_BIN=PATH times that service binary instead of the release build (A/B comparisons);
# EXAMPLES_DIR=PATH takes the farm and the parse yardstick from there (a debug dry run).
# PROFILE_CMD wraps each drain, for example PROFILE_CMD="perf record -g -o perf.data --" (the
# profiler follows /usr/bin/time down to the service).
# Farm settings FARM_SEED, FARM_POOL, FARM_CORPUS_SHARE and FARM_CORPUS are read by both
# examples (see examples/site_farm/mod.rs). POOL_SIZE, BATCH_SIZE and MAX_INSTANCES are kept as
# short names for the DOMAIN_SCHEDULER_* settings.
set -euo pipefail
cd "$(dirname "$0")/.."

farm_mode="${FARM_MODE:-varied}" domains="${DOMAINS:-2000}" runs="${RUNS:-3}" db_kind="${DB:-postgres}"
admin="${POSTGRES_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}" nofile="${ULIMIT_NOFILE:-}"
max_pages="${MAX_PAGES:-}" curl_mode="${CURL:-auto}" out="${OUT:-}" no_build="${NO_BUILD:-0}"
resolve="${RESOLVE:-0}" records="${RECORDS:-0}" dns_shares="${DNS_SHARES:-}"
[[ -n "${POOL_SIZE:-}" ]] && export DOMAIN_SCHEDULER_FETCHER_POOL_SIZE="$POOL_SIZE"
[[ -n "${BATCH_SIZE:-}" ]] && export DOMAIN_SCHEDULER_BATCH_SIZE="$BATCH_SIZE"
[[ -n "${MAX_INSTANCES:-}" ]] && export DOMAIN_SCHEDULER_MAX_INSTANCES="$MAX_INSTANCES"
positional=()
while (($#)); do
  case "$1" in
    --farm) farm_mode="$2"; shift ;;
    --domains) domains="$2"; shift ;;
    --runs) runs="$2"; shift ;;
    --set) export "DOMAIN_SCHEDULER_${2%%=*}=${2#*=}"; shift ;;
    --db) db_kind="$2"; shift ;;
    --ulimit) nofile="$2"; shift ;;
    --max-pages) max_pages="$2"; shift ;;
    --curl) curl_mode=on ;;
    --no-curl) curl_mode=off ;;
    --out) out="$2"; shift ;;
    --no-build) no_build=1 ;;
    --resolve) resolve=1 ;;
    --records) records=1 ;;
    --dns-shares) dns_shares="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    -*) echo "drain.sh: unknown option $1" >&2; exit 2 ;;
    *) positional+=("$1") ;;
  esac
  shift
done
((${#positional[@]} > 0)) && domains="${positional[0]}"
((${#positional[@]} > 1)) && admin="${positional[1]}"
case "$farm_mode" in varied|slow|lorem|web|web-slow) ;; *) echo "drain.sh: --farm varied, slow, lorem, web or web-slow" >&2; exit 2 ;; esac
web=0
case "$farm_mode" in web|web-slow) web=1 ;; esac
# A lead list's tenth of failing names, unless the farm is the web's (its classes are its own).
[[ -z "$dns_shares" ]] && { [[ "$web" == 1 ]] && dns_shares="silent=0" || dns_shares="nxdomain=0.04,servfail=0.02,slow=0.02,silent=0.02"; }
case "$db_kind" in postgres|sqlite) ;; *) echo "drain.sh: --db postgres or sqlite" >&2; exit 2 ;; esac
# Every farm site is on one address, where real sites are spread over many: lift the service's
# per-address bound unless the caller sets it, or it alone would cap the fetches in flight.
export DOMAIN_SCHEDULER_PER_IP_CONCURRENCY="${DOMAIN_SCHEDULER_PER_IP_CONCURRENCY:-1024}"
[[ "$curl_mode" == auto ]] && { [[ "$farm_mode" == slow || "$farm_mode" == web-slow ]] && curl_mode=on || curl_mode=off; }
case "$farm_mode" in
  web) export FARM_MODE=varied FARM_WEB=1 ;;
  web-slow) export FARM_MODE=slow FARM_WEB=1 ;;
  *) export FARM_MODE="$farm_mode" ;;
esac

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ds-target}"
if [[ "$no_build" != 1 ]]; then
  cargo build --release --quiet --bin domain-scheduler --example bench_farm --example bench_parse --example farm_accuracy
fi
# SERVICE_BIN times another build of the service (an A/B of two commits or allocators).
bin="${SERVICE_BIN:-$CARGO_TARGET_DIR/release/domain-scheduler}"
examples="${EXAMPLES_DIR:-$CARGO_TARGET_DIR/release/examples}"
out="${out:-$CARGO_TARGET_DIR/bench-drain/$(date +%Y%m%d-%H%M%S)-$farm_mode-$domains}"
mkdir -p "$out"
report="$out/report.txt"
settings=$(env | grep '^DOMAIN_SCHEDULER_' | grep -v -e '^DOMAIN_SCHEDULER_FETCH_CONNECT_TO=' -e '^DOMAIN_SCHEDULER_FETCH_SCHEMES=' -e '^DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS=' \
  -e '^DOMAIN_SCHEDULER_PER_IP_CONCURRENCY=1024$' | sort | tr '\n' ' ' || true)
say() { echo "$*" | tee -a "$report"; }

port=$((18931 + RANDOM % 500))
if [[ "$resolve" == 1 ]]; then
  # Resolved names are fetched on the scheme's own port, as on the web.
  port=80
  export FARM_DNS="$dns_shares" FARM_DNS_TRUTH="$out/dns-truth.tsv"
elif [[ "$records" == 1 ]]; then
  export FARM_DNS="silent=0" FARM_DNS_TRUTH="$out/dns-truth.tsv"
fi
ca="$out/farm-ca.pem"
[[ "$web" == 1 ]] && export FARM_CA_PEM="$ca" FARM_WEB_TRUTH="$out/web-truth.tsv"
cleanup() {
  [[ -n "${farm:-}" ]] && kill "$farm" 2>/dev/null || true
  [[ -n "${dbname:-}" && "$db_kind" == postgres ]] && psql "$admin" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

say "drain benchmark: farm $farm_mode, $domains domains, $runs run(s), database $db_kind, commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo '+changes'), $(nproc) cores"
say "service settings: ${settings:-none (defaults)} (per-address bound lifted to 1024 unless set)${nofile:+; ulimit -n $nofile}${max_pages:+; add --max-pages $max_pages}"

"$examples/bench_farm" "$port" "$domains" 2>"$out/farm.log" &
farm=$!
for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
say "$(head -1 "$out/farm.log")"
if [[ "$web" == 1 ]]; then
  for _ in $(seq 1 600); do [[ -s "$ca" && -s "$FARM_WEB_TRUTH" ]] && break; sleep 0.1; done
  [[ -s "$ca" ]] || { echo "drain.sh: the web farm wrote no CA" >&2; cat "$out/farm.log" >&2; exit 1; }
  say "web farm: TLS from the farm's CA ($ca, trusted through DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS); classes: $(cut -f2 "$FARM_WEB_TRUTH" | sort | uniq -c | sort -rn | awk '{printf "%s%s %s", sep, $2, $1; sep=", "}'); HTTP/2 offered by $(grep -c 'h2$' "$FARM_WEB_TRUTH") sites"
fi
dns_server=""
if [[ "$resolve" == 1 || "$records" == 1 ]]; then
  for _ in $(seq 1 600); do dns_server=$(awk '/^dns / {print $2; exit}' "$out/farm.log"); [[ -n "$dns_server" ]] && break; sleep 0.1; done
  [[ -n "$dns_server" ]] || { echo "drain.sh: the farm started no DNS server" >&2; cat "$out/farm.log" >&2; exit 1; }
  if [[ "$resolve" == 1 ]]; then
    say "names resolved through the farm's DNS server $dns_server; failing shares: $dns_shares"
  else
    say "addresses by connect_to; the DNS records of each domain asked of the farm's DNS server $dns_server"
  fi
fi
# Queries the farm's DNS server has received, as `TYPE count distinct_names` lines.
dns_stats() { curl -s --connect-to "farm.stats:$port:127.0.0.1:$port" "http://farm.stats:$port/dns"; }

# What each generated page states (phone, e-mail), to score the rows a drain stored.
"$examples/farm_accuracy" --truth "$domains" > "$out/field-truth.tsv" 2>/dev/null || : > "$out/field-truth.tsv"

list="$out/domains.txt"
for i in $(seq 0 $((domains - 1))); do echo "site-$i.bench-farm.com"; done > "$list"

# CPU seconds (user+sys) a live process has used so far.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# CPU seconds the whole machine has been busy (every state of /proc/stat but idle and iowait).
machine_cpu() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {print ($2 + $3 + $4 + $7 + $8 + $9) / hz}' /proc/stat; }
# CPU seconds of the PostgreSQL server: its processes' own and that of the backends they have
# reaped (a backend's CPU reaches the postmaster's cutime/cstime when its connection closes).
pg_cpu() {
  local pid total=0
  for pid in $(pgrep -x postgres || true); do
    total=$(awk -v hz="$(getconf CLK_TCK)" -v t="$total" '{print t + ($14 + $15 + $16 + $17) / hz}' "/proc/$pid/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}

# Domains completed so far in the run's database.
completed_now() {
  if [[ "$db_kind" == postgres ]]; then
    psql "$DATABASE_URL" -qAtc "SELECT count(*) FROM domains WHERE status = 'completed'" 2>/dev/null || echo ""
  else
    "$bin" status 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin).get("completed", 0))' 2>/dev/null || echo ""
  fi
}

# Samples the service's open descriptors, RSS and completed domains once a second until it exits.
sample() {
  local pid=$1 csv=$2 start now fds rss done
  start=$(date +%s.%N)
  echo "seconds,open_descriptors,rss_mib,completed" > "$csv"
  while [[ -d /proc/$pid ]]; do
    fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
    rss=$(awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$pid/status" 2>/dev/null || true)
    done=$(completed_now)
    now=$(date +%s.%N)
    [[ -n "$rss" ]] && printf '%.1f,%s,%s,%s\n' "$(echo "$now - $start" | bc)" "$fds" "$rss" "$done" >> "$csv"
    sleep 1
  done
}

# Seconds until 90 % of the domains were done, from a CSV of (seconds, ..., completed) and
# optionally the end (seconds, completed): the rate without the tail of the slowest pages, which
# on the slow farm is most of a run.
t90_of() {
  python3 - "$domains" "$@" <<'PY'
import csv, sys
points = [(float(r["seconds"]), int(r["completed"])) for r in csv.DictReader(open(sys.argv[2])) if r.get("completed")]
if len(sys.argv) > 4:
    end = float(sys.argv[3])
    # The sampler's clock starts a moment after the run's: no sample counts past the end.
    points = [(min(t, end), n) for t, n in points] + [(end, int(sys.argv[4]))]
goal, last = 0.9 * int(sys.argv[1]), (0.0, 0)
for t, n in sorted(points):
    if n >= goal:
        t0, n0 = last
        print(f"{t0 + (goal - n0) / max(n - n0, 1) * (t - t0):.2f}")
        break
    last = (t, n)
else:
    print("")
PY
}

export RUST_LOG="${RUST_LOG:-warn}"
if [[ "$web" == 1 ]]; then
  # The web's sites speak https first, as the service's default schemes ask.
  export DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS="$ca"
else
  export DOMAIN_SCHEDULER_FETCH_SCHEMES=http
fi
if [[ "$resolve" == 1 ]]; then
  # The farm's names answer 127.0.0.1, which the address guard refuses unless told.
  export DOMAIN_SCHEDULER_DNS_SERVERS="$dns_server" DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS=true
else
  export DOMAIN_SCHEDULER_FETCH_CONNECT_TO="127.0.0.1:$port"
  if [[ "$records" == 1 ]]; then export DOMAIN_SCHEDULER_DNS_SERVERS="$dns_server"; fi
fi
results="$out/runs.tsv"
: > "$results"
for run in $(seq 1 "$runs"); do
  if [[ "$db_kind" == postgres ]]; then
    dbname="bench_drain_$$_$run"
    psql "$admin" -qc "CREATE DATABASE $dbname" >/dev/null
    export DATABASE_URL="${admin%/*}/$dbname"
  else
    rm -f "$out/bench.db"*
    export DATABASE_URL="sqlite://$out/bench.db?mode=rwc"
  fi
  "$bin" add --file "$list" ${max_pages:+--max-pages "$max_pages"} >/dev/null 2>"$out/add-$run.log"
  farm_before=$(cpu_of "$farm") machine_before=$(machine_cpu) pg_before=$(pg_cpu)
  [[ -n "$dns_server" ]] && dns_stats > "$out/dns-before-$run.txt"
  pidfile="$out/service-$run.pid"
  # time -> bash -> exec: the service keeps the PID written to the file, and /usr/bin/time reports
  # the rusage of that one process.
  ${PROFILE_CMD:-} /usr/bin/time -f "%e %U %S %M" -o "$out/time-$run.txt" \
    bash -c "${nofile:+ulimit -n $nofile && }echo \$\$ > '$pidfile' && exec '$bin' run-once --drain" \
    > "$out/metrics-$run.jsonl" 2> "$out/service-$run.log" &
  timer=$!
  for _ in $(seq 1 100); do [[ -s "$pidfile" ]] && break; sleep 0.01; done
  sample "$(cat "$pidfile")" "$out/samples-$run.csv" &
  sampler=$!
  wait "$timer" || true
  wait "$sampler" || true
  farm_cpu=$(echo "$(cpu_of "$farm") - $farm_before" | bc)
  sleep 0.2 # the service's connections close and their backends are reaped
  machine_used=$(echo "$(machine_cpu) - $machine_before" | bc) pg_used=$(echo "$(pg_cpu) - $pg_before" | bc)
  read -r elapsed user sys rss_kb < <(tail -1 "$out/time-$run.txt")
  counts=$("$bin" status 2>/dev/null || echo '{}')
  completed=$(echo "$counts" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("completed", 0))')
  errors=$(echo "$counts" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("error", 0))')
  max_fds=$(tail -n +2 "$out/samples-$run.csv" | cut -d, -f2 | sort -n | tail -1)
  t90=$(t90_of "$out/samples-$run.csv" "$elapsed" "$completed")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$completed" "$errors" "$elapsed" "$user" "$sys" "$rss_kb" "${max_fds:-0}" "$farm_cpu" "${t90:--}" "$machine_used" "$pg_used" >> "$results"
  if [[ -n "$dns_server" ]]; then
    dns_stats > "$out/dns-after-$run.txt"
    say "  $(python3 - "$out/dns-before-$run.txt" "$out/dns-after-$run.txt" <<'PY'
import sys
def read(path):
    rows = {}
    for line in open(path):
        kind, count, names = line.split()
        rows[kind] = (int(count), int(names))
    return rows
before, after = read(sys.argv[1]), read(sys.argv[2])
sent = {k: after[k][0] - before.get(k, (0, 0))[0] for k in after}
names = after.get("A", (0, 0))[1]
other = ", ".join(f"{k} {v}" for k, v in sorted(sent.items()) if k not in ("A", "AAAA"))
# Every address look-up asks A first (AAAA only when a name has no A record): A queries per name
# is the address look-ups per name, the retries of silent names included.
print(f"DNS: {sent.get('A', 0)} A + {sent.get('AAAA', 0)} AAAA queries for {names} names asked: "
      f"{sent.get('A', 0) / max(names, 1):.2f} address queries per name"
      + (f"; other queries: {other}" if other else ""))
PY
)"
    if [[ "$db_kind" == postgres ]]; then
      say "  outcome per class of name (class | status | error kinds | domains | most attempts):"
      psql "$DATABASE_URL" -qAtF ' | ' >/dev/null -c "CREATE TABLE dns_truth (name text PRIMARY KEY, class text)"
      psql "$DATABASE_URL" -qc "\\copy dns_truth FROM '$out/dns-truth.tsv'" >/dev/null
      psql "$DATABASE_URL" -qAtF ' | ' -c "SELECT t.class, d.status, coalesce((SELECT string_agg(DISTINCT e.kind, ',') FROM domain_errors e JOIN domains x ON x.id = e.domain_id JOIN dns_truth y ON y.name = x.domain WHERE y.class = t.class AND x.status = d.status), '-'), count(*), max(d.attempts) FROM domains d JOIN dns_truth t ON t.name = d.domain GROUP BY 1, 2 ORDER BY 1, 2" | sed 's/^/    /' | tee -a "$report"
    fi
  fi
  if [[ "$web" == 1 && "$db_kind" == postgres ]]; then
    # Each class's outcome against the farm's truth; the SQL words it as WebClass::outcome.
    outcome_sql=$(sed -n '/^pub const OUTCOME_SQL/,/;$/p' tests/it/common/web.rs | sed -e '1s/^[^"]*"//' -e '$s/";$//' -e 's/\\$//' | tr -s ' \n' ' ')
    psql "$DATABASE_URL" -qc "CREATE TABLE web_truth (name text PRIMARY KEY, class text, expected text, protocol text)" >/dev/null
    psql "$DATABASE_URL" -qc "\\copy web_truth FROM '$FARM_WEB_TRUTH'" >/dev/null
    psql "$DATABASE_URL" -qAtF $'\t' -c "SELECT t.class, t.expected, $outcome_sql, count(*) FROM domains d JOIN web_truth t ON t.name = d.domain GROUP BY 1, 2, 3 ORDER BY 1, 3" > "$out/web-outcomes-$run.tsv"
    say "  outcome per web class (class | expected | recorded | domains):"
    python3 - "$out/web-outcomes-$run.tsv" <<'PY' | tee -a "$report"
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
right = total = 0
for cls, expected, recorded, count in rows:
    count = int(count)
    checked = expected != "-"
    ok = recorded == expected
    total += count if checked else 0
    right += count if checked and ok else 0
    mark = "" if not checked else ("ok" if ok else "MISS")
    print(f"    {cls:12} | {expected:40} | {recorded:40} | {count:6} {mark}")
print(f"  web classes: {right} of {total} domains with their class's outcome ({100 * right / max(total, 1):.2f} %)")
PY
  fi
  if [[ "$db_kind" == postgres && -s "$out/field-truth.tsv" ]]; then
    psql "$DATABASE_URL" -qAtF $'\t' -c "SELECT domain, phone_numbers::text, email_addresses::text FROM domains WHERE status = 'completed' AND NOT parked" > "$out/fields-$run.tsv"
    say "  $(python3 - "$out/field-truth.tsv" "$out/fields-$run.tsv" "${FARM_WEB_TRUTH:-}" <<'PY'
import json, sys
truth = {}
for line in open(sys.argv[1]):
    name, phone, email = line.rstrip("\n").split("\t")
    truth[name] = (phone, email)
# The web farm's moved brands are scored too (the same page at its new home); its walls and
# parked domains serve no page of the catalogue.
scored = phones = emails = 0
for line in open(sys.argv[2]):
    name, phone_list, email_list = line.rstrip("\n").split("\t")
    if name not in truth:
        continue
    phone, email = truth[name]
    scored += 1
    phones += json.loads(phone_list) == [phone]
    emails += json.loads(email_list) == [email]
print(f"field accuracy on {scored} completed domains serving a generated page: phone {phones / max(scored, 1):.4f}, e-mail {emails / max(scored, 1):.4f} (stored list exactly the page's own)")
PY
)"
  fi
  if ((errors > 0)) && [[ "$db_kind" == postgres ]]; then
    say "  errors by stage and kind (first message of each):"
    psql "$DATABASE_URL" -qAtF ' | ' -c "SELECT stage, kind, count(*), left(min(message), 160) FROM domain_errors GROUP BY 1, 2 ORDER BY 3 DESC" | sed 's/^/    /' | tee -a "$report"
  fi
  say "run $run: $completed completed, $errors error, ${elapsed} s (90 % in ${t90:-?} s), user $user s, sys $sys s, peak RSS $((rss_kb / 1024)) MiB, most descriptors ${max_fds:-?}, farm CPU $farm_cpu s; samples in $out/samples-$run.csv"
  if [[ "$db_kind" == postgres ]]; then
    psql "$admin" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null; dbname=
  fi
done

# The yardstick: a bare parse of the same pages, in the same invocation.
"$examples/bench_parse" "$domains" > "$out/parse.txt" 2>/dev/null
parse_ms=$(awk '/^PARSE_CPU_MS_PER_PAGE/ {print $2}' "$out/parse.txt")
say "$(tail -1 "$out/parse.txt")"

curl_rate=""
if [[ "$curl_mode" == on ]]; then
  parallel="${CURL_PARALLEL:-${DOMAIN_SCHEDULER_FETCHER_POOL_SIZE:-64}}"
  config="$out/curl.conf"
  # The web farm: https:// first and every redirect followed, as the service does, trusting the
  # same CA (a refused certificate is a finished transfer to curl; the service tries http:// then).
  scheme=http curl_web=()
  [[ "$web" == 1 ]] && scheme=https curl_web=(--location --cacert "$ca")
  for i in $(seq 0 $((domains - 1))); do printf 'url = "%s://site-%d.bench-farm.com/"\noutput = "/dev/null"\n' "$scheme" "$i"; done > "$config"
  for run in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    # One line per finished transfer, stamped as it arrives, for the time to 90 %: written to
    # stderr, which curl does not buffer (its stdout to a pipe it does, to the end of the run).
    curl "${curl_web[@]}" --silent --no-progress-meter --compressed --parallel --parallel-immediate --parallel-max "$parallel" \
      --connect-to "::127.0.0.1:$port" -K "$config" -w '%{stderr}%{http_code}\n' 2>&1 >/dev/null \
      | python3 -u -c 'import sys, time
start = time.monotonic()
print("seconds,completed")
for n, _ in enumerate(sys.stdin, 1):
    print(f"{time.monotonic() - start:.3f},{n}")' > "$out/curl-$run.csv" || true
    rate=$(echo "$domains / ($(date +%s.%N) - $start)" | bc -l)
    t90=$(t90_of "$out/curl-$run.csv")
    curl_rate="$curl_rate $rate:${t90:--}"
    say "curl run $run: --parallel-max $parallel, $(printf '%.1f' "$rate") pages/s, 90 % of pages in ${t90:-?} s"
  done
fi

python3 - "$results" "$parse_ms" "$curl_rate" <<'PY' | tee -a "$report"
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
parse_ms = float(sys.argv[2] or "nan")
curl = [x.split(":") for x in sys.argv[3].split()]
domains = int(rows[0][1]) + int(rows[0][2]) if rows else 0
def stat(values, fmt):
    values = sorted(values)
    if fmt == "rate":  # whole numbers, but tenths for the few domains/s of a slow drain
        fmt = "{:.1f}" if values[-1] < 20 else "{:.0f}"
    return f"{fmt.format(statistics.median(values))} ({fmt.format(values[0])}-{fmt.format(values[-1])})"
rate = [int(r[1]) / float(r[3]) for r in rows]
cpu = [(float(r[4]) + float(r[5])) / max(int(r[1]), 1) * 1000 for r in rows]
print(f"runs: {len(rows)}, completed {stat([int(r[1]) for r in rows], '{:.0f}')}, error {stat([int(r[2]) for r in rows], '{:.0f}')}")
rate90 = [0.9 * domains / float(r[9]) for r in rows if r[9] not in ("-", "")]
print(f"domains/s: {stat(rate, 'rate')}" + (f"; until 90 % done: {stat(rate90, 'rate')}" if rate90 else ""))
print(f"service CPU per domain: {stat(cpu, '{:.2f}')} ms")
print(f"bare parse CPU per page: {parse_ms:.2f} ms; CPU per domain / parse: {stat([c / parse_ms for c in cpu], '{:.2f}')}")
print(f"peak RSS: {stat([int(r[6]) / 1024 for r in rows], '{:.0f}')} MiB; most open descriptors: {stat([int(r[7]) for r in rows], '{:.0f}')}")
print(f"farm CPU per domain: {stat([float(r[8]) / max(int(r[1]), 1) * 1000 for r in rows], '{:.3f}')} ms")
print(f"PostgreSQL CPU per domain: {stat([float(r[11]) / max(int(r[1]), 1) * 1000 for r in rows], '{:.3f}')} ms")
print(f"whole machine CPU per domain (every process, from /proc/stat): {stat([float(r[10]) / max(int(r[1]), 1) * 1000 for r in rows], '{:.2f}')} ms")
if curl:
    whole = [float(c[0]) for c in curl]
    print(f"curl pages/s: {stat(whole, 'rate')}; service / curl: {statistics.median(rate) / statistics.median(whole):.2f}")
    curl90 = [0.9 * domains / float(c[1]) for c in curl if c[1] != "-"]
    if curl90 and rate90:
        print(f"until 90 % done, curl pages/s: {stat(curl90, 'rate')}; service / curl: {statistics.median(rate90) / statistics.median(curl90):.2f}")
PY
echo "report: $report"
