//! Waiting on a condition instead of sleeping: every wait polls what it waits for and fails the
//! test, naming it, when the deadline passes. None gives up silently.

use std::future::Future;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(20);

/// Polls `condition` until it holds; panics with `what` after `within`.
pub async fn wait_until<F, Fut>(what: &str, within: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !condition().await {
        assert!(Instant::now() < deadline, "waited {} s for {what}", within.as_secs_f64());
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
