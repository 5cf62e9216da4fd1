//! Rows written straight into a test database, for tests below the binary: through the store,
//! as the service enqueues them, or as another program would write them (single rows, or
//! thousands a second with multi-row inserts). Tests of the binary seed through `add` instead
//! ([`super::cli::add`]).
//!
//! The many-row seeder varies rows the way real ones are: every status, null and filled
//! columns, lists, and text with what CSV must quote (commas, quotes, line breaks, non-ASCII)
//! or a spreadsheet would take for a formula (`=`, `+`, `-`, `@`).

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain_scheduler::domain_name::DomainName;
use domain_scheduler::store::{self, EnqueueRequest};
use entity::metadata::{StringList, TechStack};
use entity::{DomainStatus, Technology, batch_jobs, domains};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use uuid::Uuid;

/// Rows per INSERT: 39 columns each, under SQLite's limit of bound values per statement.
const PER_INSERT: usize = 500;

/// A fixed start, so fetched times are known to tests: row `i` was fetched at `FETCHED_FROM +
/// i minutes` (when it was fetched at all).
pub fn fetched_from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// Where every due time of a seeded row lies: far ahead, so that a running `serve` claims none
/// of them and the rows stay as seeded while a test reads them.
pub fn not_due() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap()
}

/// A batch of `tenant` holding nothing yet: domains name it through `batch_id`.
pub async fn batch(db: &DatabaseConnection, tenant: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    let row = batch_jobs::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant),
        total: Set(0),
        created_at: Set(Utc::now()),
        callback_url: Set(None),
        callback_due_at: Set(None),
        cancelled_at: Set(None),
    };
    batch_jobs::Entity::insert(row).exec(db).await.expect("insert a batch");
    id
}

/// Writes `count` rows of `tenant` in `batch`, named `{prefix}{i}.com`, built by [`row`].
pub async fn domains(db: &DatabaseConnection, tenant: Uuid, batch: Option<Uuid>, prefix: &str, count: usize) {
    let rows: Vec<domains::ActiveModel> = (0..count).map(|i| row(tenant, batch, prefix, i)).collect();
    for chunk in rows.chunks(PER_INSERT) {
        domains::Entity::insert_many(chunk.to_vec()).exec(db).await.expect("insert domains");
    }
}

/// Row `i`: its status cycles through every status; a completed one has metadata.
pub fn row(tenant: Uuid, batch: Option<Uuid>, prefix: &str, i: usize) -> domains::ActiveModel {
    let status = DomainStatus::ALL[i % DomainStatus::ALL.len()];
    let fetched = matches!(status, DomainStatus::Completed | DomainStatus::Gone)
        .then(|| fetched_from() + Duration::minutes(i as i64));
    let done = fetched.is_some();
    let created =
        Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap() + Duration::milliseconds(i as i64 * 1234);
    let title = done.then(|| TITLES[i % TITLES.len()].replace('#', &i.to_string()));
    let tech = if done {
        vec![
            Technology {
                name: "WordPress".into(),
                version: Some(format!("6.{}", i % 7)),
                categories: vec!["CMS".into()],
            },
            Technology { name: "Craft CMS".into(), version: None, categories: vec![] },
        ]
    } else {
        Vec::new()
    };
    domains::ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(tenant),
        domain: Set(format!("{prefix}{i}.com")),
        status: Set(status),
        batch_id: Set(batch),
        attempts: Set((i % 4) as i32),
        max_pages: Set(1 + (i % 3) as i32),
        next_attempt_at: Set(not_due() + Duration::minutes(i as i64)),
        locked_by: Set((status == DomainStatus::Processing).then(|| "instance-1".to_owned())),
        locked_until: Set((status == DomainStatus::Processing).then(not_due)),
        title: Set(title),
        description: Set(done.then(|| format!("Line one of {i},\nline two \"quoted\"; ünïcödé 日本語"))),
        language: Set(done.then(|| "fr".to_owned())),
        canonical_url: Set(done.then(|| format!("https://{prefix}{i}.com/"))),
        favicon_url: Set(None),
        logo_url: Set(done.then(|| format!("https://{prefix}{i}.com/logo.png?a=1,b=2"))),
        email_addresses: Set(StringList(if done {
            vec![format!("hello@{prefix}{i}.com"), format!("sales@{prefix}{i}.com")]
        } else {
            Vec::new()
        })),
        phone_numbers: Set(StringList(if done {
            vec!["+33142685300".into(), "+14155550100".into()]
        } else {
            Vec::new()
        })),
        twitter_url: Set(done.then(|| format!("https://x.com/site{i}"))),
        facebook_url: Set(None),
        linkedin_url: Set(None),
        instagram_url: Set(None),
        youtube_url: Set(None),
        tiktok_url: Set(None),
        github_url: Set(None),
        pinterest_url: Set(None),
        is_wordpress: Set(done),
        wordpress_version: Set(done.then(|| format!("6.{}", i % 7))),
        has_elementor: Set(i.is_multiple_of(2)),
        confusable: Set(false),
        tech_stack: Set(TechStack(tech)),
        technologies: Set(Default::default()),
        domain_metadata: Set(
            serde_json::json!({"open_graph": {"title": format!("OG {i}")}, "timings": {"fetch_ms": i}}),
        ),
        http_status: Set(done.then_some(200)),
        final_url: Set(done.then(|| format!("https://{prefix}{i}.com/"))),
        mx_hosts: Set(
            done.then(|| StringList(vec![format!("mx1.{prefix}{i}.com"), format!("mx2.{prefix}{i}.com")]))
        ),
        mail_provider: Set(done.then(|| "self-hosted".to_owned())),
        spf: Set(done.then(|| "v=spf1 mx -all".to_owned())),
        dmarc_policy: Set(done.then(|| "reject".to_owned())),
        tls_problem: Set((done && i.is_multiple_of(5)).then(|| "tls_untrusted".to_owned())),
        redirects_to: Set((done && i % 7 == 3).then(|| format!("moved-{i}.net"))),
        parked: Set(done && i % 11 == 4),
        parking_provider: Set((done && i % 11 == 4).then(|| "Sedo".to_owned())),
        last_error: Set(
            (status == DomainStatus::Error).then(|| "fetch/dns: no such host, \"really\"".to_owned())
        ),
        fetched_at: Set(fetched),
        rescan_at: Set(fetched.map(|_| not_due() + Duration::seconds(i as i64))),
        rescan_after_seconds: Set(i.is_multiple_of(10).then_some(86_400)),
        created_at: Set(created),
        updated_at: Set(fetched.unwrap_or(created)),
    }
}

/// Titles with what CSV quotes and what a spreadsheet would evaluate; `#` is the row number.
const TITLES: [&str; 7] = [
    "Site #, the best",
    "\"Quoted\" site #",
    "=HYPERLINK(\"http://evil.example\",\"#\")",
    "+# reasons",
    "-# percent",
    "@home #",
    "Café # — 日本語\r\nsecond line",
];

/// `count` names `{prefix}{i}.com`.
pub fn numbered(prefix: &str, count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}.com")).collect()
}

/// Enqueues `names` for `tenant` as one batch, as the service does; the batch's id.
pub async fn enqueue<S: AsRef<str>>(db: &DatabaseConnection, tenant: Uuid, names: &[S]) -> Uuid {
    let names: Vec<DomainName> =
        names.iter().map(|n| DomainName::parse(n.as_ref()).expect("a domain name")).collect();
    let request = EnqueueRequest {
        tenant_id: tenant,
        domains: &names,
        refresh: false,
        max_pages: domain_scheduler::submit::MaxPages::ONE,
        callback_url: None,
        rescan_after: None,
    };
    let enqueued = store::domains::enqueue(db, request, |_| {}).await.expect("enqueue");
    enqueued.batch_id.expect("a batch for new domains")
}

/// Writes `name` for `tenant` as another program would: `pending`, due at `due`, with no
/// batch and no announcement to the service.
pub async fn insert_pending(db: &DatabaseConnection, tenant: Uuid, name: &str, due: DateTime<Utc>) {
    use entity::domains::ActiveModel;
    use entity::metadata::{StringList, TechStack};
    let now = Utc::now();
    let row = ActiveModel {
        id: Set(Uuid::new_v4()),
        tenant_id: Set(tenant),
        domain: Set(name.to_owned()),
        status: Set(entity::DomainStatus::Pending),
        attempts: Set(0),
        max_pages: Set(1),
        next_attempt_at: Set(due),
        email_addresses: Set(StringList::default()),
        phone_numbers: Set(StringList::default()),
        is_wordpress: Set(false),
        has_elementor: Set(false),
        tech_stack: Set(TechStack::default()),
        technologies: Set(Default::default()),
        domain_metadata: Set(serde_json::json!({})),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    entity::domains::Entity::insert(row).exec_without_returning(db).await.expect("insert the row");
}

/// Records a title change for every `every`-th domain that has been fetched (in name order),
/// scanned when it was fetched, as a re-scan would: (domain id, tenant, when) of each change.
pub async fn title_changes(db: &DatabaseConnection, every: usize) -> Vec<(Uuid, Uuid, DateTime<Utc>)> {
    use entity::domain_changes;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let fetched = domains::Entity::find()
        .filter(domains::Column::FetchedAt.is_not_null())
        .order_by_asc(domains::Column::Domain)
        .all(db)
        .await
        .expect("read the seeded domains");
    let picked: Vec<&domains::Model> = fetched.iter().step_by(every.max(1)).collect();
    let rows: Vec<domain_changes::ActiveModel> = picked
        .iter()
        .map(|row| domain_changes::ActiveModel {
            domain_id: Set(row.id),
            tenant_id: Set(row.tenant_id),
            scanned_at: Set(row.fetched_at.expect("fetched")),
            field: Set("title".into()),
            old_value: Set(serde_json::json!("Before")),
            new_value: Set(serde_json::json!(row.title)),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(PER_INSERT) {
        domain_changes::Entity::insert_many(chunk.to_vec()).exec(db).await.expect("insert changes");
    }
    picked.iter().map(|row| (row.id, row.tenant_id, row.fetched_at.expect("fetched"))).collect()
}
