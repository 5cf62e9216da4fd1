//! The supervisor (root): owns the timer, claims due domains, starts runs, keeps each run's
//! bookkeeping, and supervises the fetcher pool, the persister and the error recorder with a
//! restart intensity.
//!
//! A claim happens when a run slot is free: at each tick, when new work is announced, and at
//! once when a run ends behind a full claim (a backlog) or after work was announced while every
//! slot was busy, so neither waits for the next tick. It never crashes on a database error: it
//! logs and tries again at the next tick.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::error_recorder::{ErrorRecorder, ErrorRecorderArgs};
use super::fetcher_pool::{FetcherPool, FetcherPoolArgs};
use super::messages::{
    Downstream, ErrorRecorderMsg, FetcherPoolMsg, Outcome, PersisterMsg, RunNowAnswer, RunReports,
    SupervisorMsg, WorkItem,
};
use super::persister::{Persister, PersisterArgs};
use super::restart::RestartIntensity;
use crate::config::SchedulerSettings;
use crate::pressure::{Pressure, Shortage};
use crate::store::claims;
use crate::store::failures::RetryPolicy;
use crate::store::runs::{self, RunMetrics};

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
    pub web: crate::fetch::WebClient,
    pub pressure: Pressure,
    pub restarts: RestartIntensity,
    pub diagnostic_dir: Option<std::path::PathBuf>,
    pub reports: RunReports,
}

/// One run in flight.
struct Run {
    span: tracing::Span,
    started: Instant,
    started_at: DateTime<Utc>,
    claimed: u32,
    remaining: HashSet<Uuid>,
    tally: HashMap<Outcome, u32>,
}

pub struct SupervisorState {
    args: SupervisorArgs,
    pool: ActorRef<FetcherPoolMsg>,
    downstream: Downstream,
    runs: HashMap<Uuid, Run>,
    runs_started: u64,
    /// The last claim came back full: more is probably due.
    backlog: bool,
    /// New work was announced while every run slot was busy: claim when one frees, not at the
    /// next tick (an interval later).
    announced_while_busy: bool,
    timer: Option<tokio::task::JoinHandle<()>>,
    stopping: Option<RpcReplyPort<()>>,
    /// The request that asked for work, linked from the next run's span.
    cause: Option<tracing::Span>,
    /// A wake is already scheduled for the end of a pause.
    wake_scheduled: bool,
}

/// What a claim found.
enum Claim {
    Started(Uuid),
    NothingDue,
    /// The database refused: nothing was claimed, and the pressure says for how long to wait.
    Failed,
}

impl std::hash::Hash for Outcome {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
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
        let persister = spawn_persister(&myself, &args, 0).await?;
        let error_recorder = spawn_error_recorder(&myself, &args, 0).await?;
        let downstream = Downstream::new(persister, error_recorder);
        let pool = spawn_pool(&myself, &args, &downstream, 0).await?;
        let timer = (args.mode == Mode::Serve)
            .then(|| myself.send_interval(args.scheduler.interval, || SupervisorMsg::Tick));
        myself.cast(SupervisorMsg::Tick)?;
        Ok(SupervisorState {
            args,
            pool,
            downstream,
            runs: HashMap::new(),
            runs_started: 0,
            backlog: false,
            announced_while_busy: false,
            timer,
            stopping: None,
            cause: None,
            wake_scheduled: false,
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
                state.expire_stuck_runs().await;
                state.claim_while_free(&myself).await?;
            }
            SupervisorMsg::Wake | SupervisorMsg::WokenBy(_) => {
                state.wake_scheduled = false;
                if let SupervisorMsg::WokenBy(cause) = msg {
                    state.cause = Some(cause);
                }
                state.expire_stuck_runs().await;
                // With every slot busy, claim when one frees rather than at the next tick.
                state.announced_while_busy |= state.stopping.is_none() && state.slots_full();
                state.claim_while_free(&myself).await?;
            }
            SupervisorMsg::RunNow(cause, reply) => {
                state.cause = Some(cause);
                let answer = if state.stopping.is_some() || state.slots_full() {
                    RunNowAnswer::AtCapacity
                } else if state.args.pressure.pause().is_some() {
                    RunNowAnswer::Paused(state.args.pressure.describe().unwrap_or_default())
                } else {
                    match state.claim_one().await {
                        Claim::Started(run_id) => RunNowAnswer::Started(run_id),
                        Claim::NothingDue => RunNowAnswer::NothingDue,
                        Claim::Failed => {
                            RunNowAnswer::Paused(state.args.pressure.describe().unwrap_or_default())
                        }
                    }
                };
                let _ = reply.send(answer);
            }
            SupervisorMsg::Done { run_id, domain_id, outcome } => {
                metrics::counter!("domain_scheduler_domains_processed_total", "outcome" => outcome.as_str())
                    .increment(1);
                let finished = match state.runs.get_mut(&run_id) {
                    Some(run) => {
                        if run.remaining.remove(&domain_id) {
                            *run.tally.entry(outcome).or_default() += 1;
                        }
                        run.remaining.is_empty()
                    }
                    None => false,
                };
                if finished {
                    state.finish_run(run_id).await;
                    state.after_run(&myself).await?;
                }
            }
            SupervisorMsg::Shutdown(reply) => {
                if let Some(timer) = state.timer.take() {
                    timer.abort();
                }
                state.stopping = Some(reply);
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
                let held: Vec<Uuid> =
                    state.runs.values().flat_map(|run| run.remaining.iter().copied()).collect();
                match claims::release(&state.args.db, &state.args.instance_id, &held).await {
                    Ok(released) => tracing::info!(released, "shutdown deadline passed: leases handed back"),
                    Err(error) => {
                        tracing::warn!(%error, "cannot hand back leases; they come back when they expire")
                    }
                }
                // Fetches still in flight are abandoned: their domains were just handed back, and a
                // late result would be refused by the lease check anyway.
                state.pool.kill();
                let run_ids: Vec<Uuid> = state.runs.keys().copied().collect();
                for run_id in run_ids {
                    state.finish_run(run_id).await;
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
        let id = cell.get_id();
        let actor = if id == state.pool.get_id() {
            "fetcher_pool"
        } else if id == state.downstream.persister().get_id() {
            "persister"
        } else if id == state.downstream.error_recorder().get_id() {
            "error_recorder"
        } else {
            return Ok(());
        };
        tracing::warn!(actor, %reason, "actor died; restarting it");
        if !state.args.restarts.allow(actor, &reason) {
            myself.stop(Some(format!("restart intensity exceeded by {actor}")));
            return Ok(());
        }
        let generation = state.runs_started + rand::random::<u32>() as u64;
        match actor {
            "persister" => {
                state.downstream.set_persister(spawn_persister(&myself, &state.args, generation).await?)
            }
            "error_recorder" => state
                .downstream
                .set_error_recorder(spawn_error_recorder(&myself, &state.args, generation).await?),
            _ => state.pool = spawn_pool(&myself, &state.args, &state.downstream, generation).await?,
        }
        Ok(())
    }
}

async fn spawn_persister(
    myself: &ActorRef<SupervisorMsg>,
    args: &SupervisorArgs,
    generation: u64,
) -> Result<ActorRef<PersisterMsg>, ActorProcessingErr> {
    let persister_args = PersisterArgs {
        db: args.db.clone(),
        instance_id: args.instance_id.clone(),
        supervisor: myself.clone(),
        pressure: args.pressure.clone(),
    };
    let (actor, _) = Actor::spawn_linked(
        Some(format!("persister-{generation}")),
        Persister,
        persister_args,
        myself.get_cell(),
    )
    .await?;
    Ok(actor)
}

async fn spawn_error_recorder(
    myself: &ActorRef<SupervisorMsg>,
    args: &SupervisorArgs,
    generation: u64,
) -> Result<ActorRef<ErrorRecorderMsg>, ActorProcessingErr> {
    let recorder_args = ErrorRecorderArgs {
        db: args.db.clone(),
        instance_id: args.instance_id.clone(),
        policy: args.policy,
        supervisor: myself.clone(),
        pressure: args.pressure.clone(),
    };
    let (actor, _) = Actor::spawn_linked(
        Some(format!("error-recorder-{generation}")),
        ErrorRecorder,
        recorder_args,
        myself.get_cell(),
    )
    .await?;
    Ok(actor)
}

async fn spawn_pool(
    myself: &ActorRef<SupervisorMsg>,
    args: &SupervisorArgs,
    downstream: &Downstream,
    generation: u64,
) -> Result<ActorRef<FetcherPoolMsg>, ActorProcessingErr> {
    let pool_args = FetcherPoolArgs {
        size: args.scheduler.fetcher_pool_size as usize,
        web: args.web.clone(),
        pressure: args.pressure.clone(),
        downstream: downstream.clone(),
        restarts: args.restarts.clone(),
        diagnostic_dir: args.diagnostic_dir.clone(),
    };
    let (actor, _) = Actor::spawn_linked(
        Some(format!("fetcher-pool-{generation}")),
        FetcherPool,
        pool_args,
        myself.get_cell(),
    )
    .await?;
    Ok(actor)
}

impl SupervisorState {
    fn may_claim(&self) -> bool {
        self.stopping.is_none()
            && !self.slots_full()
            && !(self.args.mode == Mode::Once && self.runs_started > 0)
    }

    /// `max_instances` runs are in flight.
    fn slots_full(&self) -> bool {
        self.runs.len() >= self.args.scheduler.max_instances as usize
    }

    /// Claims runs while slots are free and domains are due. During a shortage of the
    /// service's own, it claims nothing and looks again when the pause ends.
    async fn claim_while_free(&mut self, myself: &ActorRef<SupervisorMsg>) -> Result<(), ActorProcessingErr> {
        if let Some(wait) = self.args.pressure.pause() {
            self.wake_after(myself, wait);
            return Ok(());
        }
        if self.may_claim() {
            match claims::recover_expired(&self.args.db, self.args.policy.max_attempts).await {
                Ok(0) => {}
                Ok(recovered) => tracing::info!(recovered, "took back domains whose lease expired"),
                Err(error) => tracing::debug!(%error, "cannot look for expired leases"),
            }
        }
        while self.may_claim() {
            match self.claim_one().await {
                Claim::Started(_) => {}
                Claim::NothingDue => break,
                Claim::Failed => {
                    self.give_up_on_a_lasting_outage();
                    let wait = self.args.pressure.pause().unwrap_or(Duration::from_secs(1));
                    self.wake_after(myself, wait);
                    return Ok(());
                }
            }
        }
        if self.args.mode != Mode::Serve && self.runs.is_empty() {
            myself.stop(Some("nothing left to do".into()));
        }
        Ok(())
    }

    /// Looks for due work again after `wait`, once however often it is asked.
    fn wake_after(&mut self, myself: &ActorRef<SupervisorMsg>, wait: Duration) {
        if !self.wake_scheduled {
            self.wake_scheduled = true;
            myself.send_after(wait, || SupervisorMsg::Wake);
        }
    }

    /// `run-once` has no one to wait for: after a lease's length of database outage it stops
    /// with a failure instead of waiting forever. `serve` waits as long as it takes.
    fn give_up_on_a_lasting_outage(&self) {
        let lasting = self.args.pressure.lasting(Shortage::Database).unwrap_or_default();
        if self.args.mode != Mode::Serve && lasting > self.args.scheduler.lease {
            self.args.restarts.stop_service(format!(
                "the database has been unreachable for {} s: {}",
                lasting.as_secs(),
                self.args.pressure.describe().unwrap_or_default()
            ));
        }
    }

    /// Claims one batch and starts its run.
    async fn claim_one(&mut self) -> Claim {
        let claimed = match claims::claim(
            &self.args.db,
            &self.args.instance_id,
            self.args.scheduler.batch_size.into(),
            self.args.scheduler.lease,
        )
        .await
        {
            Ok(claimed) => {
                self.args.pressure.relieved(Shortage::Database);
                claimed
            }
            Err(error) => {
                let shortage = Shortage::of_database_error(&error);
                self.args.pressure.report(shortage, &format!("cannot claim due domains: {error}"));
                return Claim::Failed;
            }
        };
        self.backlog = claimed.len() as u32 >= self.args.scheduler.batch_size;
        if claimed.is_empty() {
            self.cause = None;
            return Claim::NothingDue;
        }
        let run_id = Uuid::new_v4();
        let span = tracing::info_span!(parent: None, "scheduler.run", run.id = %run_id, claimed = claimed.len(), instance = %self.args.instance_id);
        if let Some(cause) = self.cause.take() {
            span.follows_from(&cause);
        }
        let mut remaining = HashSet::with_capacity(claimed.len());
        for row in &claimed {
            remaining.insert(row.id);
        }
        self.runs_started += 1;
        self.runs.insert(
            run_id,
            Run {
                span: span.clone(),
                started: Instant::now(),
                started_at: Utc::now(),
                claimed: claimed.len() as u32,
                remaining,
                tally: HashMap::new(),
            },
        );
        for row in claimed {
            let item_span = tracing::info_span!(parent: &span, "domain.process", domain = %row.domain, domain.id = %row.id, attempt = row.attempts, outcome = tracing::field::Empty);
            let item = WorkItem {
                run_id,
                domain_id: row.id,
                domain: row.domain,
                attempts: row.attempts,
                max_pages: row.max_pages,
                span: item_span,
            };
            if let Err(error) = self.pool.cast(FetcherPoolMsg::Process(item)) {
                tracing::warn!(%error, "fetcher pool unavailable; the domain comes back when its lease expires");
            }
        }
        Claim::Started(run_id)
    }

    /// A run whose domains have not all reported within a lease (their actor died with them)
    /// is closed; its remaining domains come back through lease expiry.
    async fn expire_stuck_runs(&mut self) {
        let stuck: Vec<Uuid> = self
            .runs
            .iter()
            .filter(|(_, run)| run.started.elapsed() > self.args.scheduler.lease + Duration::from_secs(5))
            .map(|(id, _)| *id)
            .collect();
        for run_id in stuck {
            tracing::warn!(%run_id, "run outlived its lease; closing it");
            self.finish_run(run_id).await;
        }
    }

    /// Writes the run's row and metrics line. Domains that never reported count as skipped.
    async fn finish_run(&mut self, run_id: Uuid) {
        let Some(run) = self.runs.remove(&run_id) else { return };
        let count = |outcome| run.tally.get(&outcome).copied().unwrap_or(0);
        let successful = count(Outcome::Completed);
        let failed = count(Outcome::Failed);
        let retried = count(Outcome::Retried);
        let skipped = count(Outcome::Skipped) + count(Outcome::Deferred) + run.remaining.len() as u32;
        let processed = successful + failed + retried;
        let metrics = RunMetrics {
            run_id,
            instance_id: self.args.instance_id.clone(),
            started_at: run.started_at,
            finished_at: Utc::now(),
            duration_seconds: run.started.elapsed().as_secs_f64(),
            domains_claimed: run.claimed,
            domains_processed: processed,
            domains_successful: successful,
            domains_failed: failed,
            domains_retried: retried,
            domains_skipped: skipped,
            success_rate: if processed == 0 { 0.0 } else { f64::from(successful) / f64::from(processed) },
        };
        if let Err(error) = runs::insert(&self.args.db, &metrics).await {
            tracing::warn!(%error, %run_id, "cannot write the scheduler_runs row");
        }
        let json = serde_json::to_string(&metrics).unwrap_or_default();
        tracing::info!(parent: &run.span, "SCHEDULER_METRICS {json}");
        self.args.reports.lock().unwrap_or_else(|p| p.into_inner()).push(metrics);
        drop(run);
    }

    /// After a run: claim again at once behind a backlog, or stop when the mode says so.
    async fn after_run(&mut self, myself: &ActorRef<SupervisorMsg>) -> Result<(), ActorProcessingErr> {
        if self.stopping.is_some() {
            if self.runs.is_empty() {
                self.complete_shutdown(myself).await;
            }
            return Ok(());
        }
        match self.args.mode {
            Mode::Once if self.runs.is_empty() => myself.stop(Some("run finished".into())),
            Mode::Drain => myself.cast(SupervisorMsg::Wake)?,
            Mode::Serve if self.backlog || self.announced_while_busy => {
                self.announced_while_busy = false;
                myself.cast(SupervisorMsg::Wake)?
            }
            _ => {}
        }
        Ok(())
    }

    /// Flushes the persister and the error recorder, answers the shutdown request and stops.
    async fn complete_shutdown(&mut self, myself: &ActorRef<SupervisorMsg>) {
        let deadline = Duration::from_secs(10);
        let _ =
            ractor::call_t!(self.downstream.persister(), PersisterMsg::FlushNow, deadline.as_millis() as u64);
        let _ = ractor::call_t!(
            self.downstream.error_recorder(),
            ErrorRecorderMsg::Sync,
            deadline.as_millis() as u64
        );
        if let Some(reply) = self.stopping.take() {
            let _ = reply.send(());
        }
        myself.stop(Some("shutdown".into()));
    }
}
