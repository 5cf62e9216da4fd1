//! When the supervisor claims: the claim policy, apart from the actor so it can be tested
//! without one. No I/O, no clock.
//!
//! A claim happens while a run slot is free (`max_instances`) and the mode allows: at each
//! tick, when new work is announced, and at once when a run ends behind a full claim (a
//! backlog) or after work was announced while every slot was busy, so neither waits for the
//! next tick.

use super::Mode;

#[derive(Clone, Debug)]
pub struct ClaimPolicy {
    mode: Mode,
    max_instances: usize,
    batch_size: usize,
    runs_started: u64,
    /// The last claim came back full: more is probably due.
    backlog: bool,
    /// New work was announced while every run slot was busy.
    announced_while_busy: bool,
    stopping: bool,
}

/// What to do once a run has finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterRun {
    /// Claim again now.
    ClaimNow,
    /// Wait for the next tick or announcement.
    Wait,
    /// The mode's work is done: stop.
    Stop,
}

impl ClaimPolicy {
    pub fn new(mode: Mode, max_instances: u32, batch_size: u32) -> ClaimPolicy {
        ClaimPolicy {
            mode,
            max_instances: max_instances as usize,
            batch_size: batch_size as usize,
            runs_started: 0,
            backlog: false,
            announced_while_busy: false,
            stopping: false,
        }
    }

    /// Every slot holds a run in flight.
    pub fn slots_full(&self, open_runs: usize) -> bool {
        open_runs >= self.max_instances
    }

    /// A claim may start now.
    pub fn may_claim(&self, open_runs: usize) -> bool {
        let once_done = self.mode == Mode::Once && self.runs_started > 0;
        !(self.stopping || self.slots_full(open_runs) || once_done)
    }

    /// Records a claim of `count` domains (a run starts when `count > 0`).
    pub fn claimed(&mut self, count: usize) {
        self.backlog = count >= self.batch_size;
        if count > 0 {
            self.runs_started += 1;
        }
    }

    /// New work was announced: with every slot busy, claim when one frees.
    pub fn announced(&mut self, open_runs: usize) {
        self.announced_while_busy |= !self.stopping && self.slots_full(open_runs);
    }

    /// A run has ended, `open_runs` are left.
    pub fn after_run(&mut self, open_runs: usize) -> AfterRun {
        match self.mode {
            Mode::Once if open_runs == 0 => AfterRun::Stop,
            Mode::Once => AfterRun::Wait,
            Mode::Drain => AfterRun::ClaimNow,
            Mode::Serve if self.backlog || self.announced_while_busy => {
                self.announced_while_busy = false;
                AfterRun::ClaimNow
            }
            Mode::Serve => AfterRun::Wait,
        }
    }

    /// Nothing was claimed and nothing is in flight: `run-once` is done.
    pub fn nothing_left(&self, open_runs: usize) -> bool {
        self.mode != Mode::Serve && open_runs == 0
    }

    /// No claim from now on.
    pub fn stop(&mut self) {
        self.stopping = true;
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_claims_one_run_and_stops_when_it_ends() {
        let mut policy = ClaimPolicy::new(Mode::Once, 4, 10);
        assert!(policy.may_claim(0));
        policy.claimed(10);
        assert!(!policy.may_claim(1), "one run only, even with free slots");
        assert_eq!(policy.after_run(0), AfterRun::Stop);
    }

    #[test]
    fn drain_claims_again_after_every_run_and_stops_when_nothing_is_left() {
        let mut policy = ClaimPolicy::new(Mode::Drain, 1, 10);
        policy.claimed(3);
        assert_eq!(policy.after_run(0), AfterRun::ClaimNow, "even after a partial claim");
        policy.claimed(0);
        assert!(policy.nothing_left(0));
        assert!(!policy.nothing_left(1), "not while a run is in flight");
    }

    #[test]
    fn serve_claims_again_at_once_only_behind_a_backlog() {
        let mut policy = ClaimPolicy::new(Mode::Serve, 1, 10);
        policy.claimed(10);
        assert_eq!(policy.after_run(0), AfterRun::ClaimNow, "a full claim: more is due");
        policy.claimed(4);
        assert_eq!(policy.after_run(0), AfterRun::Wait, "a partial claim: wait for the tick");
        assert!(!policy.nothing_left(0), "serve never stops by itself");
    }

    #[test]
    fn work_announced_while_every_slot_is_busy_is_claimed_when_one_frees() {
        let mut policy = ClaimPolicy::new(Mode::Serve, 2, 10);
        policy.claimed(3);
        policy.announced(1);
        assert_eq!(policy.after_run(0), AfterRun::Wait, "a slot was free: the announcement was served");
        policy.announced(2);
        assert!(!policy.may_claim(2));
        assert_eq!(policy.after_run(1), AfterRun::ClaimNow);
        assert_eq!(policy.after_run(0), AfterRun::Wait, "once");
    }

    #[test]
    fn nothing_is_claimed_while_stopping() {
        let mut policy = ClaimPolicy::new(Mode::Serve, 2, 10);
        policy.stop();
        assert!(!policy.may_claim(0));
        policy.announced(2);
        assert!(policy.is_stopping());
    }
}
