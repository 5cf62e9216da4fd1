//! The `SCHEDULER_METRICS` line that ends each run. In JSON mode each figure is a field of the
//! event, so a log pipeline can filter and chart them without parsing a string; in pretty mode
//! the line carries the figures as one JSON object, the same one `run-once` prints.

use std::sync::OnceLock;

use chrono::SecondsFormat;

use tracing::Span;

use crate::config::LogFormat;
use crate::store::runs::RunMetrics;

/// The message of the line, which log searches look for.
pub const MESSAGE: &str = "SCHEDULER_METRICS";

/// The format chosen by the first [`super::init`].
static FORMAT: OnceLock<LogFormat> = OnceLock::new();

pub(super) fn remember(format: LogFormat) {
    let _ = FORMAT.set(format);
}

/// Logs the figures of a finished run at INFO, under the run's span.
pub fn log(span: &Span, m: &RunMetrics) {
    if matches!(FORMAT.get(), Some(LogFormat::Json)) {
        tracing::info!(
            parent: span,
            run_id = %m.run_id,
            instance_id = %m.instance_id,
            started_at = %m.started_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            finished_at = %m.finished_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            duration_seconds = m.duration_seconds,
            domains_claimed = m.domains_claimed,
            domains_processed = m.domains_processed,
            domains_successful = m.domains_successful,
            domains_failed = m.domains_failed,
            domains_retried = m.domains_retried,
            domains_skipped = m.domains_skipped,
            success_rate = m.success_rate,
            "{MESSAGE}"
        );
    } else {
        let json = serde_json::to_string(m).unwrap_or_default();
        tracing::info!(parent: span, "{MESSAGE} {json}");
    }
}
