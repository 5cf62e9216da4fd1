//! Which domains a query means: the one vocabulary of every list, export and bulk action of the
//! service. The API's listing, its export and its bulk actions (reset, delete, cancel), the
//! command line's, and the console's lists, exports and bulk actions each parse their request
//! into a [`Selection`], and the store reads it in one place ([`Selection::condition`]).
//!
//! A selection is a tenant (or every tenant), narrowed by batch, status, the kind of the last
//! error, a list of names, the start of the name, a technology, a text searched in the name,
//! the title and the last error, and a time since which the domain changed. The criteria are
//! ANDed; a selection with none of them is every domain of the scope, which the API and the
//! command line only act on when asked to in so many words (`"all": true`, `--all`). The
//! console acts on exactly the selection its list shows, so what an operator sees counted is
//! what is acted on.

use chrono::{DateTime, Utc};
use entity::DomainStatus;
use entity::domains::{Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::members;
use crate::domain_name::DomainName;
use crate::failure::{Kind, Stage};

/// The domains a list, an export or a bulk action means.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only this tenant's domains; `None`: every tenant's (admins and the command line).
    pub tenant: Option<Uuid>,
    /// Only members of this batch.
    pub batch: Option<Uuid>,
    /// Only domains in this status.
    pub status: Option<DomainStatus>,
    /// Only domains whose last error is of this kind.
    pub error_kind: Option<Kind>,
    /// Only these names.
    pub names: Option<Vec<DomainName>>,
    /// Only names starting with this (lower case, as stored).
    pub prefix: Option<String>,
    /// Only domains whose latest scan found this technology, named exactly as detected.
    pub technology: Option<String>,
    /// Only domains whose name, title or last error holds this text, whatever its case.
    pub text: Option<String>,
    /// Only domains with a change scanned at or after this time: a `domain_changes` row. A
    /// re-scan that found nothing new is not a change, nor is a first scan (it has nothing to
    /// differ from).
    pub changed_since: Option<DateTime<Utc>>,
}

impl Selection {
    /// Whether no criterion narrows the tenant: the selection is every domain in its scope.
    pub fn is_everything(&self) -> bool {
        self.batch.is_none()
            && self.status.is_none()
            && self.error_kind.is_none()
            && self.names.is_none()
            && self.prefix.is_none()
            && self.technology.is_none()
            && self.text.is_none()
            && self.changed_since.is_none()
    }

    /// The selection as a condition on `domains`.
    pub fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if let Some(tenant) = self.tenant {
            condition = condition.add(Column::TenantId.eq(tenant));
        }
        if let Some(batch) = self.batch {
            condition = condition.add(Column::Id.in_subquery(members::domains_of(batch)));
        }
        if let Some(status) = self.status {
            condition = condition.add(Column::Status.eq(status));
        }
        if let Some(kind) = self.error_kind {
            condition = condition.add(last_error_of_kind(kind));
        }
        if let Some(names) = &self.names {
            condition = condition.add(Column::Domain.is_in(names.iter().map(DomainName::as_str)));
        }
        if let Some(prefix) = &self.prefix {
            condition = condition.add(name_starts_with(prefix));
        }
        if let Some(name) = &self.technology {
            condition = condition.add(super::technologies::has_technology(name));
        }
        if let Some(text) = &self.text {
            condition = condition.add(holds_text(text));
        }
        if let Some(since) = self.changed_since {
            condition = condition.add(super::changes::changed_since_condition(since));
        }
        condition
    }
}

/// Names starting with `prefix`. LIKE decides; the range lets an index find the rows, since a
/// pattern bound as a parameter cannot be turned into an index range by PostgreSQL.
fn name_starts_with(prefix: &str) -> Condition {
    let mut condition =
        Condition::all().add(Column::Domain.starts_with(prefix)).add(Column::Domain.gte(prefix));
    if let Some(above) = above_prefix(prefix) {
        condition = condition.add(Column::Domain.lt(above));
    }
    condition
}

/// A name above every name starting with `prefix` (a domain name's characters: `a-z`, `0-9`,
/// `-`, `.`), in byte order and in linguistic collations alike, which ignore `-` and `.` at
/// first: trailing `z`, `-` and `.` are dropped and the last character left is raised within
/// digits and letters (`9` to `a`). `None` when nothing is left to raise.
fn above_prefix(prefix: &str) -> Option<String> {
    let kept = prefix.trim_end_matches(['z', '-', '.']);
    let last = kept.chars().last()?;
    let raised = match last {
        '0'..='8' | 'a'..='y' => char::from(last as u8 + 1),
        '9' => 'a',
        _ => return None,
    };
    Some(format!("{}{raised}", &kept[..kept.len() - last.len_utf8()]))
}

/// The name, the title or the last error holds `text`, compared in lower case on both sides
/// (names are stored in lower case already). `%`, `_` and `\` in the text stand for themselves.
fn holds_text(text: &str) -> Condition {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
    let lower = |column: Column| Expr::expr(Func::lower(Expr::col((Entity, column))));
    Condition::any()
        .add(Expr::col((Entity, Column::Domain)).like(pattern()))
        .add(lower(Column::Title).like(pattern()))
        .add(lower(Column::LastError).like(pattern()))
}

/// `last_error` starts with `STAGE/KIND: ` (how a failure is written) for any stage. The `_` of
/// a kind's name is escaped, so that `dns_timeout` matches itself only.
fn last_error_of_kind(kind: Kind) -> Condition {
    let name = kind.as_str().replace('_', "\\_");
    Stage::all().fold(Condition::any(), |any, stage| {
        let pattern = LikeExpr::new(format!("{}/{name}: %", stage.as_str())).escape('\\');
        any.add(Expr::col((Entity, Column::LastError)).like(pattern))
    })
}

/// Up to `limit` ids of the domains matching `condition` (a selection's, narrowed), in id
/// order, after the id `after`: the chunks a bulk action works through. Keyset on the primary
/// key, so a row acted on that still matches (a batch's, reset) is never read again.
pub async fn ids_after<C: ConnectionTrait>(
    db: &C,
    condition: Condition,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut chunk = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(condition)
        .order_by_asc(Column::Id)
        .limit(limit);
    if let Some(after) = after {
        chunk = chunk.filter(Column::Id.gt(after));
    }
    chunk.into_tuple().all(db).await
}

/// How many domains of `selection` are in `processing` (`processing: true`) or not.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    selection: &Selection,
    processing: bool,
) -> Result<u64, DbErr> {
    let status = if processing {
        Column::Status.eq(DomainStatus::Processing)
    } else {
        Column::Status.ne(DomainStatus::Processing)
    };
    let n: Option<i64> = Entity::find()
        .select_only()
        .expr_as(super::count_rows(), "n")
        .filter(selection.condition())
        .filter(status)
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.and_then(|n| u64::try_from(n).ok()).unwrap_or(0))
}

/// The names of `selection.names` that no domain in its tenant (in any tenant with `None`) has.
pub async fn names_not_found<C: ConnectionTrait>(
    db: &C,
    selection: &Selection,
) -> Result<Vec<String>, DbErr> {
    let Some(names) = &selection.names else { return Ok(Vec::new()) };
    let mut found = std::collections::HashSet::new();
    for chunk in names.chunks(1000) {
        let mut query = Entity::find()
            .select_only()
            .column(Column::Domain)
            .filter(Column::Domain.is_in(chunk.iter().map(DomainName::as_str)));
        if let Some(tenant) = selection.tenant {
            query = query.filter(Column::TenantId.eq(tenant));
        }
        found.extend(query.into_tuple::<String>().all(db).await?);
    }
    let mut seen = std::collections::HashSet::new();
    Ok(names
        .iter()
        .map(DomainName::to_string)
        .filter(|name| !found.contains(name) && seen.insert(name.clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::above_prefix;

    #[test]
    fn the_bound_above_a_prefix_is_above_all_its_names_and_close_to_them() {
        assert_eq!(above_prefix("site-12345").as_deref(), Some("site-12346"));
        assert_eq!(above_prefix("ab9").as_deref(), Some("aba"));
        assert_eq!(above_prefix("abz").as_deref(), Some("ac"));
        assert_eq!(above_prefix("shop-").as_deref(), Some("shoq"));
        assert_eq!(above_prefix("a.z-").as_deref(), Some("b"));
        assert_eq!(above_prefix("zz"), None);
        for prefix in ["site-12345", "ab9", "abz", "shop-", "a.b"] {
            let above = above_prefix(prefix).unwrap();
            for name in
                [prefix.to_string(), format!("{prefix}zzz.com"), format!("{prefix}-x"), format!("{prefix}9")]
            {
                assert!(name.as_str() >= prefix && name < above, "{name} not within [{prefix}, {above})");
            }
        }
    }
}
