//! Restart intensity, as an OTP supervisor has it: at most `max` restarts within `window`, then
//! the service stops with a non-zero exit instead of restarting forever.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Shared by every supervising actor, so restarts anywhere in the tree count together.
#[derive(Clone)]
pub struct RestartIntensity {
    max: u32,
    window: Duration,
    recent: Arc<Mutex<VecDeque<Instant>>>,
    fatal: tokio::sync::watch::Sender<Option<String>>,
}

impl RestartIntensity {
    pub fn new(
        max: u32,
        window: Duration,
    ) -> (RestartIntensity, tokio::sync::watch::Receiver<Option<String>>) {
        let (fatal, receiver) = tokio::sync::watch::channel(None);
        (RestartIntensity { max, window, recent: Arc::default(), fatal }, receiver)
    }

    /// Counts one restart of `actor`; `false` (and the service told to stop) when the intensity
    /// is exceeded.
    pub fn allow(&self, actor: &str, reason: &str) -> bool {
        metrics::counter!(crate::prometheus::ACTOR_RESTARTS, "actor" => actor.to_owned()).increment(1);
        let now = Instant::now();
        let mut recent = self.recent.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while recent.front().is_some_and(|at| now.duration_since(*at) > self.window) {
            recent.pop_front();
        }
        recent.push_back(now);
        if recent.len() > self.max as usize {
            let message = format!(
                "restart intensity exceeded: {} restarts within {} s, last one of {actor} ({reason})",
                recent.len(),
                self.window.as_secs()
            );
            self.stop_service(message);
            return false;
        }
        true
    }

    /// Tells the process to stop with a non-zero exit, giving why.
    pub fn stop_service(&self, message: String) {
        tracing::error!(%message, "stopping the service");
        let _ = self.fatal.send(Some(message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_restart_past_the_limit_stops_the_service() {
        let (intensity, receiver) = RestartIntensity::new(2, Duration::from_secs(60));
        assert!(intensity.allow("fetcher", "panic"));
        assert!(intensity.allow("fetcher", "panic"));
        assert!(!intensity.allow("fetcher", "panic"));
        let message = receiver.borrow().clone().unwrap();
        assert!(message.contains("fetcher"), "{message}");
    }
}
