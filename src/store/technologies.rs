//! Technologies over time (`domain_technologies`): per domain, each technology it has shown,
//! first and last seen. The persister writes it with each successful scan, in the scan's
//! transaction; a domain "has" a technology when its latest scan saw it (`last_seen` at or after
//! the domain's `fetched_at`), which the listing's and the export's `technology=` filter and the
//! counts per technology read.

use chrono::{DateTime, Utc};
use entity::{Metadata, domain_technologies, domains};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, JoinType, Order,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use uuid::Uuid;

/// Rows per insert: 6 values each, well under SQLite's limit of bound values per statement.
const ROWS_PER_INSERT: usize = 1000;

/// Records what each scan found: a technology seen for the first time gets a row first and last
/// seen `now`; one seen before gets its version and `last_seen` moved to `now`. One the scan
/// no longer found keeps its row, its `last_seen` that of the last scan that saw it.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    scans: &[(Uuid, &Metadata)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if scans.iter().all(|(_, metadata)| metadata.technologies.is_empty()) {
        return Ok(());
    }
    let ids: Vec<Uuid> = scans.iter().map(|(id, _)| *id).collect();
    let tenants: std::collections::HashMap<Uuid, Uuid> = domains::Entity::find()
        .select_only()
        .column(domains::Column::Id)
        .column(domains::Column::TenantId)
        .filter(domains::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, Uuid)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<domain_technologies::ActiveModel> = scans
        .iter()
        .filter_map(|(id, metadata)| Some((*id, tenants.get(id)?, metadata)))
        .flat_map(|(id, tenant, metadata)| {
            metadata.technologies.iter().map(move |technology| domain_technologies::ActiveModel {
                domain_id: Set(id),
                tenant_id: Set(*tenant),
                name: Set(technology.name.clone()),
                version: Set(technology.version.clone()),
                first_seen: Set(now),
                last_seen: Set(now),
            })
        })
        .collect();
    use domain_technologies::Column;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        domain_technologies::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([Column::DomainId, Column::Name])
                    .update_columns([Column::Version, Column::LastSeen])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The domains whose latest scan saw the technology `name` (exactly as detected, `Shopify`).
pub fn has_technology(name: &str) -> Condition {
    use domain_technologies::{Column, Entity};
    let seen = Query::select()
        .expr(Expr::val(1))
        .from(Entity)
        .and_where(Expr::col((Entity, Column::DomainId)).equals((domains::Entity, domains::Column::Id)))
        .and_where(Expr::col((Entity, Column::Name)).eq(name))
        .and_where(
            Expr::col((Entity, Column::LastSeen))
                .gte(Expr::col((domains::Entity, domains::Column::FetchedAt))),
        )
        .to_owned();
    Condition::all().add(Expr::exists(seen))
}

/// How many domains of `tenant` (every tenant: `None`) have each technology now, most first,
/// then by name.
pub async fn counts<C: ConnectionTrait>(db: &C, tenant: Option<Uuid>) -> Result<Vec<(String, i64)>, DbErr> {
    use domain_technologies::Column;
    let mut query = domain_technologies::Entity::find()
        .select_only()
        .column(Column::Name)
        .expr_as(super::count_rows(), "domains")
        .join(JoinType::InnerJoin, domain_technologies::Relation::Domain.def())
        .filter(
            Expr::col((domain_technologies::Entity, Column::LastSeen))
                .gte(Expr::col((domains::Entity, domains::Column::FetchedAt))),
        );
    if let Some(tenant) = tenant {
        query = query.filter(Column::TenantId.eq(tenant));
    }
    query
        .group_by(Column::Name)
        .order_by(super::count_rows(), Order::Desc)
        .order_by_asc(Column::Name)
        .into_tuple::<(String, i64)>()
        .all(db)
        .await
}

/// Each technology a domain has shown, first seen first.
pub async fn of_domain<C: ConnectionTrait>(
    db: &C,
    domain: Uuid,
) -> Result<Vec<domain_technologies::Model>, DbErr> {
    domain_technologies::Entity::find()
        .filter(domain_technologies::Column::DomainId.eq(domain))
        .order_by_asc(domain_technologies::Column::FirstSeen)
        .order_by_asc(domain_technologies::Column::Name)
        .all(db)
        .await
}
