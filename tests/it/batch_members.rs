//! A batch keeps the domains it was submitted with (`batch_members`): a later submission of
//! the same domains, with or without a refresh, never shrinks it; a submission of domains that
//! are all present is a batch like any other, announced by its callback; concurrent
//! submissions of the same names count each name once; and the migration gives every existing
//! batch the domains it had. The real binary and `serve`, on both backends.

use crate::common;
use crate::on_both_backends;

use std::collections::HashSet;
use std::process::{Output, Stdio};
use std::time::Duration;

use chrono::Utc;
use common::cli::{json, run, stderr, stdout};
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::receiver::Receiver;
use common::server::Served;
use common::wait::wait_until;
use domain_scheduler::store::listing;
use entity::{DomainStatus, batch_jobs, domains};
use migration::{Migrator, MigratorTrait};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

const TENANT: &str = "0000000a-0000-4000-8000-00000000000a";
const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a";
const TOKEN: &str = "token-of-tenant-a";
const SECRET: (&str, &str) = ("DOMAIN_SCHEDULER_CALLBACK_SECRET", "a-test-callback-signing-key");
/// The receiver listens on 127.0.0.1, which the guard refuses unless allowed.
const PRIVATE_ALLOWED: (&str, &str) = ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "true");
const WITHIN: Duration = Duration::from_secs(30);

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

/// `add` with `args` and the names of `domains` in a file, with `settings`; its output.
fn add(url: &str, args: &[&str], domains: &[String], settings: &[(&str, &str)]) -> Output {
    let workdir = tempfile::tempdir().unwrap();
    let list = workdir.path().join("domains.txt");
    std::fs::write(&list, domains.iter().map(|d| format!("{d}\n")).collect::<String>()).unwrap();
    let mut command = common::cli::command(url, workdir.path());
    command
        .arg("add")
        .args(args)
        .arg("--file")
        .arg(&list)
        .stdin(Stdio::null())
        .envs(settings.iter().copied());
    command.output().unwrap()
}

/// The batch id `add` printed.
fn batch_of(out: &Output) -> String {
    assert_eq!(code(out), 0, "{}", stderr(out));
    let id = stdout(out).trim().to_owned();
    id.parse::<uuid::Uuid>().unwrap_or_else(|_| panic!("stdout is a batch id: {id:?} ({})", stderr(out)));
    id
}

/// `status BATCH` as JSON.
fn progress(url: &str, batch: &str) -> Value {
    let out = run(url, &["status", batch], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    json(&out)
}

/// The names `export --batch BATCH` writes.
fn exported(url: &str, batch: &str) -> HashSet<String> {
    let out = run(url, &["export", "--format", "jsonl", "--batch", batch], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap()["domain"].as_str().unwrap().to_owned())
        .collect()
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i:04}.com")).collect()
}

/// Ends the scan of `names` the way the service does: `completed` with a fetch time of now, or
/// `error` with a reason.
async fn finish(db: &TestDb, names: &[String], status: DomainStatus) {
    let connection = db.connect().await;
    let now = Utc::now();
    let mut update = domains::ActiveModel { status: Set(status), updated_at: Set(now), ..Default::default() };
    if status == DomainStatus::Completed {
        update.fetched_at = Set(Some(now));
    } else {
        update.last_error = Set(Some("fetch/http_status: 403".into()));
    }
    domains::Entity::update_many()
        .set(update)
        .filter(domains::Column::Domain.is_in(names.iter().map(String::as_str)))
        .exec(&connection)
        .await
        .unwrap();
}

/// How many members' copy of their domain's facts (`domain_status`, `scanned_since`) differs
/// from the domain's row: the batch counts read the copy, so it must be 0 after any write.
async fn members_out_of_step(db: &TestDb) -> i64 {
    let connection = db.connect().await;
    let sql = "SELECT count(*) AS n FROM batch_members m JOIN domains d ON d.id = m.domain_id
               WHERE m.domain_status <> d.status
                  OR (m.scanned_since IS NULL) <> (d.fetched_at IS NULL)
                  OR m.scanned_since <> (d.fetched_at >= m.added_at)";
    let statement = sea_orm::Statement::from_string(connection.get_database_backend(), sql);
    let row = connection.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn a_refresh_leaves_the_earlier_batch_its_members_progress_and_export(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let all = names("shop", 300);
    let old = batch_of(&add(&db.url, &[], &all, &[]));
    finish(&db, &all[..290], DomainStatus::Completed).await;
    finish(&db, &all[290..], DomainStatus::Error).await;
    let before = progress(&db.url, &old);
    assert_eq!(
        (before["status"].as_str(), before["total"].as_u64()),
        (Some("complete"), Some(300)),
        "{before}"
    );

    // 50 completed domains and the 10 failed ones are fetched again, in a new batch.
    let again: Vec<String> = all[240..].to_vec();
    let new = batch_of(&add(&db.url, &["--refresh"], &again, &[]));
    assert_ne!(new, old);

    let after = progress(&db.url, &old);
    assert_eq!(after["status"], "complete", "the old batch's scans all ended: {after}");
    assert_eq!(after["total"], 300, "{after}");
    assert_eq!(after["progress"], 1.0, "{after}");
    assert_eq!(
        (after["counts"]["completed"].as_u64(), after["counts"]["error"].as_u64()),
        (Some(290), Some(10))
    );
    assert_eq!(exported(&db.url, &old), all.iter().cloned().collect(), "the old batch exports its 300");

    // The console reads the same counts and lists the same members.
    let connection = db.connect().await;
    let old_id: uuid::Uuid = old.parse().unwrap();
    let row = listing::batch(&connection, None, old_id).await.unwrap().unwrap();
    assert_eq!((row.counts.total(), row.counts.done_share()), (300, 1.0));
    let selection =
        domain_scheduler::store::selection::Selection { batch: Some(old_id), ..Default::default() };
    assert_eq!(listing::domains(&connection, &selection, None, 1000).await.unwrap().len(), 300);

    let fresh = progress(&db.url, &new);
    assert_eq!((fresh["status"].as_str(), fresh["total"].as_u64()), (Some("pending"), Some(60)), "{fresh}");
    assert_eq!(fresh["counts"]["pending"], 60, "the new batch waits for the new scans: {fresh}");
    assert_eq!(exported(&db.url, &new), again.iter().cloned().collect());

    // The new scans end: the new batch completes, and the old one still counts its own.
    finish(&db, &again, DomainStatus::Completed).await;
    let fresh = progress(&db.url, &new);
    assert_eq!(
        (fresh["status"].as_str(), fresh["counts"]["completed"].as_u64()),
        (Some("complete"), Some(60))
    );
    let after = progress(&db.url, &old);
    assert_eq!(
        (after["total"].as_u64(), after["counts"]["error"].as_u64()),
        (Some(300), Some(10)),
        "{after}"
    );
    assert_eq!(members_out_of_step(&db).await, 0, "every member's copy follows its domain");
}

async fn a_domain_submitted_again_while_it_waits_keeps_both_batches_waiting(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let first = batch_of(&add(&db.url, &[], &names("wait", 3), &[]));
    let second = batch_of(&add(&db.url, &[], &names("wait", 2), &[]));
    assert_eq!(progress(&db.url, &first)["counts"]["pending"], 3);
    assert_eq!(progress(&db.url, &second)["counts"]["pending"], 2, "already present, still waited for");
    finish(&db, &names("wait", 2), DomainStatus::Completed).await;
    assert_eq!(progress(&db.url, &second)["status"], "complete");
    let first = progress(&db.url, &first);
    assert_eq!((first["status"].as_str(), first["counts"]["pending"].as_u64()), (Some("running"), Some(1)));
}

async fn a_rescan_under_way_does_not_reopen_a_finished_batch(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let two = names("rescanned", 2);
    let batch = batch_of(&add(&db.url, &[], &two, &[]));
    finish(&db, &two, DomainStatus::Completed).await;
    // A re-scan of the first failed once and waits for its retry, its data kept.
    let connection = db.connect().await;
    domains::Entity::update_many()
        .set(domains::ActiveModel { status: Set(DomainStatus::Pending), ..Default::default() })
        .filter(domains::Column::Domain.eq(two[0].as_str()))
        .exec(&connection)
        .await
        .unwrap();
    let shown = progress(&db.url, &batch);
    assert_eq!(
        (shown["status"].as_str(), shown["counts"]["completed"].as_u64()),
        (Some("complete"), Some(2)),
        "{shown}"
    );
    // A batch submitted now waits for that re-scan.
    let later = progress(&db.url, &batch_of(&add(&db.url, &[], &two, &[])));
    assert_eq!(
        (later["status"].as_str(), later["counts"]["pending"].as_u64()),
        (Some("running"), Some(1)),
        "{later}"
    );
    assert_eq!(members_out_of_step(&db).await, 0, "members added to existing domains copy them");
}

async fn add_prints_a_batch_for_domains_that_are_all_present(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let two = names("known", 2);
    batch_of(&add(&db.url, &[], &two, &[]));
    finish(&db, &two, DomainStatus::Completed).await;
    let out = add(&db.url, &[], &two, &[]);
    assert!(stderr(&out).contains("already present"), "{}", stderr(&out));
    let batch = batch_of(&out);
    let batch = progress(&db.url, &batch);
    assert_eq!((batch["status"].as_str(), batch["total"].as_u64()), (Some("complete"), Some(2)), "{batch}");
    assert_eq!(batch["counts"]["completed"], 2);
}

async fn post(served: &Served, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(served.url("/api/v1/domains"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(served: &Served, path: &str) -> Value {
    let response = reqwest::Client::new().get(served.url(path)).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn wait_for_complete(served: &Served, batch: &str) -> Value {
    let path = format!("/api/v1/batches/{batch}");
    wait_until(&format!("batch {batch} to complete"), WITHIN, || async {
        get(served, &path).await["status"] == "complete"
    })
    .await;
    get(served, &path).await
}

async fn a_submission_of_present_domains_is_a_batch_announced_by_its_callback(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("shop-one.com", Site::Html(plain_page("Shop one")));
    farm.add("shop-two.com", Site::Html(plain_page("Shop two")));
    let receiver = Receiver::start(&[]).await;
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[SECRET, PRIVATE_ALLOWED]).await;
    let (status, first) = post(&served, json!({"domains": ["shop-one.com", "shop-two.com"]})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{first}");
    wait_for_complete(&served, first["batch_id"].as_str().unwrap()).await;

    let callback_url = receiver.url("/hooks/done");
    let (status, again) =
        post(&served, json!({"domains": ["shop-one.com", "www.shop-two.com"], "callback_url": callback_url}))
            .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["accepted"], json!([]), "{again}");
    assert_eq!(again["already_present"], json!(["shop-one.com", "shop-two.com"]), "{again}");
    let batch = again["batch_id"].as_str().expect("a batch id, though nothing was enqueued").to_owned();
    assert_eq!(again["status_url"], format!("/api/v1/batches/{batch}"));
    let shown = wait_for_complete(&served, &batch).await;
    assert_eq!(
        (shown["total"].as_u64(), shown["counts"]["completed"].as_u64()),
        (Some(2), Some(2)),
        "{shown}"
    );

    wait_until("the callback of the all-present batch", WITHIN, || async { receiver.count() == 1 }).await;
    let body = receiver.received()[0].json();
    assert_eq!(body["batch_id"], batch, "{body}");
    assert_eq!(body["tenant_id"], TENANT, "{body}");
    assert_eq!(body["counts"]["completed"], 2, "{body}");
    assert_eq!(body["counts"]["pending"], 0, "{body}");
}

async fn an_earlier_batchs_callback_counts_its_members_after_a_refresh(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let receiver = Receiver::start(&[]).await;
    let callback_url = receiver.url("/hooks/old");
    // Submitted with a callback while no service runs; its domains end; 2 of its 5 are then
    // refreshed into a new batch before any service announced the first one.
    let five = names("announced", 5);
    let old = batch_of(&add(&db.url, &["--callback-url", &callback_url], &five, &[SECRET, PRIVATE_ALLOWED]));
    finish(&db, &five, DomainStatus::Completed).await;
    batch_of(&add(&db.url, &["--refresh"], &five[..2], &[]));

    let _served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[SECRET, PRIVATE_ALLOWED]).await;
    wait_until("the earlier batch's callback", WITHIN, || async { receiver.count() >= 1 }).await;
    let body = receiver.received()[0].json();
    assert_eq!(body["batch_id"], old, "{body}");
    assert_eq!(body["counts"]["completed"], 5, "every member of the earlier batch: {body}");
    assert_eq!(body["counts"]["pending"], 0, "{body}");
}

async fn concurrent_submissions_of_the_same_names_count_each_name_once(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[]).await;
    for round in 0..3 {
        // Two submissions of 1,000 names each, 800 of them in both.
        let all = names(&format!("race{round}"), 1200);
        let left: Vec<String> = all[..1000].to_vec();
        let right: Vec<String> = all[200..].to_vec();
        let ((left_status, left_body), (right_status, right_body)) =
            tokio::join!(post(&served, json!({"domains": left})), post(&served, json!({"domains": right})));
        assert_eq!((left_status, right_status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED));
        let listed = |body: &Value, field: &str| -> Vec<String> {
            body[field].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_owned()).collect()
        };
        for (body, sent) in [(&left_body, &left), (&right_body, &right)] {
            let mut answered = listed(body, "accepted");
            answered.extend(listed(body, "already_present"));
            answered.sort();
            let mut sent = sent.clone();
            sent.sort();
            assert_eq!(answered, sent, "each name answered once, as accepted or already present");
            let batch =
                get(&served, &format!("/api/v1/batches/{}", body["batch_id"].as_str().unwrap())).await;
            assert_eq!(batch["total"], 1000, "every name is a member of its batch: {batch}");
        }
        let accepted: HashSet<String> =
            listed(&left_body, "accepted").into_iter().chain(listed(&right_body, "accepted")).collect();
        assert_eq!(
            listed(&left_body, "accepted").len() + listed(&right_body, "accepted").len(),
            1200,
            "a name added by one submission is already present for the other (round {round})"
        );
        assert_eq!(accepted.len(), 1200);
        let rows = domains::Entity::find()
            .filter(domains::Column::Domain.starts_with(format!("race{round}-")))
            .count(&db.connect().await)
            .await
            .unwrap();
        assert_eq!(rows, 1200, "no duplicate row");
    }
}

/// Where the batch-membership migration is in the list: the migrations before it make the
/// schema of the version without it.
fn migrations_before_membership() -> u32 {
    let all = Migrator::migrations();
    let at = all.iter().position(|m| m.name() == "m20261207_000001_batch_members").expect("the migration");
    u32::try_from(at).unwrap()
}

async fn the_migration_gives_every_existing_batch_the_domains_it_had(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    // Not `db.connect()`, which migrates all the way.
    let connection = sea_orm::Database::connect(&db.url).await.unwrap();
    Migrator::up(&connection, Some(migrations_before_membership())).await.unwrap();
    // Rows as the version before wrote them: each domain names its batch.
    let tenant: uuid::Uuid = TENANT.parse().unwrap();
    let created = Utc::now() - chrono::Duration::days(3);
    let batches = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    for (batch, total) in batches.iter().zip([3, 2]) {
        let row = batch_jobs::ActiveModel {
            id: Set(*batch),
            tenant_id: Set(tenant),
            total: Set(total),
            created_at: Set(created),
            ..Default::default()
        };
        batch_jobs::Entity::insert(row).exec_without_returning(&connection).await.unwrap();
    }
    let rows = [("old-a.com", 0, DomainStatus::Completed), ("old-b.com", 0, DomainStatus::Error)]
        .into_iter()
        .chain([("old-c.com", 0, DomainStatus::Pending), ("old-d.com", 1, DomainStatus::Completed)])
        .chain([("old-e.com", 1, DomainStatus::Completed)]);
    for (name, batch, status) in rows {
        insert_the_old_way(&connection, name, batches[batch], status, created).await;
    }
    Migrator::up(&connection, None).await.unwrap();

    let first = progress(&db.url, &batches[0].to_string());
    assert_eq!(first["total"], 3, "{first}");
    assert_eq!(first["status"], "running", "{first}");
    assert_eq!(
        (first["counts"]["completed"].as_u64(), first["counts"]["error"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(exported(&db.url, &batches[0].to_string()).len(), 3);
    let second = progress(&db.url, &batches[1].to_string());
    assert_eq!(
        (second["status"].as_str(), second["total"].as_u64()),
        (Some("complete"), Some(2)),
        "{second}"
    );

    // A program that still writes rows the old way fills the batch it names.
    insert_the_old_way(&connection, "new-f.com", batches[1], DomainStatus::Pending, Utc::now()).await;
    let second = progress(&db.url, &batches[1].to_string());
    assert_eq!(
        (second["total"].as_u64(), second["counts"]["pending"].as_u64()),
        (Some(3), Some(1)),
        "{second}"
    );

    // A refresh after the migration leaves the migrated batch its members.
    batch_of(&add(&db.url, &["--tenant", TENANT, "--refresh"], &["old-d.com".to_owned()], &[]));
    let second = progress(&db.url, &batches[1].to_string());
    assert_eq!(
        (second["total"].as_u64(), second["counts"]["completed"].as_u64()),
        (Some(3), Some(2)),
        "{second}"
    );
    assert_eq!(members_out_of_step(&db).await, 0, "the migration copies every member's domain");
}

/// A `domains` row naming its batch, with only the columns the version before the membership
/// table had, as that version (or another program) wrote it.
async fn insert_the_old_way(
    connection: &sea_orm::DatabaseConnection,
    name: &str,
    batch: uuid::Uuid,
    status: DomainStatus,
    created: chrono::DateTime<Utc>,
) {
    let row = domains::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        tenant_id: Set(TENANT.parse().unwrap()),
        domain: Set(name.to_owned()),
        status: Set(status),
        batch_id: Set(Some(batch)),
        attempts: Set(0),
        max_pages: Set(1),
        next_attempt_at: Set(created),
        email_addresses: Set(Default::default()),
        phone_numbers: Set(Default::default()),
        is_wordpress: Set(false),
        has_elementor: Set(false),
        tech_stack: Set(Default::default()),
        domain_metadata: Set(json!({})),
        fetched_at: Set((status == DomainStatus::Completed).then_some(created)),
        created_at: Set(created),
        updated_at: Set(created),
        ..Default::default()
    };
    domains::Entity::insert(row).exec_without_returning(connection).await.unwrap();
}

on_both_backends!(
    a_refresh_leaves_the_earlier_batch_its_members_progress_and_export,
    a_domain_submitted_again_while_it_waits_keeps_both_batches_waiting,
    a_rescan_under_way_does_not_reopen_a_finished_batch,
    add_prints_a_batch_for_domains_that_are_all_present,
    a_submission_of_present_domains_is_a_batch_announced_by_its_callback,
    an_earlier_batchs_callback_counts_its_members_after_a_refresh,
    concurrent_submissions_of_the_same_names_count_each_name_once,
    the_migration_gives_every_existing_batch_the_domains_it_had,
);
