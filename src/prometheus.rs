//! The Prometheus metrics served at `/metrics`: their names, what each one means (the `# HELP`
//! lines), and the recorder that renders them.
//!
//! The fetch latency is a histogram, not a summary: a summary's quantiles cover a short rolling
//! window and read 0 once it has passed, and quantiles from several replicas cannot be added
//! up, while histogram buckets can (`histogram_quantile` over `rate(..._bucket)`).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Domains that ended an attempt, by `outcome` (`completed`, `retried`, `failed`, `skipped`,
/// `deferred`).
pub const DOMAINS_PROCESSED: &str = "domain_scheduler_domains_processed_total";
/// Seconds from the first request of a home page to its last byte, fallbacks included.
pub const FETCH_DURATION: &str = "domain_scheduler_fetch_duration_seconds";
/// Domains waiting for an idle fetcher in this process.
pub const FETCH_QUEUE_DEPTH: &str = "domain_scheduler_fetch_queue_depth";
/// Domains in the database by `status`, counted when `/metrics` is read.
pub const QUEUE_DEPTH: &str = "domain_scheduler_queue_depth";
/// 1 while an operator has paused claiming (on every instance sharing the database), else 0;
/// read when `/metrics` is read.
pub const CLAIMING_PAUSED: &str = "domain_scheduler_claiming_paused";
/// Restarts of a failed actor by its supervisor, by `actor`.
pub const ACTOR_RESTARTS: &str = "domain_scheduler_actor_restarts_total";

/// The actors a supervisor restarts, as [`ACTOR_RESTARTS`] labels them.
pub const RESTARTED_ACTORS: [&str; 4] = ["fetcher", "fetcher_pool", "persister", "error_recorder"];

/// Fetch latency buckets in seconds: 1 ms to 30 s, about three per decade, so that a local
/// answer, a typical site and one near the fetch time-out each land in a bucket of their own.
pub const FETCH_BUCKETS: [f64; 15] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0];

/// Installs the recorder once per process, describes every metric and registers the counters
/// that must read 0 before anything happens (a restart counter that appears only after the
/// first restart cannot be alerted on with `increase`). `None` if another recorder is
/// installed.
pub fn install() -> Option<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(FETCH_DURATION.into()), &FETCH_BUCKETS)
        .ok()?
        .install_recorder()
        .ok()?;
    describe();
    for actor in RESTARTED_ACTORS {
        metrics::counter!(ACTOR_RESTARTS, "actor" => actor).absolute(0);
    }
    Some(handle)
}

fn describe() {
    use metrics::Unit;
    metrics::describe_counter!(
        DOMAINS_PROCESSED,
        Unit::Count,
        "Domains that ended an attempt, by outcome (completed, retried, failed, skipped, deferred)"
    );
    metrics::describe_histogram!(
        FETCH_DURATION,
        Unit::Seconds,
        "Time to fetch a home page, from the first request to the last byte, fallbacks included"
    );
    metrics::describe_gauge!(
        FETCH_QUEUE_DEPTH,
        Unit::Count,
        "Domains waiting for an idle fetcher in this process"
    );
    metrics::describe_gauge!(
        QUEUE_DEPTH,
        Unit::Count,
        "Domains in the database by status, counted when /metrics is read"
    );
    metrics::describe_gauge!(
        CLAIMING_PAUSED,
        "1 while an operator has paused claiming on every instance (pause / resume), else 0"
    );
    metrics::describe_counter!(
        ACTOR_RESTARTS,
        Unit::Count,
        "Restarts of a failed actor by its supervisor, by actor"
    );
}
