//! Adding, finding and resetting domains.

use std::collections::HashMap;

use chrono::Utc;
use entity::domains::{self, ActiveModel, Column, Entity};
use entity::metadata::{StringList, TechStack};
use entity::{DomainStatus, batch_jobs};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::due::Next;
use super::keyset::Name;
use super::members;
use super::selection::Selection;
use crate::callback_url::CallbackUrl;
use crate::domain_name::DomainName;
use crate::max_pages::MaxPages;
use crate::rescan_after::RescanAfter;

/// Rows per multi-row statement: 1,000 rows of 16 columns stay under the bind-parameter limits
/// of both SQLite (32,766) and PostgreSQL (65,535).
const CHUNK: usize = 1000;

/// What to enqueue: standardised names for one tenant, written as one batch.
pub struct EnqueueRequest<'a> {
    pub tenant_id: Uuid,
    pub domains: &'a [DomainName],
    /// Put domains the tenant already has back to `pending` (except those being processed).
    pub refresh: bool,
    /// Pages the fetcher may visit per domain (1 = home page only).
    pub max_pages: MaxPages,
    /// Where the batch is announced once it finishes.
    pub callback_url: Option<&'a CallbackUrl>,
    /// The submission's own re-scan interval, stored on every domain it enqueues; `None` leaves
    /// the service's setting in force.
    pub rescan_after: Option<RescanAfter>,
}

/// What an enqueue wrote.
#[derive(Debug, Default, serde::Serialize)]
pub struct EnqueueOutcome {
    /// The batch holding every valid name of the request, whether it was new, refreshed or
    /// already present; `None` only when the request held no name at all.
    pub batch_id: Option<Uuid>,
    /// Domains new to the tenant.
    pub added: Vec<String>,
    /// Known domains put back to `pending` by a refresh.
    pub refreshed: Vec<String>,
    /// Known domains left as they were, including a name another submission added between this
    /// one's look-up and its insert.
    pub already_present: Vec<String>,
    /// Known domains being processed right now, left alone even by a refresh.
    pub in_progress: Vec<String>,
    /// Names given more than once in the same request, counted once.
    pub duplicates: usize,
}

/// A fresh `pending` row, due now.
fn new_row(id: Uuid, tenant_id: Uuid, name: &str, batch_id: Uuid, max_pages: i32) -> ActiveModel {
    let now = Utc::now();
    let due = Next::Now.at(now);
    ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant_id),
        domain: Set(name.to_owned()),
        status: Set(DomainStatus::Pending),
        batch_id: Set(Some(batch_id)),
        attempts: Set(0),
        max_pages: Set(max_pages),
        next_attempt_at: Set(due.next_attempt_at),
        rescan_at: Set(due.rescan_at),
        email_addresses: Set(StringList::default()),
        phone_numbers: Set(StringList::default()),
        is_wordpress: Set(false),
        has_elementor: Set(false),
        confusable: Set(crate::domain_name::confusable::check(name).is_some()),
        tech_stack: Set(TechStack::default()),
        technologies: Set(Default::default()),
        domain_metadata: Set(serde_json::json!({})),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Writes `request` as one batch in one transaction, with chunked multi-row statements, calling
/// `progress` with the number of names handled so far. Either the whole batch is written or
/// nothing is. Every valid name becomes a member of the batch (`batch_members`): new, refreshed,
/// already present or being processed, so the batch answers for each of them; a domain stays a
/// member of the batches it was submitted with before.
pub async fn enqueue<C: TransactionTrait>(
    db: &C,
    request: EnqueueRequest<'_>,
    progress: impl Fn(usize),
) -> Result<EnqueueOutcome, DbErr> {
    let mut outcome = EnqueueOutcome::default();
    let mut seen = std::collections::HashSet::with_capacity(request.domains.len());
    let unique: Vec<&str> =
        request.domains.iter().map(DomainName::as_str).filter(|name| seen.insert(*name)).collect();
    outcome.duplicates = request.domains.len() - unique.len();
    if unique.is_empty() {
        return Ok(outcome);
    }

    let txn = db.begin().await?;
    let batch_id = Uuid::new_v4();
    let created_at = Utc::now();
    let batch = batch_jobs::ActiveModel {
        id: Set(batch_id),
        tenant_id: Set(request.tenant_id),
        total: Set(i32::try_from(unique.len()).unwrap_or(i32::MAX)),
        created_at: Set(created_at),
        // The delivery loop looks from now on, and sends once the batch has finished.
        callback_url: Set(request.callback_url.map(|url| url.as_str().to_owned())),
        callback_due_at: Set(request.callback_url.map(|_| created_at)),
        cancelled_at: Set(None),
    };
    batch_jobs::Entity::insert(batch).exec_without_returning(&txn).await?;

    let mut done = request.domains.len() - unique.len();
    for chunk in unique.chunks(CHUNK) {
        let existing: HashMap<String, (Uuid, DomainStatus)> =
            names_in(&txn, request.tenant_id, chunk.iter().copied())
                .await?
                .into_iter()
                .map(|(id, name, status)| (name, (id, status)))
                .collect();
        let fresh: Vec<&str> = chunk.iter().copied().filter(|name| !existing.contains_key(*name)).collect();
        let written = insert_fresh(&txn, &request, batch_id, &fresh).await?;

        // Each name in the order given: every one is a member of the batch.
        let mut members = Vec::with_capacity(chunk.len());
        let mut to_refresh = Vec::new();
        for name in chunk {
            let name = (*name).to_owned();
            if let Some((id, ours)) = written.get(&name) {
                members.push(*id);
                if *ours {
                    outcome.added.push(name);
                } else {
                    outcome.already_present.push(name);
                }
                continue;
            }
            let Some((id, status)) = existing.get(&name) else {
                return Err(DbErr::Custom(format!("{name}: neither written nor found")));
            };
            members.push(*id);
            match (request.refresh, status) {
                (_, DomainStatus::Processing) => outcome.in_progress.push(name),
                (true, _) => {
                    to_refresh.push(*id);
                    outcome.refreshed.push(name);
                }
                (false, _) => outcome.already_present.push(name),
            }
        }
        if !to_refresh.is_empty() {
            // The batches that asked for the scan that ended keep its outcome.
            members::close_finished(&txn, members::ids(to_refresh.iter().copied())).await?;
            let mut update = back_to_pending(Some(batch_id), Some(request.max_pages.get()));
            if let Some(own) = request.rescan_after {
                update.rescan_after_seconds = Set(Some(own.seconds()));
            }
            Entity::update_many()
                .set(update)
                .filter(Column::Id.is_in(to_refresh))
                .filter(Column::Status.ne(DomainStatus::Processing))
                .exec(&txn)
                .await?;
        }
        members::add(&txn, batch_id, request.tenant_id, created_at, &members).await?;
        done += chunk.len();
        progress(done);
    }
    txn.commit().await?;
    outcome.batch_id = Some(batch_id);
    Ok(outcome)
}

/// Inserts `fresh` (names the tenant did not have at the look-up) as new rows of `batch_id`;
/// each name's row id, and whether this insert wrote it. A concurrent writer may add the same
/// name between the look-up and here: the unique index decides, and such a name is not this
/// submission's (it counts as already present, and is still a member of this batch).
async fn insert_fresh<C: ConnectionTrait>(
    db: &C,
    request: &EnqueueRequest<'_>,
    batch_id: Uuid,
    fresh: &[&str],
) -> Result<HashMap<String, (Uuid, bool)>, DbErr> {
    if fresh.is_empty() {
        return Ok(HashMap::new());
    }
    // Built in the order given, so that the rows fall due in that order (each is due at its
    // creation), then written in name order, so that concurrent submissions of the same names
    // wait on each other's rows in one order instead of deadlocking.
    let mut rows: Vec<(&str, Uuid, ActiveModel)> = fresh
        .iter()
        .map(|name| {
            let id = Uuid::new_v4();
            let mut row = new_row(id, request.tenant_id, name, batch_id, request.max_pages.get());
            row.rescan_after_seconds = Set(request.rescan_after.map(RescanAfter::seconds));
            (*name, id, row)
        })
        .collect();
    rows.sort_unstable_by_key(|(name, _, _)| *name);
    let ours: HashMap<&str, Uuid> = rows.iter().map(|(name, id, _)| (*name, *id)).collect();
    Entity::insert_many(rows.into_iter().map(|(_, _, row)| row))
        .on_conflict_do_nothing_on([Column::TenantId, Column::Domain])
        .exec_without_returning(db)
        .await?;
    Ok(names_in(db, request.tenant_id, fresh.iter().copied())
        .await?
        .into_iter()
        .map(|(id, name, _)| {
            let written_here = ours.get(name.as_str()) == Some(&id);
            (name, (id, written_here))
        })
        .collect())
}

/// The rows of `names` in `tenant_id`: id, name and status.
async fn names_in<'a, C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<(Uuid, String, DomainStatus)>, DbErr> {
    Entity::find()
        .select_only()
        .columns([Column::Id, Column::Domain, Column::Status])
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::Domain.is_in(names))
        .into_tuple()
        .all(db)
        .await
}

/// The update that makes a domain due again from scratch: `pending`, no attempts, no lease, no
/// last error, due now.
pub(super) fn back_to_pending(batch_id: Option<Uuid>, max_pages: Option<i32>) -> ActiveModel {
    let now = Utc::now();
    let due = Next::Now.at(now);
    let mut update = ActiveModel {
        status: Set(DomainStatus::Pending),
        attempts: Set(0),
        next_attempt_at: Set(due.next_attempt_at),
        locked_by: Set(None),
        locked_until: Set(None),
        last_error: Set(None),
        rescan_at: Set(due.rescan_at),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(batch_id) = batch_id {
        update.batch_id = Set(Some(batch_id));
    }
    if let Some(max_pages) = max_pages {
        update.max_pages = Set(max_pages);
    }
    update
}

/// The row of `name` in `tenant_id`.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    tenant_id: Uuid,
    name: &DomainName,
) -> Result<Option<domains::Model>, DbErr> {
    Entity::find()
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::Domain.eq(name.as_str()))
        .one(db)
        .await
}

/// The rows of `name` in every tenant that has it.
pub async fn find_in_every_tenant<C: ConnectionTrait>(
    db: &C,
    name: &DomainName,
) -> Result<Vec<domains::Model>, DbErr> {
    Entity::find().filter(Column::Domain.eq(name.as_str())).order_by_asc(Column::TenantId).all(db).await
}

/// What a reset did to each name it was given.
#[derive(Debug, Default, serde::Serialize)]
pub struct ResetOutcome {
    pub reset: Vec<String>,
    pub not_found: Vec<String>,
    pub in_progress: Vec<String>,
}

/// Puts the named domains of `tenant_id` (of every tenant with `None`) back to `pending` with
/// attempts cleared; a domain being processed is left to its lease.
pub async fn reset_names<C: TransactionTrait>(
    db: &C,
    tenant_id: Option<Uuid>,
    names: &[DomainName],
) -> Result<ResetOutcome, DbErr> {
    let mut outcome = ResetOutcome::default();
    let txn = db.begin().await?;
    for chunk in names.chunks(CHUNK) {
        let mut query = Entity::find()
            .select_only()
            .columns([Column::Id, Column::Domain, Column::Status])
            .filter(Column::Domain.is_in(chunk.iter().map(DomainName::as_str)));
        if let Some(tenant_id) = tenant_id {
            query = query.filter(Column::TenantId.eq(tenant_id));
        }
        let existing: Vec<(Uuid, String, DomainStatus)> = query.into_tuple().all(&txn).await?;
        let mut ids = Vec::new();
        for name in chunk {
            let mut found = false;
            for (id, n, status) in existing.iter().filter(|(_, n, _)| n == name.as_str()) {
                found = true;
                if *status == DomainStatus::Processing {
                    outcome.in_progress.push(n.clone());
                } else {
                    ids.push(*id);
                    outcome.reset.push(n.clone());
                }
            }
            if !found {
                outcome.not_found.push(name.to_string());
            }
        }
        if !ids.is_empty() {
            // The batches that asked for the scan that ended keep its outcome.
            members::close_finished(&txn, members::ids(ids.iter().copied())).await?;
            Entity::update_many()
                .set(back_to_pending(None, None))
                .filter(Column::Id.is_in(ids))
                .filter(Column::Status.ne(DomainStatus::Processing))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(outcome)
}

/// Puts every domain of `tenant_id` (of every tenant with `None`) in `status` back to
/// `pending`; returns how many.
pub async fn reset_status<C: ConnectionTrait>(
    db: &C,
    tenant_id: Option<Uuid>,
    status: DomainStatus,
) -> Result<u64, DbErr> {
    if status == DomainStatus::Processing {
        return Ok(0);
    }
    let mut update = Entity::update_many().set(back_to_pending(None, None)).filter(Column::Status.eq(status));
    let mut selected = Entity::find().select_only().column(Column::Id).filter(Column::Status.eq(status));
    if let Some(tenant_id) = tenant_id {
        update = update.filter(Column::TenantId.eq(tenant_id));
        selected = selected.filter(Column::TenantId.eq(tenant_id));
    }
    // The batches that asked for the scan that ended keep its outcome.
    members::close_finished(db, selected.into_query()).await?;
    let result = update.exec(db).await?;
    Ok(result.rows_affected)
}

/// One page of the domains of `selection` (always one tenant's: a name is unique in it) in name
/// order, after the name `after` (keyset pagination: a page never repeats or skips a row that
/// stays in the selection while others change).
pub async fn list<C: ConnectionTrait>(
    db: &C,
    selection: &Selection,
    after: Option<&Name>,
    limit: u64,
) -> Result<Vec<domains::Model>, DbErr> {
    let mut query = Entity::find().filter(selection.condition());
    if let Some(Name(after)) = after {
        query = query.filter(Column::Domain.gt(after.as_str()));
    }
    query.order_by_asc(Column::Domain).limit(limit).all(db).await
}
