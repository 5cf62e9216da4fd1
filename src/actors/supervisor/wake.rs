//! Waking the supervisor when another process adds work, so an idle service with a long
//! interval starts within moments instead of at its next tick.
//!
//! On PostgreSQL a trigger notifies channel `domain_scheduler_work` whenever a row becomes
//! `pending`; a listener wakes the supervisor on each notification, and a lost connection is
//! re-established with backoff (meanwhile the tick still finds the work). SQLite has no
//! notifications: a look once a second for due work (one indexed query) does the same.

use std::time::Duration;

use ractor::ActorRef;
use sea_orm::DatabaseConnection;
use sea_orm::sqlx::postgres::PgListener;

use crate::actors::SupervisorMsg;
use crate::backoff::Backoff;
use crate::config::{Backend, DatabaseUrl};
use crate::store::claims;

pub const CHANNEL: &str = "domain_scheduler_work";
/// How often an SQLite service looks for work added by another process.
const SQLITE_LOOK: Duration = Duration::from_secs(1);

/// Wakes `supervisor` on new work until it stops.
pub async fn listen(database_url: DatabaseUrl, db: DatabaseConnection, supervisor: ActorRef<SupervisorMsg>) {
    match database_url.backend() {
        Backend::Postgres => listen_postgres(&database_url, &supervisor).await,
        Backend::Sqlite => poll_sqlite(&db, &supervisor).await,
    }
}

fn running(supervisor: &ActorRef<SupervisorMsg>) -> bool {
    matches!(supervisor.get_status(), ractor::ActorStatus::Running | ractor::ActorStatus::Starting)
}

async fn poll_sqlite(db: &DatabaseConnection, supervisor: &ActorRef<SupervisorMsg>) {
    let mut interval = tokio::time::interval(SQLITE_LOOK);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while running(supervisor) {
        interval.tick().await;
        if matches!(claims::any_due(db).await, Ok(true)) && supervisor.cast(SupervisorMsg::Wake).is_err() {
            return;
        }
    }
}

async fn listen_postgres(database_url: &DatabaseUrl, supervisor: &ActorRef<SupervisorMsg>) {
    let mut reconnects = Backoff::new(Duration::from_millis(200), Duration::from_secs(30));
    loop {
        match PgListener::connect(database_url.expose()).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Err(error) => tracing::warn!(%error, "cannot listen for new work; the tick still finds it"),
                Ok(()) => {
                    reconnects.reset();
                    // Work may have arrived while the listener was down.
                    if supervisor.cast(SupervisorMsg::Wake).is_err() {
                        return;
                    }
                    loop {
                        match listener.recv().await {
                            Ok(_) => {
                                if supervisor.cast(SupervisorMsg::Wake).is_err() {
                                    return;
                                }
                            }
                            Err(error) => {
                                tracing::warn!(%error, "lost the new-work listener; reconnecting");
                                break;
                            }
                        }
                    }
                }
            },
            Err(error) => tracing::warn!(%error, "cannot connect the new-work listener; retrying"),
        }
        if !running(supervisor) {
            return;
        }
        tokio::time::sleep(reconnects.next_delay()).await;
    }
}
