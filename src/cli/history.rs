//! `history DOMAIN [--tenant U]`: what the re-scans of one domain changed, newest first, as
//! readable text grouped by scan. The domain is found as `show` finds it: unknown is exit 1,
//! a name several tenants have needs `--tenant` (exit 2).

use std::process::ExitCode;

use uuid::Uuid;

use super::domains::find_one;
use super::{CliError, open_read_only, parse_name};
use crate::config::Settings;
use crate::store::changes::{self, ChangeCursor};

/// Rows read per query; the history is printed as it is read.
const PAGE: u64 = 500;

pub async fn history(settings: &Settings, domain: &str, tenant: Option<Uuid>) -> Result<ExitCode, CliError> {
    let name = parse_name(domain)?;
    let db = open_read_only(settings).await?;
    let row = find_one(&db, &name, tenant).await?;
    let mut after = None;
    let mut last_scan = None;
    let mut printed = 0usize;
    loop {
        let page = changes::page(&db, row.id, after, PAGE).await?;
        for change in &page {
            if printed == 0 {
                println!("{}: changes found by re-scans, newest first", row.domain);
            }
            if last_scan != Some(change.scanned_at) {
                println!("\n{}", change.scanned_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                last_scan = Some(change.scanned_at);
            }
            println!("  {}", change.describe());
            printed += 1;
        }
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => after = Some(ChangeCursor::after(last)),
            _ => break,
        }
    }
    if printed == 0 {
        match row.fetched_at {
            None => println!("{}: no changes recorded: no scan has succeeded yet", row.domain),
            Some(at) => println!(
                "{}: no changes recorded: no re-scan has changed anything since the scan of {}",
                row.domain,
                at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}
