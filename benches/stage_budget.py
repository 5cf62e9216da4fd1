#!/usr/bin/env python3
"""Where a domain's CPU goes, stage by stage, from a profile of a drain.

Reads `perf script` output of a `perf record --call-graph dwarf` of the service (stdin) and
attributes every sample to one stage: the innermost frame of its call chain that names a stage
wins, so an allocation or a kernel call counts for the stage that made it. Prints each stage's
share and, given the service CPU per domain measured without the profiler (ms), its µs per domain.

Usage: perf script -i perf.data -F comm,pid,tid,ip,sym | benches/stage_budget.py CPU_MS_PER_DOMAIN [PID]
"""
import collections
import sys

# (stage, substrings of a frame's symbol), tried on each frame from the leaf up: the first frame
# that matches any stage decides. Order matters only within one frame.
STAGES = [
    ("inflate", ("miniz_oxide", "flate2", "async_compression", "brotli", "zlib_rs", "inflate")),
    ("charset", ("encoding_rs", "fetch::charset")),
    ("parse", ("html5ever", "markup5ever", "tendril", "string_cache", "scraper::html", "scraper::node", "parse_document")),
    ("robots.txt", ("texting_robots", "robots")),
    ("connect and TLS", ("rustls", "aws_lc", "ring::", "connect::", "TcpStream::connect", "tcp_v4_connect")),
    ("name resolution", ("hickory", "fetch::resolver", "fetch::dns")),
    ("technology rules", ("extract::tech",)),
    ("contacts", ("extract::contacts", "extract::phones", "extract::mail", "extract::obfuscation", "phonenumber", "extract::social")),
    ("the walk", ("extract::walk", "extract::head", "extract::document", "extract::json_ld", "extract::depth", "extract::organization", "selectors::", "scraper::element_ref", "scraper::selector")),
    ("parking check", ("extract::parking",)),
    ("extraction, other", ("domain_scheduler::extract",)),
    ("bot-wall check", ("fetch::walls",)),
    ("request and read", ("hyper", "reqwest", "h2::", "http_body", "fetch::")),
    ("database, service side (claims, writes)", ("sea_orm", "sqlx", "store::", "persister", "entity::")),
    ("errors recorded", ("error_recorder", "failure::")),
    ("telemetry and metrics", ("tracing", "opentelemetry", "metrics", "prometheus")),
    ("runtime (tokio, actors, queues)", ("tokio::runtime", "ractor", "flume", "extract::threads")),
]


def stage_of(frames):
    for symbol in frames:
        for stage, needles in STAGES:
            if any(needle in symbol for needle in needles):
                return stage
    return "other (kernel, allocator, start-up)"


def samples(lines):
    """(pid, [symbols leaf first]) per sample of `perf script` text."""
    header, frames = None, []
    for line in lines:
        if not line.strip():
            if header is not None:
                yield header, frames
            header, frames = None, []
        elif not line[0].isspace():
            header, frames = line.split(), []
        else:
            parts = line.split(None, 1)
            frames.append(parts[1].strip() if len(parts) > 1 else "")
    if header is not None:
        yield header, frames


def main():
    cpu_ms = float(sys.argv[1])
    by_pid = collections.defaultdict(collections.Counter)
    for header, frames in samples(sys.stdin):
        pid = next((field.split("/")[0] for field in header[1:] if field.split("/")[0].isdigit()), "?")
        by_pid[pid][stage_of(frames)] += 1
    # The service is the profiled process with the most samples (perf also saw time and bash).
    pid = sys.argv[2] if len(sys.argv) > 2 else max(by_pid, key=lambda p: sum(by_pid[p].values()))
    counts = by_pid[pid]
    total = sum(counts.values())
    print("| stage | share of service CPU | µs per domain |")
    print("| --- | --: | --: |")
    for stage, n in counts.most_common():
        print(f"| {stage} | {100 * n / total:.1f} % | {1000 * cpu_ms * n / total:.0f} |")
    print(f"| all ({total} samples of process {pid}) | 100 % | {1000 * cpu_ms:.0f} |")


if __name__ == "__main__":
    main()
