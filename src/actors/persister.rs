//! The persister: writes successful results through `Domain::update_from_metadata` (guarded by
//! the lease), many rows per transaction when results arrive fast. A database error keeps the
//! buffer and retries with backoff: nothing it holds is dropped.

use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use sea_orm::DatabaseConnection;

use super::messages::{PersisterMsg, SupervisorMsg, WorkItem};
use crate::backoff::Backoff;
use crate::pressure::{Pressure, Shortage};
use crate::store::results;

/// A group is written as soon as it has this many rows...
const MAX_GROUP: usize = 256;
/// ...or this long after its first row arrived.
const GROUP_DELAY: Duration = Duration::from_millis(20);
/// Retries of a write the database refused: 0.1 s, doubling, at most 10 s.
const RETRIES: Backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));

pub struct Persister;

pub struct PersisterArgs {
    pub db: DatabaseConnection,
    pub instance_id: String,
    pub supervisor: ActorRef<SupervisorMsg>,
    pub pressure: Pressure,
}

pub struct PersisterState {
    args: PersisterArgs,
    buffer: Vec<(WorkItem, Box<entity::Metadata>)>,
    flush_scheduled: bool,
    retries: Backoff,
}

impl Actor for Persister {
    type Msg = PersisterMsg;
    type State = PersisterState;
    type Arguments = PersisterArgs;

    async fn pre_start(
        &self,
        _myself: ActorRef<Self::Msg>,
        args: PersisterArgs,
    ) -> Result<PersisterState, ActorProcessingErr> {
        Ok(PersisterState { args, buffer: Vec::new(), flush_scheduled: false, retries: RETRIES })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: PersisterMsg,
        state: &mut PersisterState,
    ) -> Result<(), ActorProcessingErr> {
        match msg {
            PersisterMsg::Persist { item, metadata } => {
                state.buffer.push((item, metadata));
                if state.buffer.len() >= MAX_GROUP {
                    flush(&myself, state).await?;
                } else if !state.flush_scheduled {
                    state.flush_scheduled = true;
                    myself.send_after(GROUP_DELAY, || PersisterMsg::Flush);
                }
            }
            PersisterMsg::Flush => {
                state.flush_scheduled = false;
                flush(&myself, state).await?;
            }
            PersisterMsg::FlushNow(reply) => {
                flush(&myself, state).await?;
                let _ = reply.send(());
            }
        }
        Ok(())
    }
}

async fn flush(
    myself: &ActorRef<PersisterMsg>,
    state: &mut PersisterState,
) -> Result<(), ActorProcessingErr> {
    if state.buffer.is_empty() {
        return Ok(());
    }
    #[cfg(feature = "failpoints")]
    {
        if let Some(argument) = fail::eval("persister-entry", |argument| argument) {
            if argument.as_deref() == Some("panic") {
                panic!("fail point persister-entry");
            }
            let error = sea_orm::DbErr::Custom("fail point persister-entry".into());
            return retry_later(myself, state, &error);
        }
    }
    let spans: Vec<tracing::Span> = state
        .buffer
        .iter()
        .map(|(item, _)| tracing::info_span!(parent: &item.span, "persist", rows_in_transaction = state.buffer.len()))
        .collect();
    let rows: Vec<results::Completed<'_>> = state
        .buffer
        .iter()
        .map(|(item, metadata)| results::Completed {
            domain_id: item.domain_id,
            metadata: metadata.as_ref(),
            rescan_after: item.rescan_after,
        })
        .collect();
    match results::write_completed(&state.args.db, &state.args.instance_id, &rows).await {
        Ok(outcomes) => {
            drop(spans);
            state.args.pressure.relieved(Shortage::Database);
            state.retries.reset();
            for ((item, _), outcome) in state.buffer.drain(..).zip(outcomes) {
                item.span.record("outcome", outcome.as_str());
                state.args.supervisor.cast(SupervisorMsg::Done {
                    run_id: item.run_id,
                    domain_id: item.domain_id,
                    outcome,
                })?;
            }
            Ok(())
        }
        Err(error) => retry_later(myself, state, &error),
    }
}

/// Keeps the buffer and tries again after a growing delay.
fn retry_later(
    myself: &ActorRef<PersisterMsg>,
    state: &mut PersisterState,
    error: &sea_orm::DbErr,
) -> Result<(), ActorProcessingErr> {
    state.args.pressure.report(Shortage::of_database_error(error), &error.to_string());
    let delay = state.retries.next_delay();
    tracing::debug!(%error, rows = state.buffer.len(), retry_in_ms = crate::limits::millis(delay), "cannot write results; keeping them and retrying");
    if !state.flush_scheduled {
        state.flush_scheduled = true;
        myself.send_after(delay, || PersisterMsg::Flush);
    }
    Ok(())
}
