//! The supervisor (root): owns the timer, claims due domains, starts runs, keeps each run's
//! bookkeeping, and supervises the fetcher pool, the persister and the error recorder with a
//! restart intensity.
//!
//! Its parts: [`policy`] decides when to claim, [`runs`] keeps the runs in flight,
//! [`children`] starts and restarts the children, [`work`] claims and closes runs, and
//! [`wake`] tells it about work other processes added. It never crashes on a database
//! error: a shortage pauses its claims (see [`crate::pressure`]) and it looks again after.

mod children;
mod gate;
mod policy;
mod runs;
pub mod wake;
mod work;

use std::path::PathBuf;
use std::time::Duration;

use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::error_recorder::hand_back_wait;
use super::fetcher_pool::NameWaits;
use super::messages::{RunNowAnswer, RunReports, SupervisorMsg};
use super::restart::RestartIntensity;
use crate::config::SchedulerSettings;
use crate::fetch::WebClient;
use crate::pressure::Pressure;
use crate::store::claims;
use crate::store::failures::RetryPolicy;
use crate::store::outcome::Outcome;
use children::Children;
use gate::PauseGate;
use policy::{ClaimPolicy, Next};
use runs::RunBook;
use work::Claim;

/// When the supervisor stops by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Until shutdown.
    Serve,
    /// After one run.
    Once,
    /// When nothing is due and no run is in flight.
    Drain,
}

pub struct Supervisor;

pub struct SupervisorArgs {
    pub db: DatabaseConnection,
    pub instance_id: String,
    pub mode: Mode,
    pub scheduler: SchedulerSettings,
    pub policy: RetryPolicy,
    pub web: WebClient,
    pub pressure: Pressure,
    pub restarts: RestartIntensity,
    pub diagnostic_dir: Option<PathBuf>,
    pub reports: RunReports,
    /// Claimed domains the fetcher pool holds back until their name answers.
    pub name_waits: NameWaits,
}

pub struct SupervisorState {
    args: SupervisorArgs,
    children: Children,
    runs: RunBook,
    claims: ClaimPolicy,
    restarts_done: u64,
    timer: Option<tokio::task::JoinHandle<()>>,
    stopping: Option<RpcReplyPort<()>>,
    /// The request that asked for work, linked from the next run's span.
    cause: Option<tracing::Span>,
    /// A wake is already scheduled for the end of a pause.
    wake_scheduled: bool,
    /// Domains this process handed back uncharged fall due again by then: a drain waits for
    /// them instead of ending with them pending.
    handed_back_until: Option<tokio::time::Instant>,
    /// The operator's pause (`pause` / `resume`), shared through the database.
    gate: PauseGate,
    /// A wake asks for a fresh reading of the pause (`resume` wakes the supervisor).
    reread_pause: bool,
}

impl Actor for Supervisor {
    type Msg = SupervisorMsg;
    type State = SupervisorState;
    type Arguments = SupervisorArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: SupervisorArgs,
    ) -> Result<SupervisorState, ActorProcessingErr> {
        let children = Children::start(&myself, &args).await?;
        let timer = (args.mode == Mode::Serve)
            .then(|| myself.send_interval(args.scheduler.interval, || SupervisorMsg::Tick));
        myself.cast(SupervisorMsg::Tick)?;
        let scheduler = &args.scheduler;
        let claims = ClaimPolicy::new(
            args.mode,
            scheduler.max_instances,
            scheduler.batch_size,
            scheduler.fetcher_pool_size,
            scheduler.interval,
        );
        Ok(SupervisorState {
            args,
            children,
            runs: RunBook::default(),
            claims,
            restarts_done: 0,
            timer,
            stopping: None,
            cause: None,
            wake_scheduled: false,
            handed_back_until: None,
            gate: PauseGate::default(),
            reread_pause: false,
        })
    }

    async fn post_stop(
        &self,
        _myself: ActorRef<Self::Msg>,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(timer) = state.timer.take() {
            timer.abort();
        }
        Ok(())
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: SupervisorMsg,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            SupervisorMsg::Tick => {
                state.close_outlived_runs().await;
                state.claim_while_free(&myself).await?;
            }
            SupervisorMsg::Wake | SupervisorMsg::WokenBy(_) => {
                state.wake_scheduled = false;
                if let SupervisorMsg::WokenBy(cause) = msg {
                    state.cause = Some(cause);
                }
                state.close_outlived_runs().await;
                state.claims.announced();
                state.reread_pause = true;
                state.claim_while_free(&myself).await?;
            }
            SupervisorMsg::PauseNoted(reply) => {
                state.gate.hold();
                let _ = reply.send(());
            }
            SupervisorMsg::RunNow { cause, tenant, reply } => {
                state.cause = Some(cause);
                let _ = reply.send(state.run_now(tenant).await);
            }
            SupervisorMsg::Done { run_id, domain_id, outcome } => {
                metrics::counter!(crate::prometheus::DOMAINS_PROCESSED, "outcome" => outcome.as_str())
                    .increment(1);
                if outcome == Outcome::Deferred {
                    state.handed_back();
                }
                let finished = state.runs.report(run_id, domain_id, outcome).then_some(run_id);
                state.after_report(&myself, finished).await?;
            }
            SupervisorMsg::Shutdown(reply) => {
                if let Some(timer) = state.timer.take() {
                    timer.abort();
                }
                state.claims.stop();
                state.stopping = Some(reply);
                // No run takes more domains: each ends with its last in-flight domain, and the
                // last of those ends the shutdown, long before the deadline when they are quick.
                for run_id in state.runs.ids() {
                    state.stop_claiming(run_id).await;
                }
                if state.runs.is_empty() {
                    state.complete_shutdown(&myself).await;
                } else {
                    tracing::info!(runs = state.runs.len(), "stopping: letting in-flight domains finish");
                    myself.send_after(state.args.scheduler.shutdown_timeout, || {
                        SupervisorMsg::ShutdownDeadline
                    });
                }
            }
            SupervisorMsg::ShutdownDeadline => {
                let held: Vec<Uuid> = state.runs.held().collect();
                match claims::release(&state.args.db, &state.args.instance_id, &held).await {
                    Ok(released) => tracing::info!(released, "shutdown deadline passed: leases handed back"),
                    Err(error) => {
                        tracing::warn!(%error, "cannot hand back leases; they come back when they expire")
                    }
                }
                // Fetches still in flight are abandoned: their domains were just handed back, and a
                // late result would be refused by the lease check anyway.
                state.children.pool.kill();
                for run_id in state.runs.ids() {
                    state.close_run(run_id).await;
                }
                state.complete_shutdown(&myself).await;
            }
        }
        Ok(())
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut SupervisorState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, reason): (ActorCell, String) = match event {
            SupervisionEvent::ActorFailed(cell, error) => (cell, error.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) if state.stopping.is_none() => {
                (cell, reason.unwrap_or_else(|| "stopped".into()))
            }
            _ => return Ok(()),
        };
        let Some(child) = state.children.identify(&cell) else { return Ok(()) };
        tracing::warn!(actor = child.as_str(), %reason, "actor died; restarting it");
        if !state.args.restarts.allow(child.as_str(), &reason) {
            myself.stop(Some(format!("restart intensity exceeded by {}", child.as_str())));
            return Ok(());
        }
        state.restarts_done += 1;
        state.children.restart(&myself, &state.args, child, state.restarts_done).await
    }
}

impl SupervisorState {
    /// The answer to a request for a run now: of every tenant's due domains, or of `tenant`'s
    /// only.
    async fn run_now(&mut self, tenant: Option<Uuid>) -> RunNowAnswer {
        let in_flight = self.in_flight();
        if self.claims.slots_full(in_flight.claiming_runs) {
            return RunNowAnswer::AtCapacity;
        }
        if self.args.pressure.pause().is_some() {
            return RunNowAnswer::Paused(self.args.pressure.describe().unwrap_or_default());
        }
        if self.gate.paused(&self.args.db, true).await {
            return RunNowAnswer::PausedByOperator;
        }
        let Next::Open(size) = self.claims.next(in_flight) else { return RunNowAnswer::AtCapacity };
        let claim = match tenant {
            None => self.claim_into(None, size).await,
            Some(tenant) => self.claim_for_tenant(tenant, size).await,
        };
        match claim {
            Claim::Claimed { run_id, .. } => RunNowAnswer::Started(run_id),
            Claim::NothingDue => RunNowAnswer::NothingDue,
            Claim::Failed => RunNowAnswer::Paused(self.args.pressure.describe().unwrap_or_default()),
        }
    }

    /// A domain was handed back: it falls due after the pause, or the hand-back delay.
    fn handed_back(&mut self) {
        let wait = hand_back_wait(&self.args.pressure);
        let due = tokio::time::Instant::now() + wait + Duration::from_millis(50);
        self.handed_back_until = Some(self.handed_back_until.map_or(due, |until| until.max(due)));
    }

    /// How long until the domains handed back are due again, if they are not yet.
    pub(super) fn wait_for_handed_back(&self) -> Option<Duration> {
        let until = self.handed_back_until?;
        let now = tokio::time::Instant::now();
        (until > now).then(|| until - now)
    }

    /// Looks for due work again after `wait`, once however often it is asked.
    fn wake_after(&mut self, myself: &ActorRef<SupervisorMsg>, wait: Duration) {
        if !self.wake_scheduled {
            self.wake_scheduled = true;
            myself.send_after(wait, || SupervisorMsg::Wake);
        }
    }
}
