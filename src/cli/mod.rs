//! The command line: clap commands, one file per larger command, each calling into the modules
//! below it.
//!
//! Exit status: 0 on success, 1 on a runtime failure, 2 on bad input or bad configuration,
//! always with a one-line message on stderr that names what was wrong. Without `--tenant`, the
//! commands that read or reset domains act across every tenant; `add` writes to the command
//! line's default tenant.

mod add;
mod batches;
mod bulk;
mod cancel;
mod domains;
mod error;
mod export;
mod extract;
mod history;
mod migrate;
mod pause;
pub mod report;
mod run_once;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::config::{self, DatabaseSettings, SettingFlags, Settings};
use crate::db::{self, Access};
use crate::domain_name::DomainName;

pub use error::{BadInput, CliError};

#[derive(Debug, Parser)]
#[command(
    name = "domain-scheduler",
    version,
    about = "Keeps a database of web domains enriched with metadata from their home pages"
)]
pub struct Cli {
    /// Configuration file (default: ./domain-scheduler.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: SettingFlags,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service until SIGINT/SIGTERM: migrate, start the actors and the HTTP API, then
    /// drain in-flight work and exit 0.
    Serve,
    /// One scheduler run through the same actors as `serve` (or runs until nothing is due with
    /// --drain); prints each run's metrics as one JSON line.
    RunOnce {
        /// Keep running until nothing is due and nothing is in flight.
        #[arg(long)]
        drain: bool,
    },
    /// Run only the extraction on saved pages and print the metadata JSON, one line per file
    /// (no database, no network).
    Extract(extract::ExtractArgs),
    /// Apply pending migrations and list every migration with its state.
    Migrate {
        /// List the migrations and whether each is applied, without applying any.
        #[arg(long)]
        status: bool,
    },
    /// Standardise and enqueue domains as one batch; print the batch id.
    Add(add::AddArgs),
    /// Counts of domains by status, or one batch's progress, as JSON.
    Status {
        /// One batch's progress instead of the counts (the id `add` printed).
        batch_id: Option<Uuid>,
        /// Only this tenant's domains (default: every tenant).
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
    },
    /// A domain's row as JSON.
    Show {
        /// The domain, as `add` took it (a URL works too).
        domain: String,
        /// The tenant that owns the domain (needed only when several tenants have it).
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
    },
    /// What the re-scans of a domain changed, newest first, as text.
    History {
        /// The domain, as `add` took it (a URL works too).
        domain: String,
        /// The tenant that owns the domain (needed only when several tenants have it).
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
    },
    /// Put domains back to `pending` with attempts cleared: named ones, or a filter's
    /// (--status, --batch, --error-kind, or --all); --dry-run only counts them.
    Reset(bulk::FilterArgs),
    /// Delete domains with their failures, change history and batch memberships: named ones, or
    /// a filter's (--status, --batch, --error-kind, or --all); --dry-run only counts them.
    Delete(bulk::FilterArgs),
    /// Cancel a batch: its pending domains stop being due for it, those being fetched finish;
    /// --dry-run only counts them.
    Cancel(cancel::CancelArgs),
    /// Every matching domain to stdout as CSV or JSON Lines, streamed in constant memory.
    Export(export::ExportArgs),
    /// The batches, newest first, one JSON line each with its counts and callback state.
    Batches(batches::BatchesArgs),
    /// Pause claiming on every instance sharing the database; claimed domains are finished.
    Pause,
    /// Let every instance claim again after `pause`.
    Resume,
}

/// Runs the parsed command line; returns the process exit status, or the failure that sets it.
pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let settings = config::load(cli.config.as_deref(), cli.settings.values(), None)
        .map_err(|error| BadInput(error.to_string()))?;
    let telemetry =
        crate::telemetry::init(settings.telemetry.log_format).map_err(|error| BadInput(error.to_string()))?;
    for name in &settings.unknown_variables {
        tracing::warn!(variable = %name, "no setting reads {name}: a misspelt or removed setting?");
    }
    if matches!(cli.command, Command::Serve | Command::RunOnce { .. } | Command::Extract(_)) {
        load_technologies(&settings)?;
    }
    let result = match cli.command {
        Command::Serve => serve::serve(&settings).await.map_err(CliError::from),
        Command::RunOnce { drain } => run_once::run_once(&settings, drain).await.map_err(CliError::from),
        Command::Extract(args) => extract::extract(&args, &settings.fetch.extract_options()),
        Command::Migrate { status } => migrate::migrate(&settings, status).await.map_err(CliError::from),
        Command::Add(args) => add::add(&settings, args).await.map_err(CliError::from),
        Command::Status { batch_id, tenant } => domains::status(&settings, batch_id, tenant).await,
        Command::Show { domain, tenant } => domains::show(&settings, &domain, tenant).await,
        Command::History { domain, tenant } => history::history(&settings, &domain, tenant).await,
        Command::Reset(args) => bulk::reset(&settings, args).await,
        Command::Delete(args) => bulk::delete(&settings, args).await,
        Command::Cancel(args) => cancel::cancel(&settings, args).await,
        Command::Export(args) => export::export(&settings, args).await,
        Command::Batches(args) => batches::batches(&settings, args).await.map_err(CliError::from),
        Command::Pause => pause::pause(&settings).await.map_err(CliError::from),
        Command::Resume => pause::resume(&settings).await.map_err(CliError::from),
    };
    telemetry.shutdown().await;
    result
}

/// Reads the operator's technology fingerprints (`DOMAIN_SCHEDULER_TECHNOLOGIES`) for the
/// extractions of this process; a file that cannot be read or parsed stops start-up (exit 2)
/// naming the file and the entry, rather than running with fewer technologies than asked for.
fn load_technologies(settings: &Settings) -> Result<(), BadInput> {
    let fetch = &settings.fetch;
    let started = std::time::Instant::now();
    let (sources, summary) =
        crate::extract::TechnologySources::load(&fetch.technologies, fetch.builtin_technologies)
            .map_err(|error| BadInput(format!("DOMAIN_SCHEDULER_TECHNOLOGIES: {error}")))?;
    if let Some(summary) = summary {
        for skipped in &summary.skipped {
            tracing::debug!(%skipped, "technology fingerprints: a pattern is left out");
        }
        let counts = |counts: &std::collections::BTreeMap<&str, usize>| {
            counts.iter().map(|(kind, n)| format!("{kind} {n}")).collect::<Vec<_>>().join(", ")
        };
        tracing::info!(
            reached_by = %counts(&summary.reach),
            implied_only = summary.implied_only,
            unreachable = summary.unreachable,
            not_read = %counts(&summary.unread),
            "technology fingerprints: how many technologies each kind of evidence can find"
        );
        tracing::info!(
            files = summary.files.len(),
            technologies = summary.technologies,
            patterns = summary.patterns,
            skipped = summary.skipped.len(),
            builtin = fetch.builtin_technologies,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "technology fingerprints read"
        );
    }
    // Only this function installs, once per process: a second call cannot happen.
    crate::extract::install_technologies(sources);
    Ok(())
}

/// Logs every setting as loaded, secrets hidden: what a service that runs for months was
/// started with.
fn log_effective_settings(settings: &Settings) {
    for setting in &settings.effective {
        tracing::info!(setting = setting.key, value = %setting.shown, source = setting.source.as_str(), "setting");
    }
}

/// Resolves with the reason once the restart intensity stops the service.
/// Never resolves when the pipeline ends normally (the sender is dropped with it).
async fn fatal_reason(mut fatal: tokio::sync::watch::Receiver<Option<String>>) -> String {
    match fatal.wait_for(Option::is_some).await {
        Ok(reason) => reason.clone().unwrap_or_default(),
        Err(_) => std::future::pending().await,
    }
}

/// How long a command waits for a database that does not answer before it says so.
const CONNECT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(5);

/// Connects for `access`, first checking within [`CONNECT_DEADLINE`] that the server answers:
/// a pool would retry until its own timeout and then report only that it timed out.
async fn connect(options: &DatabaseSettings, access: Access) -> anyhow::Result<sea_orm::DatabaseConnection> {
    db::check_reachable(options, CONNECT_DEADLINE)
        .await
        .map_err(|cause| anyhow::anyhow!("cannot connect to {}: {cause}", options.url))?;
    db::connect_for(options, access).await.with_context(|| format!("cannot connect to {}", options.url))
}

/// Connects and brings the schema up to date: every command that writes starts here, so a new
/// SQLite file works with no set-up step.
async fn open(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let db = connect(&settings.database, Access::ReadWrite).await?;
    db::migrate(&db).await.context("cannot migrate the database")?;
    Ok(db)
}

/// Connects for commands that only read: they never create a SQLite file that does not exist,
/// never write, and refuse a schema older than this version (exit 1) rather than migrate it.
async fn open_read_only(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    if let Some(path) = db::sqlite_file(&settings.database.url)
        && !path.exists()
    {
        anyhow::bail!("no database at {}: nothing has been added yet (`add` creates it)", path.display());
    }
    let db = connect(&settings.database, Access::ReadOnly).await?;
    let states = db::migration_status(&db).await.context("cannot read the database's migrations")?;
    let pending: Vec<&str> = states.iter().filter(|m| !m.applied).map(|m| m.name.as_str()).collect();
    if pending.len() == states.len() {
        anyhow::bail!(
            "the database at {} has no schema yet: run `domain-scheduler migrate` (or `add`, which creates it)",
            settings.database.url
        );
    }
    if !pending.is_empty() {
        let plural = if pending.len() == 1 { "" } else { "s" };
        anyhow::bail!(
            "the database schema is behind this version: pending migration{plural} {}; run `domain-scheduler migrate`",
            pending.join(", ")
        );
    }
    Ok(db)
}

fn parse_name(input: &str) -> Result<DomainName, BadInput> {
    DomainName::parse(input).map_err(|reason| BadInput(format!("{input:?} is not a domain: {reason}")))
}
