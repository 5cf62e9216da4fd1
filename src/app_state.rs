//! What every handler of `serve`'s two HTTP faces, the API and the console, can reach: the
//! database, the settings, the supervisor of this process's pipeline and the service's own
//! health. Below both faces, so that neither imports the other; `http` serves them together.
//!
//! What a face asks of the pipeline goes through here too, once for both: a wake-up when there
//! is new work, and a run now.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use metrics_exporter_prometheus::PrometheusHandle;
use ractor::ActorRef;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::actors::{RunNowAnswer, SupervisorMsg};
use crate::config::Settings;

/// What every handler can reach.
#[derive(Clone)]
pub struct ApiState {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub supervisor: Option<ActorRef<SupervisorMsg>>,
    pub metrics: Option<PrometheusHandle>,
    /// Shortages of the service's own, shown by `/readyz`.
    pub pressure: crate::pressure::Pressure,
    /// Set while the service drains before it exits: `/readyz` answers 503.
    pub draining: Arc<AtomicBool>,
}

/// Why a run now could not even be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchedulerAway {
    /// No pipeline runs in this process.
    NotRunning,
    /// The supervisor did not answer in time.
    NoAnswer,
}

impl ApiState {
    /// New work: the supervisor looks now instead of at the next tick.
    pub fn wake_supervisor(&self) {
        if let Some(supervisor) = &self.supervisor {
            let _ = supervisor.cast(SupervisorMsg::WokenBy(tracing::Span::current()));
        }
    }

    /// An operator paused claiming: answers once this instance's supervisor holds the pause
    /// (a supervisor that does not answer within seconds reads it from the database anyway).
    pub async fn hold_pause(&self) {
        if let Some(supervisor) = &self.supervisor {
            let _ = ractor::call_t!(supervisor, SupervisorMsg::PauseNoted, 5_000);
        }
    }

    /// Asks the supervisor for a run now: of every tenant's due domains (`None`, an admin's), or
    /// of one tenant's only. The API's `POST /api/v1/scheduler/run` and the console's "Run now"
    /// both ask here, and each says the answer its own way.
    pub async fn run_now(&self, tenant: Option<Uuid>) -> Result<RunNowAnswer, SchedulerAway> {
        let Some(supervisor) = self.supervisor.clone() else { return Err(SchedulerAway::NotRunning) };
        let cause = tracing::Span::current();
        ractor::call_t!(supervisor, |reply| SupervisorMsg::RunNow { cause, tenant, reply }, 30_000)
            .map_err(|_| SchedulerAway::NoAnswer)
    }
}
