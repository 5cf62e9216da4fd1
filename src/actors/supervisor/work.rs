//! The supervisor's work: claiming due domains into runs, handing them to the fetcher pool,
//! and closing runs with their row and metrics line.

use std::time::Duration;

use ractor::{ActorProcessingErr, ActorRef};
use uuid::Uuid;

use super::policy::AfterRun;
use super::{Mode, SupervisorState};
use crate::actors::messages::{ErrorRecorderMsg, FetcherPoolMsg, PersisterMsg, SupervisorMsg, WorkItem};
use crate::domain_name::DomainName;
use crate::failure::{Failure, Kind, Stage};
use crate::pressure::Shortage;
use crate::store::{claims, runs};

/// What a claim found.
pub enum Claim {
    Started(Uuid),
    NothingDue,
    /// The database refused: nothing was claimed, and the pressure says for how long to wait.
    Failed,
}

impl SupervisorState {
    /// Claims runs while slots are free and domains are due. During a shortage of the
    /// service's own, it claims nothing and looks again when the pause ends.
    pub(super) async fn claim_while_free(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(wait) = self.args.pressure.pause() {
            self.wake_after(myself, wait);
            return Ok(());
        }
        if self.claims.may_claim(self.runs.len()) {
            match claims::recover_expired(&self.args.db, self.args.policy.max_attempts).await {
                Ok(0) => {}
                Ok(recovered) => tracing::info!(recovered, "took back domains whose lease expired"),
                Err(error) => tracing::debug!(%error, "cannot look for expired leases"),
            }
        }
        while self.claims.may_claim(self.runs.len()) {
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
        if self.claims.nothing_left(self.runs.len()) {
            myself.stop(Some("nothing left to do".into()));
        }
        Ok(())
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
    pub(super) async fn claim_one(&mut self) -> Claim {
        let scheduler = &self.args.scheduler;
        let claimed = claims::claim(
            &self.args.db,
            &self.args.instance_id,
            scheduler.batch_size.into(),
            scheduler.lease,
        );
        let claimed = match claimed.await {
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
        self.claims.claimed(claimed.len());
        if claimed.is_empty() {
            self.cause = None;
            return Claim::NothingDue;
        }
        let run_id = Uuid::new_v4();
        let span = tracing::info_span!(parent: None, "scheduler.run", run.id = %run_id, claimed = claimed.len(), instance = %self.args.instance_id);
        if let Some(cause) = self.cause.take() {
            span.follows_from(&cause);
        }
        self.runs.open(run_id, span.clone(), claimed.iter().map(|row| row.id));
        for row in claimed {
            let item_span = tracing::info_span!(parent: &span, "domain.process", domain = %row.domain, domain.id = %row.id, attempt = row.attempts, outcome = tracing::field::Empty);
            // A row another program inserted may hold a name `add` would refuse: it is recorded
            // as such and never fetched.
            let parsed = DomainName::parse(&row.domain);
            let item = WorkItem {
                run_id,
                domain_id: row.id,
                domain: parsed.clone().unwrap_or_else(|_| DomainName::as_stored(row.domain.clone())),
                attempts: row.attempts,
                max_pages: row.max_pages,
                span: item_span,
            };
            let sent = match parsed {
                Ok(_) => self.children.pool.cast(FetcherPoolMsg::Process(item)).map_err(|e| e.to_string()),
                Err(reason) => {
                    let failure = Failure::new(
                        Stage::Fetch,
                        Kind::InvalidDomain,
                        format!("{:?}: {reason}", row.domain),
                    );
                    let record = ErrorRecorderMsg::Record { item, failure: failure.permanent() };
                    self.children.downstream.error_recorder().cast(record).map_err(|e| e.to_string())
                }
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "an actor is unavailable; the domain comes back when its lease expires");
            }
        }
        Claim::Started(run_id)
    }

    /// A run whose domains have not all reported within a lease (their actor died with them)
    /// is closed; its remaining domains come back through lease expiry.
    pub(super) async fn close_outlived_runs(&mut self) {
        for run_id in self.runs.outlived(self.args.scheduler.lease + Duration::from_secs(5)) {
            tracing::warn!(%run_id, "run outlived its lease; closing it");
            self.close_run(run_id).await;
        }
    }

    /// Writes the run's row and metrics line.
    pub(super) async fn close_run(&mut self, run_id: Uuid) {
        let Some(finished) = self.runs.close(run_id, &self.args.instance_id) else { return };
        if let Err(error) = runs::insert(&self.args.db, &finished.metrics).await {
            tracing::warn!(%error, %run_id, "cannot write the scheduler_runs row");
        }
        let json = serde_json::to_string(&finished.metrics).unwrap_or_default();
        tracing::info!(parent: &finished.span, "SCHEDULER_METRICS {json}");
        self.args.reports.lock().unwrap_or_else(|p| p.into_inner()).push(finished.metrics);
    }

    /// After a run: claim again at once behind a backlog, or stop when the mode says so.
    pub(super) async fn after_run(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
    ) -> Result<(), ActorProcessingErr> {
        if self.stopping.is_some() {
            if self.runs.is_empty() {
                self.complete_shutdown(myself).await;
            }
            return Ok(());
        }
        match self.claims.after_run(self.runs.len()) {
            AfterRun::Stop => myself.stop(Some("run finished".into())),
            AfterRun::ClaimNow => myself.cast(SupervisorMsg::Wake)?,
            AfterRun::Wait => {}
        }
        Ok(())
    }

    /// Flushes the persister and the error recorder, answers the shutdown request and stops.
    pub(super) async fn complete_shutdown(&mut self, myself: &ActorRef<SupervisorMsg>) {
        let deadline = Duration::from_secs(10).as_millis() as u64;
        let _ = ractor::call_t!(self.children.downstream.persister(), PersisterMsg::FlushNow, deadline);
        let _ = ractor::call_t!(self.children.downstream.error_recorder(), ErrorRecorderMsg::Sync, deadline);
        if let Some(reply) = self.stopping.take() {
            let _ = reply.send(());
        }
        myself.stop(Some("shutdown".into()));
    }
}
