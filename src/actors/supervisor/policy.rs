//! When the supervisor claims, and how much: the claim policy, apart from the actor so it can
//! be tested without one. No I/O, no clock: the caller says what is in flight.
//!
//! Fetchers must never wait for a run's slowest page while domains are due. So a run keeps
//! claiming as fetchers free up: it holds up to two domains per fetcher (one being fetched,
//! one waiting), and claims again whenever there is room for a worthwhile claim. Each claim
//! takes at most `batch_size` domains. A run stops claiming when a claim finds fewer domains
//! than it asked for (nothing more is due), or once it has claimed for an interval, so runs
//! stay bounded and each gets its row and metrics line; the next run then takes over at once.
//! `max_instances` bounds the runs claiming at once; a run that has stopped claiming only waits
//! for its last domains and no longer holds a slot. `run-once` claims once.

use std::time::Duration;

use uuid::Uuid;

use super::Mode;

#[derive(Clone, Debug)]
pub struct ClaimPolicy {
    mode: Mode,
    max_instances: usize,
    batch_size: usize,
    pool_size: usize,
    /// How long a run claims before the next one takes over.
    run_length: Duration,
    runs_started: u64,
    /// New work was announced and not yet looked for (the pool was full).
    announced: bool,
    /// A run stopped claiming because it had claimed for its interval, not because nothing was
    /// due: its successor opens as soon as the pool has room, not at the next tick.
    successor_due: bool,
    stopping: bool,
}

/// What is in flight, as the policy needs to see it.
#[derive(Clone, Copy, Debug)]
pub struct InFlight {
    /// Domains claimed and not yet reported.
    pub held: usize,
    /// The claiming run, and how long it has run.
    pub claiming: Option<(Uuid, Duration)>,
    pub claiming_runs: usize,
}

/// What to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Claim up to this many domains into the claiming run.
    Refill(Uuid, usize),
    /// The claiming run has claimed long enough: it stops claiming.
    Retire(Uuid),
    /// Open a new run with a claim of up to this many domains.
    Open(usize),
    /// Claim nothing now.
    Wait,
}

impl ClaimPolicy {
    pub fn new(
        mode: Mode,
        max_instances: u32,
        batch_size: u32,
        pool_size: u32,
        run_length: Duration,
    ) -> ClaimPolicy {
        ClaimPolicy {
            mode,
            max_instances: max_instances as usize,
            batch_size: batch_size as usize,
            pool_size: pool_size.max(1) as usize,
            run_length,
            runs_started: 0,
            announced: false,
            successor_due: false,
            stopping: false,
        }
    }

    /// The smallest claim worth a round trip to the database: a fetcher's worth of work when
    /// the pool is small, more when it is large.
    fn worthwhile(&self) -> usize {
        self.batch_size.min(self.pool_size).max(1)
    }

    /// What to claim now.
    pub fn next(&self, in_flight: InFlight) -> Next {
        if self.stopping {
            return Next::Wait;
        }
        if let Some((run, age)) = in_flight.claiming
            && (self.mode == Mode::Once || age >= self.run_length)
        {
            return Next::Retire(run);
        }
        // `run-once` claims one run of `batch_size`, as it always has.
        let room = match self.mode {
            Mode::Once => self.batch_size,
            _ => (self.pool_size * 2).saturating_sub(in_flight.held),
        };
        if room < self.worthwhile() {
            return Next::Wait;
        }
        let size = self.batch_size.min(room);
        match in_flight.claiming {
            Some((run, _)) => Next::Refill(run, size),
            None if self.mode == Mode::Once && self.runs_started > 0 => Next::Wait,
            None if in_flight.claiming_runs >= self.max_instances => Next::Wait,
            None => Next::Open(size),
        }
    }

    /// Every slot holds a claiming run: a new run cannot open.
    pub fn slots_full(&self, claiming_runs: usize) -> bool {
        self.stopping || claiming_runs >= self.max_instances
    }

    /// Records that a run was opened.
    pub fn opened(&mut self) {
        self.runs_started += 1;
        self.announced = false;
        self.successor_due = false;
    }

    /// Records that a run stopped claiming for its age: more may be due, so the next run opens
    /// as fetchers free up.
    pub fn retired(&mut self) {
        self.successor_due = self.mode != Mode::Once;
    }

    /// Records that a claim took `took` of the `asked` domains; true when the run should stop
    /// claiming (nothing more is due).
    pub fn claimed(&mut self, asked: usize, took: usize) -> bool {
        self.announced = false;
        self.successor_due = false;
        took < asked
    }

    /// Whether new work was announced and not yet looked for.
    pub fn is_announced(&self) -> bool {
        self.announced
    }

    /// New work was announced: look for it as soon as the pool has room.
    pub fn announced(&mut self) {
        self.announced = !self.stopping;
    }

    /// Whether a fetcher freeing up is a reason to look for work: a run is claiming, work was
    /// announced while the pool was full, or a run retired for its age with the pool full.
    pub fn look_when_room(&self, in_flight: InFlight) -> bool {
        !self.stopping && (in_flight.claiming.is_some() || self.announced || self.successor_due)
    }

    /// A run has closed and `open_runs` are left: whether the mode's work is done.
    pub fn done_after_run(&self, open_runs: usize) -> bool {
        self.mode == Mode::Once && open_runs == 0
    }

    /// Nothing was claimed and nothing is in flight: `run-once` is done.
    pub fn nothing_left(&self, open_runs: usize) -> bool {
        self.mode != Mode::Serve && open_runs == 0
    }

    /// No claim from now on.
    pub fn stop(&mut self) {
        self.stopping = true;
    }
}

#[cfg(test)]
mod tests {
    use super::super::runs::RunBook;
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn idle() -> InFlight {
        InFlight { held: 0, claiming: None, claiming_runs: 0 }
    }

    fn claiming(run: Uuid, held: usize, age: Duration) -> InFlight {
        InFlight { held, claiming: Some((run, age)), claiming_runs: 1 }
    }

    #[test]
    fn a_claim_takes_at_most_batch_size_and_at_most_the_room_of_the_pool() {
        let policy = ClaimPolicy::new(Mode::Serve, 1, 100, 16, MINUTE);
        assert_eq!(policy.next(idle()), Next::Open(32), "two per fetcher, below the batch size");
        let policy = ClaimPolicy::new(Mode::Serve, 1, 10, 16, MINUTE);
        assert_eq!(policy.next(idle()), Next::Open(10), "the batch size is the largest claim");
    }

    #[test]
    fn a_claiming_run_refills_as_fetchers_free_up() {
        let policy = ClaimPolicy::new(Mode::Serve, 1, 100, 16, MINUTE);
        let run = Uuid::new_v4();
        assert_eq!(policy.next(claiming(run, 32, Duration::ZERO)), Next::Wait, "the pool is full");
        assert_eq!(policy.next(claiming(run, 20, Duration::ZERO)), Next::Wait, "not yet a worthwhile claim");
        assert_eq!(policy.next(claiming(run, 16, Duration::ZERO)), Next::Refill(run, 16));
        assert!(policy.look_when_room(claiming(run, 16, Duration::ZERO)));
    }

    #[test]
    fn a_run_stops_claiming_when_nothing_more_is_due_or_after_an_interval() {
        let mut policy = ClaimPolicy::new(Mode::Serve, 1, 100, 16, MINUTE);
        assert!(policy.claimed(32, 7), "a short claim: nothing more is due");
        assert!(!policy.claimed(32, 32));
        let run = Uuid::new_v4();
        assert_eq!(policy.next(claiming(run, 3, MINUTE)), Next::Retire(run));
        let retired = InFlight { held: 3, claiming: None, claiming_runs: 0 };
        assert_eq!(policy.next(retired), Next::Open(29), "the next run takes over at once");
    }

    #[test]
    fn a_run_that_stopped_claiming_holds_no_slot() {
        let policy = ClaimPolicy::new(Mode::Serve, 1, 100, 16, MINUTE);
        let straggler_only = InFlight { held: 1, claiming: None, claiming_runs: 0 };
        assert_eq!(policy.next(straggler_only), Next::Open(31), "fetchers do not wait for its slowest page");
        assert!(policy.slots_full(1));
    }

    #[test]
    fn once_claims_one_run_that_never_refills() {
        let mut policy = ClaimPolicy::new(Mode::Once, 4, 50, 16, MINUTE);
        assert_eq!(policy.next(idle()), Next::Open(50), "one run of the batch size, whatever the pool");
        policy.opened();
        let run = Uuid::new_v4();
        assert_eq!(policy.next(claiming(run, 50, Duration::ZERO)), Next::Retire(run));
        assert_eq!(policy.next(InFlight { held: 50, claiming: None, claiming_runs: 0 }), Next::Wait);
        assert!(policy.done_after_run(0));
    }

    #[test]
    fn work_announced_while_the_pool_is_full_is_looked_for_when_it_has_room() {
        let mut policy = ClaimPolicy::new(Mode::Serve, 1, 100, 4, MINUTE);
        let full = InFlight { held: 8, claiming: None, claiming_runs: 0 };
        assert!(!policy.look_when_room(full));
        policy.announced();
        assert_eq!(policy.next(full), Next::Wait);
        assert!(policy.look_when_room(full));
        policy.opened();
        assert!(!policy.look_when_room(InFlight { held: 4, claiming: None, claiming_runs: 0 }), "once");
    }

    /// What is in flight as the supervisor reads it from its run book.
    fn in_flight_of(book: &RunBook) -> InFlight {
        InFlight { held: book.held_count(), claiming: book.claiming(), claiming_runs: book.claiming_runs() }
    }

    fn domains(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::new_v4()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_refills_until_it_has_claimed_for_the_run_length_then_the_next_takes_over() {
        let policy = ClaimPolicy::new(Mode::Serve, 1, 100, 4, MINUTE);
        let mut book = RunBook::default();
        let first = Uuid::new_v4();
        book.open(first, tracing::Span::none(), domains(4));
        tokio::time::advance(MINUTE - Duration::from_millis(1)).await;
        assert_eq!(policy.next(in_flight_of(&book)), Next::Refill(first, 4), "still within its interval");
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(policy.next(in_flight_of(&book)), Next::Retire(first), "an interval of claiming");
        assert!(!book.stop_claiming(first), "its domains are still out");
        assert_eq!(policy.next(in_flight_of(&book)), Next::Open(4), "the next run opens at once");

        let second = Uuid::new_v4();
        book.open(second, tracing::Span::none(), domains(4));
        assert_eq!(policy.next(in_flight_of(&book)), Next::Wait, "the pool is full");
        tokio::time::advance(MINUTE).await;
        assert_eq!(policy.next(in_flight_of(&book)), Next::Retire(second), "its own clock, not the first's");
    }

    #[tokio::test(start_paused = true)]
    async fn fetchers_freed_after_a_run_retires_with_a_full_pool_are_refilled_by_the_next_run() {
        let mut policy = ClaimPolicy::new(Mode::Serve, 1, 100, 4, MINUTE);
        let mut book = RunBook::default();
        let first = Uuid::new_v4();
        book.open(first, tracing::Span::none(), domains(8));
        policy.opened();
        tokio::time::advance(MINUTE).await;
        assert_eq!(policy.next(in_flight_of(&book)), Next::Retire(first));
        book.stop_claiming(first);
        policy.retired();
        assert_eq!(policy.next(in_flight_of(&book)), Next::Wait, "the pool is full: nothing to claim yet");
        // The retired run's domains report one by one, long before its last one does.
        let held = book.held_count();
        for finished in 1..=4 {
            assert!(policy.look_when_room(InFlight {
                held: held - finished,
                claiming: None,
                claiming_runs: 0
            }));
        }
        assert_eq!(
            policy.next(InFlight { held: held - 4, claiming: None, claiming_runs: 0 }),
            Next::Open(4),
            "freed fetchers open the next run at once, not at the next tick"
        );
        assert!(policy.claimed(4, 0), "nothing was due after all");
        assert!(
            !policy.look_when_room(InFlight { held: 4, claiming: None, claiming_runs: 0 }),
            "one look: fetchers freed later do not ask the database again"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_oldest_claiming_run_refills_and_each_retires_on_its_own_clock() {
        let policy = ClaimPolicy::new(Mode::Serve, 2, 10, 8, MINUTE);
        let mut book = RunBook::default();
        let (old, young) = (Uuid::new_v4(), Uuid::new_v4());
        book.open(old, tracing::Span::none(), domains(1));
        tokio::time::advance(Duration::from_secs(30)).await;
        book.open(young, tracing::Span::none(), domains(1));
        assert!(policy.slots_full(book.claiming_runs()));
        assert_eq!(policy.next(in_flight_of(&book)), Next::Refill(old, 10), "the oldest run refills");
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(policy.next(in_flight_of(&book)), Next::Retire(old));
        book.stop_claiming(old);
        assert!(!policy.slots_full(book.claiming_runs()), "a retired run holds no slot");
        assert_eq!(policy.next(in_flight_of(&book)), Next::Refill(young, 10), "the young one claims on");
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(policy.next(in_flight_of(&book)), Next::Retire(young));
    }

    #[test]
    fn nothing_is_claimed_while_stopping_and_drain_ends_with_nothing_in_flight() {
        let mut policy = ClaimPolicy::new(Mode::Drain, 2, 10, 4, MINUTE);
        assert!(policy.nothing_left(0));
        assert!(!policy.nothing_left(1));
        policy.stop();
        assert_eq!(policy.next(idle()), Next::Wait);
        assert!(policy.slots_full(0));
    }
}
