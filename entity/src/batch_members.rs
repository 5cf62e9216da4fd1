//! `batch_members`: one row per domain a batch was submitted with. A domain belongs to every
//! batch that named it, and each batch counts its own members, so a later submission of the
//! same domain (with or without a refresh) never takes it out of an earlier batch.
//!
//! A member is done for its batch when the scan the batch asked for has ended:
//! - `outcome` is set (a refresh or a reset took the finished domain back for a new scan, and
//!   wrote down how this batch's scan had ended), or
//! - the domain is `completed`, `error` or `gone`, or
//! - the domain finished a successful scan at or after `added_at` (`fetched_at >= added_at`:
//!   a re-scan under way, or a retry of one, does not re-open a batch it already finished).
//!
//! Otherwise the member is `pending` or `processing` for its batch, as its domain is.
//!
//! `domain_status` and `scanned_since` are the domain's two facts in that rule, copied onto the
//! member by triggers on `domains` (migration `m20261208_000300_member_status`), so a batch's
//! counts read its members alone.

use sea_orm::entity::prelude::*;
use serde::Serialize;

use crate::DomainStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "batch_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub batch_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: Uuid,
    pub tenant_id: Uuid,
    /// When the batch named the domain: a successful scan from then on answers the batch.
    pub added_at: DateTimeUtc,
    /// How the batch's scan of this domain ended, written when a refresh or a reset took the
    /// finished domain back for a new scan; null while the domain's own row tells.
    pub outcome: Option<DomainStatus>,
    /// The domain's `status`, kept equal to it by the database's triggers.
    pub domain_status: DomainStatus,
    /// Whether the domain's `fetched_at` is at or after `added_at` (null while it has none),
    /// kept true by the database's triggers.
    pub scanned_since: Option<bool>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::batch_jobs::Entity",
        from = "Column::BatchId",
        to = "super::batch_jobs::Column::Id",
        on_delete = "Cascade"
    )]
    Batch,
    #[sea_orm(
        belongs_to = "super::domains::Entity",
        from = "Column::DomainId",
        to = "super::domains::Column::Id",
        on_delete = "Cascade"
    )]
    Domain,
}

impl Related<super::batch_jobs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Batch.def()
    }
}

impl Related<super::domains::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Domain.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
