//! `domain_changes`: one row per metadata field that a scan found changed since the previous
//! successful scan, with the value before and after, written in the same transaction as the
//! domain's update. A first scan has nothing to compare with and writes none.
//!
//! Scalar fields hold their old and new value (JSON `null` for none). List fields
//! (`email_addresses`, `phone_numbers`, `tech_stack`) are compared as sets, so a re-ordering
//! is no change; their rows hold the whole old and new lists, and [`SetChange::between`] says
//! what was added and removed. `tech_stack` entries are the same technology when their name and
//! version are. `domain_metadata` is not compared: its timings differ on every fetch.

use sea_orm::entity::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use crate::metadata::{Metadata, Technology};

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

/// The list fields, compared as sets.
pub const LIST_FIELDS: [&str; 3] = ["email_addresses", "phone_numbers", "tech_stack"];

/// Every field that differs between the `old` and `new` scans, in column order.
pub fn changes_between(old: &Metadata, new: &Metadata) -> Vec<FieldChange> {
    let (o, n) = (old, new);
    let (os, ns) = (&old.social, &new.social);
    let scalars: [(&'static str, Value, Value); 19] = [
        ("title", json!(o.title), json!(n.title)),
        ("description", json!(o.description), json!(n.description)),
        ("language", json!(o.language), json!(n.language)),
        ("canonical_url", json!(o.canonical_url), json!(n.canonical_url)),
        ("favicon_url", json!(o.favicon_url), json!(n.favicon_url)),
        ("logo_url", json!(o.logo_url), json!(n.logo_url)),
        ("twitter_url", json!(os.twitter_url), json!(ns.twitter_url)),
        ("facebook_url", json!(os.facebook_url), json!(ns.facebook_url)),
        ("linkedin_url", json!(os.linkedin_url), json!(ns.linkedin_url)),
        ("instagram_url", json!(os.instagram_url), json!(ns.instagram_url)),
        ("youtube_url", json!(os.youtube_url), json!(ns.youtube_url)),
        ("tiktok_url", json!(os.tiktok_url), json!(ns.tiktok_url)),
        ("github_url", json!(os.github_url), json!(ns.github_url)),
        ("pinterest_url", json!(os.pinterest_url), json!(ns.pinterest_url)),
        ("is_wordpress", json!(o.is_wordpress), json!(n.is_wordpress)),
        ("wordpress_version", json!(o.wordpress_version), json!(n.wordpress_version)),
        ("has_elementor", json!(o.has_elementor), json!(n.has_elementor)),
        ("http_status", json!(o.http_status), json!(n.http_status)),
        ("final_url", json!(o.final_url), json!(n.final_url)),
    ];
    let lists: [(&'static str, Value, Value); 3] = [
        ("email_addresses", json!(o.email_addresses), json!(n.email_addresses)),
        ("phone_numbers", json!(o.phone_numbers), json!(n.phone_numbers)),
        ("tech_stack", json!(tech_keys(&o.tech_stack)), json!(tech_keys(&n.tech_stack))),
    ];
    let mut changes: Vec<FieldChange> = scalars
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .map(|(field, old_value, new_value)| FieldChange { field, old_value, new_value })
        .collect();
    changes.extend(
        lists
            .into_iter()
            .filter(|(_, old, new)| !SetChange::between(old, new).is_empty())
            .map(|(field, old_value, new_value)| FieldChange { field, old_value, new_value }),
    );
    changes
}

/// A technology as history compares it: its name and version (its categories are the rules'
/// opinion, not the site's).
fn tech_keys(stack: &[Technology]) -> Vec<Value> {
    stack.iter().map(|t| json!({"name": t.name, "version": t.version})).collect()
}

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
}

impl Model {
    /// For a list field, what was added and removed; `None` for a scalar field.
    pub fn set_change(&self) -> Option<SetChange> {
        LIST_FIELDS
            .contains(&self.field.as_str())
            .then(|| SetChange::between(&self.old_value, &self.new_value))
    }

    /// The change as one line of text: `title: "Old" -> "New"` (`none` for null), or for a list
    /// field `email_addresses: added a@example.com, b@example.com; removed c@example.com`.
    pub fn describe(&self) -> String {
        match self.set_change() {
            Some(set) => {
                let parts: Vec<String> = [("added", &set.added), ("removed", &set.removed)]
                    .into_iter()
                    .filter(|(_, entries)| !entries.is_empty())
                    .map(|(what, entries)| format!("{what} {}", describe_entries(entries)))
                    .collect();
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
