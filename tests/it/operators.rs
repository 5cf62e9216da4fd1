//! What operators use (issue 26): pausing and resuming the claiming of work across instances,
//! the list of batches, a domain's failures, and an admin token reading any tenant's batch and
//! domain. The real `serve` processes and the real binary, a real database on each backend, the
//! site farm.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::cli;
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::server::Served;
use common::wait::{wait_for, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};

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

async fn get(served: &Served, path: &str, token: &str) -> (StatusCode, Value) {
    let response = client().get(served.url(path)).bearer_auth(token).send().await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

async fn post(served: &Served, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let response = client().post(served.url(path)).bearer_auth(token).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json::<Value>().await.unwrap_or(Value::Null))
}

/// Submits `domains` for the tenant of `token`; the batch id.
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

async fn text(served: &Served, path: &str) -> String {
    client().get(served.url(path)).send().await.unwrap().text().await.unwrap()
}

/// The pause is kept in the database: paused through one instance, the other claims nothing,
/// even when woken by a submission; `/healthz` and `/metrics` of both say so, and `resume`
/// lets the work be claimed.
async fn a_pause_asked_of_one_instance_holds_the_other_and_resume_claims_again(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("held-back.com", Site::Html(plain_page("Held back")));
    let first = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let second = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;

    let (status, body) = post(&first, "/api/v1/scheduler/pause", A, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("admin_only")),
        "{body}"
    );
    let (status, body) = post(&first, "/api/v1/scheduler/pause", ADMIN_TOKEN, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["paused"], true);
    assert_eq!(body["paused_by"], "api");

    // The submission wakes the second instance, which must not claim.
    let batch = submit(&second, A, &["held-back.com"]).await;
    let (status, body) = post(&second, "/api/v1/scheduler/run", ADMIN_TOKEN, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("claiming_paused")),
        "{body}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let progress = batch_status(&second, A, &batch).await;
    assert_eq!(progress["counts"]["pending"], 1, "a paused service claimed: {progress}");
    for served in [&first, &second] {
        let health = text(served, "/healthz").await;
        assert!(health.starts_with("ok\nclaiming paused since "), "{health}");
        let metrics = text(served, "/metrics").await;
        assert!(metrics.lines().any(|line| line == "domain_scheduler_claiming_paused 1"), "{metrics}");
    }

    let console = common::console::Session::sign_in(&first, ADMIN_TOKEN).await;
    let overview = console.get("/ui").await;
    assert!(
        overview.html.contains("Claiming paused since "),
        "the console does not say so: {}",
        overview.html
    );

    let (status, body) = post(&second, "/api/v1/scheduler/resume", ADMIN_TOKEN, json!({})).await;
    assert_eq!((status, body["paused"].as_bool()), (StatusCode::OK, Some(false)), "{body}");
    let progress = wait_for_complete(&second, A, &batch).await;
    assert_eq!(progress["counts"]["completed"], 1, "{progress}");
    assert_eq!(text(&first, "/healthz").await, "ok");
    assert!(!console.get("/ui").await.html.contains("Claiming paused"));
    let metrics = text(&first, "/metrics").await;
    assert!(metrics.lines().any(|line| line == "domain_scheduler_claiming_paused 0"), "{metrics}");
}

/// `pause` from the command line holds a running `serve`; a paused service finishes the domain
/// it already holds and keeps answering; `resume` from the command line lets a run claim again.
async fn a_paused_service_finishes_what_it_holds_and_the_commands_pause_and_resume_it(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("slow-one.com", Site::Slow(Duration::from_secs(4), plain_page("Slow")));
    farm.add("after-pause.com", Site::Html(plain_page("After")));
    let patient = ("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "20");
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN, patient]).await;

    let slow = submit(&served, A, &["slow-one.com"]).await;
    wait_until("slow-one.com to be claimed", WITHIN, async || {
        batch_status(&served, A, &slow).await["counts"]["processing"] == 1
    })
    .await;
    let out = cli::run(&db.url, &["pause"], None);
    assert_eq!(out.status.code(), Some(0), "{}", cli::stderr(&out));
    assert!(cli::stdout(&out).starts_with("claiming paused since "), "{}", cli::stdout(&out));

    // The held domain is finished; new work waits, and the API answers meanwhile.
    let progress = wait_for_complete(&served, A, &slow).await;
    assert_eq!(progress["counts"]["completed"], 1, "the held domain was not finished: {progress}");
    let later = submit(&served, A, &["after-pause.com"]).await;
    let (status, body) = post(&served, "/api/v1/scheduler/run", ADMIN_TOKEN, json!({})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("claiming_paused")),
        "{body}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(batch_status(&served, A, &later).await["counts"]["pending"], 1);
    let health = text(&served, "/healthz").await;
    assert!(health.ends_with(" by cli\n"), "{health}");
    let out = cli::run(&db.url, &["run-once"], None);
    assert_eq!(out.status.code(), Some(0), "{}", cli::stderr(&out));
    assert!(cli::stderr(&out).contains("nothing claimed: claiming is paused"), "{}", cli::stderr(&out));
    assert_eq!(
        batch_status(&served, A, &later).await["counts"]["pending"],
        1,
        "run-once claimed while paused"
    );

    let out = cli::run(&db.url, &["resume"], None);
    assert_eq!(out.status.code(), Some(0), "{}", cli::stderr(&out));
    let (status, body) = post(&served, "/api/v1/scheduler/run", ADMIN_TOKEN, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let progress = wait_for_complete(&served, A, &later).await;
    assert_eq!(progress["counts"]["completed"], 1, "{progress}");
}

/// The list of batches: newest first, a page at a time, filtered by state, each tenant's own
/// (an admin's of every tenant, or of the one named), with counts and the callback's state;
/// the `batches` command lists the same.
async fn batches_are_listed_newest_first_by_page_and_state_for_their_tenant(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("done-first.com", Site::Html(plain_page("Done")));
    let receiver = common::receiver::Receiver::start(&[]).await;
    let extra = [
        ADMIN,
        ("DOMAIN_SCHEDULER_CALLBACK_SECRET", "a-test-callback-signing-key"),
        ("DOMAIN_SCHEDULER_ALLOW_PRIVATE_NETWORKS", "true"),
    ];
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &extra).await;

    let body = json!({"domains": ["done-first.com"], "callback_url": receiver.url("/hook")});
    let (status, submitted) = post(&served, "/api/v1/domains", A, body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{submitted}");
    let complete = submitted["batch_id"].as_str().unwrap().to_owned();
    wait_for_complete(&served, A, &complete).await;
    let (status, _) = post(&served, "/api/v1/scheduler/pause", ADMIN_TOKEN, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let older = submit(&served, A, &["waiting-one.com"]).await;
    let newer = submit(&served, A, &["waiting-two.com", "waiting-three.com"]).await;
    let of_b = submit(&served, B, &["other-tenant.com"]).await;

    let (status, page) = get(&served, "/api/v1/batches?limit=2", A).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let ids = |page: &Value| -> Vec<String> {
        page["items"].as_array().unwrap().iter().map(|b| b["batch_id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(&page), [newer.clone(), older.clone()]);
    assert_eq!(page["items"][0]["counts"]["pending"], 2);
    assert_eq!(page["items"][0]["tenant_id"], TENANT_A);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (status, next) =
        get(&served, &format!("/api/v1/batches?limit=2&cursor={}", urlencode(&cursor)), A).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(ids(&next), [complete.as_str()]);
    assert_eq!(next["next_cursor"], Value::Null);
    let callback = wait_for("the callback to be delivered", WITHIN, async || {
        let (_, next) = get(&served, &format!("/api/v1/batches/{complete}"), A).await;
        if next["callback"]["state"] == "delivered" { Ok(next["callback"].clone()) } else { Err(next) }
    })
    .await;
    assert_eq!(callback["attempts"], 1, "{callback}");
    let (_, listed) = get(&served, "/api/v1/batches?state=complete", A).await;
    assert_eq!(ids(&listed), [complete.as_str()]);
    assert_eq!(listed["items"][0]["callback"]["state"], "delivered", "{listed}");
    assert_eq!(listed["items"][0]["counts"]["completed"], 1);
    let (_, pending) = get(&served, "/api/v1/batches?state=pending", A).await;
    assert_eq!(ids(&pending), [newer.clone(), older.clone()]);
    let (status, body) = get(&served, "/api/v1/batches?state=finished", A).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (_, of_tenant_b) = get(&served, "/api/v1/batches", B).await;
    assert_eq!(ids(&of_tenant_b), [of_b.as_str()]);
    let (status, body) = get(&served, &format!("/api/v1/batches?tenant={TENANT_B}"), A).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("foreign_tenant")));
    let (_, every) = get(&served, "/api/v1/batches", ADMIN_TOKEN).await;
    assert_eq!(ids(&every), [of_b.clone(), newer.clone(), older.clone(), complete.clone()]);
    let (_, only_b) = get(&served, &format!("/api/v1/batches?tenant={TENANT_B}"), ADMIN_TOKEN).await;
    assert_eq!(ids(&only_b), [of_b.as_str()]);

    let out = cli::run(&db.url, &["batches", "--tenant", TENANT_A, "--state", "pending"], None);
    assert_eq!(out.status.code(), Some(0), "{}", cli::stderr(&out));
    let lines: Vec<Value> =
        cli::stdout(&out).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let listed: Vec<&str> = lines.iter().map(|line| line["batch_id"].as_str().unwrap()).collect();
    assert_eq!(listed, [newer.as_str(), older.as_str()]);
    let out = cli::run(&db.url, &["batches", "--limit", "1"], None);
    let first: Value = serde_json::from_str(cli::stdout(&out).trim()).unwrap();
    assert_eq!(
        (first["batch_id"].as_str(), first["tenant_id"].as_str()),
        (Some(of_b.as_str()), Some(TENANT_B))
    );
    let out = cli::run(&db.url, &["batches", "--state", "complete"], None);
    let done: Value = serde_json::from_str(cli::stdout(&out).trim()).unwrap();
    assert_eq!(done["callback"]["state"], "delivered", "{done}");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A domain's failures: every failed attempt, newest first, a page at a time, with its stage,
/// kind, attempt, time and HTTP status.
async fn a_domains_failures_are_listed_newest_first_a_page_at_a_time(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("missing-page.com", Site::Status(404));
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;

    let first = submit(&served, A, &["missing-page.com"]).await;
    wait_for_complete(&served, A, &first).await;
    let (status, body) = post(&served, "/api/v1/domains/missing-page.com/retry", A, json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    wait_until("the retry to fail again", WITHIN, async || {
        let (_, page) = get(&served, "/api/v1/domains/missing-page.com/failures", A).await;
        page["items"].as_array().is_some_and(|items| items.len() == 2)
    })
    .await;

    let (status, page) = get(&served, "/api/v1/domains/missing-page.com/failures?limit=1", A).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["domain"], "missing-page.com");
    let newest = &page["items"][0];
    assert_eq!(
        (newest["stage"].as_str(), newest["kind"].as_str(), newest["http_status"].as_u64()),
        (Some("fetch"), Some("http_status"), Some(404)),
        "{newest}"
    );
    assert!(newest["occurred_at"].is_string() && newest["message"].is_string(), "{newest}");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, older) =
        get(&served, &format!("/api/v1/domains/missing-page.com/failures?limit=1&cursor={cursor}"), A).await;
    assert_eq!(older["items"].as_array().unwrap().len(), 1, "{older}");
    assert!(older["items"][0]["id"].as_i64() < newest["id"].as_i64());
    assert!(older["items"][0]["occurred_at"].as_str() <= newest["occurred_at"].as_str());
    let (_, last) = get(
        &served,
        &format!("/api/v1/domains/missing-page.com/failures?limit=1&cursor={}", older["items"][0]["id"]),
        A,
    )
    .await;
    assert_eq!((last["items"].as_array().map(Vec::len), &last["next_cursor"]), (Some(0), &Value::Null));

    let (status, _) = get(&served, "/api/v1/domains/missing-page.com/failures", B).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's domain is not found");
    let (status, body) = get(&served, "/api/v1/domains/missing-page.com/failures?cursor=abc", A).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

/// An admin token reads any tenant's batch and domain (with its changes and failures): a name
/// one tenant has is found without `tenant`; a name several have needs `?tenant=UUID`.
async fn an_admin_reads_any_tenants_batch_and_domain(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let (status, _) = post(&served, "/api/v1/scheduler/pause", ADMIN_TOKEN, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let of_a = submit(&served, A, &["shared-name.com", "only-a.com"]).await;
    submit(&served, B, &["shared-name.com"]).await;

    let batch = batch_status(&served, ADMIN_TOKEN, &of_a).await;
    assert_eq!(batch["total"], 2, "{batch}");
    let (status, _) = get(&served, &format!("/api/v1/batches/{of_a}?tenant={TENANT_B}"), ADMIN_TOKEN).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "batch of A is not B's");
    let (status, body) = get(&served, &format!("/api/v1/batches/{of_a}?tenant={TENANT_B}"), A).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("foreign_tenant")));

    let (status, row) = get(&served, "/api/v1/domains/only-a.com", ADMIN_TOKEN).await;
    assert_eq!((status, row["tenant_id"].as_str()), (StatusCode::OK, Some(TENANT_A)), "{row}");
    let (status, body) = get(&served, "/api/v1/domains/shared-name.com", ADMIN_TOKEN).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("tenant_required")),
        "{body}"
    );
    let (status, row) =
        get(&served, &format!("/api/v1/domains/shared-name.com?tenant={TENANT_B}"), ADMIN_TOKEN).await;
    assert_eq!((status, row["tenant_id"].as_str()), (StatusCode::OK, Some(TENANT_B)), "{row}");
    for route in ["changes", "failures"] {
        let path = format!("/api/v1/domains/shared-name.com/{route}?tenant={TENANT_A}");
        let (status, body) = get(&served, &path, ADMIN_TOKEN).await;
        assert_eq!((status, body["domain"].as_str()), (StatusCode::OK, Some("shared-name.com")), "{body}");
        let (status, _) =
            get(&served, &format!("/api/v1/domains/shared-name.com/{route}"), ADMIN_TOKEN).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (status, row) = get(&served, &format!("/api/v1/domains/shared-name.com?tenant={TENANT_A}"), A).await;
    assert_eq!((status, row["tenant_id"].as_str()), (StatusCode::OK, Some(TENANT_A)));
}

on_both_backends!(
    a_pause_asked_of_one_instance_holds_the_other_and_resume_claims_again,
    a_paused_service_finishes_what_it_holds_and_the_commands_pause_and_resume_it,
    batches_are_listed_newest_first_by_page_and_state_for_their_tenant,
    a_domains_failures_are_listed_newest_first_a_page_at_a_time,
    an_admin_reads_any_tenants_batch_and_domain,
);
