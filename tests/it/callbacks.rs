//! Completion callbacks as a receiver sees them: `serve` as a real process, a receiver on
//! 127.0.0.1 that records what it is sent, the database rows of every attempt, and the batch
//! as the API shows it.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::receiver::{Received, Receiver};
use common::scenario::{Scenario, printed};
use common::server::Served;
use common::wait::wait_until;
use entity::callback_deliveries;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a";
const TOKEN: &str = "token-of-tenant-a";
const SECRET: &str = "a-test-callback-signing-key";
const WITH_SECRET: (&str, &str) = ("DOMAIN_SCHEDULER_CALLBACK_SECRET", SECRET);
/// The receiver listens on 127.0.0.1, which the guard refuses unless allowed.
const PRIVATE_ALLOWED: (&str, &str) = ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "true");
const QUICK_RETRIES: (&str, &str) = ("DOMAIN_SCHEDULER_CALLBACK_RETRY_BASE_SECONDS", "1");
const WITHIN: Duration = Duration::from_secs(30);

/// Checks a callback the way the documentation tells a receiver to: HMAC-SHA256 over
/// `"{t}.{body}"` with the shared secret, and a timestamp no older than five minutes.
fn signature_holds(received: &Received) -> bool {
    let Some(header) = &received.signature else { return false };
    let parts: std::collections::HashMap<&str, &str> =
        header.split(',').filter_map(|part| part.split_once('=')).collect();
    let (Some(t), Some(v1)) = (parts.get("t"), parts.get("v1")) else { return false };
    let Ok(timestamp) = t.parse::<i64>() else { return false };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&received.body);
    let fresh = (chrono::Utc::now().timestamp() - timestamp).abs() <= 300;
    fresh && hex::decode(v1).is_ok_and(|code| mac.verify_slice(&code).is_ok())
}

fn farm_sites(farm: &Farm) {
    farm.add("shop-one.com", Site::Html(plain_page("Shop one")));
    farm.add("gone-site.com", Site::Status(404));
}

async fn submit(served: &Served, domains: &[&str], callback_url: &str) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(served.url("/api/v1/domains"))
        .bearer_auth(TOKEN)
        .json(&json!({"domains": domains, "callback_url": callback_url}))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Submits `domains` with a callback; the batch id.
async fn submitted(served: &Served, domains: &[&str], callback_url: &str) -> String {
    let (status, body) = submit(served, domains, callback_url).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    body["batch_id"].as_str().unwrap().to_owned()
}

async fn batch(served: &Served, id: &str) -> Value {
    let response = reqwest::Client::new()
        .get(served.url(&format!("/api/v1/batches/{id}")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn wait_for_callback_state(served: &Served, id: &str, state: &str) -> Value {
    wait_until(&format!("the callback of batch {id} to be {state}"), WITHIN, || async {
        batch(served, id).await["callback"]["state"] == state
    })
    .await;
    batch(served, id).await["callback"].clone()
}

async fn deliveries(db: &TestDb, batch_id: &str) -> Vec<callback_deliveries::Model> {
    let batch_id: uuid::Uuid = batch_id.parse().unwrap();
    callback_deliveries::Entity::find()
        .filter(callback_deliveries::Column::BatchId.eq(batch_id))
        .order_by_asc(callback_deliveries::Column::Attempt)
        .all(&db.connect().await)
        .await
        .unwrap()
}

async fn a_finished_batch_is_announced_with_a_signature_the_receiver_can_check(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm_sites(&farm);
    let receiver = Receiver::start(&[]).await;
    // Site fetches go to the farm (DOMAIN_SCHEDULER_FETCH_CONNECT_TO); the callback must not.
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[WITH_SECRET, PRIVATE_ALLOWED]).await;
    let id = submitted(&served, &["shop-one.com", "gone-site.com"], &receiver.url("/hooks/done")).await;

    let callback = wait_for_callback_state(&served, &id, "delivered").await;
    assert_eq!(callback["attempts"], 1, "{callback}");
    assert_eq!(callback["last_status"], 200, "{callback}");
    assert_eq!(callback["url"], receiver.url("/hooks/done"));
    let received = receiver.received();
    assert_eq!(received.len(), 1, "one announcement: {received:?}");
    let sent = &received[0];
    assert_eq!(sent.path, "/hooks/done");
    assert_eq!(sent.content_type.as_deref(), Some("application/json"));
    assert!(signature_holds(sent), "the signature checks out: {:?}", sent.signature);

    let body = sent.json();
    assert_eq!(body["batch_id"], id);
    assert_eq!(body["tenant_id"], TENANT_A);
    assert_eq!(body["counts"], json!({"pending": 0, "processing": 0, "completed": 1, "error": 1, "gone": 0}));
    let time = |field: &str| chrono::DateTime::parse_from_rfc3339(body[field].as_str().unwrap()).unwrap();
    assert!(time("started_at") <= time("finished_at"), "{body}");
    assert_eq!(body["results_url"], served.url(&format!("/api/v1/batches/{id}")));
    assert_eq!(body["export_url"], served.url(&format!("/api/v1/domains/export?batch={id}")));
    let results = reqwest::Client::new()
        .get(body["results_url"].as_str().unwrap())
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(results.status(), StatusCode::OK, "the results link answers");
}

async fn a_callback_answered_500_is_sent_again_and_each_attempt_is_recorded(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm_sites(&farm);
    let receiver = Receiver::start(&[500]).await;
    let settings = [WITH_SECRET, PRIVATE_ALLOWED, QUICK_RETRIES];
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &settings).await;
    let id = submitted(&served, &["shop-one.com"], &receiver.url("/hook")).await;

    let callback = wait_for_callback_state(&served, &id, "delivered").await;
    assert_eq!((callback["attempts"].as_u64(), callback["last_status"].as_i64()), (Some(2), Some(200)));
    let received = receiver.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(received.iter().all(signature_holds), "every attempt is signed afresh");

    let rows = deliveries(&db, &id).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (first, second) = (&rows[0], &rows[1]);
    assert_eq!((first.attempt, first.status_code), (1, Some(500)));
    assert!(first.error.as_deref().is_some_and(|e| e.contains("500")), "{first:?}");
    assert!(first.delivered_at.is_none());
    assert!(first.next_attempt_at.is_some_and(|next| next > first.attempted_at), "{first:?}");
    assert_eq!((second.attempt, second.status_code, second.error.as_deref()), (2, Some(200), None));
    assert!(second.delivered_at.is_some() && second.next_attempt_at.is_none(), "{second:?}");
    assert_eq!(second.url, receiver.url("/hook"));
}

async fn a_callback_that_keeps_failing_is_recorded_as_failed_after_its_last_attempt(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm_sites(&farm);
    let receiver = Receiver::answering(&[], 503).await;
    let settings =
        [WITH_SECRET, PRIVATE_ALLOWED, QUICK_RETRIES, ("DOMAIN_SCHEDULER_CALLBACK_MAX_ATTEMPTS", "2")];
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &settings).await;
    let id = submitted(&served, &["shop-one.com"], &receiver.url("/hook")).await;

    let callback = wait_for_callback_state(&served, &id, "failed").await;
    assert_eq!((callback["attempts"].as_u64(), callback["last_status"].as_i64()), (Some(2), Some(503)));
    assert!(callback["last_error"].as_str().is_some_and(|e| e.contains("503")), "{callback}");
    assert_eq!(callback["next_attempt_at"], Value::Null);
    let rows = deliveries(&db, &id).await;
    assert_eq!(rows.iter().map(|row| row.attempt).collect::<Vec<_>>(), [1, 2]);
    assert!(rows.iter().all(|row| row.delivered_at.is_none()));
    assert!(rows[1].next_attempt_at.is_none(), "no attempt after the last: {rows:?}");
    assert_eq!(receiver.count(), 2);
}

/// The submission refuses such an address (tests/it/callback_submission.rs); one accepted while
/// private networks were allowed is still checked at each delivery, on what its name resolves
/// to then.
async fn a_callback_accepted_while_private_networks_were_allowed_is_refused_at_delivery_once_they_are_not(
    backend: Backend,
) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    farm_sites(&scenario.farm);
    let receiver = Receiver::start(&[]).await;
    let add = |domain: &str, callback_url: &str| {
        let out = scenario.run(
            &["add", domain, "--tenant", TENANT_A, "--callback-url", callback_url],
            &[WITH_SECRET, PRIVATE_ALLOWED],
        );
        assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let by_address = add("shop-one.com", &receiver.url("/hook"));
    let by_name = add("gone-site.com", &format!("http://localhost:{}/hook", receiver.port()));
    let drained = scenario.run(&["run-once", "--drain"], &[]);
    assert_eq!(drained.status.code(), Some(0), "{}", printed(&drained));

    // Without DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS: a callback goes where its URL says, and
    // that is refused.
    let served = scenario.serve(TOKENS, &[WITH_SECRET, QUICK_RETRIES]).await;
    for (id, refusal) in
        [(&by_address, "127.0.0.1 is not a public address"), (&by_name, "localhost resolves to")]
    {
        let callback = wait_for_callback_state(&served, id, "failed").await;
        assert_eq!(callback["attempts"], 1, "a refused address is not tried again: {callback}");
        assert_eq!(callback["last_status"], Value::Null);
        let error = callback["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("blocked address") && error.contains(refusal), "{callback}");
        let rows = deliveries(&scenario.db, id).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].error.as_deref().is_some_and(|e| e.contains("blocked address")), "{rows:?}");
    }
    assert_eq!(receiver.count(), 0, "nothing reached the receiver");
}

async fn credentials_in_a_callback_url_are_sent_but_never_shown(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm_sites(&farm);
    // A port nobody listens on: every attempt fails to connect, and reqwest's error would name
    // the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://hook-user:hook-s3cret@127.0.0.1:{closed}/hook");
    let shown = format!("http://***@127.0.0.1:{closed}/hook");

    let guarded = Served::start(&db.url, &farm.connect_to(), TOKENS, &[WITH_SECRET]).await;
    let (status, body) = submit(&guarded, &["shop-one.com"], &url).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(&shown) && !body.to_string().contains("hook-s3cret"), "{body}");
    drop(guarded);

    let served =
        Served::start(&db.url, &farm.connect_to(), TOKENS, &[WITH_SECRET, PRIVATE_ALLOWED, QUICK_RETRIES])
            .await;
    let id = submitted(&served, &["shop-one.com"], &url).await;
    wait_until("a failed attempt", WITHIN, || async {
        batch(&served, &id).await["callback"]["attempts"] != 0
    })
    .await;
    let answer = batch(&served, &id).await;
    assert_eq!(answer["callback"]["url"], shown, "{answer}");
    assert!(!answer.to_string().contains("hook-s3cret"), "{answer}");
    let rows = deliveries(&db, &id).await;
    assert!(rows.iter().all(|row| row.url == shown), "{rows:?}");
    assert!(
        rows.iter().all(|row| !row.error.as_deref().unwrap_or_default().contains("hook-s3cret")),
        "{rows:?}"
    );
    let log = served.log();
    assert!(log.contains("callback attempt failed"), "{log}");
    assert!(!log.contains("hook-s3cret"), "the log names the credentials:\n{log}");
}

async fn a_batch_that_finished_while_no_service_ran_is_announced_once_one_starts(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    farm_sites(&scenario.farm);
    let receiver = Receiver::start(&[]).await;
    let added = scenario.run(
        &["add", "shop-one.com", "--tenant", TENANT_A, "--callback-url", &receiver.url("/hook")],
        &[WITH_SECRET, PRIVATE_ALLOWED],
    );
    assert_eq!(added.status.code(), Some(0), "{}", printed(&added));
    let id = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    let drained =
        scenario.command(&["run-once", "--drain"]).env(WITH_SECRET.0, WITH_SECRET.1).output().unwrap();
    assert_eq!(drained.status.code(), Some(0), "{}", printed(&drained));
    assert_eq!(scenario.counts()["completed"], 1, "the batch finished without a service");
    assert_eq!(receiver.count(), 0, "run-once announces nothing");

    let served =
        Served::start(&scenario.db.url, &scenario.farm.connect_to(), TOKENS, &[WITH_SECRET, PRIVATE_ALLOWED])
            .await;
    wait_until("the announcement of the batch", WITHIN, || async { receiver.count() >= 1 }).await;
    let callback = wait_for_callback_state(&served, &id, "delivered").await;
    assert_eq!(callback["attempts"], 1, "{callback}");
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0].json()["batch_id"], id);
    assert!(signature_holds(&received[0]));
}

/// Two `serve` processes on one PostgreSQL database: each batch is announced by one of them,
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn two_services_on_one_postgres_database_announce_each_batch_once() {
    let Some(db) = TestDb::create(Backend::Postgres).await else { return };
    let farm = Farm::start().await;
    let receiver = Receiver::start(&[]).await;
    let settings = [WITH_SECRET, PRIVATE_ALLOWED];
    let services = [
        Served::start(&db.url, &farm.connect_to(), TOKENS, &settings).await,
        Served::start(&db.url, &farm.connect_to(), TOKENS, &settings).await,
    ];
    let mut batches = Vec::new();
    for i in 0..8 {
        let site = format!("site-{i}.com");
        farm.add(&site, Site::Html(plain_page(&site)));
        batches.push(submitted(&services[i % 2], &[site.as_str()], &receiver.url("/hook")).await);
    }
    for id in &batches {
        wait_for_callback_state(&services[0], id, "delivered").await;
    }
    let mut announced: Vec<String> =
        receiver.received().iter().map(|sent| sent.json()["batch_id"].as_str().unwrap().to_owned()).collect();
    announced.sort();
    batches.sort();
    assert_eq!(announced, batches, "every batch announced exactly once");
}

on_both_backends!(
    a_finished_batch_is_announced_with_a_signature_the_receiver_can_check,
    a_callback_answered_500_is_sent_again_and_each_attempt_is_recorded,
    a_callback_that_keeps_failing_is_recorded_as_failed_after_its_last_attempt,
    a_callback_accepted_while_private_networks_were_allowed_is_refused_at_delivery_once_they_are_not,
    credentials_in_a_callback_url_are_sent_but_never_shown,
    a_batch_that_finished_while_no_service_ran_is_announced_once_one_starts,
);
