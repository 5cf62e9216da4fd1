//! `add DOMAIN... [--file F] [--tenant UUID] [--refresh] [--max-pages N] [--callback-url URL]`:
//! standardise and enqueue domains as one batch. Every rejected input is listed with its place and reason, the
//! valid ones are still written, and the exit status is 2 whenever anything was rejected.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use super::{BadInput, open};
use crate::callback_url::CallbackUrl;
use crate::config::Settings;
use crate::domain_name::confusable::Confusable;
use crate::excerpt::Excerpt;
use crate::store::{self, DEFAULT_TENANT, EnqueueRequest};
use crate::submit::{self, CallbackRefused, MaxPages, RescanAfter};

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Domains or URLs; `-` reads them from standard input, one per line.
    domains: Vec<String>,
    /// Read domains from FILE, one per line (`#` comments and blank lines ignored; `-` is
    /// standard input).
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The tenant that owns the domains (default: the nil UUID).
    #[arg(long, value_name = "UUID")]
    tenant: Option<Uuid>,
    /// Put domains the tenant already has back to `pending`.
    #[arg(long)]
    refresh: bool,
    /// Pages the fetcher may visit per domain (home page plus contact pages).
    #[arg(long, value_name = "N", default_value_t = MaxPages::ONE, value_parser = MaxPages::arg_parser())]
    max_pages: MaxPages,
    /// An http or https URL sent the batch's summary, signed, once the batch has finished
    /// (needs DOMAIN_SCHEDULER_CALLBACK_SECRET).
    #[arg(long, value_name = "URL")]
    callback_url: Option<String>,
}

/// One input line that is not a domain, or a name refused as confusable.
struct Rejected {
    place: String,
    input: String,
    reason: String,
    code: &'static str,
}

pub async fn add(settings: &Settings, args: AddArgs) -> anyhow::Result<ExitCode> {
    let callback_url = match args.callback_url.as_deref() {
        Some(text) => Some(callback_url(settings, text).await?),
        None => None,
    };
    let inputs = read_inputs(args.domains, args.file)?;
    if inputs.is_empty() {
        return Err(BadInput(
            "no domains given (pass them as arguments, with --file FILE, or - for standard input)".into(),
        )
        .into());
    }
    let (places, inputs): (Vec<String>, Vec<String>) = inputs.into_iter().unzip();
    let submit::Standardised { valid, refused, warnings } =
        submit::standardise(&inputs, settings.api.refuse_confusable);
    for warning in &warnings {
        let name = &warning.name;
        eprintln!(
            "{}: {name} ({}) accepted with a warning: {} ({})",
            places[warning.index],
            name.unicode(),
            warning.reason,
            Confusable::CODE
        );
    }
    let rejected: Vec<Rejected> = refused
        .into_iter()
        .map(|refused| Rejected {
            place: places[refused.index].clone(),
            input: inputs[refused.index].clone(),
            reason: refused.reason,
            code: refused.code,
        })
        .collect();
    for r in &rejected {
        eprintln!("{}: {} rejected: {} ({})", r.place, Excerpt::of(&r.input), r.reason, r.code);
    }

    let mut outcome = store::EnqueueOutcome::default();
    if !valid.is_empty() {
        let db = open(settings).await?;
        let bar = progress_bar(valid.len() as u64);
        let request = EnqueueRequest {
            tenant_id: args.tenant.unwrap_or(DEFAULT_TENANT),
            domains: &valid,
            refresh: args.refresh,
            max_pages: args.max_pages,
            callback_url: callback_url.as_ref(),
            rescan_after: submission_rescan_after(settings),
        };
        outcome = store::domains::enqueue(&db, request, |done| bar.set_position(done as u64))
            .await
            .context("cannot write the batch")?;
        bar.finish_and_clear();
    }
    for name in &outcome.in_progress {
        eprintln!("{name}: being processed now, left as it is");
    }
    if !args.refresh && !outcome.already_present.is_empty() {
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
        None => eprintln!("no valid domain, no batch written"),
    }
    Ok(if rejected.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

/// The batch's callback URL, refused before anything is written when it does not pass
/// [`submit::callback_url`]. Its credentials are never shown.
async fn callback_url(settings: &Settings, text: &str) -> Result<CallbackUrl, BadInput> {
    submit::callback_url(settings, text).await.map_err(|refused| match refused {
        CallbackRefused::Disabled => BadInput(
            "--callback-url: callbacks are signed with DOMAIN_SCHEDULER_CALLBACK_SECRET, which is not set"
                .into(),
        ),
        CallbackRefused::Invalid(reason) => {
            BadInput(format!("--callback-url {}: {reason}", Excerpt::of(&crate::callback_url::redact(text))))
        }
        CallbackRefused::Blocked(url, refused) => BadInput(format!(
            "--callback-url {url}: {refused} (DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS is off)"
        )),
    })
}

/// Reads the inputs of `add`: arguments, then `--file` (or standard input for `-`), each with
/// its place for messages.
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

/// A line without its `#` comment and the blanks around it. Blanks inside stay: they are the
/// domain parser's to refuse, never to be deleted.
fn strip_comment(line: &str) -> &str {
    let line = line.trim_matches(|c: char| c == ' ' || c == '\r' || c == '\n');
    if line.trim_start().starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(at) => line[..at].trim_end_matches([' ', '\t']),
        None => line,
    }
}

/// `add --rescan-after D`: the flag of the service's setting, given to `add`, is these domains'
/// own interval, stored with them. From the environment or the file it is the service's, and
/// nothing is stored.
fn submission_rescan_after(settings: &Settings) -> Option<RescanAfter> {
    let given = settings.effective.iter().find(|setting| setting.key == "rescan_after")?;
    if given.source != crate::config::Source::Flag {
        return None;
    }
    Some(RescanAfter::from_interval(settings.scheduler.rescan_after))
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

    #[test]
    fn a_tab_inside_a_line_is_left_for_the_parser_to_refuse() {
        assert_eq!(strip_comment("acme\tcorp.com"), "acme\tcorp.com");
    }
}
