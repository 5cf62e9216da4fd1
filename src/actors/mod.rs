//! The actor tree and who sends what to whom.
//!
//! ```text
//! Supervisor (root: timer, claims, runs, restart intensity)
//!  ├── FetcherPool ── Fetcher × fetcher_pool_size   Process(WorkItem) → fetch, extract
//!  ├── Persister                                    Persist{item, metadata} → update_from_metadata
//!  └── ErrorRecorder                                Record{item, failure}  → domain_errors, retry/error
//! ```
//!
//! Work flows one way: the supervisor sends claimed domains to the pool, a fetcher sends each
//! result to the persister or the error recorder, and those two answer the supervisor with
//! `Done` so the run's bookkeeping sees every domain's outcome. Every message carries the
//! domain's `domain.process` span, a child of the run's `scheduler.run`.

pub mod error_recorder;
pub mod fetcher;
pub mod fetcher_pool;
pub mod messages;
pub mod persister;
pub mod restart;
pub mod supervisor;

use ractor::{Actor, ActorRef};
use sea_orm::DatabaseConnection;

use crate::config::Settings;
use crate::fetch::WebClient;
use crate::pressure::Pressure;
use crate::store::failures::RetryPolicy;
use crate::store::runs::RunMetrics;
pub use messages::{RunNowAnswer, SupervisorMsg};
use restart::RestartIntensity;
pub use supervisor::Mode;
use supervisor::{Supervisor, SupervisorArgs};

/// Why the actor tree could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot build the web client: {0}")]
    WebClient(#[source] crate::failure::Failure),
    #[error("cannot start the supervisor: {0}")]
    Supervisor(#[from] ractor::SpawnErr),
}

/// A started actor tree.
pub struct Pipeline {
    pub supervisor: ActorRef<SupervisorMsg>,
    join: ractor::concurrency::JoinHandle<()>,
    /// Set when the restart intensity is exceeded: the service must stop with a failure.
    pub fatal: tokio::sync::watch::Receiver<Option<String>>,
    /// Shortages of the service's own, for the readiness probe.
    pub pressure: Pressure,
    reports: messages::RunReports,
}

/// An identity for this process's leases: host name, process id and a random suffix.
pub fn instance_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_default();
    let host = if host.is_empty() { "host".to_owned() } else { host };
    format!("{host}-{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..8])
}

impl Pipeline {
    /// Starts the supervisor and its children.
    pub async fn start(
        settings: &Settings,
        db: DatabaseConnection,
        mode: Mode,
    ) -> Result<Pipeline, StartError> {
        let web = WebClient::new(settings.fetch.clone()).map_err(StartError::WebClient)?;
        let pressure = Pressure::default();
        let (restarts, fatal) =
            RestartIntensity::new(settings.scheduler.restart_max, settings.scheduler.restart_window);
        let reports = messages::RunReports::default();
        let args = SupervisorArgs {
            db,
            instance_id: instance_id(),
            mode,
            scheduler: settings.scheduler.clone(),
            policy: RetryPolicy::from(&settings.scheduler),
            web,
            pressure: pressure.clone(),
            restarts,
            diagnostic_dir: settings.fetch.diagnostic_dir.clone(),
            reports: reports.clone(),
            name_waits: fetcher_pool::NameWaits::default(),
        };
        let (supervisor, join) =
            Actor::spawn(Some(format!("supervisor-{}", uuid::Uuid::new_v4().simple())), Supervisor, args)
                .await?;
        Ok(Pipeline { supervisor, join, fatal, pressure, reports })
    }

    /// Waits until the supervisor stops (by itself in `Once`/`Drain` mode, or after
    /// [`Pipeline::shutdown`]); returns the runs it finished.
    pub async fn wait(self) -> Vec<RunMetrics> {
        let _ = self.join.await;
        std::mem::take(&mut *self.reports.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Asks for a graceful stop: no new claims, in-flight domains finish within the shutdown
    /// deadline, the rest are handed back.
    pub async fn shutdown(&self) {
        let _ = ractor::call!(self.supervisor, SupervisorMsg::Shutdown);
    }
}
