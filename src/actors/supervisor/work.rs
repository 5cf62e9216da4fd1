//! The supervisor's work: claiming due domains into runs, handing them to the fetcher pool,
//! and closing runs with their row and metrics line.

use std::time::Duration;

use ractor::{ActorProcessingErr, ActorRef};
use uuid::Uuid;

use super::policy::{InFlight, Next};
use super::{Mode, SupervisorState};
use crate::actors::messages::{ErrorRecorderMsg, FetcherPoolMsg, PersisterMsg, SupervisorMsg, WorkItem};
use crate::domain_name::DomainName;
use crate::failure::{Failure, Kind, Stage};
use crate::pressure::Shortage;
use crate::store::{claims, rescans, runs};

/// What a claim found.
pub enum Claim {
    /// Domains were claimed into this run; `more_due` when the claim came back full.
    Claimed {
        run_id: Uuid,
        more_due: bool,
    },
    NothingDue,
    /// The database refused: nothing was claimed, and the pressure says for how long to wait.
    Failed,
}

impl SupervisorState {
    pub(super) fn in_flight(&self) -> InFlight {
        // Domains waiting for their name's answer take no fetcher: they do not count against
        // the pool's share of claims, up to as many again, so a wave of silent name servers
        // cannot make the claims run away.
        let pool = self.args.scheduler.fetcher_pool_size as usize;
        let waiting = self.args.name_waits.count().min(pool * 2);
        InFlight {
            held: self.runs.held_count().saturating_sub(waiting),
            claiming: self.runs.claiming(),
            claiming_runs: self.runs.claiming_runs(),
        }
    }

    /// Claims as the policy says: refills the claiming run, or opens a new one, until the pool
    /// is full or nothing more is due. During a shortage of the service's own, it claims
    /// nothing and looks again when the pause ends.
    pub(super) async fn claim_while_free(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(wait) = self.args.pressure.pause() {
            self.wake_after(myself, wait);
            return Ok(());
        }
        let fresh = std::mem::take(&mut self.reread_pause);
        if self.gate.paused(&self.args.db, fresh).await {
            return self.hold_while_paused(myself).await;
        }
        let mut recovered = false;
        loop {
            let next = self.claims.next(self.in_flight());
            // Leases that expired are taken back before a run opens, not at every refill: a
            // refill happens while this instance's own domains are in flight.
            if matches!(next, Next::Open(_)) && !recovered {
                recovered = true;
                self.recover_expired().await;
            }
            // A tenant's run that finds nothing more of that tenant's says nothing of the rest.
            let mut scoped = false;
            let claim = match next {
                Next::Wait => break,
                Next::Retire(run_id) => {
                    self.stop_claiming(run_id).await;
                    self.claims.retired();
                    continue;
                }
                Next::Refill(run_id, size) => {
                    scoped = self.runs.tenant(run_id).is_some();
                    self.claim_into(Some(run_id), size).await
                }
                Next::Open(size) => self.claim_into(None, size).await,
            };
            match claim {
                Claim::Claimed { more_due: true, .. } => {}
                Claim::Claimed { more_due: false, .. } if scoped => {}
                Claim::Claimed { more_due: false, .. } | Claim::NothingDue => break,
                Claim::Failed => {
                    self.give_up_on_a_lasting_outage();
                    let wait = self.args.pressure.pause().unwrap_or(Duration::from_secs(1));
                    self.wake_after(myself, wait);
                    return Ok(());
                }
            }
        }
        if self.claims.nothing_left(self.runs.len()) {
            match self.wait_for_handed_back() {
                // A drain finishes what it handed back during a shortage of its own.
                Some(wait) if self.args.mode == Mode::Drain => self.wake_after(myself, wait),
                _ => myself.stop(Some("nothing left to do".into())),
            }
        }
        Ok(())
    }

    /// An operator paused claiming: no run takes more domains, so each ends with the domains it
    /// holds. `serve` looks again at each tick and wake; `run-once` has nothing more to do.
    async fn hold_while_paused(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
    ) -> Result<(), ActorProcessingErr> {
        for run_id in self.runs.ids() {
            self.stop_claiming(run_id).await;
        }
        if self.args.mode != Mode::Serve && self.runs.is_empty() {
            tracing::warn!("claiming is paused by an operator (`resume` lets it run): nothing claimed");
            myself.stop(Some("claiming paused".into()));
        }
        Ok(())
    }

    async fn recover_expired(&mut self) {
        match claims::recover_expired(
            &self.args.db,
            self.args.policy.max_attempts,
            self.args.scheduler.rescan_after,
        )
        .await
        {
            Ok(0) => {}
            Ok(recovered) => tracing::info!(recovered, "took back domains whose lease expired"),
            Err(error) => tracing::debug!(%error, "cannot look for expired leases"),
        }
    }

    /// The run takes no more domains; it is closed if none is left out.
    pub(super) async fn stop_claiming(&mut self, run_id: Uuid) {
        if self.runs.stop_claiming(run_id) {
            self.close_run(run_id).await;
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

    /// Claims up to `size` due domains into run `into`, or into a new run, and hands them to
    /// the fetcher pool. A claim that comes back short ends the run's claiming. A run started
    /// for one tenant refills with that tenant's domains only.
    pub(super) async fn claim_into(&mut self, into: Option<Uuid>, size: usize) -> Claim {
        let tenant = into.and_then(|run_id| self.runs.tenant(run_id));
        self.claim_scoped(into, size, tenant).await
    }

    /// Claims up to `size` of `tenant`'s due domains into a new run (a tenant's run-now): it
    /// refills with that tenant's domains only, never another's.
    pub(super) async fn claim_for_tenant(&mut self, tenant: Uuid, size: usize) -> Claim {
        // Work announced for every tenant is still to be looked for after this one's claim.
        let announced = self.claims.is_announced();
        let claim = self.claim_scoped(None, size, Some(tenant)).await;
        if announced {
            self.claims.announced();
        }
        claim
    }

    async fn claim_scoped(&mut self, into: Option<Uuid>, size: usize, tenant: Option<Uuid>) -> Claim {
        let claimed = claims::claim_for(
            &self.args.db,
            &self.args.instance_id,
            size as u64,
            self.args.scheduler.lease,
            tenant,
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
        let short = self.claims.claimed(size, claimed.len());
        tracing::debug!(asked = size, claimed = claimed.len(), refill = into.is_some(), tenant = ?tenant, "claimed");
        let run_id = match into {
            Some(run_id) => {
                self.runs.add(run_id, claimed.iter().map(|row| row.id));
                run_id
            }
            None if claimed.is_empty() => {
                self.cause = None;
                return Claim::NothingDue;
            }
            None => {
                let run_id = Uuid::new_v4();
                let span = tracing::info_span!(parent: None, "scheduler.run", run.id = %run_id, claimed = tracing::field::Empty, instance = %self.args.instance_id);
                if let Some(cause) = self.cause.take() {
                    span.follows_from(&cause);
                }
                self.runs.open(run_id, span, claimed.iter().map(|row| row.id));
                if let Some(tenant) = tenant {
                    self.runs.scope_to(run_id, tenant);
                }
                self.claims.opened();
                run_id
            }
        };
        let span = self.runs.span(run_id);
        for row in claimed {
            self.dispatch(run_id, &span, row);
        }
        if short {
            self.stop_claiming(run_id).await;
        }
        Claim::Claimed { run_id, more_due: !short }
    }

    /// Hands one claimed row to the fetcher pool as a work item of run `run_id`.
    fn dispatch(&self, run_id: Uuid, run_span: &tracing::Span, row: entity::domains::Model) {
        let item_span = tracing::info_span!(parent: run_span, "domain.process", domain = %row.domain, domain.id = %row.id, attempt = row.attempts, outcome = tracing::field::Empty);
        // A row another program inserted may hold a name `add` would refuse: it is recorded as
        // such and never fetched.
        let parsed = DomainName::parse(&row.domain);
        let item = WorkItem {
            run_id,
            domain_id: row.id,
            domain: parsed.clone().unwrap_or_else(|_| DomainName::as_stored(row.domain.clone())),
            attempts: row.attempts,
            max_pages: row.max_pages,
            last_success: row.fetched_at,
            rescan_after: rescans::interval_of(&row, self.args.scheduler.rescan_after),
            lease_ends: std::time::Instant::now() + self.args.scheduler.lease,
            span: item_span,
        };
        let sent = match parsed {
            Ok(_) => self.children.pool.cast(FetcherPoolMsg::Process(item)).map_err(|e| e.to_string()),
            Err(reason) => {
                let failure =
                    Failure::new(Stage::Fetch, Kind::InvalidDomain, format!("{:?}: {reason}", row.domain));
                let record = ErrorRecorderMsg::Record { item, failure: failure.permanent() };
                self.children.downstream.error_recorder().cast(record).map_err(|e| e.to_string())
            }
        };
        if let Err(error) = sent {
            tracing::warn!(%error, "an actor is unavailable; the domain comes back when its lease expires");
        }
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
        finished.span.record("claimed", finished.metrics.domains_claimed);
        if let Err(error) = runs::insert(&self.args.db, &finished.metrics).await {
            tracing::warn!(%error, %run_id, "cannot write the scheduler_runs row");
        }
        crate::telemetry::run_line::log(&finished.span, &finished.metrics);
        self.args.reports.lock().unwrap_or_else(|p| p.into_inner()).push(finished.metrics);
    }

    /// A domain has reported: close its run if it was the last, then claim again if the pool
    /// has room and there is reason to (a claiming run, announced work, or a drain).
    pub(super) async fn after_report(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        run_finished: Option<Uuid>,
    ) -> Result<(), ActorProcessingErr> {
        if let Some(run_id) = run_finished {
            self.close_run(run_id).await;
            if self.claims.done_after_run(self.runs.len()) {
                myself.stop(Some("run finished".into()));
                return Ok(());
            }
        }
        if self.stopping.is_some() {
            if self.runs.is_empty() {
                self.complete_shutdown(myself).await;
            }
            return Ok(());
        }
        let drained = self.args.mode == Mode::Drain && self.runs.is_empty();
        if self.claims.look_when_room(self.in_flight()) || drained {
            self.claim_while_free(myself).await?;
        }
        Ok(())
    }

    /// Flushes the persister and the error recorder, answers the shutdown request and stops.
    pub(super) async fn complete_shutdown(&mut self, myself: &ActorRef<SupervisorMsg>) {
        let deadline = crate::limits::millis(Duration::from_secs(10));
        let _ = ractor::call_t!(self.children.downstream.persister(), PersisterMsg::FlushNow, deadline);
        let _ = ractor::call_t!(self.children.downstream.error_recorder(), ErrorRecorderMsg::Sync, deadline);
        if let Some(reply) = self.stopping.take() {
            let _ = reply.send(());
        }
        myself.stop(Some("shutdown".into()));
    }
}
