//! The bookkeeping of runs in flight: which domains each still waits for, how each ended, and
//! the run's metrics once the last one reports. A run is *claiming* while it may still take
//! more domains as fetchers free up; once it stops claiming it only waits for its last domains.
//! No I/O: the supervisor writes what it returns.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
// tokio's clock, so tests can move time by hand; the same as the system clock otherwise.
use tokio::time::Instant;
use uuid::Uuid;

use crate::store::Outcome;
use crate::store::runs::RunMetrics;

/// One run in flight.
pub struct Run {
    pub span: tracing::Span,
    started: Instant,
    started_at: DateTime<Utc>,
    claimed: u32,
    claiming: bool,
    /// The one tenant whose domains the run claims (a tenant's run-now); `None`: every tenant's.
    tenant: Option<Uuid>,
    remaining: HashSet<Uuid>,
    tally: HashMap<Outcome, u32>,
}

/// A run whose domains have all reported (or that was closed): its figures and its span.
pub struct FinishedRun {
    pub metrics: RunMetrics,
    pub span: tracing::Span,
}

/// The runs in flight of one instance.
#[derive(Default)]
pub struct RunBook {
    runs: HashMap<Uuid, Run>,
    /// Domains claimed and not yet reported, over every run.
    held: usize,
}

impl RunBook {
    /// Opens a claiming run for the claimed `domains`.
    pub fn open(&mut self, run_id: Uuid, span: tracing::Span, domains: impl IntoIterator<Item = Uuid>) {
        let run = Run {
            span,
            started: Instant::now(),
            started_at: Utc::now(),
            claimed: 0,
            claiming: true,
            tenant: None,
            remaining: HashSet::new(),
            tally: HashMap::new(),
        };
        self.runs.insert(run_id, run);
        self.add(run_id, domains);
    }

    /// The run claims `tenant`'s domains only, from now on.
    pub fn scope_to(&mut self, run_id: Uuid, tenant: Uuid) {
        if let Some(run) = self.runs.get_mut(&run_id) {
            run.tenant = Some(tenant);
        }
    }

    /// The one tenant whose domains run `run_id` claims, if it is scoped to one.
    pub fn tenant(&self, run_id: Uuid) -> Option<Uuid> {
        self.runs.get(&run_id).and_then(|run| run.tenant)
    }

    /// Adds the domains of a further claim to a run.
    pub fn add(&mut self, run_id: Uuid, domains: impl IntoIterator<Item = Uuid>) {
        let Some(run) = self.runs.get_mut(&run_id) else { return };
        for domain in domains {
            if run.remaining.insert(domain) {
                run.claimed += 1;
                self.held += 1;
            }
        }
    }

    /// The run that is claiming, with how long it has run; the oldest when there are several.
    pub fn claiming(&self) -> Option<(Uuid, Duration)> {
        self.runs
            .iter()
            .filter(|(_, run)| run.claiming)
            .max_by_key(|(_, run)| run.started.elapsed())
            .map(|(id, run)| (*id, run.started.elapsed()))
    }

    /// The span of run `run_id` (a disabled span for an unknown run).
    pub fn span(&self, run_id: Uuid) -> tracing::Span {
        self.runs.get(&run_id).map(|run| run.span.clone()).unwrap_or_else(tracing::Span::none)
    }

    /// How many runs are claiming.
    pub fn claiming_runs(&self) -> usize {
        self.runs.values().filter(|run| run.claiming).count()
    }

    /// The run takes no more domains; returns true when it has none left to wait for (it can
    /// be closed).
    pub fn stop_claiming(&mut self, run_id: Uuid) -> bool {
        match self.runs.get_mut(&run_id) {
            Some(run) => {
                run.claiming = false;
                run.remaining.is_empty()
            }
            None => false,
        }
    }

    /// Domains claimed and not yet reported, over every run.
    pub fn held_count(&self) -> usize {
        self.held
    }

    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Domains claimed and not yet reported, over every run.
    pub fn held(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.runs.values().flat_map(|run| run.remaining.iter().copied())
    }

    /// Counts `domain`'s outcome; returns true when that was the last domain of a run that no
    /// longer claims (the run can be closed). A domain reported twice, or of a run no longer in
    /// flight, counts nothing.
    pub fn report(&mut self, run_id: Uuid, domain: Uuid, outcome: Outcome) -> bool {
        let Some(run) = self.runs.get_mut(&run_id) else { return false };
        if run.remaining.remove(&domain) {
            self.held -= 1;
            *run.tally.entry(outcome).or_default() += 1;
        }
        run.remaining.is_empty() && !run.claiming
    }

    /// Runs open longer than `limit`: their domains' actors died with them, and the domains
    /// come back through lease expiry.
    pub fn outlived(&self, limit: Duration) -> Vec<Uuid> {
        self.runs.iter().filter(|(_, run)| run.started.elapsed() > limit).map(|(id, _)| *id).collect()
    }

    /// Closes a run: its figures, with the domains that never reported counted as skipped.
    pub fn close(&mut self, run_id: Uuid, instance_id: &str) -> Option<FinishedRun> {
        let run = self.runs.remove(&run_id)?;
        self.held -= run.remaining.len();
        let count = |outcome| run.tally.get(&outcome).copied().unwrap_or(0);
        let successful = count(Outcome::Completed);
        let failed = count(Outcome::Failed);
        let retried = count(Outcome::Retried);
        let skipped = count(Outcome::Skipped)
            + count(Outcome::Deferred)
            + u32::try_from(run.remaining.len()).unwrap_or(u32::MAX);
        let processed = successful + failed + retried;
        let metrics = RunMetrics {
            run_id,
            instance_id: instance_id.to_owned(),
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
        Some(FinishedRun { metrics, span: run.span })
    }

    pub fn ids(&self) -> Vec<Uuid> {
        self.runs.keys().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::new_v4()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_finishes_with_its_last_domain_and_counts_each_outcome() {
        let mut book = RunBook::default();
        let run = Uuid::new_v4();
        let domains = ids(5);
        book.open(run, tracing::Span::none(), domains[..3].to_vec());
        book.add(run, domains[3..].to_vec());
        assert_eq!(book.held_count(), 5);
        assert!(!book.stop_claiming(run), "domains are still out");
        tokio::time::advance(Duration::from_secs(3)).await;
        let outcomes =
            [Outcome::Completed, Outcome::Completed, Outcome::Retried, Outcome::Failed, Outcome::Deferred];
        for (i, (domain, outcome)) in domains.iter().zip(outcomes).enumerate() {
            assert_eq!(book.report(run, *domain, outcome), i == 4, "finished only with the last domain");
        }
        let metrics = book.close(run, "instance-a").unwrap().metrics;
        assert_eq!((metrics.domains_claimed, metrics.domains_processed), (5, 4));
        assert_eq!((metrics.domains_successful, metrics.domains_retried, metrics.domains_failed), (2, 1, 1));
        assert_eq!(metrics.domains_skipped, 1, "a deferred domain was not processed");
        assert_eq!(metrics.success_rate, 0.5);
        assert_eq!(metrics.duration_seconds, 3.0, "the run's own clock");
        assert!(book.is_empty());
        assert_eq!(book.held_count(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_domain_reported_twice_or_of_another_run_counts_once() {
        let mut book = RunBook::default();
        let run = Uuid::new_v4();
        let domains = ids(2);
        book.open(run, tracing::Span::none(), domains.clone());
        book.stop_claiming(run);
        assert!(!book.report(run, domains[0], Outcome::Completed));
        assert!(!book.report(run, domains[0], Outcome::Failed), "the second report changes nothing");
        assert!(!book.report(Uuid::new_v4(), domains[1], Outcome::Completed), "an unknown run");
        let metrics = book.close(run, "a").unwrap().metrics;
        assert_eq!((metrics.domains_successful, metrics.domains_failed, metrics.domains_skipped), (1, 0, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_claiming_run_is_not_finished_by_its_last_domain() {
        let mut book = RunBook::default();
        let run = Uuid::new_v4();
        let domains = ids(1);
        book.open(run, tracing::Span::none(), domains.clone());
        assert!(!book.report(run, domains[0], Outcome::Completed), "it may still take more");
        assert_eq!(book.claiming().map(|(id, _)| id), Some(run));
        assert!(book.stop_claiming(run), "nothing left to wait for: close it");
        assert_eq!(book.claiming(), None);
        assert_eq!(book.claiming_runs(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn only_runs_older_than_the_limit_have_outlived_it() {
        let mut book = RunBook::default();
        let old = Uuid::new_v4();
        book.open(old, tracing::Span::none(), ids(1));
        tokio::time::advance(Duration::from_secs(301)).await;
        let young = Uuid::new_v4();
        book.open(young, tracing::Span::none(), ids(1));
        assert_eq!(book.outlived(Duration::from_secs(300)), vec![old]);
        assert_eq!(book.held().count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_outlives_its_limit_only_once_the_limit_has_passed() {
        let mut book = RunBook::default();
        let run = Uuid::new_v4();
        book.open(run, tracing::Span::none(), ids(1));
        tokio::time::advance(Duration::from_secs(300)).await;
        assert!(book.outlived(Duration::from_secs(300)).is_empty(), "at the limit, not past it");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(book.outlived(Duration::from_secs(300)), vec![run]);
    }

    #[tokio::test(start_paused = true)]
    async fn closing_an_outlived_run_counts_its_silent_domains_skipped_and_lets_them_go() {
        let mut book = RunBook::default();
        let run = Uuid::new_v4();
        let domains = ids(3);
        book.open(run, tracing::Span::none(), domains.clone());
        book.stop_claiming(run);
        assert!(!book.report(run, domains[0], Outcome::Completed));
        tokio::time::advance(Duration::from_secs(306)).await;
        let outlived = book.outlived(Duration::from_secs(305));
        assert_eq!(outlived, vec![run]);
        let metrics = book.close(run, "a").unwrap().metrics;
        assert_eq!((metrics.domains_claimed, metrics.domains_successful, metrics.domains_skipped), (3, 1, 2));
        assert_eq!(metrics.duration_seconds, 306.0);
        assert_eq!((book.held_count(), book.held().count()), (0, 0), "its domains come back by lease expiry");
        assert!(!book.report(run, domains[1], Outcome::Completed), "a late report counts nothing");
        assert!(book.close(run, "a").is_none(), "closed once");
        assert!(book.outlived(Duration::ZERO).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn the_claiming_run_named_is_the_oldest_with_its_age_on_the_clock() {
        let mut book = RunBook::default();
        let (old, young) = (Uuid::new_v4(), Uuid::new_v4());
        book.open(old, tracing::Span::none(), ids(1));
        tokio::time::advance(Duration::from_secs(10)).await;
        book.open(young, tracing::Span::none(), ids(1));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(book.claiming(), Some((old, Duration::from_secs(15))));
        assert_eq!(book.claiming_runs(), 2);
        book.stop_claiming(old);
        assert_eq!(book.claiming(), Some((young, Duration::from_secs(5))), "a retired run no longer claims");
        assert_eq!((book.claiming_runs(), book.len()), (1, 2), "it is in flight until its domains report");
    }

    #[tokio::test(start_paused = true)]
    async fn a_domain_claimed_twice_into_a_run_is_held_once() {
        let mut book = RunBook::default();
        let run = Uuid::new_v4();
        let domains = ids(2);
        book.open(run, tracing::Span::none(), domains.clone());
        book.add(run, domains.clone());
        book.add(Uuid::new_v4(), ids(3));
        assert_eq!(book.held_count(), 2, "a refill of the same domains and one into an unknown run add none");
        book.stop_claiming(run);
        assert!(!book.report(run, domains[0], Outcome::Completed));
        assert!(book.report(run, domains[1], Outcome::Retried), "the last domain ends the run");
        assert_eq!(book.close(run, "a").unwrap().metrics.domains_claimed, 2);
    }

    #[tokio::test]
    async fn a_run_started_for_one_tenant_refills_for_that_tenant_only() {
        let mut book = RunBook::default();
        let (scoped, general) = (Uuid::new_v4(), Uuid::new_v4());
        let tenant = Uuid::new_v4();
        book.open(scoped, tracing::Span::none(), ids(1));
        book.scope_to(scoped, tenant);
        book.open(general, tracing::Span::none(), ids(1));
        assert_eq!(book.tenant(scoped), Some(tenant));
        assert_eq!(book.tenant(general), None, "a run of every tenant");
        assert_eq!(book.tenant(Uuid::new_v4()), None);
    }
}
