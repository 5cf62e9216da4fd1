//! `migrate [--status]`: apply pending migrations, or only list them.

use std::process::ExitCode;

use anyhow::Context;

use super::connect;
use crate::config::Settings;
use crate::db;

pub async fn migrate(settings: &Settings, status_only: bool) -> anyhow::Result<ExitCode> {
    let db = connect(&settings.database, db::Access::ReadWrite).await?;
    if !status_only {
        db::migrate(&db).await.context("cannot migrate the database")?;
    }
    for state in db::migration_status(&db).await? {
        println!("{} {}", if state.applied { "applied" } else { "pending" }, state.name);
    }
    Ok(ExitCode::SUCCESS)
}
