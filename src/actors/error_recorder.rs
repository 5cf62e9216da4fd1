//! The error recorder: one `domain_errors` row per failure, `last_error`, and the decision to
//! retry with backoff or give up. A database error keeps the failure and tries again later.

use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use sea_orm::DatabaseConnection;

use super::messages::{ErrorRecorderMsg, Outcome, SupervisorMsg};
use crate::store::failures::{self, FailedAttempt, FailureOutcome, RetryPolicy};

const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

pub struct ErrorRecorder;

pub struct ErrorRecorderArgs {
    pub db: DatabaseConnection,
    pub instance_id: String,
    pub policy: RetryPolicy,
    pub supervisor: ActorRef<SupervisorMsg>,
}

pub struct ErrorRecorderState {
    args: ErrorRecorderArgs,
    retry_delay: Duration,
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
        Ok(ErrorRecorderState { args, retry_delay: Duration::from_millis(100) })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: ErrorRecorderMsg,
        state: &mut ErrorRecorderState,
    ) -> Result<(), ActorProcessingErr> {
        let (item, failure) = match msg {
            ErrorRecorderMsg::Sync(reply) => {
                let _ = reply.send(());
                return Ok(());
            }
            ErrorRecorderMsg::Record { item, failure } => (item, failure),
        };
        #[cfg(feature = "failpoints")]
        {
            if let Some(argument) = fail::eval("error-recorder-entry", |argument| argument) {
                if argument.as_deref() == Some("panic") {
                    panic!("fail point error-recorder-entry");
                }
                let delay = state.retry_delay;
                state.retry_delay = (state.retry_delay * 2).min(MAX_RETRY_DELAY);
                myself.send_after(delay, move || ErrorRecorderMsg::Record { item, failure });
                return Ok(());
            }
        }
        let span = tracing::info_span!(parent: &item.span, "error.record", stage = failure.stage.as_str(), kind = failure.kind.as_str());
        let attempt = FailedAttempt {
            domain_id: item.domain_id,
            run_id: Some(item.run_id),
            attempts: item.attempts,
            failure: &failure,
        };
        let recorded =
            failures::record(&state.args.db, &state.args.instance_id, state.args.policy, attempt).await;
        drop(span);
        match recorded {
            Ok(decision) => {
                state.retry_delay = Duration::from_millis(100);
                let outcome = match decision {
                    FailureOutcome::Retried => Outcome::Retried,
                    FailureOutcome::Failed => Outcome::Failed,
                    FailureOutcome::LeaseLost => Outcome::Skipped,
                };
                tracing::info!(parent: &item.span, domain = %item.domain, %failure, outcome = outcome.as_str(), "domain failed");
                item.span.record("outcome", outcome.as_str());
                state.args.supervisor.cast(SupervisorMsg::Done {
                    run_id: item.run_id,
                    domain_id: item.domain_id,
                    outcome,
                })?;
            }
            Err(error) => {
                let delay = state.retry_delay;
                tracing::warn!(%error, domain = %item.domain, retry_in_ms = delay.as_millis() as u64, "cannot record a failure; keeping it and retrying");
                state.retry_delay = (state.retry_delay * 2).min(MAX_RETRY_DELAY);
                myself.send_after(delay, move || ErrorRecorderMsg::Record { item, failure });
            }
        }
        Ok(())
    }
}
