//! The command line: clap commands, each calling into the modules below it.
//!
//! Exit status: 0 on success, 1 on a runtime failure, 2 on bad input or bad configuration,
//! always with a one-line message on stderr that names what was wrong.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use uuid::Uuid;

use crate::actors::{Mode, Pipeline};
use crate::config::{self, FlagValues, Settings};
use crate::db::{self, DbOptions};
use crate::domain_name::{DomainName, InvalidDomain};
use crate::store::{self, DEFAULT_TENANT, EnqueueRequest};

/// Bad input or configuration: exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

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

/// Settings given as flags; each beats its environment variable and the config file.
#[derive(Debug, Default, Args)]
pub struct SettingFlags {
    /// Database URL (DATABASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// Tick period in seconds (DOMAIN_SCHEDULER_INTERVAL_SECONDS).
    #[arg(long, global = true, value_name = "N")]
    interval_seconds: Option<String>,
    /// Domains claimed per run (DOMAIN_SCHEDULER_BATCH_SIZE).
    #[arg(long, global = true, value_name = "N")]
    batch_size: Option<String>,
    /// Runs in flight at once (DOMAIN_SCHEDULER_MAX_INSTANCES).
    #[arg(long, global = true, value_name = "N")]
    max_instances: Option<String>,
    /// Fetcher actors (DOMAIN_SCHEDULER_FETCHER_POOL_SIZE).
    #[arg(long, global = true, value_name = "N")]
    fetcher_pool_size: Option<String>,
    /// Attempts before `error` (DOMAIN_SCHEDULER_MAX_ATTEMPTS).
    #[arg(long, global = true, value_name = "N")]
    max_attempts: Option<String>,
    /// Lease of a claim in seconds (DOMAIN_SCHEDULER_LEASE_SECONDS).
    #[arg(long, global = true, value_name = "N")]
    lease_seconds: Option<String>,
    /// HTTP API address (DOMAIN_SCHEDULER_HTTP_ADDR).
    #[arg(long, global = true, value_name = "ADDR")]
    http_addr: Option<String>,
    /// Whole-request fetch deadline in seconds (DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS).
    #[arg(long, global = true, value_name = "N")]
    fetch_timeout_seconds: Option<String>,
    /// Body cap after decompression (DOMAIN_SCHEDULER_FETCH_MAX_BYTES).
    #[arg(long, global = true, value_name = "SIZE")]
    fetch_max_bytes: Option<String>,
    /// Schemes tried in order (DOMAIN_SCHEDULER_FETCH_SCHEMES).
    #[arg(long, global = true, value_name = "LIST")]
    fetch_schemes: Option<String>,
    /// Connect every fetch to HOST:PORT (DOMAIN_SCHEDULER_FETCH_CONNECT_TO).
    #[arg(long, global = true, value_name = "HOST:PORT")]
    fetch_connect_to: Option<String>,
    /// Allow non-public addresses (DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS).
    #[arg(long, global = true, value_name = "BOOL")]
    allow_private_networks: Option<String>,
    /// User-Agent of fetches (DOMAIN_SCHEDULER_USER_AGENT).
    #[arg(long, global = true, value_name = "TEXT")]
    user_agent: Option<String>,
    /// Where failed extractions are saved (DOMAIN_SCHEDULER_DIAGNOSTIC_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    diagnostic_dir: Option<String>,
    /// pretty or json (DOMAIN_SCHEDULER_LOG_FORMAT).
    #[arg(long, global = true, value_name = "FORMAT")]
    log_format: Option<String>,
}

impl SettingFlags {
    fn values(&self) -> FlagValues {
        let pairs = [
            ("database_url", &self.database_url),
            ("interval_seconds", &self.interval_seconds),
            ("batch_size", &self.batch_size),
            ("max_instances", &self.max_instances),
            ("fetcher_pool_size", &self.fetcher_pool_size),
            ("max_attempts", &self.max_attempts),
            ("lease_seconds", &self.lease_seconds),
            ("http_addr", &self.http_addr),
            ("fetch_timeout_seconds", &self.fetch_timeout_seconds),
            ("fetch_max_bytes", &self.fetch_max_bytes),
            ("fetch_schemes", &self.fetch_schemes),
            ("fetch_connect_to", &self.fetch_connect_to),
            ("allow_private_networks", &self.allow_private_networks),
            ("user_agent", &self.user_agent),
            ("diagnostic_dir", &self.diagnostic_dir),
            ("log_format", &self.log_format),
        ];
        pairs.into_iter().filter_map(|(key, value)| value.clone().map(|v| (key.to_owned(), v))).collect()
    }
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
    Extract {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The domain the pages were saved from (relative URLs resolve against https://DOMAIN/).
        #[arg(long)]
        domain: String,
        /// A file of response headers (`Name: value` per line) to use as the page's headers.
        #[arg(long, value_name = "FILE")]
        headers: Option<PathBuf>,
    },
    /// Apply pending migrations and exit.
    Migrate {
        /// List the migrations and whether each is applied, without applying any.
        #[arg(long)]
        status: bool,
    },
    /// Standardise and enqueue domains as one batch; print the batch id.
    Add {
        /// Domains or URLs; `-` reads them from standard input, one per line.
        domains: Vec<String>,
        /// Read domains from FILE, one per line (`#` comments and blank lines ignored; `-` is
        /// standard input).
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The tenant that owns the domains.
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
        /// Put domains the tenant already has back to `pending`.
        #[arg(long)]
        refresh: bool,
        /// Pages the fetcher may visit per domain (home page plus contact pages).
        #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(i32).range(1..=50))]
        max_pages: i32,
    },
    /// Counts of domains by status, or one batch's progress, as JSON.
    Status {
        batch_id: Option<Uuid>,
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
    },
    /// A domain's row as JSON.
    Show {
        domain: String,
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
    },
    /// Put domains back to `pending` with attempts cleared.
    Reset {
        domains: Vec<String>,
        /// Reset every domain in this status (`error`, `completed` or `pending`).
        #[arg(long, value_name = "STATUS", conflicts_with = "domains")]
        status: Option<entity::DomainStatus>,
        #[arg(long, value_name = "UUID")]
        tenant: Option<Uuid>,
    },
}

/// Runs the parsed command line; returns the process exit status.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = config::load(cli.config.as_deref(), &cli.settings.values(), None)
        .map_err(|error| BadInput(error.to_string()))?;
    let telemetry =
        crate::telemetry::init(settings.log_format).map_err(|error| BadInput(error.to_string()))?;
    if matches!(cli.command, Command::Serve | Command::RunOnce { .. }) {
        crate::limits::raise_descriptor_limit();
    }
    let result = match cli.command {
        Command::Serve => serve(&settings).await,
        Command::RunOnce { drain } => run_once(&settings, drain).await,
        Command::Extract { files, domain, headers } => extract(&files, &domain, headers.as_deref()),
        Command::Migrate { status } => migrate(&settings, status).await,
        Command::Add { domains, file, tenant, refresh, max_pages } => {
            add(&settings, domains, file, tenant.unwrap_or(DEFAULT_TENANT), refresh, max_pages).await
        }
        Command::Status { batch_id, tenant } => status(&settings, batch_id, tenant).await,
        Command::Show { domain, tenant } => show(&settings, &domain, tenant.unwrap_or(DEFAULT_TENANT)).await,
        Command::Reset { domains, status, tenant } => {
            reset(&settings, domains, status, tenant.unwrap_or(DEFAULT_TENANT)).await
        }
    };
    telemetry.shutdown().await;
    result
}

/// Resolves with the reason once the restart intensity stops the service.
/// Never resolves when the pipeline ends normally (the sender is dropped with it).
async fn fatal_reason(mut fatal: tokio::sync::watch::Receiver<Option<String>>) -> String {
    match fatal.wait_for(Option::is_some).await {
        Ok(reason) => reason.clone().unwrap_or_default(),
        Err(_) => std::future::pending().await,
    }
}

/// Connects and brings the schema up to date: every command that touches the database starts
/// here, so a new SQLite file works with no set-up step.
async fn open(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let options = DbOptions::from(settings);
    let db = db::connect(&options)
        .await
        .with_context(|| format!("cannot connect to {}", config::redact_url(&options.url)))?;
    db::migrate(&db).await.context("cannot migrate the database")?;
    Ok(db)
}

async fn serve(settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    let listener = tokio::net::TcpListener::bind(settings.http_addr)
        .await
        .with_context(|| format!("cannot listen on {} (DOMAIN_SCHEDULER_HTTP_ADDR)", settings.http_addr))?;
    let pipeline = Pipeline::start(settings, db.clone(), Mode::Serve).await?;
    let state = crate::api::ApiState {
        db,
        settings: std::sync::Arc::new(settings.clone()),
        supervisor: Some(pipeline.supervisor.clone()),
        metrics: crate::api::install_metrics(),
        pressure: pipeline.pressure.clone(),
    };
    let listener_task =
        tokio::spawn(crate::wake::listen(settings.database_url.clone(), pipeline.supervisor.clone()));
    let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
    let api = tokio::spawn(crate::api::serve(listener, state, async move {
        let _ = api_stopped.await;
    }));
    tracing::info!(database = %config::redact_url(&settings.database_url), http = %settings.http_addr, "service started");
    let fatal = fatal_reason(pipeline.fatal.clone());
    tokio::select! {
        _ = crate::shutdown::signal() => {
            tracing::info!("signal received: stopping");
            let _ = stop_api.send(());
            pipeline.shutdown().await;
            pipeline.wait().await;
            listener_task.abort();
            let _ = api.await;
            Ok(ExitCode::SUCCESS)
        }
        reason = fatal => {
            pipeline.supervisor.stop(Some(reason.clone()));
            anyhow::bail!("service stopped: {reason}")
        }
    }
}

async fn run_once(settings: &Settings, drain: bool) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    let mode = if drain { Mode::Drain } else { Mode::Once };
    let pipeline = Pipeline::start(settings, db, mode).await?;
    let fatal = fatal_reason(pipeline.fatal.clone());
    let supervisor = pipeline.supervisor.clone();
    let runs = tokio::select! {
        runs = pipeline.wait() => runs,
        reason = fatal => {
            supervisor.stop(Some(reason.clone()));
            anyhow::bail!("run stopped: {reason}")
        }
    };
    if runs.is_empty() {
        eprintln!("nothing was due");
    }
    for run in runs {
        println!("{}", serde_json::to_string(&run)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn extract(files: &[PathBuf], domain: &str, headers: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    let name = parse_name(domain)?;
    let url = url::Url::parse(&name.home_page("https")).map_err(|e| BadInput(e.to_string()))?;
    let mut header_map = reqwest::header::HeaderMap::new();
    if let Some(path) = headers {
        let text = std::fs::read_to_string(path)
            .map_err(|error| BadInput(format!("cannot read {}: {error}", path.display())))?;
        for line in text.lines() {
            let Some((name, value)) = line.split_once(':') else { continue };
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()),
                reqwest::header::HeaderValue::from_str(value.trim()),
            ) {
                header_map.append(name, value);
            }
        }
    }
    let content_type =
        header_map.get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    for file in files {
        let bytes = std::fs::read(file)
            .map_err(|error| BadInput(format!("cannot read {}: {error}", file.display())))?;
        let html = crate::fetch::decode_html(&bytes, content_type.as_deref());
        let metadata =
            crate::extract::extract(&crate::extract::Page { html: &html, headers: &header_map, url: &url });
        println!("{}", serde_json::to_string(&metadata)?);
    }
    Ok(ExitCode::SUCCESS)
}

async fn migrate(settings: &Settings, status_only: bool) -> anyhow::Result<ExitCode> {
    let options = DbOptions::from(settings);
    let db = db::connect(&options)
        .await
        .with_context(|| format!("cannot connect to {}", config::redact_url(&options.url)))?;
    if !status_only {
        db::migrate(&db).await.context("cannot migrate the database")?;
    }
    for state in db::migration_status(&db).await? {
        println!("{} {}", if state.applied { "applied" } else { "pending" }, state.name);
    }
    Ok(ExitCode::SUCCESS)
}

/// One input line that is not a domain.
struct Rejected {
    place: String,
    input: String,
    reason: InvalidDomain,
}

/// Reads the inputs of `add`: arguments, then `--file` (or standard input for `-`).
fn read_inputs(args: Vec<String>, file: Option<PathBuf>) -> anyhow::Result<Vec<(String, String)>> {
    let mut inputs = Vec::new();
    let mut stdin_requested = file.as_deref().is_some_and(|f| f.as_os_str() == "-");
    for (i, arg) in args.into_iter().enumerate() {
        if arg == "-" {
            stdin_requested = true;
        } else {
            inputs.push((format!("argument {}", i + 1), arg));
        }
    }
    let mut read_lines = |name: &str, reader: &mut dyn BufRead| -> anyhow::Result<()> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).with_context(|| format!("cannot read {name}"))?;
        for (number, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            let line = strip_comment(line);
            if !line.is_empty() {
                inputs.push((format!("{name} line {}", number + 1), line.to_owned()));
            }
        }
        Ok(())
    };
    match file {
        Some(path) if path.as_os_str() != "-" => {
            let handle = std::fs::File::open(&path)
                .map_err(|error| BadInput(format!("cannot open {}: {error}", path.display())))?;
            read_lines(&path.display().to_string(), &mut std::io::BufReader::new(handle))?;
        }
        _ => {}
    }
    if stdin_requested {
        read_lines("stdin", &mut std::io::stdin().lock())?;
    }
    Ok(inputs)
}

/// A line without its `#` comment and surrounding blanks.
fn strip_comment(line: &str) -> &str {
    let line = line.trim();
    if line.starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => line[..at].trim(),
        None => line,
    }
}

async fn add(
    settings: &Settings,
    args: Vec<String>,
    file: Option<PathBuf>,
    tenant_id: Uuid,
    refresh: bool,
    max_pages: i32,
) -> anyhow::Result<ExitCode> {
    let inputs = read_inputs(args, file)?;
    if inputs.is_empty() {
        return Err(BadInput(
            "no domains given (pass them as arguments, with --file FILE, or - for standard input)".into(),
        )
        .into());
    }
    let mut valid = Vec::with_capacity(inputs.len());
    let mut rejected = Vec::new();
    for (place, input) in inputs {
        match DomainName::parse(&input) {
            Ok(name) => valid.push(name),
            Err(reason) => rejected.push(Rejected { place, input, reason }),
        }
    }
    for r in &rejected {
        eprintln!("{}: {:?} rejected: {} ({})", r.place, r.input, r.reason, r.reason.code());
    }

    let mut outcome = store::EnqueueOutcome::default();
    if !valid.is_empty() {
        let db = open(settings).await?;
        let bar = progress_bar(valid.len() as u64);
        outcome = store::domains::enqueue(
            &db,
            EnqueueRequest { tenant_id, domains: &valid, refresh, max_pages },
            |done| bar.set_position(done as u64),
        )
        .await
        .context("cannot write the batch")?;
        bar.finish_and_clear();
    }
    for name in &outcome.in_progress {
        eprintln!("{name}: being processed now, left as it is");
    }
    if !refresh && !outcome.already_present.is_empty() {
        let shown: Vec<&str> = outcome.already_present.iter().take(10).map(String::as_str).collect();
        let more = outcome.already_present.len().saturating_sub(shown.len());
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        eprintln!("already present (use --refresh to fetch again): {}{tail}", shown.join(", "));
    }
    eprintln!(
        "{} added, {} refreshed, {} already present, {} in progress, {} duplicate, {} rejected",
        outcome.added.len(),
        outcome.refreshed.len(),
        outcome.already_present.len(),
        outcome.in_progress.len(),
        outcome.duplicates,
        rejected.len()
    );
    match outcome.batch_id {
        Some(batch_id) => println!("{batch_id}"),
        None => eprintln!("no domain enqueued, no batch written"),
    }
    Ok(if rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// A progress bar on a terminal; hidden when stderr is not one (scripts, CI).
fn progress_bar(len: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() || len < 1000 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} domains {elapsed}") {
        bar.set_style(style);
    }
    bar
}

async fn status(
    settings: &Settings,
    batch_id: Option<Uuid>,
    tenant: Option<Uuid>,
) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    let json = match batch_id {
        None => serde_json::to_string_pretty(&store::batches::counts(&db, tenant).await?)?,
        Some(id) => {
            let tenant_id = tenant.unwrap_or(DEFAULT_TENANT);
            let Some(progress) = store::batches::progress(&db, tenant_id, id).await? else {
                anyhow::bail!("batch {id} not found in tenant {tenant_id}");
            };
            serde_json::to_string_pretty(&progress)?
        }
    };
    println!("{json}");
    Ok(ExitCode::SUCCESS)
}

fn parse_name(input: &str) -> Result<DomainName, BadInput> {
    DomainName::parse(input).map_err(|reason| BadInput(format!("{input:?} is not a domain: {reason}")))
}

async fn show(settings: &Settings, domain: &str, tenant_id: Uuid) -> anyhow::Result<ExitCode> {
    let name = parse_name(domain)?;
    let db = open(settings).await?;
    let Some(row) = store::domains::find(&db, tenant_id, &name).await? else {
        anyhow::bail!("{name} not found in tenant {tenant_id}");
    };
    println!("{}", serde_json::to_string_pretty(&row)?);
    Ok(ExitCode::SUCCESS)
}

async fn reset(
    settings: &Settings,
    domains: Vec<String>,
    status: Option<entity::DomainStatus>,
    tenant_id: Uuid,
) -> anyhow::Result<ExitCode> {
    match (status, domains.is_empty()) {
        (Some(entity::DomainStatus::Processing), _) => {
            Err(BadInput("--status processing cannot be reset: those domains are leased; they come back when the lease expires".into()).into())
        }
        (Some(status), _) => {
            let db = open(settings).await?;
            let n = store::domains::reset_status(&db, tenant_id, status).await?;
            eprintln!("{n} domains put back to pending");
            Ok(ExitCode::SUCCESS)
        }
        (None, true) => Err(BadInput("name the domains to reset, or give --status error".into()).into()),
        (None, false) => {
            let names = domains.iter().map(|d| parse_name(d)).collect::<Result<Vec<_>, _>>()?;
            let db = open(settings).await?;
            let outcome = store::domains::reset_names(&db, tenant_id, &names).await?;
            for name in &outcome.in_progress {
                eprintln!("{name}: being processed now, left as it is");
            }
            eprintln!("{} domains put back to pending", outcome.reset.len());
            if !outcome.not_found.is_empty() {
                return Err(BadInput(format!("not found in tenant {tenant_id}: {}", outcome.not_found.join(", "))).into());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip_comment;

    #[test]
    fn comments_and_blanks_are_dropped_from_input_lines() {
        assert_eq!(strip_comment("  # a comment"), "");
        assert_eq!(strip_comment("example.com  # shop"), "example.com");
        assert_eq!(strip_comment("https://example.com/#top"), "https://example.com/#top");
        assert_eq!(strip_comment("   "), "");
    }
}
