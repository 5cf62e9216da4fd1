//! `run-once [--drain]`: scheduler runs through the same actors as `serve`, their metrics
//! printed as JSON lines.

use std::process::ExitCode;

use super::{fatal_reason, log_effective_settings, open};
use crate::actors::{Mode, Pipeline};
use crate::config::Settings;

pub async fn run_once(settings: &Settings, drain: bool) -> anyhow::Result<ExitCode> {
    crate::limits::raise_descriptor_limit();
    log_effective_settings(settings);
    let db = open(settings).await?;
    let pause_reader = db.clone();
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
        match crate::store::pause::current(&pause_reader).await {
            Ok(Some(paused)) => eprintln!(
                "nothing claimed: claiming is paused since {} by {} (`resume` lets it run)",
                paused.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                paused.by
            ),
            _ => eprintln!("nothing was due"),
        }
    }
    for run in runs {
        println!("{}", serde_json::to_string(&run)?);
    }
    Ok(ExitCode::SUCCESS)
}
