//! `reset` and `delete`: the operators' bulk actions on named domains or a filter (batch,
//! status, kind of last error, or `--all`), with `--dry-run` to see the count first. Without
//! `--tenant` they act across every tenant. The work runs in bounded chunks (`store::bulk`), so
//! a running `serve` keeps claiming meanwhile.
//!
//! Each prints one JSON line on stdout (`dry_run`, the count, `in_progress`, `not_found`) and a
//! sentence on stderr; a name that no domain has is a runtime failure (exit 1) once the others
//! are done, as for `show`.

use std::process::ExitCode;

use clap::Args;
use uuid::Uuid;

use super::{BadInput, CliError, open, parse_name};
use crate::config::Settings;
use crate::failure::Kind;
use crate::store::{self, bulk::BulkOutcome, selection::Selection};

/// Which domains `reset` and `delete` act on.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// The domains to act on (names or URLs); with a filter, only those of them that match it.
    pub domains: Vec<String>,
    /// Only domains in this status (`pending`, `completed`, `error` or `gone`).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<entity::DomainStatus>,
    /// Only members of this batch.
    #[arg(long, value_name = "BATCH_ID")]
    pub batch: Option<Uuid>,
    /// Only domains whose last error is of this kind (`http_status`, `dns_nxdomain`,
    /// `cancelled`, ...).
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub error_kind: Option<Kind>,
    /// Every domain (of `--tenant`, or of every tenant): needed when nothing else is given.
    #[arg(long, conflicts_with_all = ["domains", "status", "batch", "error_kind"])]
    pub all: bool,
    /// Only this tenant's domains (default: every tenant).
    #[arg(long, value_name = "UUID")]
    pub tenant: Option<Uuid>,
    /// Only count what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    Kind::parse(text).ok_or_else(|| format!("{text:?} is not a kind of failure (as in `last_error`: http_status, dns_nxdomain, cancelled, ...)"))
}

impl FilterArgs {
    fn selection(&self, verb: &str) -> Result<Selection, BadInput> {
        if self.status == Some(entity::DomainStatus::Processing) {
            return Err(BadInput(format!(
                "--status processing cannot be {verb}: those domains are leased; they come back when the lease expires"
            )));
        }
        let names = if self.domains.is_empty() {
            None
        } else {
            Some(self.domains.iter().map(|d| parse_name(d)).collect::<Result<Vec<_>, _>>()?)
        };
        let selection = Selection {
            tenant: self.tenant,
            batch: self.batch,
            status: self.status,
            error_kind: self.error_kind,
            names,
            ..Default::default()
        };
        if selection.is_everything() && !self.all {
            return Err(BadInput(format!(
                "name the domains to be {verb}, or give a filter (--status, --batch, --error-kind), or --all"
            )));
        }
        Ok(selection)
    }
}

#[derive(serde::Serialize)]
struct Printed<'a> {
    dry_run: bool,
    #[serde(flatten)]
    count: std::collections::BTreeMap<&'a str, u64>,
    in_progress: u64,
    not_found: &'a [String],
}

/// Checks the filter, opens the database and refuses a batch it does not have.
async fn prepare(
    settings: &Settings,
    args: &FilterArgs,
    verb: &str,
) -> Result<(sea_orm::DatabaseConnection, Selection), CliError> {
    let selection = args.selection(verb)?;
    let db = open(settings).await?;
    if let Some(batch) = args.batch
        && !store::batches::exists(&db, args.tenant, batch).await?
    {
        let within = super::domains::in_tenant(args.tenant);
        return Err(CliError::NotFound(format!("batch {batch} not found{within}")));
    }
    Ok((db, selection))
}

/// Prints the outcome; exit 1 when a name was not found.
fn report(args: &FilterArgs, outcome: &BulkOutcome, field: &str, done: &str) -> Result<ExitCode, CliError> {
    let printed = Printed {
        dry_run: args.dry_run,
        count: [(field, outcome.affected)].into_iter().collect(),
        in_progress: outcome.in_progress,
        not_found: &outcome.not_found,
    };
    println!("{}", serde_json::to_string(&printed)?);
    let n = outcome.affected;
    let domains = if n == 1 { "domain" } else { "domains" };
    if args.dry_run {
        eprintln!("dry run: {n} {domains} would be {done}; nothing changed");
    } else {
        eprintln!("{n} {domains} {done}");
    }
    if outcome.in_progress > 0 {
        eprintln!("{} being processed now, left as they are", outcome.in_progress);
    }
    if !outcome.not_found.is_empty() {
        return Err(CliError::NotFound(format!(
            "not found{}: {}",
            super::domains::in_tenant(args.tenant),
            outcome.not_found.join(", ")
        )));
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn reset(settings: &Settings, args: FilterArgs) -> Result<ExitCode, CliError> {
    let (db, selection) = prepare(settings, &args, "reset").await?;
    let outcome = store::bulk::reset(&db, &selection, args.dry_run).await?;
    report(&args, &outcome, "reset", "put back to pending")
}

pub async fn delete(settings: &Settings, args: FilterArgs) -> Result<ExitCode, CliError> {
    let (db, selection) = prepare(settings, &args, "deleted").await?;
    let outcome = store::bulk::delete(&db, &selection, args.dry_run).await?;
    report(&args, &outcome, "deleted", "deleted, with their failures, history and batch memberships")
}
