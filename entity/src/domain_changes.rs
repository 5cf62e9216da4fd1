//! `domain_changes`: one row per metadata field that a scan found changed since the previous
//! successful scan, with the value before and after, written in the same transaction as the
//! domain's update. A first scan has nothing to compare with and writes none.
//!
//! The fields compared are those of [`crate::fields::metadata_fields`]. Scalar fields hold their
//! old and new value (JSON `null` for none). List fields (`email_addresses`, `phone_numbers`,
//! `tech_stack`) are compared as sets, so a re-ordering
//! is no change; their rows hold the whole old and new lists, and [`SetChange::between`] says
//! what was added and removed. `tech_stack` entries are the same technology when their name and
//! version are; a technology whose version changed is one removed and one added, which
//! [`Model::describe`] tells as a version change. `technologies` is not compared: it lists the
//! technologies of `tech_stack` (with their evidence, which changes with every edit of a page),
//! so its changes are `tech_stack`'s. `domain_metadata` is not compared: its timings differ on
//! every fetch.

use sea_orm::Iterable;
use sea_orm::entity::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::fields::{FieldKind, metadata_field, metadata_fields};
use crate::metadata::Metadata;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "domain_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub domain_id: Uuid,
    pub tenant_id: Uuid,
    /// When the scan that found the change succeeded: the domain's `fetched_at` from then on.
    pub scanned_at: DateTimeUtc,
    /// The `domains` column that changed (`title`, `email_addresses`, `tech_stack`, ...).
    pub field: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub old_value: Json,
    #[sea_orm(column_type = "JsonBinary")]
    pub new_value: Json,
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

/// One field whose value a scan changed.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old_value: Value,
    pub new_value: Value,
}

/// Every field that differs between the `old` and `new` scans, in the order of the `domains`
/// columns: the scalar fields first, then the list fields.
pub fn changes_between(old: &Metadata, new: &Metadata) -> Vec<FieldChange> {
    let column_position = |name: &str| {
        super::domains::Column::iter().position(|column| column.as_str() == name).unwrap_or(usize::MAX)
    };
    let mut fields: Vec<_> = metadata_fields().iter().filter(|field| field.name != "technologies").collect();
    fields.sort_by_key(|field| (field.kind == FieldKind::List, column_position(field.name)));
    fields
        .into_iter()
        .filter_map(|field| {
            let (old_value, new_value) = (field.read(old).to_json(), field.read(new).to_json());
            let changed = match field.kind {
                FieldKind::List => !SetChange::between(&old_value, &new_value).is_empty(),
                _ => old_value != new_value,
            };
            changed.then_some(FieldChange { field: field.name, old_value, new_value })
        })
        .collect()
}

/// A technology whose version changed: its name, the old and the new version.
pub type VersionChange = (String, Option<String>, Option<String>);

/// What a list field gained and lost between two values of it, each in the order of the list
/// it comes from.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SetChange {
    pub added: Vec<Value>,
    pub removed: Vec<Value>,
}

impl SetChange {
    /// The entries of `new` not in `old`, and of `old` not in `new`; a value that is not a
    /// list counts as an empty one.
    pub fn between(old: &Value, new: &Value) -> SetChange {
        let entries = |value: &Value| value.as_array().cloned().unwrap_or_default();
        let (old, new) = (entries(old), entries(new));
        SetChange {
            added: new.iter().filter(|v| !old.contains(v)).cloned().collect(),
            removed: old.iter().filter(|v| !new.contains(v)).cloned().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }

    /// The technologies (`{"name", "version"}` entries) both removed and added, as a version
    /// change each (name, old version, new version), and what else was added and removed.
    pub fn version_changes(&self) -> (Vec<VersionChange>, SetChange) {
        let name = |value: &Value| value.get("name").and_then(Value::as_str).map(str::to_owned);
        let version = |value: &Value| value.get("version").and_then(Value::as_str).map(str::to_owned);
        let mut changed = Vec::new();
        let mut rest = SetChange::default();
        for added in &self.added {
            let old = name(added)
                .and_then(|n| self.removed.iter().find(|r| name(r).as_deref() == Some(n.as_str())));
            match (name(added), old) {
                (Some(n), Some(old)) => changed.push((n, version(old), version(added))),
                _ => rest.added.push(added.clone()),
            }
        }
        for removed in &self.removed {
            let renamed = name(removed).is_some_and(|n| changed.iter().any(|(c, _, _)| *c == n));
            if !renamed {
                rest.removed.push(removed.clone());
            }
        }
        (changed, rest)
    }
}

impl Model {
    /// For a list field, what was added and removed; `None` for a scalar field.
    pub fn set_change(&self) -> Option<SetChange> {
        metadata_field(&self.field)
            .is_some_and(|field| field.kind == FieldKind::List)
            .then(|| SetChange::between(&self.old_value, &self.new_value))
    }

    /// The change as one line of text: `title: "Old" -> "New"` (`none` for null), or for a list
    /// field `email_addresses: added a@example.com, b@example.com; removed c@example.com`.
    /// For technologies, an entry removed and added with another version reads as
    /// `version changed jQuery 3.6.0 -> 3.7.1`.
    pub fn describe(&self) -> String {
        match self.set_change() {
            Some(set) => {
                let (changed, set) = set.version_changes();
                let mut parts: Vec<String> = [("added", &set.added), ("removed", &set.removed)]
                    .into_iter()
                    .filter(|(_, entries)| !entries.is_empty())
                    .map(|(what, entries)| format!("{what} {}", describe_entries(entries)))
                    .collect();
                if !changed.is_empty() {
                    let changes: Vec<String> = changed
                        .iter()
                        .map(|(name, old, new)| {
                            let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
                            format!("{name} {} -> {}", version(old), version(new))
                        })
                        .collect();
                    parts.push(format!("version changed {}", changes.join(", ")));
                }
                format!("{}: {}", self.field, parts.join("; "))
            }
            None => format!("{}: {} -> {}", self.field, scalar(&self.old_value), scalar(&self.new_value)),
        }
    }
}

/// List entries as text, comma-separated: a string as it is, a technology as `name version`.
pub fn describe_entries(entries: &[Value]) -> String {
    entries.iter().map(entry).collect::<Vec<_>>().join(", ")
}

fn entry(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Object(tech) => {
            let name = tech.get("name").and_then(Value::as_str).unwrap_or_default();
            match tech.get("version").and_then(Value::as_str) {
                Some(version) => format!("{name} {version}"),
                None => name.to_owned(),
            }
        }
        other => other.to_string(),
    }
}

/// A scalar value as JSON writes it (strings quoted), `none` for null.
pub fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "none".to_owned(),
        other => other.to_string(),
    }
}
