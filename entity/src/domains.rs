//! `domains`: one row per (tenant, standardised domain), with its lifecycle columns (status,
//! attempts, due time, lease) and the metadata columns that [`Entity::update_from_metadata`]
//! fills.

use sea_orm::entity::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::metadata::{Metadata, SocialProfiles, StringList, TechStack, Technologies};

/// Where a domain is in its lifecycle:
/// `pending` --claim--> `processing` --> `completed`, or back to `pending` (retry) or `error`.
/// A completed domain is re-scanned when its `rescan_at` comes; a re-scan that answers 404 or
/// 410, or finds the name gone from the DNS (NXDOMAIN), on every attempt ends in `gone`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum DomainStatus {
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "processing")]
    Processing,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "error")]
    Error,
    /// The site answered 404 or 410, or its name did not exist (NXDOMAIN), on every attempt of a
    /// re-scan: it was there and is not any more. Its last good metadata is kept.
    #[sea_orm(string_value = "gone")]
    Gone,
}

impl DomainStatus {
    pub const ALL: [DomainStatus; 5] = [
        DomainStatus::Pending,
        DomainStatus::Processing,
        DomainStatus::Completed,
        DomainStatus::Error,
        DomainStatus::Gone,
    ];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether a domain in this status has reached the end of its current request.
    pub fn is_final(self) -> bool {
        matches!(self, DomainStatus::Completed | DomainStatus::Error | DomainStatus::Gone)
    }
}

impl std::fmt::Display for DomainStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DomainStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DomainStatus::ALL.into_iter().find(|status| status.as_str() == s).ok_or_else(|| {
            format!("unknown status `{s}` (accepts pending, processing, completed, error, gone)")
        })
    }
}

/// Defines [`Model`] with one column per social platform of [`crate::social_platforms!`], and
/// the moves between those columns and [`SocialProfiles`].
macro_rules! domain_model {
    ($($variant:ident $column:ident $label:literal,)*) => {
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
        #[sea_orm(table_name = "domains")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub tenant_id: Uuid,
            #[sea_orm(column_type = "Text")]
            pub domain: String,
            pub status: DomainStatus,
            pub batch_id: Option<Uuid>,
            pub attempts: i32,
            /// Pages the fetcher may visit on this domain (home page plus contact pages).
            pub max_pages: i32,
            pub next_attempt_at: DateTimeUtc,
            pub locked_by: Option<String>,
            pub locked_until: Option<DateTimeUtc>,
            #[sea_orm(column_type = "Text", nullable)]
            pub title: Option<String>,
            #[sea_orm(column_type = "Text", nullable)]
            pub description: Option<String>,
            pub language: Option<String>,
            #[sea_orm(column_type = "Text", nullable)]
            pub canonical_url: Option<String>,
            #[sea_orm(column_type = "Text", nullable)]
            pub favicon_url: Option<String>,
            #[sea_orm(column_type = "Text", nullable)]
            pub logo_url: Option<String>,
            #[sea_orm(column_type = "JsonBinary")]
            pub email_addresses: StringList,
            #[sea_orm(column_type = "JsonBinary")]
            pub phone_numbers: StringList,
            $(
                #[sea_orm(column_type = "Text", nullable)]
                pub $column: Option<String>,
            )*
            pub is_wordpress: bool,
            pub wordpress_version: Option<String>,
            pub has_elementor: bool,
            #[sea_orm(column_type = "JsonBinary")]
            pub tech_stack: TechStack,
            #[sea_orm(column_type = "JsonBinary")]
            pub technologies: Technologies,
            #[sea_orm(column_type = "JsonBinary")]
            pub domain_metadata: Json,
            pub http_status: Option<i32>,
            #[sea_orm(column_type = "Text", nullable)]
            pub final_url: Option<String>,
            /// The MX targets in preference order (`[]`: none published; null: not known).
            #[sea_orm(column_type = "JsonBinary", nullable)]
            pub mx_hosts: Option<StringList>,
            /// Who receives the domain's mail, read from its MX targets (`self-hosted` when they
            /// are under the domain itself).
            pub mail_provider: Option<String>,
            /// The `v=spf1` TXT record as published.
            #[sea_orm(column_type = "Text", nullable)]
            pub spf: Option<String>,
            /// `none`, `quarantine` or `reject`, from `_dmarc.<domain>`.
            pub dmarc_policy: Option<String>,
            #[sea_orm(column_type = "Text", nullable)]
            pub last_error: Option<String>,
            pub fetched_at: Option<DateTimeUtc>,
            /// When this completed domain is next due for a re-scan (null: never).
            pub rescan_at: Option<DateTimeUtc>,
            /// The submission's own re-scan interval in seconds (null: the service's setting; 0: never).
            pub rescan_after_seconds: Option<i64>,
            /// The name may read as another one (UTS #39 mixed-script or whole-script confusable);
            /// set when the name is enqueued.
            pub confusable: bool,
            /// The certificate refused over https when the page came over http instead: its
            /// kind (`tls_expired`, `tls_untrusted`, `tls_wrong_host`).
            pub tls_problem: Option<String>,
            /// The registrable domain the home page's visit ended on when it is not the domain's
            /// own (`old-brand.com` redirecting to `new-brand.co.uk`); null otherwise.
            pub redirects_to: Option<String>,
            /// The home page is a parking provider's lander or a registrar's placeholder.
            pub parked: bool,
            /// Who parked it (`Sedo`, `HugeDomains`, ...), when `parked`.
            pub parking_provider: Option<String>,
            pub created_at: DateTimeUtc,
            pub updated_at: DateTimeUtc,
        }

        impl Model {
            /// The profile links held in this row.
            pub fn social(&self) -> SocialProfiles {
                SocialProfiles { $($column: self.$column.clone(),)* }
            }
        }

        impl ActiveModel {
            /// Sets every social column from `profiles`.
            fn set_social(&mut self, profiles: &SocialProfiles) {
                $(self.$column = Set(profiles.$column.clone());)*
            }
        }
    };
}

crate::social_platforms!(domain_model);

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::batch_jobs::Entity",
        from = "Column::BatchId",
        to = "super::batch_jobs::Column::Id",
        on_delete = "SetNull"
    )]
    BatchJob,
    #[sea_orm(has_many = "super::domain_errors::Entity")]
    DomainErrors,
    #[sea_orm(has_many = "super::domain_changes::Entity")]
    DomainChanges,
}

impl Related<super::batch_jobs::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::BatchJob.def()
    }
}

impl Related<super::domain_errors::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DomainErrors.def()
    }
}

impl Related<super::domain_changes::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DomainChanges.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// Why [`Entity::update_from_metadata`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("domain {0} not found")]
    NotFound(Uuid),
    #[error("domain {0} is no longer leased to this instance")]
    LeaseLost(Uuid),
    #[error(transparent)]
    Database(#[from] DbErr),
}

impl ActiveModel {
    /// An update that sets every metadata column from `metadata`, marks the domain `completed`
    /// at `now` and clears its lease and last error. Columns not named here are left unset.
    pub fn completed_with(metadata: &Metadata, now: DateTimeUtc) -> ActiveModel {
        let mut update = ActiveModel {
            status: Set(DomainStatus::Completed),
            locked_by: Set(None),
            locked_until: Set(None),
            last_error: Set(None),
            fetched_at: Set(Some(now)),
            updated_at: Set(now),
            title: Set(metadata.title.clone()),
            description: Set(metadata.description.clone()),
            language: Set(metadata.language.clone()),
            canonical_url: Set(metadata.canonical_url.clone()),
            favicon_url: Set(metadata.favicon_url.clone()),
            logo_url: Set(metadata.logo_url.clone()),
            email_addresses: Set(StringList(metadata.email_addresses.clone())),
            phone_numbers: Set(StringList(metadata.phone_numbers.clone())),
            is_wordpress: Set(metadata.is_wordpress),
            wordpress_version: Set(metadata.wordpress_version.clone()),
            has_elementor: Set(metadata.has_elementor),
            tech_stack: Set(TechStack(metadata.tech_stack.clone())),
            technologies: Set(Technologies(metadata.technologies.clone())),
            domain_metadata: Set(metadata.domain_metadata.clone()),
            http_status: Set(metadata.http_status),
            final_url: Set(metadata.final_url.clone()),
            mx_hosts: Set(metadata.mx_hosts.clone().map(StringList)),
            mail_provider: Set(metadata.mail_provider.clone()),
            spf: Set(metadata.spf.clone()),
            dmarc_policy: Set(metadata.dmarc_policy.clone()),
            tls_problem: Set(metadata.tls_problem.clone()),
            redirects_to: Set(metadata.redirects_to.clone()),
            parked: Set(metadata.parked),
            parking_provider: Set(metadata.parking_provider.clone()),
            ..Default::default()
        };
        update.set_social(&metadata.social);
        update
    }
}

impl Model {
    /// The metadata held in this row, as [`Entity::update_from_metadata`] wrote it.
    pub fn metadata(&self) -> Metadata {
        Metadata {
            title: self.title.clone(),
            description: self.description.clone(),
            language: self.language.clone(),
            canonical_url: self.canonical_url.clone(),
            favicon_url: self.favicon_url.clone(),
            logo_url: self.logo_url.clone(),
            email_addresses: self.email_addresses.0.clone(),
            phone_numbers: self.phone_numbers.0.clone(),
            social: self.social(),
            is_wordpress: self.is_wordpress,
            wordpress_version: self.wordpress_version.clone(),
            has_elementor: self.has_elementor,
            tech_stack: self.tech_stack.0.clone(),
            technologies: self.technologies.0.clone(),
            http_status: self.http_status,
            final_url: self.final_url.clone(),
            mx_hosts: self.mx_hosts.as_ref().map(|hosts| hosts.0.clone()),
            mail_provider: self.mail_provider.clone(),
            spf: self.spf.clone(),
            dmarc_policy: self.dmarc_policy.clone(),
            tls_problem: self.tls_problem.clone(),
            redirects_to: self.redirects_to.clone(),
            parked: self.parked,
            parking_provider: self.parking_provider.clone(),
            domain_metadata: self.domain_metadata.clone(),
        }
    }
}

impl Entity {
    /// Writes `metadata` into the row `id`: every metadata column, status `completed`,
    /// `fetched_at` and `updated_at` now, lease and `last_error` cleared.
    ///
    /// An unknown id is [`UpdateError::NotFound`], never a silent no-op.
    pub async fn update_from_metadata<C: ConnectionTrait>(
        db: &C,
        id: Uuid,
        metadata: &Metadata,
    ) -> Result<(), UpdateError> {
        let result = Entity::update_many()
            .set(ActiveModel::completed_with(metadata, chrono::Utc::now()))
            .filter(Column::Id.eq(id))
            .exec(db)
            .await?;
        if result.rows_affected == 0 {
            return Err(UpdateError::NotFound(id));
        }
        Ok(())
    }

    /// Like [`Entity::update_from_metadata`], but only while the row is still `processing`
    /// under the lease of `instance_id`: a worker whose lease was taken back by another
    /// instance must not overwrite that instance's result.
    pub async fn update_from_metadata_if_leased<C: ConnectionTrait>(
        db: &C,
        id: Uuid,
        instance_id: &str,
        metadata: &Metadata,
    ) -> Result<(), UpdateError> {
        Entity::update_from_metadata_if_leased_at(db, id, instance_id, metadata, chrono::Utc::now()).await
    }

    /// [`Entity::update_from_metadata_if_leased`] with the scan's time given, so that the
    /// change history of the same scan carries the same `fetched_at`.
    pub async fn update_from_metadata_if_leased_at<C: ConnectionTrait>(
        db: &C,
        id: Uuid,
        instance_id: &str,
        metadata: &Metadata,
        now: DateTimeUtc,
    ) -> Result<(), UpdateError> {
        let result = Entity::update_many()
            .set(ActiveModel::completed_with(metadata, now))
            .filter(Column::Id.eq(id))
            .filter(Column::Status.eq(DomainStatus::Processing))
            .filter(Column::LockedBy.eq(instance_id))
            .exec(db)
            .await?;
        if result.rows_affected == 0 {
            let exists =
                Entity::find_by_id(id).select_only().column(Column::Id).into_tuple::<Uuid>().one(db).await?;
            return Err(match exists {
                Some(_) => UpdateError::LeaseLost(id),
                None => UpdateError::NotFound(id),
            });
        }
        Ok(())
    }

    /// [`Entity::update_from_metadata_if_leased_at`] for many rows at once, each with when it is
    /// next due: each row is written only while it is `processing` under the lease of
    /// `instance_id`. Answers the ids written; any other id lost its lease or is gone.
    ///
    /// Rows go in as few statements as the sizes allow (`UPDATE … FROM (VALUES …)`, which both
    /// backends speak), each of a power-of-two number of rows up to
    /// [`ROWS_PER_UPDATE`]: 200 rows are three statements (128, 64, 8), and no more than nine
    /// statement texts ever reach the connection's cache of prepared statements.
    pub async fn update_many_from_metadata_if_leased_at<C: ConnectionTrait>(
        db: &C,
        instance_id: &str,
        rows: &[Scanned<'_>],
        now: DateTimeUtc,
    ) -> Result<std::collections::HashSet<Uuid>, DbErr> {
        let mut written = std::collections::HashSet::with_capacity(rows.len());
        let mut rest = rows;
        while !rest.is_empty() {
            let size = (1usize << rest.len().ilog2()).min(ROWS_PER_UPDATE);
            let (chunk, tail) = rest.split_at(size);
            for row in db.query_all(&leased_update(instance_id, chunk, now)).await? {
                written.insert(row.try_get_by_index::<Uuid>(0)?);
            }
            rest = tail;
        }
        Ok(written)
    }
}

/// One row of [`Entity::update_many_from_metadata_if_leased_at`]: a scan's metadata and the
/// row's due times after it. They go in the same statement: a second `UPDATE` for the due times
/// made PostgreSQL write every row twice, each time with an entry in each of its indexes.
#[derive(Clone, Copy, Debug)]
pub struct Scanned<'a> {
    pub id: Uuid,
    pub metadata: &'a Metadata,
    pub next_attempt_at: DateTimeUtc,
    pub rescan_at: Option<DateTimeUtc>,
}

/// Most rows one statement of [`Entity::update_many_from_metadata_if_leased_at`] writes: about
/// 40 values a row stays far under either backend's limit of bound values.
pub const ROWS_PER_UPDATE: usize = 256;

/// `UPDATE domains SET col = v.columnN, … FROM (VALUES (id, …), …) AS v WHERE domains.id =
/// v.column1 AND status = 'processing' AND locked_by = instance RETURNING domains.id`: the
/// columns are those [`ActiveModel::completed_with`] sets and the two due times, the same for
/// every row.
fn leased_update(
    instance_id: &str,
    rows: &[Scanned<'_>],
    now: DateTimeUtc,
) -> sea_orm::sea_query::UpdateStatement {
    use sea_orm::sea_query::{Alias, ExprTrait, Query, TableRef, ValueTuple};
    use sea_orm::{ActiveModelTrait, Iterable};
    let updates: Vec<ActiveModel> = rows
        .iter()
        .map(|row| {
            let mut update = ActiveModel::completed_with(row.metadata, now);
            update.next_attempt_at = Set(row.next_attempt_at);
            update.rescan_at = Set(row.rescan_at);
            update
        })
        .collect();
    let columns: Vec<Column> = match updates.first() {
        Some(first) => Column::iter().filter(|column| first.get(*column).is_set()).collect(),
        None => Vec::new(),
    };
    let tuples = rows
        .iter()
        .zip(&updates)
        .map(|(row, update)| {
            let mut values = Vec::with_capacity(columns.len() + 1);
            values.push(sea_orm::Value::from(row.id));
            // Every column was read as set from the same constructor: none is skipped.
            values.extend(columns.iter().filter_map(|column| update.get(*column).into_value()));
            ValueTuple::Many(values)
        })
        .collect();
    // Both backends name the columns of a VALUES list column1, column2, …: the id, then `columns`.
    let source = Alias::new("v");
    let value = |position: usize| Expr::col((source.clone(), Alias::new(format!("column{position}"))));
    let mut update = Query::update();
    update
        .table(Entity)
        .values(columns.iter().enumerate().map(|(index, column)| (*column, value(index + 2))))
        .from(TableRef::ValuesList(tuples, sea_orm::sea_query::IntoIden::into_iden(source.clone())))
        .and_where(Expr::col((Entity, Column::Id)).eq(value(1)))
        // The ids again, as a list: PostgreSQL then reaches the rows by the primary key rather
        // than reading every `processing` row through the status index and joining them to the
        // list. Two 10,000-domain drains each: 0.56 ms of PostgreSQL CPU per domain with it, 0.63 without.
        .and_where(Expr::col((Entity, Column::Id)).is_in(rows.iter().map(|row| row.id)))
        .and_where(Expr::col((Entity, Column::Status)).eq(DomainStatus::Processing.to_value()))
        .and_where(Expr::col((Entity, Column::LockedBy)).eq(instance_id))
        .returning_col((Entity, Column::Id));
    update
}
