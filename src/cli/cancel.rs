//! `cancel BATCH_ID [--tenant U] [--dry-run]`: the batch's domains still `pending` stop being
//! due for it (`store::cancel` says how); those being fetched finish. Prints one JSON line
//! (`batch_id`, `dry_run`, `cancelled`, `in_flight`); an unknown batch exits 1.

use std::process::ExitCode;

use clap::Args;
use uuid::Uuid;

use super::open;
use crate::config::Settings;
use crate::store;

#[derive(Debug, Args)]
pub struct CancelArgs {
    /// The batch (the id `add` printed).
    pub batch_id: Uuid,
    /// The tenant that owns the batch (default: any tenant).
    #[arg(long, value_name = "UUID")]
    pub tenant: Option<Uuid>,
    /// Only count what the cancel would do; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(serde::Serialize)]
struct Printed {
    batch_id: Uuid,
    dry_run: bool,
    cancelled: u64,
    in_flight: u64,
}

pub async fn cancel(settings: &Settings, args: CancelArgs) -> Result<ExitCode, super::CliError> {
    let db = open(settings).await?;
    let outcome = if args.dry_run {
        store::cancel::preview(&db, args.tenant, args.batch_id).await?
    } else {
        store::cancel::cancel_batch(&db, args.tenant, args.batch_id, "the command line").await?
    };
    let Some(outcome) = outcome else {
        let within = super::domains::in_tenant(args.tenant);
        return Err(super::CliError::NotFound(format!("batch {} not found{within}", args.batch_id)));
    };
    let printed = Printed {
        batch_id: args.batch_id,
        dry_run: args.dry_run,
        cancelled: outcome.cancelled,
        in_flight: outcome.in_flight,
    };
    println!("{}", serde_json::to_string(&printed)?);
    let would = if args.dry_run { "dry run: would cancel" } else { "cancelled" };
    eprintln!(
        "{would} {} pending domains of batch {}; {} being fetched finish",
        outcome.cancelled, args.batch_id, outcome.in_flight
    );
    Ok(ExitCode::SUCCESS)
}
