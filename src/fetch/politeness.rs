//! Politeness: robots.txt for the configured user agent, cached per origin, and bounds on
//! concurrent requests per host and per resolved address, so thousands of domains on one
//! shared host are not hammered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use texting_robots::Robot;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a robots.txt answer is trusted.
const ROBOTS_TTL: Duration = Duration::from_secs(3600);
/// Robots rules kept before the cache is emptied. A crawler visits most hosts once, so the cache
/// serves one visit's home and contact pages and the odd host visited twice in an hour; a
/// parsed robots.txt takes a few KB, and a bound of 50,000 let a drain's memory grow by about
/// 3 MB per thousand sites visited (docs/benchmarks.md).
const ROBOTS_ENTRIES: usize = 2_048;
/// Politeness keys kept before the idle ones are dropped.
const SLOT_KEYS: usize = 4_096;
/// Largest robots.txt read; beyond it the file counts as absent (allow all).
pub const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// What a site's robots.txt says for us; `None` rules mean "allow everything".
#[derive(Clone)]
pub struct RobotsRules(Option<Arc<Robot>>);

impl RobotsRules {
    pub fn allow_all() -> RobotsRules {
        RobotsRules(None)
    }

    pub fn parse(agent: &str, body: &[u8]) -> RobotsRules {
        RobotsRules(Robot::new(agent, body).ok().map(Arc::new))
    }

    pub fn allowed(&self, url: &str) -> bool {
        self.0.as_ref().is_none_or(|robot| robot.allowed(url))
    }
}

#[derive(Default)]
pub struct Politeness {
    robots: Mutex<HashMap<String, (Instant, RobotsRules)>>,
    /// Each key's semaphore with the limit it was made with.
    slots: Mutex<HashMap<String, (usize, Arc<Semaphore>)>>,
}

impl Politeness {
    /// The cached rules of `origin` (`https://example.com`), if still fresh.
    pub fn cached_robots(&self, origin: &str) -> Option<RobotsRules> {
        let cache = self.robots.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(origin).filter(|(at, _)| at.elapsed() < ROBOTS_TTL).map(|(_, rules)| rules.clone())
    }

    pub fn remember_robots(&self, origin: &str, rules: RobotsRules) {
        let mut cache = self.robots.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= ROBOTS_ENTRIES {
            cache.clear();
        }
        cache.insert(origin.to_owned(), (Instant::now(), rules));
    }

    /// Waits for one of the `limit` request slots of `key` (a host, or an address).
    pub async fn slot(&self, key: &str, limit: usize) -> Option<OwnedSemaphorePermit> {
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if slots.len() >= SLOT_KEYS {
                // Only idle keys are dropped: a semaphore with permits out stays.
                slots.retain(|_, (made_with, s)| s.available_permits() < *made_with);
            }
            let limit = limit.max(1);
            slots.entry(key.to_owned()).or_insert_with(|| (limit, Arc::new(Semaphore::new(limit)))).1.clone()
        };
        semaphore.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_rules_follow_the_group_of_our_agent() {
        let rules = RobotsRules::parse(
            "domain-scheduler",
            b"User-agent: domain-scheduler\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
        );
        assert!(!rules.allowed("https://example.com/"));
        let others = RobotsRules::parse("domain-scheduler", b"User-agent: *\nDisallow: /private\n");
        assert!(others.allowed("https://example.com/"));
        assert!(!others.allowed("https://example.com/private/x"));
        assert!(RobotsRules::allow_all().allowed("https://example.com/"));
    }

    #[tokio::test]
    async fn a_host_gets_at_most_its_limit_of_slots_at_once() {
        let politeness = Politeness::default();
        let first = politeness.slot("shared-host.com", 2).await;
        let second = politeness.slot("shared-host.com", 2).await;
        let third =
            tokio::time::timeout(Duration::from_millis(50), politeness.slot("shared-host.com", 2)).await;
        assert!(first.is_some() && second.is_some());
        assert!(third.is_err(), "a third request waits");
        drop(first);
        assert!(politeness.slot("shared-host.com", 2).await.is_some());
        assert!(politeness.slot("other-host.com", 2).await.is_some(), "hosts are counted apart");
    }
}
