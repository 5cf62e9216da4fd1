//! How one domain's attempt ended: what the store wrote, and what the run's bookkeeping counts.
//! One type from the query to the metrics line, so no layer translates another's.

/// The end of one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// Written as `completed`.
    Completed,
    /// Failed and re-queued with a backoff.
    Retried,
    /// Failed for good: `error`.
    Failed,
    /// Not written: the lease had moved on (another instance or a shutdown took it back).
    Skipped,
    /// Handed back uncharged: this process ran short of its own resources before finishing it.
    Deferred,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
