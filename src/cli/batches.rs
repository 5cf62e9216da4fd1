//! `batches [--tenant U] [--state S] [--limit N]`: the batches, newest first, one JSON line
//! each with its counts (through batch membership, as `status BATCH_ID` counts them) and its
//! callback's state. Without `--tenant`, every tenant's.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;
use uuid::Uuid;

use super::open_read_only;
use crate::config::Settings;
use crate::store::callbacks::{self, CallbackStatus};
use crate::store::keyset::Before;
use crate::store::listing;
use crate::store::{BatchState, StatusCounts};

/// Batches read per query.
const PAGE: u64 = 200;

#[derive(Debug, Args)]
pub struct BatchesArgs {
    /// Only this tenant's batches (default: every tenant).
    #[arg(long, value_name = "UUID")]
    pub tenant: Option<Uuid>,
    /// Only batches in this state.
    #[arg(long, value_name = "STATE", value_parser = ["pending", "running", "complete"])]
    pub state: Option<String>,
    /// The most batches printed.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: u64,
}

#[derive(Serialize)]
struct Line {
    batch_id: Uuid,
    tenant_id: Uuid,
    status: BatchState,
    total: u64,
    counts: StatusCounts,
    created_at: chrono::DateTime<chrono::Utc>,
    cancelled_at: Option<chrono::DateTime<chrono::Utc>>,
    callback: Option<CallbackStatus>,
}

pub async fn batches(settings: &Settings, args: BatchesArgs) -> anyhow::Result<ExitCode> {
    let wanted = args.state.as_deref().map(|state| match state {
        "pending" => BatchState::Pending,
        "running" => BatchState::Running,
        _ => BatchState::Complete,
    });
    let db = open_read_only(settings).await?;
    let mut before = None;
    let mut printed = 0u64;
    'pages: loop {
        let rows = listing::batches(&db, args.tenant, before, PAGE).await?;
        let full = rows.len() as u64 == PAGE;
        before = rows.last().map(|row| Before { at: row.batch.created_at, id: row.batch.id });
        for row in rows {
            let status = row.counts.batch_state();
            if wanted.is_some_and(|wanted| wanted != status) {
                continue;
            }
            let line = Line {
                batch_id: row.batch.id,
                tenant_id: row.batch.tenant_id,
                status,
                total: row.counts.total(),
                callback: callbacks::status(&db, row.batch.id).await?,
                counts: row.counts,
                created_at: row.batch.created_at,
                cancelled_at: row.batch.cancelled_at,
            };
            println!("{}", serde_json::to_string(&line)?);
            printed += 1;
            if printed == args.limit {
                break 'pages;
            }
        }
        if !full {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}
