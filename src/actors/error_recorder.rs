//! The error recorder: one `domain_errors` row per failure, `last_error`, and the decision to
//! retry with backoff or give up. A domain whose attempt met a shortage of this process's own is
//! handed back instead, uncharged. A database error keeps the message and tries again later.

use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use super::messages::{ErrorRecorderMsg, Outcome, SupervisorMsg, WorkItem};
use crate::backoff::Backoff;
use crate::failure::Failure;
use crate::pressure::{Pressure, Shortage};
use crate::store::claims;
use crate::store::failures::{self, FailedAttempt, RetryPolicy};

/// Retries of a write the database refused: 0.1 s, doubling, at most 10 s.
const RETRIES: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
/// A handed-back domain is due again after this, when no longer pause is going on.
const HAND_BACK_DELAY: Duration = Duration::from_secs(1);

pub struct ErrorRecorder;

pub struct ErrorRecorderArgs {
    pub db: DatabaseConnection,
    pub instance_id: String,
    pub policy: RetryPolicy,
    pub supervisor: ActorRef<SupervisorMsg>,
    pub pressure: Pressure,
}

pub struct ErrorRecorderState {
    args: ErrorRecorderArgs,
    retries: Backoff,
}

impl Actor for ErrorRecorder {
    type Msg = ErrorRecorderMsg;
    type State = ErrorRecorderState;
    type Arguments = ErrorRecorderArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: ErrorRecorderArgs,
    ) -> Result<ErrorRecorderState, ActorProcessingErr> {
        Ok(ErrorRecorderState { args, retries: RETRIES })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: ErrorRecorderMsg,
        state: &mut ErrorRecorderState,
    ) -> Result<(), ActorProcessingErr> {
        #[cfg(feature = "failpoints")]
        let msg = match fail_point_entry(&myself, state, msg) {
            Some(msg) => msg,
            None => return Ok(()),
        };
        let written = match &msg {
            ErrorRecorderMsg::Sync(_) => Ok(None),
            ErrorRecorderMsg::Record { item, failure } => record(state, item, failure).await.map(Some),
            ErrorRecorderMsg::HandBack { item, .. } => hand_back(state, item).await.map(Some),
        };
        match (written, msg) {
            (_, ErrorRecorderMsg::Sync(reply)) => {
                let _ = reply.send(());
            }
            (
                Ok(outcome),
                ErrorRecorderMsg::Record { item, failure } | ErrorRecorderMsg::HandBack { item, failure },
            ) => {
                state.args.pressure.relieved(Shortage::Database);
                state.retries.reset();
                let outcome = outcome.unwrap_or(Outcome::Skipped);
                // A domain given up on needs someone to look at it; one to be retried does not yet.
                match outcome {
                    Outcome::Deferred => {
                        tracing::debug!(parent: &item.span, domain = %item.domain, %failure, "domain handed back uncharged")
                    }
                    Outcome::Failed => {
                        tracing::warn!(parent: &item.span, domain = %item.domain, %failure, outcome = outcome.as_str(), "domain failed")
                    }
                    _ => {
                        tracing::info!(parent: &item.span, domain = %item.domain, %failure, outcome = outcome.as_str(), "domain failed")
                    }
                }
                item.span.record("outcome", outcome.as_str());
                state.args.supervisor.cast(SupervisorMsg::Done {
                    run_id: item.run_id,
                    domain_id: item.domain_id,
                    outcome,
                })?;
            }
            (Err(error), msg) => {
                state.args.pressure.report(Shortage::of_database_error(&error), &error.to_string());
                let delay = state.retries.next_delay();
                tracing::debug!(%error, retry_in_ms = crate::limits::millis(delay), "cannot record a failure; keeping it and retrying");
                myself.send_after(delay, move || msg);
            }
        }
        Ok(())
    }
}

/// `error-recorder-entry`: `panic` panics; any other value makes every write fail for now (the
/// message is kept and retried, as on a database error). `None` when the message was deferred.
#[cfg(feature = "failpoints")]
fn fail_point_entry(
    myself: &ActorRef<ErrorRecorderMsg>,
    state: &mut ErrorRecorderState,
    msg: ErrorRecorderMsg,
) -> Option<ErrorRecorderMsg> {
    if matches!(msg, ErrorRecorderMsg::Sync(_)) {
        return Some(msg);
    }
    let Some(argument) = fail::eval("error-recorder-entry", |argument| argument) else { return Some(msg) };
    if argument.as_deref() == Some("panic") {
        panic!("fail point error-recorder-entry");
    }
    let delay = state.retries.next_delay();
    myself.send_after(delay, move || msg);
    None
}

async fn record(
    state: &ErrorRecorderState,
    item: &WorkItem,
    failure: &Failure,
) -> Result<Outcome, sea_orm::DbErr> {
    let span = tracing::info_span!(parent: &item.span, "error.record", stage = failure.stage.as_str(), kind = failure.kind.as_str());
    let attempt = FailedAttempt {
        domain_id: item.domain_id,
        run_id: Some(item.run_id),
        attempts: item.attempts,
        failure,
        last_success: item.last_success,
        rescan_after: item.rescan_after,
    };
    failures::record(&state.args.db, &state.args.instance_id, state.args.policy, attempt)
        .instrument(span)
        .await
}

/// How long a domain handed back waits before it is due again: the pause of the shortage, or
/// at least [`HAND_BACK_DELAY`].
pub(crate) fn hand_back_wait(pressure: &crate::pressure::Pressure) -> Duration {
    pressure.pause().unwrap_or_default().max(HAND_BACK_DELAY)
}

async fn hand_back(state: &ErrorRecorderState, item: &WorkItem) -> Result<Outcome, sea_orm::DbErr> {
    let wait = hand_back_wait(&state.args.pressure);
    let due = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(1));
    let released =
        claims::release_until(&state.args.db, &state.args.instance_id, &[item.domain_id], due).await?;
    Ok(if released == 1 { Outcome::Deferred } else { Outcome::Skipped })
}
