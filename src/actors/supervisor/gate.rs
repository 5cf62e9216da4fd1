//! The operator's pause, as the supervisor sees it: read from the database (`store::pause`)
//! before a claim, at most every [`REREAD`], and at once on a wake (which `resume` sends), so a
//! pause asked of any instance or of the command line holds every instance within seconds
//! without a query per claim. The instance whose API or console pauses holds the pause before
//! it answers ([`PauseGate::hold`]).

use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::time::Instant;

use crate::store::pause;

/// How long a reading of the pause is trusted.
pub const REREAD: Duration = Duration::from_secs(2);

#[derive(Default)]
pub struct PauseGate {
    paused: bool,
    read_at: Option<Instant>,
}

impl PauseGate {
    /// Whether claiming is paused; the database is read again when the last reading is older
    /// than [`REREAD`] or `fresh` asks for it. A database that cannot be read keeps the last
    /// reading: the claim that follows meets the same outage and says so.
    pub async fn paused(&mut self, db: &DatabaseConnection, fresh: bool) -> bool {
        let stale = self.read_at.is_none_or(|at| fresh || at.elapsed() >= REREAD);
        if stale {
            match pause::current(db).await {
                Ok(current) => {
                    if current.is_some() != self.paused {
                        tracing::info!(
                            paused = current.is_some(),
                            "claiming {}",
                            if current.is_some() { "paused by an operator" } else { "resumed" }
                        );
                    }
                    self.paused = current.is_some();
                    self.read_at = Some(Instant::now());
                }
                Err(error) => tracing::debug!(%error, "cannot read the operator's pause"),
            }
        }
        self.paused
    }

    /// This instance paused claiming: held at once, without waiting for the next reading.
    pub fn hold(&mut self) {
        self.paused = true;
        self.read_at = Some(Instant::now());
    }
}
