//! What the console keeps on the server for its sessions: the key that signs session cookies
//! (one random secret in `console_keys`, created by the first instance that needs it, so every
//! instance sharing the database signs and checks with the same one without a setting), and the
//! sessions signed out before they expired (`console_revocations`), which every instance refuses.

use chrono::{DateTime, Utc};
use entity::{console_keys, console_revocations};
use rand::RngCore;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// The row of the one signing key.
const KEY_ROW: i32 = 1;

/// The key that signs console sessions: the stored one, or a new random one stored now. Two
/// instances creating it at once both read back the one that was stored first.
pub async fn signing_key<C: ConnectionTrait>(db: &C) -> Result<Vec<u8>, DbErr> {
    if let Some(key) = stored_key(db).await? {
        return Ok(key);
    }
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let row = console_keys::ActiveModel {
        id: Set(KEY_ROW),
        secret: Set(hex::encode(secret)),
        created_at: Set(Utc::now()),
    };
    console_keys::Entity::insert(row).on_conflict_do_nothing().exec_without_returning(db).await?;
    stored_key(db).await?.ok_or_else(|| DbErr::RecordNotFound("the console signing key".into()))
}

async fn stored_key<C: ConnectionTrait>(db: &C) -> Result<Option<Vec<u8>>, DbErr> {
    let row = console_keys::Entity::find_by_id(KEY_ROW).one(db).await?;
    match row {
        None => Ok(None),
        Some(row) => hex::decode(&row.secret)
            .map(Some)
            .map_err(|_| DbErr::Custom("the console signing key is not hex".into())),
    }
}

/// Refuses the session `nonce` from now on, on every instance; it is remembered until
/// `expires_at`, when its cookie is refused anyway. Forgets the revocations whose sessions have
/// expired.
pub async fn revoke<C: ConnectionTrait>(db: &C, nonce: &str, expires_at: DateTime<Utc>) -> Result<(), DbErr> {
    console_revocations::Entity::delete_many()
        .filter(console_revocations::Column::ExpiresAt.lt(Utc::now()))
        .exec(db)
        .await?;
    let row = console_revocations::ActiveModel { nonce: Set(nonce.to_owned()), expires_at: Set(expires_at) };
    console_revocations::Entity::insert(row).on_conflict_do_nothing().exec_without_returning(db).await?;
    Ok(())
}

/// Whether the session `nonce` was signed out.
pub async fn is_revoked<C: ConnectionTrait>(db: &C, nonce: &str) -> Result<bool, DbErr> {
    Ok(console_revocations::Entity::find_by_id(nonce.to_owned()).one(db).await?.is_some())
}
