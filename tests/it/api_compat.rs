//! The previous service's routes, as its clients call them: the real server on a free port, a
//! real database on each backend and the site farm.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use chrono::Utc;
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::seed::insert_pending;
use common::server::Served;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TENANT_A: uuid::Uuid = uuid::uuid!("0000000a-0000-4000-8000-00000000000a");
const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a";

async fn as_tenant_a(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.bearer_auth("token-of-tenant-a").send().await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

/// With its one run slot busy, the old trigger is not refused: it answers 202, and a domain
/// that falls due during the run is fetched as soon as the run ends, although nothing announced
/// it and the next tick is an hour away. The v1 route keeps refusing a run with 409.
async fn processing_pending_domains_while_every_slot_is_busy_claims_them_when_the_run_ends(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("slow-site.com", Site::Slow(Duration::from_secs(3), plain_page("Slow")));
    farm.add("slow-site-2.com", Site::Slow(Duration::from_secs(3), plain_page("Slow too")));
    farm.add("due-later.com", Site::Html(plain_page("Due later")));
    // One fetcher and claims of one domain: two slow sites fill the pool while the run that
    // claimed them is still claiming, so it holds the only run slot.
    let served = Served::start(
        &db.url,
        &farm.connect_to(),
        TOKENS,
        &[
            ("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "15"),
            ("DOMAIN_SCHEDULER_MAX_INSTANCES", "1"),
            ("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "1"),
            ("DOMAIN_SCHEDULER_BATCH_SIZE", "1"),
        ],
    )
    .await;
    // The rows are written before they are due, so no announcement can start their run.
    // Both slow sites fall due at the same instant, however long the inserts take, so the run
    // that claims the first finds the second.
    // One connection, made before the clock starts: connecting (and migrating) under load can
    // take longer than the second before the slow sites fall due.
    let connection = db.connect().await;
    let now = Utc::now();
    insert_pending(&connection, TENANT_A, "slow-site.com", now + Duration::from_secs(1)).await;
    insert_pending(&connection, TENANT_A, "slow-site-2.com", now + Duration::from_secs(1)).await;
    insert_pending(&connection, TENANT_A, "due-later.com", now + Duration::from_secs(3)).await;
    connection.close().await.unwrap();
    let trigger = || reqwest::Client::new().post(served.url("/api/v3/dev-tools/process-pending-domains"));

    let (status, body) = common::wait::wait_for(
        "the trigger to find the slow sites due",
        Duration::from_secs(10),
        async || {
            let (status, body) = as_tenant_a(trigger()).await;
            if body["status"] != "nothing_due" { Ok((status, body)) } else { Err(body) }
        },
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::ACCEPTED, Some("started")), "{body}");
    assert_eq!(farm.wait_for_requests("slow-site.com", 1).await, 1, "the slow site holds the only run slot");

    let v1 = reqwest::Client::new().post(served.url("/api/v1/scheduler/run"));
    let (status, body) = as_tenant_a(v1).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("at_capacity")),
        "{body}"
    );

    let (status, body) = as_tenant_a(trigger()).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::ACCEPTED, Some("queued")), "{body}");
    assert!(body["message"].as_str().unwrap().contains("as the current run's fetchers free up"), "{body}");

    // Behind the two slow sites on the one fetcher: give it their time and more.
    common::wait::wait_until(
        "the pending domain to be claimed when a fetcher frees up, not at the next tick",
        Duration::from_secs(30),
        || async { farm.requests("due-later.com") == 1 },
    )
    .await;
}

/// A scan whose `base_url` is not a domain is refused with the documented error, listing the
/// input and its reason.
async fn a_scan_of_something_that_is_not_a_domain_lists_it_with_its_reason(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let served = Served::start(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let scan = reqwest::Client::new()
        .post(served.url("/api/v3/modernized_page_scraper/scan"))
        .json(&json!({"base_url": "http://192.168.1.10/admin"}));
    let (status, body) = as_tenant_a(scan).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "no_valid_domain", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("base_url"), "{body}");
    assert_eq!(
        body["error"]["rejected"],
        json!([{"input": "http://192.168.1.10/admin", "input_length": 25, "error": "IP addresses are not domains", "code": "ip_address"}])
    );
}

on_both_backends!(
    processing_pending_domains_while_every_slot_is_busy_claims_them_when_the_run_ends,
    a_scan_of_something_that_is_not_a_domain_lists_it_with_its_reason,
);
