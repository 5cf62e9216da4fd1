//! Waking the supervisor when another process adds work. On PostgreSQL a trigger notifies
//! channel `domain_scheduler_work` whenever a row becomes `pending`; this task listens and
//! wakes the supervisor, so an idle service with a long interval starts within milliseconds.
//! A lost connection is re-established with backoff; meanwhile the tick still finds the work.

use std::time::Duration;

use ractor::ActorRef;
use sea_orm::sqlx::postgres::PgListener;

use crate::actors::SupervisorMsg;
use crate::config::{Backend, DatabaseUrl};

pub const CHANNEL: &str = "domain_scheduler_work";

/// Listens until the supervisor stops. Returns at once for SQLite URLs.
pub async fn listen(database_url: DatabaseUrl, supervisor: ActorRef<SupervisorMsg>) {
    if database_url.backend() != Backend::Postgres {
        return;
    }
    let mut delay = Duration::from_millis(200);
    loop {
        match PgListener::connect(database_url.expose()).await {
            Ok(mut listener) => {
                if let Err(error) = listener.listen(CHANNEL).await {
                    tracing::warn!(%error, "cannot listen for new work; the tick still finds it");
                } else {
                    delay = Duration::from_millis(200);
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
            }
            Err(error) => tracing::warn!(%error, "cannot connect the new-work listener; retrying"),
        }
        if !matches!(supervisor.get_status(), ractor::ActorStatus::Running | ractor::ActorStatus::Starting) {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}
