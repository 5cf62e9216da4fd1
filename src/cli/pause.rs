//! `pause` and `resume`: the operator's pause of claiming, written to the database, so it holds
//! every `serve` sharing it (each reads it before it claims, within seconds) and survives
//! restarts. Domains already claimed are finished; the API keeps answering.

use std::process::ExitCode;

use super::open;
use crate::config::Settings;
use crate::store::pause;

pub async fn pause(settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    let paused = pause::pause(&db, "cli").await?;
    println!(
        "claiming paused since {} by {}: no instance claims until `resume`",
        paused.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        paused.by
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn resume(settings: &Settings) -> anyhow::Result<ExitCode> {
    let db = open(settings).await?;
    if pause::resume(&db).await? {
        println!("claiming resumed: every instance claims again at its next tick");
    } else {
        println!("claiming was not paused");
    }
    Ok(ExitCode::SUCCESS)
}
