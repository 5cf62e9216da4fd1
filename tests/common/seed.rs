//! Rows written straight into a test database, for tests below the binary: through the store,
//! as the service enqueues them, or as another program would write them. Tests of the binary
//! seed through `add` instead ([`super::cli::add`]).

use chrono::{DateTime, Utc};
use domain_scheduler::domain_name::DomainName;
use domain_scheduler::store::{self, EnqueueRequest};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use uuid::Uuid;

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
        max_pages: 1,
        callback_url: None,
        rescan_after_seconds: None,
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
        domain_metadata: Set(serde_json::json!({})),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    entity::domains::Entity::insert(row).exec_without_returning(db).await.expect("insert the row");
}
