//! Shortages of the service's own: no file descriptor, no buffer, no database. They are no
//! domain's fault, so they never spend a domain's attempts. Instead the whole service backs off:
//! claiming pauses for a delay that doubles while the shortage lasts, the first report of an
//! episode is logged once (and its end once), and `/readyz` answers 503 with the reason.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// tokio's clock, so tests can move time by hand; the same as the system clock otherwise.
use tokio::time::Instant;

const FIRST_PAUSE: Duration = Duration::from_millis(500);
const LONGEST_PAUSE: Duration = Duration::from_secs(30);
/// A shortage counts as over once its resource works and it has not been reported for this
/// long: a shortage that comes and goes with every fetch is one episode, logged once.
const QUIET: Duration = Duration::from_secs(5);

/// `error` and its sources, outermost first.
fn sources<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |cause: &&'a (dyn std::error::Error + 'static)| (*cause).source())
}

/// The driver's (sqlx's) error inside a sea-orm error: sea-orm's `RuntimeErr` shows it but does
/// not return it as its source, so it is opened here.
fn driver_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    sources(error).find_map(|cause| match cause.downcast_ref::<sea_orm::RuntimeErr>()? {
        sea_orm::RuntimeErr::SqlxError(driver) => Some(&**driver as &(dyn std::error::Error + 'static)),
        _ => None,
    })
}

/// The text of an error that sea-orm made a string of, keeping no type to read
/// (`DbErr::Custom`, `RuntimeErr::Internal`): the only place the operating system's error
/// is looked for in a message.
fn library_text<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a str> {
    sources(error).find_map(|cause| {
        if let Some(sea_orm::DbErr::Custom(text)) = cause.downcast_ref::<sea_orm::DbErr>() {
            return Some(text.as_str());
        }
        match cause.downcast_ref::<sea_orm::RuntimeErr>()? {
            sea_orm::RuntimeErr::Internal(text) => Some(text.as_str()),
            _ => None,
        }
    })
}

/// What ran short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortage {
    /// Descriptors, socket buffers or memory of this process.
    LocalResources,
    /// The database cannot be reached or refuses work.
    Database,
}

impl Shortage {
    /// What a failed database call says ran short: this process's descriptors when the driver
    /// could not open a socket or file for them, else the database itself. Told by the type of
    /// the operating system's error inside the driver's.
    pub fn of_database_error(error: &(dyn std::error::Error + 'static)) -> Shortage {
        let local = crate::fetch::is_local_shortage(error)
            || driver_error(error).is_some_and(crate::fetch::is_local_shortage)
            || library_text(error).is_some_and(|text| {
                crate::fetch::LOCAL_SHORTAGES.iter().any(|code| text.contains(&format!("(os error {code})")))
            });
        if local { Shortage::LocalResources } else { Shortage::Database }
    }

    fn describe(self) -> &'static str {
        match self {
            Shortage::LocalResources => "this process is short of descriptors or buffers",
            Shortage::Database => "the database cannot be reached",
        }
    }
}

/// One shortage from its first report to its relief.
#[derive(Clone, Debug)]
struct Episode {
    started: Instant,
    /// Claims wait until then.
    until: Instant,
    delay: Duration,
    last_report: Instant,
    detail: String,
}

#[derive(Default)]
struct Episodes {
    local: Option<Episode>,
    database: Option<Episode>,
}

impl Episodes {
    fn of(&mut self, shortage: Shortage) -> &mut Option<Episode> {
        match shortage {
            Shortage::LocalResources => &mut self.local,
            Shortage::Database => &mut self.database,
        }
    }
}

/// Shared by the actors that meet shortages and by the readiness probe. Cheap to clone; with no
/// shortage going on, [`Pressure::relieved`] costs one atomic load.
#[derive(Clone, Default)]
pub struct Pressure {
    any: Arc<AtomicBool>,
    episodes: Arc<Mutex<Episodes>>,
}

impl Pressure {
    /// Notes a shortage: claims pause, for longer each time it is reported again.
    pub fn report(&self, shortage: Shortage, detail: &str) {
        let now = Instant::now();
        let mut episodes = self.episodes.lock().unwrap_or_else(|p| p.into_inner());
        let episode = episodes.of(shortage);
        match episode {
            Some(going_on) => {
                // Reports that arrive during the same pause (every fetcher meeting the same
                // shortage) do not lengthen it again.
                if now >= going_on.until {
                    going_on.delay = (going_on.delay * 2).min(LONGEST_PAUSE);
                    going_on.until = now + going_on.delay;
                }
                going_on.detail = detail.to_owned();
                going_on.last_report = now;
            }
            None => {
                tracing::warn!(shortage = shortage.describe(), %detail, "claims paused: {}; no domain is charged for it", shortage.describe());
                *episode = Some(Episode {
                    started: now,
                    until: now + FIRST_PAUSE,
                    delay: FIRST_PAUSE,
                    last_report: now,
                    detail: detail.to_owned(),
                });
            }
        }
        self.any.store(true, Ordering::Release);
    }

    /// Notes that `shortage`'s resource works again: the episode ends once the shortage has
    /// not been reported for a while.
    pub fn relieved(&self, shortage: Shortage) {
        if !self.any.load(Ordering::Acquire) {
            return;
        }
        let mut episodes = self.episodes.lock().unwrap_or_else(|p| p.into_inner());
        let episode = episodes.of(shortage);
        if episode.as_ref().is_some_and(|going_on| going_on.last_report.elapsed() >= QUIET)
            && let Some(ended) = episode.take()
        {
            tracing::info!(
                after_ms = crate::limits::millis(ended.started.elapsed()),
                "recovered: {} no more",
                shortage.describe()
            );
        }
        if episodes.local.is_none() && episodes.database.is_none() {
            self.any.store(false, Ordering::Release);
        }
    }

    /// How long claims must still wait, if at all.
    pub fn pause(&self) -> Option<Duration> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let now = Instant::now();
        let episodes = self.episodes.lock().unwrap_or_else(|p| p.into_inner());
        [&episodes.local, &episodes.database]
            .into_iter()
            .flatten()
            .map(|episode| episode.until.saturating_duration_since(now))
            .filter(|wait| !wait.is_zero())
            .max()
    }

    /// What is short now, for the readiness probe.
    pub fn describe(&self) -> Option<String> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let episodes = self.episodes.lock().unwrap_or_else(|p| p.into_inner());
        let mut parts = Vec::new();
        for (shortage, episode) in
            [(Shortage::LocalResources, &episodes.local), (Shortage::Database, &episodes.database)]
        {
            if let Some(episode) = episode {
                parts.push(format!(
                    "{} for {} s ({})",
                    shortage.describe(),
                    episode.started.elapsed().as_secs(),
                    episode.detail
                ));
            }
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// How long `shortage` has lasted, if it is going on.
    pub fn lasting(&self, shortage: Shortage) -> Option<Duration> {
        let mut episodes = self.episodes.lock().unwrap_or_else(|p| p.into_inner());
        episodes.of(shortage).as_ref().map(|episode| episode.started.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_shortage_pauses_claims_longer_each_time_until_relieved() {
        let pressure = Pressure::default();
        assert_eq!(pressure.pause(), None);
        pressure.report(Shortage::LocalResources, "Too many open files");
        let first = pressure.pause().unwrap();
        assert!(first <= FIRST_PAUSE && !first.is_zero());
        pressure.report(Shortage::LocalResources, "Too many open files, again");
        assert!(pressure.pause().unwrap() <= FIRST_PAUSE, "reports within one pause do not stack");
        assert!(pressure.describe().unwrap().contains("Too many open files"));
        tokio::time::advance(FIRST_PAUSE).await;
        assert_eq!(pressure.pause(), None, "the pause ends");
        assert!(pressure.describe().is_some(), "the shortage is still reported until relieved");
        pressure.report(Shortage::LocalResources, "still short");
        assert!(pressure.pause().unwrap() > FIRST_PAUSE, "the next pause is longer");
        pressure.relieved(Shortage::LocalResources);
        assert!(pressure.describe().is_some(), "a success right after a shortage does not end it");
        tokio::time::advance(QUIET).await;
        pressure.relieved(Shortage::LocalResources);
        assert_eq!(pressure.pause(), None);
        assert_eq!(pressure.describe(), None, "quiet for a while and working again: over");
    }

    #[test]
    fn a_database_call_that_found_no_descriptor_is_a_local_shortage() {
        let refused = sea_orm::DbErr::Custom("connection refused".into());
        assert_eq!(Shortage::of_database_error(&refused), Shortage::Database);
        let no_descriptor =
            sea_orm::DbErr::Custom(std::io::Error::from_raw_os_error(libc::EMFILE).to_string());
        assert_eq!(Shortage::of_database_error(&no_descriptor), Shortage::LocalResources);
    }

    #[test]
    fn the_driver_error_inside_a_database_error_is_read_by_its_type() {
        use std::sync::Arc;
        let driver = |error: std::io::Error| {
            sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(Arc::new(sea_orm::sqlx::Error::Io(error))))
        };
        for code in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS, libc::ENOMEM] {
            let short = driver(std::io::Error::from_raw_os_error(code));
            assert_eq!(Shortage::of_database_error(&short), Shortage::LocalResources, "{short}");
        }
        let refused = driver(std::io::Error::from_raw_os_error(libc::ECONNREFUSED));
        assert_eq!(Shortage::of_database_error(&refused), Shortage::Database);
        let timeout = sea_orm::DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
        assert_eq!(Shortage::of_database_error(&timeout), Shortage::Database);
    }

    #[tokio::test(start_paused = true)]
    async fn the_database_and_local_resources_are_separate_episodes() {
        let pressure = Pressure::default();
        pressure.report(Shortage::Database, "connection refused");
        pressure.report(Shortage::LocalResources, "Too many open files");
        tokio::time::advance(QUIET).await;
        pressure.relieved(Shortage::LocalResources);
        let described = pressure.describe().unwrap();
        assert!(described.contains("database") && described.contains("connection refused"), "{described}");
        assert!(pressure.lasting(Shortage::Database).is_some());
        assert!(pressure.lasting(Shortage::LocalResources).is_none());
    }
}
