//! The HTTP API of `serve`, as a client sees it: the real server on a free port, a real HTTP
//! client, a real database on each backend and the site farm.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page, wordpress_page};
use common::server::Served;
use common::wait::{wait_for, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};

const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const TENANT_B: &str = "0000000b-0000-4000-8000-00000000000b";
const TOKENS: &str = "token-of-tenant-a=0000000a-0000-4000-8000-00000000000a,token-of-tenant-b=0000000b-0000-4000-8000-00000000000b";
const ADMIN_TOKEN: &str = "token-of-the-operator";
const ADMIN: (&str, &str) = ("DOMAIN_SCHEDULER_ADMIN_TOKENS", ADMIN_TOKEN);

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn as_tenant(request: reqwest::RequestBuilder, token: &str) -> (StatusCode, Value) {
    let response = request.bearer_auth(token).send().await.unwrap();
    let status = response.status();
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, body)
}

/// Waits until batch `batch` of tenant A is complete, and returns its progress.
async fn wait_for_complete(served: &Served, batch: &str) -> Value {
    let progress = served.url(&format!("/api/v1/batches/{batch}"));
    wait_for(&format!("batch {batch} to complete"), Duration::from_secs(30), async || {
        let (status, body) = as_tenant(client().get(&progress), "token-of-tenant-a").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] == "complete" { Ok(body) } else { Err(body) }
    })
    .await
}

async fn a_submitted_batch_completes_with_every_domain_done(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("shop-one.com", Site::Html(wordpress_page("shop-one.com")));
    farm.add("plain-site.org", Site::Html(plain_page("Plain")));
    farm.add("gone-site.com", Site::Status(404));
    let served = Served::in_process(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;

    let request = client().post(served.url("/api/v1/domains")).json(
        &json!({"domains": ["https://www.Shop-One.com/", "plain-site.org", "gone-site.com", "not a domain"]}),
    );
    let (status, body) = as_tenant(request, "token-of-tenant-a").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["accepted"], json!(["shop-one.com", "plain-site.org", "gone-site.com"]));
    assert_eq!(body["rejected"][0]["input"], "not a domain");
    let batch = body["batch_id"].as_str().unwrap().to_owned();
    assert_eq!(body["status_url"], format!("/api/v1/batches/{batch}"));

    // The interval is an hour: only the wake-up on submit can have started the work.
    let progress = wait_for_complete(&served, &batch).await;
    assert_eq!(progress["status"], "complete", "{progress}");
    assert_eq!(
        progress["counts"],
        json!({"pending": 0, "processing": 0, "completed": 2, "error": 1, "gone": 0})
    );
    assert_eq!(progress["progress"], 1.0);

    let (status, shop) =
        as_tenant(client().get(served.url("/api/v1/domains/shop-one.com")), "token-of-tenant-a").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (shop["title"].as_str(), shop["is_wordpress"].as_bool()),
        (Some("shop-one.com | Home"), Some(true))
    );
    let (_, gone) =
        as_tenant(client().get(served.url("/api/v1/domains/gone-site.com")), "token-of-tenant-a").await;
    assert_eq!(gone["status"], "error");
    assert!(gone["last_error"].as_str().unwrap().contains("404"), "{gone}");

    // The run's row is written just after its last domain: wait for it. Wake-ups from the
    // request and from the database may split the three domains over more than one run.
    let runs_url = served.url("/api/v1/scheduler/runs?limit=5");
    wait_for("runs to account for the 3 domains", Duration::from_secs(10), async || {
        let (status, runs) = as_tenant(client().get(&runs_url), ADMIN_TOKEN).await;
        assert_eq!(status, StatusCode::OK);
        if claimed_by(&runs) == 3 { Ok(()) } else { Err(runs) }
    })
    .await;
}

async fn listing_pages_through_every_domain_once(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let served =
        Served::in_process(&db.url, &farm.connect_to(), TOKENS, &[("DOMAIN_SCHEDULER_MAX_INSTANCES", "1")])
            .await;
    let names: Vec<String> = (0..25).map(|i| format!("site-{i:02}.com")).collect();
    let (status, _) = as_tenant(
        client().post(served.url("/api/v1/domains")).json(&json!({"domains": names})),
        "token-of-tenant-a",
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = served.url("/api/v1/domains?limit=10");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let (status, page) = as_tenant(client().get(url), "token-of-tenant-a").await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            page["items"].as_array().unwrap().iter().map(|r| r["domain"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, names, "every domain once, in name order");
    let (status, body) =
        as_tenant(client().get(served.url("/api/v1/domains?status=sideways")), "token-of-tenant-a").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["message"].as_str().unwrap().contains("status"), "{body}");
}

async fn every_route_but_health_needs_a_valid_token(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[]).await;
    let id = uuid::Uuid::new_v4();
    let routes = [
        ("POST", "/api/v1/domains".to_owned()),
        ("GET", "/api/v1/domains".to_owned()),
        ("GET", "/api/v1/domains/example.com".to_owned()),
        ("POST", "/api/v1/domains/example.com/retry".to_owned()),
        ("GET", format!("/api/v1/batches/{id}")),
        ("POST", "/api/v1/scheduler/run".to_owned()),
        ("GET", "/api/v1/scheduler/runs".to_owned()),
        ("POST", "/api/v3/modernized_page_scraper/scan".to_owned()),
        ("GET", format!("/api/v3/modernized_page_scraper/status/{id}")),
        ("POST", "/api/v3/dev-tools/process-pending-domains".to_owned()),
    ];
    for (method, path) in &routes {
        for token in [None, Some("wrong-token")] {
            let mut request = client().request(method.parse().unwrap(), served.url(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response =
                request.json(&json!({"domains": ["a.com"], "base_url": "a.com"})).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {path} with {token:?}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let status = client().get(served.url(path)).send().await.unwrap().status();
        assert_eq!(status, StatusCode::OK, "{path} needs no token");
    }
}

async fn a_tenant_never_sees_another_tenants_rows(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("private-a.com", Site::Html(plain_page("A")));
    let served = Served::in_process(&db.url, &farm.connect_to(), TOKENS, &[]).await;
    let (_, body) = as_tenant(
        client().post(served.url("/api/v1/domains")).json(&json!({"domains": ["private-a.com"]})),
        "token-of-tenant-a",
    )
    .await;
    let batch = body["batch_id"].as_str().unwrap().to_owned();
    wait_for_complete(&served, &batch).await;
    let b = "token-of-tenant-b";
    assert_eq!(
        as_tenant(client().get(served.url("/api/v1/domains/private-a.com")), b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_tenant(client().get(served.url(&format!("/api/v1/batches/{batch}"))), b).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        as_tenant(client().post(served.url("/api/v1/domains/private-a.com/retry")), b).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, page) = as_tenant(client().get(served.url("/api/v1/domains")), b).await;
    assert_eq!(page["items"], json!([]));
    let (_, status) =
        as_tenant(client().get(served.url(&format!("/api/v3/modernized_page_scraper/status/{batch}"))), b)
            .await;
    assert_eq!(status["error"]["code"], "not_found");
    // Tenant B may add the same domain: it is its own row.
    let (status, body) = as_tenant(
        client().post(served.url("/api/v1/domains")).json(&json!({"domains": ["private-a.com"]})),
        b,
    )
    .await;
    assert_eq!((status, body["accepted"].clone()), (StatusCode::ACCEPTED, json!(["private-a.com"])));
    let _ = (TENANT_A, TENANT_B);
}

/// The domains claimed by every run in `runs`, summed.
fn claimed_by(runs: &Value) -> u64 {
    runs.as_array().unwrap().iter().filter_map(|r| r["domains_claimed"].as_u64()).sum()
}

/// Waits until the runs an admin sees account for `claimed` domains, and returns them.
async fn runs_claiming(served: &Served, claimed: u64) -> Value {
    let runs_url = served.url("/api/v1/scheduler/runs");
    wait_for(&format!("runs to account for {claimed} domains"), Duration::from_secs(10), async || {
        let (status, runs) = as_tenant(client().get(&runs_url), ADMIN_TOKEN).await;
        assert_eq!(status, StatusCode::OK, "{runs}");
        if claimed_by(&runs) >= claimed { Ok(runs) } else { Err(runs) }
    })
    .await
}

async fn scheduler_runs_are_an_admin_view_refused_to_tenant_tokens(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("tenant-a-site.com", Site::Html(plain_page("A")));
    let served = Served::in_process(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let (_, body) = submit(&served, "tenant-a-site.com").await;
    wait_for_complete(&served, body["batch_id"].as_str().unwrap()).await;

    let runs = runs_claiming(&served, 1).await;
    assert_eq!(claimed_by(&runs), 1, "the admin sees the run of tenant A's domain: {runs}");

    // Tenant B owns nothing; tenant A's own work is in the run, mixed with anyone else's.
    for token in ["token-of-tenant-b", "token-of-tenant-a"] {
        let (status, body) =
            as_tenant(client().get(served.url("/api/v1/scheduler/runs?limit=5")), token).await;
        assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("admin_only")));
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("every tenant") && message.contains("DOMAIN_SCHEDULER_ADMIN_TOKENS"),
            "{message}"
        );
    }
    let (status, body) =
        as_tenant(client().get(served.url("/api/v1/scheduler/runs?limit=many")), ADMIN_TOKEN).await;
    assert_eq!((status, body["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")));
}

async fn the_old_clients_routes_still_work(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("legacy-site.com", Site::Html(wordpress_page("legacy-site.com")));
    let served = Served::in_process(&db.url, &farm.connect_to(), TOKENS, &[]).await;
    let scan = client()
        .post(served.url("/api/v3/modernized_page_scraper/scan"))
        .json(&json!({"base_url": "https://legacy-site.com", "max_pages": 5}));
    let (status, job) = as_tenant(scan, "token-of-tenant-a").await;
    assert_eq!(status, StatusCode::OK, "{job}");
    let job_id = job["job_id"].as_str().unwrap();
    assert_eq!(job["status_url"], format!("/api/v3/modernized_page_scraper/status/{job_id}"));
    assert!(job["created_at"].as_str().is_some());
    let status_url = served.url(job["status_url"].as_str().unwrap());
    let result = wait_for("the scan to complete", Duration::from_secs(30), async || {
        let (status, body) = as_tenant(client().get(&status_url), "token-of-tenant-a").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["status"] == "completed" { Ok(body) } else { Err(body) }
    })
    .await;
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["result"]["domain"], "legacy-site.com");
    assert_eq!(result["result"]["max_pages"], 5, "the accepted max_pages is kept for the fetcher");
    let (status, body) = as_tenant(
        client().post(served.url("/api/v3/dev-tools/process-pending-domains")),
        "token-of-tenant-a",
    )
    .await;
    assert!(status == StatusCode::OK || status == StatusCode::ACCEPTED, "{status} {body}");
}

async fn malformed_requests_get_a_status_and_a_json_error_naming_the_problem(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let served = Served::in_process(
        &db.url,
        &farm.connect_to(),
        TOKENS,
        &[("DOMAIN_SCHEDULER_API_MAX_DOMAINS", "50")],
    )
    .await;
    let post = |body: &'static str| {
        client().post(served.url("/api/v1/domains")).header("content-type", "application/json").body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str)> = vec![
        (post("{\"domains\": [\"a.com\""), StatusCode::BAD_REQUEST, "invalid_json"),
        (post("{\"domains\": \"a.com\"}"), StatusCode::UNPROCESSABLE_ENTITY, "domains"),
        (post("{\"domains\": [\"a.com\"], \"colour\": 1}"), StatusCode::UNPROCESSABLE_ENTITY, "colour"),
        (post("{}"), StatusCode::UNPROCESSABLE_ENTITY, "domains"),
        (post(""), StatusCode::BAD_REQUEST, "invalid_json"),
        (client().post(served.url("/api/v1/domains")), StatusCode::BAD_REQUEST, "content_type"),
        (client().get(served.url("/api/v1/batches/not-a-uuid")), StatusCode::BAD_REQUEST, "UUID"),
        (
            client().get(served.url("/api/v1/domains/not%20a%20domain")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "domain",
        ),
    ];
    for (request, expected, mention) in cases {
        let (status, body) = as_tenant(request, "token-of-tenant-a").await;
        assert_eq!(status, expected, "{body}");
        let text = body.to_string();
        assert!(body["error"]["code"].is_string() && text.contains(mention), "{expected}: {text}");
    }
    let too_many: Vec<String> = (0..51).map(|i| format!("s{i}.com")).collect();
    let (status, body) = as_tenant(
        client().post(served.url("/api/v1/domains")).json(&json!({"domains": too_many})),
        "token-of-tenant-a",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let huge = format!("{{\"domains\": [\"{}\"]}}", "a".repeat(2 * 1024 * 1024));
    let request =
        client().post(served.url("/api/v1/domains")).header("content-type", "application/json").body(huge);
    let (status, body) = as_tenant(request, "token-of-tenant-a").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "body_too_large");
}

/// A quick site and two slow ones (4 s), and the service with its one run slot (the default)
/// and `extra` settings.
async fn quick_and_slow_sites(db: &TestDb, extra: &[(&str, &str)]) -> (Farm, Served) {
    let farm = Farm::start().await;
    farm.add("quick-site.com", Site::Html(plain_page("Quick")));
    farm.add("slow-site.com", Site::Slow(Duration::from_secs(4), plain_page("Slow")));
    farm.add("slow-site-2.com", Site::Slow(Duration::from_secs(4), plain_page("Slow too")));
    let settings = [&[("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "10")], extra].concat();
    let served = Served::in_process(&db.url, &farm.connect_to(), TOKENS, &settings).await;
    (farm, served)
}

/// Submits `domain` as tenant A.
async fn submit(served: &Served, domain: &str) -> (StatusCode, Value) {
    as_tenant(
        client().post(served.url("/api/v1/domains")).json(&json!({"domains": [domain]})),
        "token-of-tenant-a",
    )
    .await
}

async fn steering_retries_a_domain_and_refuses_a_run_when_every_slot_is_busy(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let (farm, served) = quick_and_slow_sites(
        &db,
        &[("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "1"), ("DOMAIN_SCHEDULER_BATCH_SIZE", "1")],
    )
    .await;
    let a = "token-of-tenant-a";
    let (_, body) = submit(&served, "quick-site.com").await;
    wait_for_complete(&served, body["batch_id"].as_str().unwrap()).await;
    assert_eq!(farm.requests("quick-site.com"), 1);

    let (status, body) =
        as_tenant(client().post(served.url("/api/v1/domains/quick-site.com/retry")), a).await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::ACCEPTED, Some("pending")), "{body}");
    assert_eq!(
        farm.wait_for_requests("quick-site.com", 2).await,
        2,
        "the retried domain is fetched again at once"
    );

    // One run slot (the default), held by a run that is still claiming: with one fetcher and
    // claims of one domain, two slow sites fill the pool while more may be due.
    let (status, _) = as_tenant(
        client()
            .post(served.url("/api/v1/domains"))
            .json(&json!({"domains": ["slow-site.com", "slow-site-2.com"]})),
        a,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    farm.wait_for_requests("slow-site.com", 1).await;
    let (status, body) = as_tenant(client().post(served.url("/api/v1/scheduler/run")), a).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("at_capacity")),
        "{body}"
    );
}

/// With one run slot and an hour between ticks, a domain submitted while the slot is busy is
/// claimed as soon as the run ends, not at the next tick.
async fn a_domain_submitted_while_every_slot_is_busy_is_fetched_when_one_frees(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let (farm, served) = quick_and_slow_sites(&db, &[]).await;
    let (status, _) = submit(&served, "slow-site.com").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(farm.wait_for_requests("slow-site.com", 1).await, 1, "the slow site holds the only run slot");

    let (status, body) = submit(&served, "quick-site.com").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let batch = wait_for_complete(&served, body["batch_id"].as_str().unwrap()).await;
    assert_eq!(batch["status"], "complete", "{batch}");
    assert_eq!(farm.requests("quick-site.com"), 1);
}

/// Issue 21, item 17: a domain's row is found by its id as by its name (as its `/changes` is),
/// and the listing's `changed_since` reads a date as the export's does.
async fn a_domain_is_read_by_its_id_and_the_listing_takes_a_date_as_the_export_does(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let conn = db.connect().await;
    let tenant_a: uuid::Uuid = TENANT_A.parse().unwrap();
    let tenant_b: uuid::Uuid = TENANT_B.parse().unwrap();
    common::seed::domains(&conn, tenant_a, None, "a-", 20).await;
    common::seed::domains(&conn, tenant_b, None, "b-", 5).await;
    let changes = common::seed::title_changes(&conn, 2).await;
    let farm = Farm::start().await;
    let served = Served::in_process(&db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let get = |path: String| as_tenant(client().get(served.url(&path)), "token-of-tenant-a");

    let (status, by_name) = get("/api/v1/domains/a-3.com".into()).await;
    assert_eq!(status, StatusCode::OK, "{by_name}");
    let id = by_name["id"].as_str().unwrap().to_owned();
    let (status, by_id) = get(format!("/api/v1/domains/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{by_id}");
    assert_eq!(by_id, by_name, "the same row by its id");
    let (status, changes_by_id) = get(format!("/api/v1/domains/{id}/changes")).await;
    assert_eq!((status, &changes_by_id["domain"]), (StatusCode::OK, &json!("a-3.com")));
    let (_, of_b) = as_tenant(client().get(served.url("/api/v1/domains/b-1.com")), "token-of-tenant-b").await;
    let (status, body) = get(format!("/api/v1/domains/{}", of_b["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's id: {body}");
    let unknown = uuid::Uuid::new_v4();
    let (status, body) = get(format!("/api/v1/domains/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains(&unknown.to_string()), "{body}");

    let listed = |query: &'static str| {
        let get = &get;
        async move {
            let (status, body) = get(format!("/api/v1/domains?limit=1000&{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            let mut ids: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    let of_a = changes.iter().filter(|(_, owner, _)| *owner == tenant_a).count();
    let by_date = listed("changed_since=2026-01-01").await;
    assert_eq!(by_date.len(), of_a, "a date is midnight UTC: every change of the tenant");
    assert_eq!(by_date, listed("changed_since=2026-01-01T00:00:00Z").await);
    assert_eq!(listed("changed_since=2026-01-02").await, listed("changed_since=2026-01-02T00:00:00Z").await);
    let (status, body) = get("/api/v1/domains?changed_since=yesterday".into()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().starts_with("changed_since"), "{body}");
}

on_both_backends!(
    a_domain_submitted_while_every_slot_is_busy_is_fetched_when_one_frees,
    steering_retries_a_domain_and_refuses_a_run_when_every_slot_is_busy,
    a_submitted_batch_completes_with_every_domain_done,
    listing_pages_through_every_domain_once,
    every_route_but_health_needs_a_valid_token,
    a_tenant_never_sees_another_tenants_rows,
    the_old_clients_routes_still_work,
    scheduler_runs_are_an_admin_view_refused_to_tenant_tokens,
    malformed_requests_get_a_status_and_a_json_error_naming_the_problem,
    a_domain_is_read_by_its_id_and_the_listing_takes_a_date_as_the_export_does,
);

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    let document: Value =
        client().get(served.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/api/v1/domains", "post"),
        ("/api/v1/domains", "get"),
        ("/api/v1/domains/{domain}", "get"),
        ("/api/v1/domains/{domain}/retry", "post"),
        ("/api/v1/batches/{id}", "get"),
        ("/api/v1/scheduler/run", "post"),
        ("/api/v1/scheduler/runs", "get"),
        ("/api/v3/modernized_page_scraper/scan", "post"),
        ("/api/v3/modernized_page_scraper/status/{job_id}", "get"),
        ("/api/v3/dev-tools/process-pending-domains", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing from /openapi.json"
        );
    }
    let forbidden = &paths["/api/v1/scheduler/runs"]["get"]["responses"]["403"];
    assert!(forbidden["description"].as_str().unwrap_or("").contains("admin"), "{forbidden}");
}

#[test]
fn a_token_that_is_both_an_admin_and_a_tenant_token_stops_start_up_unechoed() {
    let workdir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}?mode=rwc", workdir.path().join("t.db").display());
    let output = common::cli::command(&database_url, workdir.path())
        .env("DOMAIN_SCHEDULER_API_TOKENS", TOKENS)
        .env("DOMAIN_SCHEDULER_ADMIN_TOKENS", "token-of-tenant-b")
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("DOMAIN_SCHEDULER_ADMIN_TOKENS"), "{stderr}");
    assert!(!stderr.contains("token-of-tenant-b"), "the token is echoed: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn readiness_reports_a_database_outage() {
    let Some(db) = TestDb::create(Backend::Postgres).await else { return };
    let served = Served::in_process(&db.url, "127.0.0.1:9", TOKENS, &[]).await;
    assert_eq!(client().get(served.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    // The database disappears under the running service.
    let admin_url = std::env::var("TEST_POSTGRES_URL").unwrap();
    let name = url::Url::parse(&db.url).unwrap().path().trim_start_matches('/').to_owned();
    let admin = sea_orm::Database::connect(&admin_url).await.unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    let readyz = served.url("/readyz");
    wait_until("/readyz to report the outage with 503", Duration::from_secs(15), async || {
        client().get(&readyz).send().await.unwrap().status() == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    assert_eq!(
        client().get(served.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK,
        "the process lives on"
    );
    let (status, body) = as_tenant(client().get(served.url("/api/v1/domains")), "token-of-tenant-a").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("database_unavailable"))
    );
}
