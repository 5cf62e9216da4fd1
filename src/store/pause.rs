//! The operator's pause of claiming (`scheduler_pause`, one row): set by `pause`, cleared by
//! `resume` (API or command line), read by every instance's supervisor before it claims. Kept
//! in the database, not in a process, so one pause holds every instance sharing it, and
//! survives restarts.

use chrono::{DateTime, Utc};
use entity::scheduler_pause::{self, Column, Entity};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

/// The one row.
const ROW: i32 = 1;

/// Claiming is paused: since when, and who asked.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Paused {
    pub since: DateTime<Utc>,
    pub by: String,
}

/// The pause in force, if any.
pub async fn current<C: ConnectionTrait>(db: &C) -> Result<Option<Paused>, DbErr> {
    let row = Entity::find_by_id(ROW).one(db).await?;
    Ok(row.and_then(|row| row.paused_at.map(|since| Paused { since, by: row.paused_by.unwrap_or_default() })))
}

/// Pauses claiming, keeping the time of a pause already in force; answers the pause.
pub async fn pause<C: ConnectionTrait>(db: &C, by: &str) -> Result<Paused, DbErr> {
    if let Some(paused) = current(db).await? {
        return Ok(paused);
    }
    write(db, Some(Utc::now()), Some(by.to_owned())).await?;
    current(db).await?.ok_or_else(|| DbErr::RecordNotFound("the pause just written".into()))
}

/// Lets claiming run again; answers whether it was paused.
pub async fn resume<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    let was = current(db).await?.is_some();
    write(db, None, None).await?;
    Ok(was)
}

async fn write<C: ConnectionTrait>(
    db: &C,
    paused_at: Option<DateTime<Utc>>,
    paused_by: Option<String>,
) -> Result<(), DbErr> {
    let row =
        scheduler_pause::ActiveModel { id: Set(ROW), paused_at: Set(paused_at), paused_by: Set(paused_by) };
    Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::Id).update_columns([Column::PausedAt, Column::PausedBy]).to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
