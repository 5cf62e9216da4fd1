//! The operators' actions (issue 26, item 2): cancelling a batch, resetting domains by a filter
//! and deleting domains, through the API and the command line, each with a dry run that
//! changes nothing and answers the count the real run then reports. The real `serve` and the
//! real binary, a real database on each backend, the site farm.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::cli;
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::server::Served;
use common::wait::{wait_for, wait_until};
use entity::{DomainStatus, batch_members, domain_changes, domain_errors, domains};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const TENANT_B: &str = "0000000b-0000-4000-8000-00000000000b";
const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a,token-of-tenant-b=0000000b-0000-4000-8000-00000000000b";
const A: &str = "token-of-tenant-a";
const B: &str = "token-of-tenant-b";
const ADMIN_TOKEN: &str = "token-of-the-operator";
const ADMIN: (&str, &str) = ("DOMAIN_SCHEDULER_ADMIN_TOKENS", ADMIN_TOKEN);
const WITHIN: Duration = Duration::from_secs(30);

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

async fn get(served: &Served, path: &str, token: &str) -> (StatusCode, Value) {
    answer(client().get(served.url(path)).bearer_auth(token).send().await.unwrap()).await
}

async fn post(served: &Served, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    answer(client().post(served.url(path)).bearer_auth(token).json(&body).send().await.unwrap()).await
}

async fn delete(served: &Served, path: &str, token: &str) -> (StatusCode, Value) {
    answer(client().delete(served.url(path)).bearer_auth(token).send().await.unwrap()).await
}

/// The error code of a refused call, with its status.
fn refused(answer: &(StatusCode, Value)) -> (StatusCode, Option<&str>) {
    (answer.0, answer.1["error"]["code"].as_str())
}

async fn submit(served: &Served, token: &str, domains: &[&str]) -> String {
    let (status, body) = post(served, "/api/v1/domains", token, json!({"domains": domains})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["batch_id"].as_str().unwrap().to_owned()
}

async fn batch_status(served: &Served, token: &str, batch: &str) -> Value {
    let (status, body) = get(served, &format!("/api/v1/batches/{batch}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn wait_for_complete(served: &Served, token: &str, batch: &str) -> Value {
    wait_for(&format!("batch {batch} to complete"), WITHIN, async || {
        let body = batch_status(served, token, batch).await;
        if body["status"] == "complete" { Ok(body) } else { Err(body) }
    })
    .await
}

async fn pause(served: &Served) {
    let (status, body) = post(served, "/api/v1/scheduler/pause", ADMIN_TOKEN, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn row(db: &DatabaseConnection, tenant: &str, name: &str) -> Option<domains::Model> {
    domains::Entity::find()
        .filter(domains::Column::TenantId.eq(tenant.parse::<Uuid>().unwrap()))
        .filter(domains::Column::Domain.eq(name))
        .one(db)
        .await
        .unwrap()
}

/// A batch cancelled through the API: the dry run counts and changes nothing; the cancel ends
/// each pending member in `error` with a `cancelled` failure, the batch says when it was
/// cancelled and its callback is sent with the cancelled domains counted; another tenant's
/// token cannot reach the batch, an admin's can.
async fn a_batch_is_cancelled_through_the_api_after_a_dry_run_that_changes_nothing(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let receiver = common::receiver::Receiver::start(&[]).await;
    let extra = [
        ADMIN,
        ("DOMAIN_SCHEDULER_CALLBACK_SECRET", "a-test-callback-signing-key"),
        ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "true"),
    ];
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &extra).await;
    pause(&served).await;
    let body = json!({"domains": ["one.com", "two.com", "three.com"], "callback_url": receiver.url("/hook")});
    let (status, submitted) = post(&served, "/api/v1/domains", A, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{submitted}");
    let batch = submitted["batch_id"].as_str().unwrap().to_owned();
    let of_b = submit(&served, B, &["of-b.com"]).await;

    let path = format!("/api/v1/batches/{batch}/cancel");
    let (status, dry) = post(&served, &format!("{path}?dry_run=true"), A, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(
        (dry["dry_run"].as_bool(), dry["cancelled"].as_u64(), dry["in_flight"].as_u64()),
        (Some(true), Some(3), Some(0))
    );
    let progress = batch_status(&served, A, &batch).await;
    assert_eq!(
        (progress["counts"]["pending"].as_u64(), &progress["cancelled_at"]),
        (Some(3), &Value::Null),
        "{progress}"
    );

    assert_eq!(
        refused(&post(&served, &path, B, json!({})).await),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let foreign = post(&served, &format!("{path}?tenant={TENANT_B}"), A, json!({})).await;
    assert_eq!(refused(&foreign), (StatusCode::FORBIDDEN, Some("foreign_tenant")));
    let unknown = post(&served, &format!("/api/v1/batches/{}/cancel", Uuid::new_v4()), A, json!({})).await;
    assert_eq!(refused(&unknown), (StatusCode::NOT_FOUND, Some("not_found")));
    let bad = post(&served, &format!("{path}?dry_run=maybe"), A, json!({})).await;
    assert_eq!(refused(&bad), (StatusCode::BAD_REQUEST, Some("invalid_query")));

    let (status, done) = post(&served, &path, A, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (done["dry_run"].as_bool(), done["cancelled"].as_u64()),
        (Some(false), dry["cancelled"].as_u64())
    );
    assert_eq!(done["batch"]["status"], "complete", "{done}");
    assert_eq!(done["batch"]["counts"]["error"], 3, "{done}");
    assert!(done["batch"]["cancelled_at"].is_string(), "{done}");
    let (_, failures) = get(&served, "/api/v1/domains/two.com/failures", A).await;
    assert_eq!(
        (failures["items"][0]["stage"].as_str(), failures["items"][0]["kind"].as_str()),
        (Some("operator"), Some("cancelled")),
        "{failures}"
    );
    let (_, shown) = get(&served, "/api/v1/domains/two.com", A).await;
    assert!(shown["last_error"].as_str().unwrap().starts_with("operator/cancelled: "), "{shown}");

    let callback =
        wait_for("the callback of the cancelled batch", WITHIN, async || match receiver.received().first() {
            Some(received) => Ok(received.json()),
            None => Err("nothing received yet"),
        })
        .await;
    assert_eq!(callback["counts"]["error"], 3, "{callback}");
    assert_eq!(callback["cancelled_at"], done["batch"]["cancelled_at"], "{callback}");

    let (_, again) = post(&served, &path, A, json!({})).await;
    assert_eq!(again["cancelled"], 0, "nothing is cancelled twice: {again}");
    assert_eq!(
        again["batch"]["cancelled_at"], done["batch"]["cancelled_at"],
        "the first cancel's time is kept"
    );

    // An admin cancels any tenant's batch; B's batch was untouched so far.
    assert_eq!(batch_status(&served, B, &of_b).await["counts"]["pending"], 1);
    let wrong_tenant =
        post(&served, &format!("/api/v1/batches/{of_b}/cancel?tenant={TENANT_A}"), ADMIN_TOKEN, json!({}))
            .await;
    assert_eq!(refused(&wrong_tenant), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, by_admin) =
        post(&served, &format!("/api/v1/batches/{of_b}/cancel"), ADMIN_TOKEN, json!({})).await;
    assert_eq!((status, by_admin["cancelled"].as_u64()), (StatusCode::OK, Some(1)), "{by_admin}");
    let (_, listed) = get(&served, "/api/v1/batches", B).await;
    assert!(listed["items"][0]["cancelled_at"].is_string(), "{listed}");
}

/// A domain another unfinished batch also waits for is not taken from that batch: the
/// cancelled batch counts it as `error`, the other still waits for it and it stays due.
async fn a_cancel_leaves_a_domain_another_batch_waits_for_due_for_that_batch(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    pause(&served).await;
    let first = submit(&served, A, &["own.com", "shared.com"]).await;
    let second = submit(&served, A, &["shared.com"]).await;

    let (status, done) = post(&served, &format!("/api/v1/batches/{first}/cancel"), A, json!({})).await;
    assert_eq!((status, done["cancelled"].as_u64()), (StatusCode::OK, Some(2)), "{done}");
    assert_eq!(done["batch"]["status"], "complete", "{done}");
    assert_eq!(done["batch"]["counts"]["error"], 2, "{done}");
    let other = batch_status(&served, A, &second).await;
    assert_eq!(
        (other["status"].as_str(), other["counts"]["pending"].as_u64()),
        (Some("pending"), Some(1)),
        "{other}"
    );
    let (_, shared) = get(&served, "/api/v1/domains/shared.com", A).await;
    assert_eq!(shared["status"], "pending", "{shared}");
    let (_, own) = get(&served, "/api/v1/domains/own.com", A).await;
    assert_eq!(own["status"], "error", "{own}");
}

/// Cancelling a batch while its domains are being fetched: those in flight finish, the pending
/// rest end in `error`, the batch completes, and no row is left in `processing`.
async fn a_cancel_in_the_middle_of_a_drain_leaves_no_domain_in_processing(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let names: Vec<String> = (0..8).map(|i| format!("slow-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Slow(Duration::from_secs(2), plain_page("Slow")));
    }
    let extra = [
        ADMIN,
        ("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "20"),
        ("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "2"),
    ];
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &extra).await;
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let batch = submit(&served, A, &refs).await;
    wait_until("the drain to start", WITHIN, async || {
        batch_status(&served, A, &batch).await["counts"]["processing"].as_u64() > Some(0)
    })
    .await;

    let (status, done) = post(&served, &format!("/api/v1/batches/{batch}/cancel"), A, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let cancelled = done["cancelled"].as_u64().unwrap();
    let in_flight = done["in_flight"].as_u64().unwrap();
    assert!(cancelled > 0 && in_flight > 0, "the cancel came mid-drain: {done}");
    let progress = wait_for_complete(&served, A, &batch).await;
    assert_eq!(progress["counts"]["processing"], 0, "{progress}");
    assert_eq!(progress["counts"]["pending"], 0, "{progress}");
    assert_eq!(progress["counts"]["error"].as_u64(), Some(cancelled), "{progress}");
    let finished = progress["counts"]["completed"].as_u64().unwrap();
    assert!(finished >= in_flight, "the domains in flight finished: {progress}");
    assert_eq!(finished + cancelled, 8, "{progress}");

    let connection = db.connect().await;
    let held = domains::Entity::find()
        .filter(domains::Column::Status.eq(DomainStatus::Processing))
        .count(&connection)
        .await
        .unwrap();
    assert_eq!(held, 0, "a row was left in processing");
}

/// Resetting by filter: an empty or contradictory filter is refused; the dry run changes
/// nothing and counts what the reset then does; a tenant resets only its own domains, an
/// admin any tenant's or the one named.
async fn domains_are_reset_by_filter_after_a_dry_run_that_counts_as_many(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    for name in ["missing-1.com", "missing-2.com", "missing-b.com"] {
        farm.add(name, Site::Status(404));
    }
    farm.add("fine.com", Site::Html(plain_page("Fine")));
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let of_a = submit(&served, A, &["missing-1.com", "missing-2.com", "fine.com"]).await;
    let of_b = submit(&served, B, &["missing-b.com"]).await;
    wait_for_complete(&served, A, &of_a).await;
    wait_for_complete(&served, B, &of_b).await;
    pause(&served).await;

    let reset = "/api/v1/domains/reset";
    assert_eq!(
        refused(&post(&served, reset, A, json!({})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_filter"))
    );
    assert_eq!(
        refused(&post(&served, reset, A, json!({"dry_run": true})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_filter"))
    );
    assert_eq!(
        refused(&post(&served, reset, A, json!({"all": true, "status": "error"})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("conflicting_filter"))
    );
    for bad in [
        json!({"error_kind": "no_such_kind"}),
        json!({"status": "processing"}),
        json!({"status": "lost"}),
        json!({"domains": ["not a domain"]}),
    ] {
        assert_eq!(refused(&post(&served, reset, A, bad).await).0, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        refused(&post(&served, reset, A, json!({"batch_id": of_b})).await),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        refused(&post(&served, &format!("{reset}?tenant={TENANT_B}"), A, json!({"status": "error"})).await),
        (StatusCode::FORBIDDEN, Some("foreign_tenant"))
    );

    let filter = json!({"error_kind": "http_status", "batch_id": of_a});
    let (status, dry) =
        post(&served, reset, A, json!({"error_kind": "http_status", "batch_id": of_a, "dry_run": true}))
            .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!((dry["dry_run"].as_bool(), dry["reset"].as_u64()), (Some(true), Some(2)), "{dry}");
    let (_, row) = get(&served, "/api/v1/domains/missing-1.com", A).await;
    assert_eq!(row["status"], "error", "the dry run changed nothing: {row}");

    let (status, done) = post(&served, reset, A, filter).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (done["dry_run"].as_bool(), done["reset"].as_u64()),
        (Some(false), dry["reset"].as_u64()),
        "{done}"
    );
    for name in ["missing-1.com", "missing-2.com"] {
        let (_, row) = get(&served, &format!("/api/v1/domains/{name}"), A).await;
        assert_eq!(
            (row["status"].as_str(), row["attempts"].as_i64(), &row["last_error"]),
            (Some("pending"), Some(0), &Value::Null),
            "{row}"
        );
    }
    let (_, fine) = get(&served, "/api/v1/domains/fine.com", A).await;
    assert_eq!(fine["status"], "completed", "outside the filter: {fine}");
    let (_, of_tenant_b) = get(&served, "/api/v1/domains/missing-b.com", B).await;
    assert_eq!(of_tenant_b["status"], "error", "another tenant's domain is untouched: {of_tenant_b}");
    let finished = batch_status(&served, A, &of_a).await;
    assert_eq!(
        finished["status"], "complete",
        "a reset does not reopen the batch that had its answer: {finished}"
    );

    // An admin: one named tenant, or every tenant.
    let (_, named) = post(
        &served,
        &format!("{reset}?tenant={TENANT_A}"),
        ADMIN_TOKEN,
        json!({"status": "completed", "dry_run": true}),
    )
    .await;
    assert_eq!(named["reset"], 1, "{named}");
    let (_, every) = post(&served, reset, ADMIN_TOKEN, json!({"status": "error", "dry_run": true})).await;
    assert_eq!(every["reset"], 1, "only B's domain is still in error: {every}");
    let (_, every) = post(&served, reset, ADMIN_TOKEN, json!({"status": "error"})).await;
    assert_eq!(every["reset"], 1, "{every}");
    let (_, of_tenant_b) = get(&served, "/api/v1/domains/missing-b.com", B).await;
    assert_eq!(of_tenant_b["status"], "pending", "{of_tenant_b}");
    let (_, listed) = post(&served, reset, A, json!({"domains": ["fine.com", "unknown.com"]})).await;
    assert_eq!(
        (listed["reset"].as_u64(), &listed["not_found"]),
        (Some(1), &json!(["unknown.com"])),
        "{listed}"
    );
}

/// Deleting one domain or a filter's: the dry run changes nothing and counts what the delete
/// then does; the domain's failures, history and batch memberships go with it; a domain being
/// processed is refused (one) or left alone (a filter); another tenant's is out of reach.
async fn domains_are_deleted_with_their_history_failures_and_memberships(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("broken.com", Site::Status(404));
    farm.add("kept.com", Site::Html(plain_page("Kept")));
    farm.add("other.com", Site::Html(plain_page("Other")));
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let batch = submit(&served, A, &["broken.com", "kept.com", "other.com"]).await;
    let of_b = submit(&served, B, &["broken.com"]).await;
    wait_for_complete(&served, A, &batch).await;
    wait_for_complete(&served, B, &of_b).await;
    let connection = db.connect().await;
    let broken = row(&connection, TENANT_A, "broken.com").await.unwrap();
    // A change history of its own, as a re-scan writes it.
    domain_changes::Entity::insert(domain_changes::ActiveModel {
        domain_id: Set(broken.id),
        tenant_id: Set(broken.tenant_id),
        scanned_at: Set(chrono::Utc::now()),
        field: Set("title".into()),
        old_value: Set(json!("Old")),
        new_value: Set(json!("New")),
        ..Default::default()
    })
    .exec(&connection)
    .await
    .unwrap();
    let errors_of = async |id: Uuid| {
        domain_errors::Entity::find()
            .filter(domain_errors::Column::DomainId.eq(id))
            .count(&connection)
            .await
            .unwrap()
    };
    assert!(errors_of(broken.id).await > 0, "the 404 was recorded");

    let (status, dry) = delete(&served, "/api/v1/domains/broken.com?dry_run=true", A).await;
    assert_eq!(
        (status, dry["deleted"].as_u64(), dry["dry_run"].as_bool()),
        (StatusCode::OK, Some(1), Some(true)),
        "{dry}"
    );
    assert!(row(&connection, TENANT_A, "broken.com").await.is_some(), "the dry run deleted nothing");
    assert_eq!(
        refused(&delete(&served, "/api/v1/domains/kept.com", B).await),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        refused(&delete(&served, "/api/v1/domains/broken.com", ADMIN_TOKEN).await),
        (StatusCode::BAD_REQUEST, Some("tenant_required"))
    );

    let (status, done) =
        delete(&served, &format!("/api/v1/domains/broken.com?tenant={TENANT_A}"), ADMIN_TOKEN).await;
    assert_eq!((status, done["deleted"].as_u64()), (StatusCode::OK, Some(1)), "{done}");
    assert_eq!(get(&served, "/api/v1/domains/broken.com", A).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&served, "/api/v1/domains/broken.com", B).await.0,
        StatusCode::OK,
        "B's row of the name stays"
    );
    assert_eq!(errors_of(broken.id).await, 0, "its failures went with it");
    let changes = domain_changes::Entity::find()
        .filter(domain_changes::Column::DomainId.eq(broken.id))
        .count(&connection)
        .await
        .unwrap();
    assert_eq!(changes, 0, "its history went with it");
    let memberships = batch_members::Entity::find()
        .filter(batch_members::Column::DomainId.eq(broken.id))
        .count(&connection)
        .await
        .unwrap();
    assert_eq!(memberships, 0, "its batch memberships went with it");
    assert_eq!(batch_status(&served, A, &batch).await["total"], 2);

    // A domain being processed is not deleted.
    let other = row(&connection, TENANT_A, "other.com").await.unwrap();
    domains::Entity::update(domains::ActiveModel {
        id: Set(other.id),
        status: Set(DomainStatus::Processing),
        ..Default::default()
    })
    .exec(&connection)
    .await
    .unwrap();
    assert_eq!(
        refused(&delete(&served, "/api/v1/domains/other.com", A).await),
        (StatusCode::CONFLICT, Some("in_progress"))
    );

    let remove = "/api/v1/domains/delete";
    assert_eq!(
        refused(&post(&served, remove, A, json!({"dry_run": true})).await),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("empty_filter"))
    );
    let (status, dry) = post(&served, remove, A, json!({"batch_id": batch, "dry_run": true})).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!((dry["deleted"].as_u64(), dry["in_progress"].as_u64()), (Some(1), Some(1)), "{dry}");
    assert!(row(&connection, TENANT_A, "kept.com").await.is_some(), "the dry run deleted nothing");
    let (_, done) = post(&served, remove, A, json!({"batch_id": batch})).await;
    assert_eq!(
        (done["deleted"].as_u64(), done["in_progress"].as_u64()),
        (dry["deleted"].as_u64(), Some(1)),
        "{done}"
    );
    assert!(row(&connection, TENANT_A, "kept.com").await.is_none());
    assert!(row(&connection, TENANT_A, "other.com").await.is_some(), "the domain being processed stays");
    let (_, listed) = post(&served, remove, B, json!({"domains": ["broken.com", "kept.com"]})).await;
    assert_eq!(
        (listed["deleted"].as_u64(), &listed["not_found"]),
        (Some(1), &json!(["kept.com"])),
        "{listed}"
    );
    let (_, every) = post(&served, remove, ADMIN_TOKEN, json!({"all": true, "dry_run": true})).await;
    assert_eq!((every["deleted"].as_u64(), every["in_progress"].as_u64()), (Some(0), Some(1)), "{every}");
}

fn code(output: &std::process::Output) -> i32 {
    output.status.code().expect("exited")
}

/// Sets the status and last error of `name` (of `tenant`) as a failed scan leaves them.
async fn failed(db: &DatabaseConnection, tenant: &str, name: &str, last_error: &str) {
    let id = row(db, tenant, name).await.unwrap().id;
    domains::Entity::update(domains::ActiveModel {
        id: Set(id),
        status: Set(DomainStatus::Error),
        attempts: Set(3),
        last_error: Set(Some(last_error.to_owned())),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
}

/// The commands `reset` (by filter), `delete` and `cancel`: bad filters exit 2, an unknown
/// batch or name exits 1; `--dry-run` changes nothing and prints the count the real run then
/// prints; `--tenant` keeps them to one tenant.
async fn the_reset_delete_and_cancel_commands_count_in_a_dry_run_then_do_as_many(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let url = test_db.url.as_str();
    let out = cli::run(url, &["add", "--tenant", TENANT_A, "x1.com", "x2.com", "x3.com"], None);
    assert_eq!(code(&out), 0, "{}", cli::stderr(&out));
    let out = cli::run(url, &["add", "--tenant", TENANT_B, "y.com"], None);
    let of_b = cli::stdout(&out).trim().to_owned();
    let db = test_db.connect().await;
    failed(&db, TENANT_A, "x1.com", "fetch/dns_nxdomain: no such name").await;
    failed(&db, TENANT_A, "x2.com", "fetch/dns_nxdomain: no such name").await;
    failed(&db, TENANT_A, "x3.com", "fetch/dnsXnxdomain: a kind that only looks alike").await;

    for bad in [
        &["reset"][..],
        &["reset", "--all", "--status", "error"],
        &["reset", "--error-kind", "no_such_kind"],
        &["reset", "--status", "processing"],
        &["delete"],
        &["delete", "not a domain"],
    ] {
        let out = cli::run(url, bad, None);
        assert_eq!(code(&out), 2, "{bad:?}: {}", cli::stderr(&out));
    }
    let unknown = Uuid::new_v4().to_string();
    let out = cli::run(url, &["reset", "--batch", &unknown], None);
    assert_eq!(code(&out), 1, "{}", cli::stderr(&out));
    assert!(cli::stderr(&out).contains(&unknown), "{}", cli::stderr(&out));

    let out = cli::run(url, &["reset", "--error-kind", "dns_nxdomain", "--dry-run"], None);
    assert_eq!(code(&out), 0, "{}", cli::stderr(&out));
    let dry = cli::json(&out);
    assert_eq!((dry["dry_run"].as_bool(), dry["reset"].as_u64()), (Some(true), Some(2)), "{dry}");
    assert_eq!(
        row(&db, TENANT_A, "x1.com").await.unwrap().status,
        DomainStatus::Error,
        "the dry run changed nothing"
    );
    let out = cli::run(url, &["reset", "--error-kind", "dns_nxdomain", "--tenant", TENANT_B], None);
    assert_eq!(cli::json(&out)["reset"], 0, "tenant B has no such domain");
    let out = cli::run(url, &["reset", "--error-kind", "dns_nxdomain"], None);
    assert_eq!(code(&out), 0, "{}", cli::stderr(&out));
    assert_eq!(cli::json(&out)["reset"], dry["reset"]);
    assert!(cli::stderr(&out).contains("2 domains put back to pending"), "{}", cli::stderr(&out));
    let x1 = row(&db, TENANT_A, "x1.com").await.unwrap();
    assert_eq!((x1.status, x1.attempts), (DomainStatus::Pending, 0));
    assert_eq!(row(&db, TENANT_A, "x3.com").await.unwrap().status, DomainStatus::Error, "another kind");

    let out = cli::run(url, &["delete", "x3.com", "--dry-run"], None);
    assert_eq!((code(&out), cli::json(&out)["deleted"].as_u64()), (0, Some(1)), "{}", cli::stderr(&out));
    assert!(row(&db, TENANT_A, "x3.com").await.is_some(), "the dry run deleted nothing");
    let out = cli::run(url, &["delete", "x3.com", "missing.com"], None);
    assert_eq!(code(&out), 1, "a name not found: {}", cli::stderr(&out));
    assert_eq!(cli::json(&out)["deleted"], 1);
    assert!(cli::stderr(&out).contains("missing.com"), "{}", cli::stderr(&out));
    assert!(row(&db, TENANT_A, "x3.com").await.is_none());
    let out = cli::run(url, &["delete", "--all", "--tenant", TENANT_B, "--dry-run"], None);
    assert_eq!(cli::json(&out)["deleted"], 1, "{}", cli::stdout(&out));

    let out = cli::run(url, &["cancel", &of_b, "--tenant", TENANT_A], None);
    assert_eq!(code(&out), 1, "another tenant's batch: {}", cli::stderr(&out));
    let out = cli::run(url, &["cancel", &unknown], None);
    assert_eq!(code(&out), 1, "{}", cli::stderr(&out));
    let out = cli::run(url, &["cancel", &of_b, "--dry-run"], None);
    assert_eq!(code(&out), 0, "{}", cli::stderr(&out));
    let dry = cli::json(&out);
    assert_eq!((dry["cancelled"].as_u64(), dry["in_flight"].as_u64()), (Some(1), Some(0)), "{dry}");
    assert_eq!(
        row(&db, TENANT_B, "y.com").await.unwrap().status,
        DomainStatus::Pending,
        "the dry run changed nothing"
    );
    let out = cli::run(url, &["cancel", &of_b], None);
    assert_eq!(cli::json(&out)["cancelled"], dry["cancelled"], "{}", cli::stderr(&out));
    let progress = cli::json(&cli::run(url, &["status", &of_b], None));
    assert_eq!(
        (progress["status"].as_str(), progress["counts"]["error"].as_u64()),
        (Some("complete"), Some(1)),
        "{progress}"
    );
    assert!(progress["cancelled_at"].is_string(), "{progress}");
    let y = row(&db, TENANT_B, "y.com").await.unwrap();
    assert!(y.last_error.unwrap().contains("cancelled by the command line"));
}

/// A bulk action larger than one chunk acts on every row of its filter once: the batch's
/// domains still match after a reset, and the next chunk starts after the last one read, so the
/// reset ends; the dry run's count is the real run's.
async fn bulk_actions_larger_than_a_chunk_act_on_every_row_once(backend: Backend) {
    use domain_scheduler::store::{bulk, selection::Selection};
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let tenant: Uuid = TENANT_A.parse().unwrap();
    let rows = 5 * (bulk::CHUNK as usize) + 500;
    let batch = common::seed::batch(&db, tenant).await;
    common::seed::domains(&db, tenant, Some(batch), "bulk-", rows).await;
    common::seed::domains(&db, TENANT_B.parse().unwrap(), None, "bulk-", 10).await;
    let ids: Vec<Uuid> = domains::Entity::find()
        .filter(domains::Column::BatchId.eq(batch))
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.id)
        .collect();
    domain_scheduler::store::members::add(&db, batch, tenant, chrono::Utc::now(), &ids).await.unwrap();
    // Every fifth row is in each status (the seed cycles through them).
    let per_status = (rows / 5) as u64;

    let of_batch = Selection { tenant: Some(tenant), batch: Some(batch), ..Default::default() };
    let dry = bulk::reset(&db, &of_batch, true).await.unwrap();
    assert_eq!((dry.affected, dry.in_progress), (4 * per_status, per_status));
    let done = bulk::reset(&db, &of_batch, false).await.unwrap();
    assert_eq!(done, dry);
    let pending = domains::Entity::find()
        .filter(domains::Column::TenantId.eq(tenant))
        .filter(domains::Column::Status.eq(DomainStatus::Pending))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(pending, 4 * per_status);

    let everything = Selection { tenant: Some(tenant), ..Default::default() };
    let dry = bulk::delete(&db, &everything, true).await.unwrap();
    assert_eq!((dry.affected, dry.in_progress), (4 * per_status, per_status));
    assert_eq!(bulk::delete(&db, &everything, false).await.unwrap(), dry);
    let left = domains::Entity::find().filter(domains::Column::TenantId.eq(tenant)).count(&db).await.unwrap();
    assert_eq!(left, per_status, "only the domains being processed are left");
    let of_b = domains::Entity::find()
        .filter(domains::Column::TenantId.eq(TENANT_B.parse::<Uuid>().unwrap()))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(of_b, 10, "another tenant's rows are untouched");
}

/// A cancel of more pending domains than one chunk ends every one of them, a chunk per
/// transaction, and counts those being processed as in flight.
async fn a_cancel_of_more_domains_than_a_chunk_ends_every_pending_one(backend: Backend) {
    use domain_scheduler::store::{bulk, cancel};
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let tenant: Uuid = TENANT_A.parse().unwrap();
    let rows = 5 * (bulk::CHUNK as usize) + 500;
    let batch = common::seed::batch(&db, tenant).await;
    common::seed::domains(&db, tenant, Some(batch), "many-", rows).await;
    let ids: Vec<Uuid> =
        domains::Entity::find().all(&db).await.unwrap().into_iter().map(|row| row.id).collect();
    domain_scheduler::store::members::add(&db, batch, tenant, chrono::Utc::now(), &ids).await.unwrap();
    let per_status = (rows / 5) as u64;

    let dry = cancel::preview(&db, Some(tenant), batch).await.unwrap().unwrap();
    assert_eq!((dry.cancelled, dry.in_flight), (per_status, per_status));
    let done = cancel::cancel_batch(&db, Some(tenant), batch, "a test").await.unwrap().unwrap();
    assert_eq!(done, dry);
    let pending = domains::Entity::find()
        .filter(domains::Column::Status.eq(DomainStatus::Pending))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    let cancelled = domain_errors::Entity::find()
        .filter(domain_errors::Column::Kind.eq("cancelled"))
        .count(&db)
        .await
        .unwrap();
    assert_eq!(cancelled, per_status, "one failure row per cancelled domain");
}

on_both_backends!(
    a_batch_is_cancelled_through_the_api_after_a_dry_run_that_changes_nothing,
    a_cancel_leaves_a_domain_another_batch_waits_for_due_for_that_batch,
    a_cancel_in_the_middle_of_a_drain_leaves_no_domain_in_processing,
    domains_are_reset_by_filter_after_a_dry_run_that_counts_as_many,
    domains_are_deleted_with_their_history_failures_and_memberships,
    the_reset_delete_and_cancel_commands_count_in_a_dry_run_then_do_as_many,
    bulk_actions_larger_than_a_chunk_act_on_every_row_once,
    a_cancel_of_more_domains_than_a_chunk_ends_every_pending_one,
);
