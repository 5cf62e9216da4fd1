//! `export`: every matching domain to standard output, as CSV or NDJSON, one page at a time
//! so that a million rows take as little memory as a thousand. A reader that stops early
//! (`export | head`) ends the export quietly with status 0.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;
use uuid::Uuid;

use super::open_read_only;
use crate::config::Settings;
use crate::export::{Export, Format};
use crate::store::selection::Selection;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// `csv` (a header row and the documented columns) or `ndjson` (each full row as one JSON
    /// object per line; `jsonl` is accepted as its other name).
    #[arg(long, default_value = "csv", value_parser = Format::parse)]
    pub format: Format,
    /// Only domains in this status.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<entity::DomainStatus>,
    /// Only the domains of this batch.
    #[arg(long, value_name = "ID")]
    pub batch: Option<Uuid>,
    /// Only domains changed at or after this time (RFC 3339, or a date for midnight UTC).
    #[arg(long, value_name = "TIME", value_parser = crate::export::parse_changed_since)]
    pub changed_since: Option<DateTime<Utc>>,
    /// Only this tenant's domains (default: every tenant).
    #[arg(long, value_name = "UUID")]
    pub tenant: Option<Uuid>,
    /// Only domains whose latest scan found this technology, by its name as detected
    /// (`--technology Shopify`).
    #[arg(long, value_name = "NAME")]
    pub technology: Option<String>,
}

pub async fn export(settings: &Settings, args: ExportArgs) -> Result<ExitCode, super::CliError> {
    let ExportArgs { format, status, batch, changed_since, tenant, technology } = args;
    let db = open_read_only(settings).await?;
    if let Some(batch) = batch
        && !crate::store::batches::exists(&db, tenant, batch).await?
    {
        let within = tenant.map(|tenant| format!(" in tenant {tenant}")).unwrap_or_default();
        return Err(super::BadInput(format!("--batch {batch}: no such batch{within}")).into());
    }
    let selection = Selection { tenant, status, batch, changed_since, technology, ..Default::default() };
    let mut export = Export::new(db, selection, format);
    let progress = progress();
    let mut stdout = std::io::stdout();
    loop {
        let Some(chunk) = export.next_chunk().await? else { break };
        if let Err(error) = stdout.write_all(&chunk) {
            return written(error, &progress);
        }
        progress.set_position(export.rows());
    }
    if let Err(error) = stdout.flush() {
        return written(error, &progress);
    }
    progress.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}

/// A reader that closed the pipe wanted no more: that is success. Any other write error is not.
fn written(error: std::io::Error, progress: &indicatif::ProgressBar) -> Result<ExitCode, super::CliError> {
    progress.finish_and_clear();
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return Ok(ExitCode::SUCCESS);
    }
    Err(anyhow::Error::new(error).context("cannot write the export to standard output").into())
}

/// Rows written so far, on stderr when it is a terminal (never on stdout, which is the data).
fn progress() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {pos} domains exported {elapsed}") {
        bar.set_style(style);
    }
    bar
}
