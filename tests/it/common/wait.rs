//! Waiting on a condition instead of sleeping: every wait polls what it waits for and fails the
//! test, naming it, when the deadline passes. None gives up silently.

use std::fmt::Display;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(20);

/// Polls `condition` until it holds; panics with `what` after `within`.
pub async fn wait_until(what: &str, within: Duration, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(Instant::now() < deadline, "waited {} s for {what}", within.as_secs_f64());
        tokio::time::sleep(POLL).await;
    }
}

/// Polls `probe` until it returns `Ok`, and returns its value; panics with `what` and the last
/// `Err` (what was seen instead) after `within`.
pub async fn wait_for<T, E: Display>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> Result<T, E>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(seen) => {
                assert!(Instant::now() < deadline, "waited {} s for {what}; saw {seen}", within.as_secs_f64())
            }
        }
        tokio::time::sleep(POLL).await;
    }
}

/// [`wait_until`] for a condition that blocks (a command run, a file read).
pub fn wait_until_blocking(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !condition() {
        assert!(Instant::now() < deadline, "waited {} s for {what}", within.as_secs_f64());
        std::thread::sleep(POLL);
    }
}

/// [`wait_for`] for a probe that blocks.
pub fn wait_for_blocking<T, E: Display>(
    what: &str,
    within: Duration,
    mut probe: impl FnMut() -> Result<T, E>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        match probe() {
            Ok(value) => return value,
            Err(seen) => {
                assert!(Instant::now() < deadline, "waited {} s for {what}; saw {seen}", within.as_secs_f64())
            }
        }
        std::thread::sleep(POLL);
    }
}
