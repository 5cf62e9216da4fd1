//! `domain_technologies`: per domain, each technology it has shown, with the version of the
//! latest scan that saw it and when it was first and last seen. The persister keeps it with
//! each successful scan; a technology that a re-scan no longer finds keeps its row, its
//! `last_seen` no longer moving, so "since when" and "until when" survive re-scans.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "domain_technologies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub domain_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub tenant_id: Uuid,
    pub version: Option<String>,
    pub first_seen: DateTimeUtc,
    pub last_seen: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::domains::Entity",
        from = "Column::DomainId",
        to = "super::domains::Column::Id",
        on_delete = "Cascade"
    )]
    Domain,
}

impl Related<super::domains::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Domain.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
