//! The console's operator pages and actions over HTTP, on both backends: the batch page (members
//! by status, callback deliveries, exports, cancel and retry-errors), errors as links, the
//! domain list's filters and its paging both ways, bulk actions with their confirmation, pause
//! and resume, and run pages. Each checks that a tenant never sees nor changes another tenant's
//! rows, and that an action without its CSRF token changes nothing.

use crate::common;
use crate::on_both_backends;

use common::console::{
    ADMIN_TOKEN, Scene, Session, TENANT_A, TENANT_B, TOKEN_A, TOKEN_B, api, attributes, domain_row, texts,
};
use common::db::{Backend, TestDb};
use reqwest::StatusCode;
use serde_json::json;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The hidden fields of a bulk action's confirmation form.
const BULK_FIELDS: &str = "form[action='/ui/domains/bulk'] input[type=hidden]";

/// The names listed in the domain table of `html`.
fn listed(html: &str) -> Vec<String> {
    texts(html, "table.data tbody td:first-child a")
}

/// Whether the API still knows `domain` for `token`.
async fn exists(scene: &Scene, token: &str, domain: &str) -> bool {
    let url = scene.served.url(&format!("/api/v1/domains/{domain}"));
    let (status, _) = api(client().get(url), token).await;
    status == StatusCode::OK
}

/// Gives tenant A's batch a callback (with credentials in its URL) and two delivery attempts,
/// a refused one and a delivered one, as the delivery loop records them.
async fn callback_with_two_attempts(db: &sea_orm::DatabaseConnection, batch: &str) {
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let batch: uuid::Uuid = batch.parse().unwrap();
    let url = "https://hook-user:hook-secret@hooks.example/done";
    entity::batch_jobs::Entity::update_many()
        .col_expr(entity::batch_jobs::Column::CallbackUrl, Expr::value(url))
        .filter(entity::batch_jobs::Column::Id.eq(batch))
        .exec(db)
        .await
        .unwrap();
    let first = chrono::Utc::now() - chrono::Duration::minutes(3);
    let attempts = [
        (1, Some(500), Some("the receiver answered 500 Internal Server Error".to_owned()), None),
        (2, Some(204), None, Some(first + chrono::Duration::minutes(1))),
    ];
    for (attempt, status, error, delivered) in attempts {
        let row = entity::callback_deliveries::ActiveModel {
            batch_id: Set(batch),
            url: Set(url.to_owned()),
            attempt: Set(attempt),
            attempted_at: Set(first + chrono::Duration::minutes(i64::from(attempt) - 1)),
            status_code: Set(status),
            error: Set(error),
            delivered_at: Set(delivered),
            next_attempt_at: Set(None),
            ..Default::default()
        };
        entity::callback_deliveries::Entity::insert(row).exec_without_returning(db).await.unwrap();
    }
}

async fn the_batch_page_shows_members_by_status_deliveries_and_exports(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let db = test_db.connect().await;
    callback_with_two_attempts(&db, &scene.batch_a).await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let path = format!("/ui/batches/{}", scene.batch_a);

    let list = a.get("/ui/batches").await;
    assert!(attributes(&list.html, "a.batch-id", "href").contains(&path), "the list links to the batch page");
    let page = a.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut members = listed(&page.html);
    members.sort();
    assert_eq!(members, ["broken-site.com", "plain-site.org", "shop-one.com"]);
    let statuses = texts(&page.html, ".status-links a");
    assert!(statuses.iter().any(|s| s.contains("completed") && s.ends_with('2')), "{statuses:?}");
    assert!(statuses.iter().any(|s| s.contains("error") && s.ends_with('1')), "{statuses:?}");
    let errors = a.get(&format!("{path}?status=error")).await;
    assert_eq!(listed(&errors.html), ["broken-site.com"], "members of one status");

    // Every attempt of the callback, with its answer and error; never the URL's credentials.
    let deliveries = texts(&page.html, "#callback tbody tr");
    assert_eq!(deliveries.len(), 2, "{deliveries:?}");
    assert!(deliveries[0].starts_with('2') && deliveries[0].contains("204"), "latest first: {deliveries:?}");
    assert!(deliveries[1].contains("500") && deliveries[1].contains("answered 500"), "{deliveries:?}");
    assert!(page.html.contains("delivered"), "the callback's state");
    assert!(!page.html.contains("hook-secret"), "the callback URL's credentials stay hidden");

    // Both exports hold the batch's domains and nothing else.
    let exports = attributes(&page.html, ".head-actions a[download]", "href");
    assert_eq!(exports.len(), 2, "{exports:?}");
    let csv = a.get(&exports[0]).await;
    assert_eq!(csv.status, StatusCode::OK);
    for domain in ["shop-one.com", "plain-site.org", "broken-site.com"] {
        assert!(csv.html.contains(domain), "{domain} missing from the CSV");
    }
    assert_eq!(csv.html.lines().count(), 4, "a header and three rows");
    let jsonl = a.get(&exports[1]).await;
    let rows: Vec<serde_json::Value> =
        jsonl.html.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|row| row["tenant_id"] == TENANT_A), "{rows:?}");

    // Another tenant reaches neither the page nor the export of the batch.
    let b = Session::sign_in(&scene.served, TOKEN_B).await;
    let refused = b.get(&path).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.html.contains("shop-one.com"));
    assert_eq!(b.get(&exports[0]).await.status, StatusCode::NOT_FOUND);
    let own_export = b.get(&format!("/ui/export?format=csv&tenant={TENANT_A}")).await;
    assert!(
        own_export.html.contains("tenant-b-site.com") && !own_export.html.contains("shop-one.com"),
        "a tenant naming another tenant still exports its own"
    );
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    assert_eq!(admin.get(&path).await.status, StatusCode::OK, "an admin opens any tenant's batch");
}

async fn a_batchs_errors_are_retried_and_its_pending_domains_cancelled_from_its_page(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    scene.hold_the_run_slot().await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let b = Session::sign_in(&scene.served, TOKEN_B).await;
    let retry = format!("/ui/batches/{}/retry-errors", scene.batch_a);

    assert_eq!(a.post(&retry, false).await.status, StatusCode::FORBIDDEN, "no CSRF token, no action");
    assert_eq!(b.post(&retry, true).await.status, StatusCode::NOT_FOUND, "another tenant's batch");
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "error");
    let page = a.get(&format!("/ui/batches/{}", scene.batch_a)).await;
    assert!(attributes(&page.html, "form", "action").contains(&retry), "the page offers the retry");
    let done = a.post(&retry, true).await;
    let location = done.location.unwrap();
    assert_eq!(location, format!("/ui/batches/{}?notice=reset-1", scene.batch_a));
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "pending");
    assert!(a.get(&location).await.html.contains("1 errored domain is back to pending"));

    let waiting = scene.waiting_batch().await;
    let cancel = format!("/ui/batches/{waiting}/cancel");
    assert_eq!(b.post(&cancel, true).await.status, StatusCode::NOT_FOUND);
    let done = a.post(&cancel, true).await;
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/ui/batches/{waiting}?notice=cancelled-3-0").as_str())
    );
    let after = a.get(&done.location.unwrap()).await;
    assert!(after.html.contains("3 pending domains cancelled"), "the batch page says what was done");
    assert_eq!(domain_row(&scene.served, TOKEN_A, "waiting-0.com").await["status"], "error");
}

async fn every_error_kind_opens_the_list_of_domains_failing_that_way(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let kind_link = "/ui/domains?error_kind=http_status";
    let overview = a.get("/ui").await;
    assert!(
        attributes(&overview.html, "a.error-kind", "href").iter().any(|href| href == kind_link),
        "the overview's error kinds are links"
    );
    let domain = a.get(&format!("/ui/domains/{}", scene.broken_id)).await;
    assert!(attributes(&domain.html, "#errors a.error-kind", "href").iter().any(|href| href == kind_link));
    let filtered = a.get(kind_link).await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert_eq!(listed(&filtered.html), ["broken-site.com"]);
    let row_link = attributes(&filtered.html, "table.data a.error-kind", "href");
    assert_eq!(row_link, [kind_link], "the list's own errors link to their kind too");
    assert!(listed(&a.get("/ui/domains?error_kind=timeout").await.html).is_empty());
    assert_eq!(a.get("/ui/domains?error_kind=nonsense").await.status, StatusCode::BAD_REQUEST);
}

async fn the_domain_list_filters_by_text_technology_status_and_tenant(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    // Text in the title, whatever its case ("shop-one.com | Home").
    assert_eq!(listed(&a.get("/ui/domains?text=HOME").await.html), ["shop-one.com"]);
    // Text in the last error ("fetch/http_status: ... 404 ...").
    assert_eq!(listed(&a.get("/ui/domains?text=404").await.html), ["broken-site.com"]);
    // Text in the name, anywhere in it.
    assert_eq!(listed(&a.get("/ui/domains?text=site.org").await.html), ["plain-site.org"]);
    // A wildcard is only itself.
    assert!(listed(&a.get("/ui/domains?text=%25").await.html).is_empty());
    assert_eq!(listed(&a.get("/ui/domains?technology=WordPress").await.html), ["shop-one.com"]);
    assert_eq!(listed(&a.get("/ui/domains?status=completed").await.html), ["plain-site.org", "shop-one.com"]);
    let long = "x".repeat(201);
    assert_eq!(a.get(&format!("/ui/domains?text={long}")).await.status, StatusCode::BAD_REQUEST);

    // A tenant naming another tenant still sees only its own; an admin narrows to one tenant.
    let b = Session::sign_in(&scene.served, TOKEN_B).await;
    let b_list = b.get(&format!("/ui/domains?tenant={TENANT_A}&text=site")).await;
    assert_eq!(listed(&b_list.html), ["tenant-b-site.com"]);
    assert!(!b_list.html.contains("name=\"tenant\""), "no tenant field for a tenant");
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    assert_eq!(
        listed(&admin.get(&format!("/ui/domains?tenant={TENANT_B}")).await.html),
        ["tenant-b-site.com"]
    );
    assert_eq!(listed(&admin.get("/ui/domains?text=site").await.html).len(), 3, "every tenant's");
}

async fn every_list_pages_forwards_back_and_to_the_first_page(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    scene.hold_the_run_slot().await;
    let names: Vec<String> = (0..120).map(|i| format!("paged-{i:03}.com")).collect();
    let request = client().post(scene.served.url("/api/v1/domains")).json(&json!({ "domains": names }));
    let (status, body) = api(request, TOKEN_A).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let a = Session::sign_in(&scene.served, TOKEN_A).await;

    let first = a.get("/ui/domains?q=paged-").await;
    assert_eq!(listed(&first.html), names[..50]);
    assert!(
        attributes(&first.html, "nav.pager a[rel=prev]", "href").is_empty(),
        "nothing before the first page"
    );
    let next = attributes(&first.html, "nav.pager a[rel=next]", "href").pop().unwrap();
    let second = a.get(&next).await;
    assert_eq!(listed(&second.html), names[50..100]);
    let third = a.get(&attributes(&second.html, "nav.pager a[rel=next]", "href").pop().unwrap()).await;
    assert_eq!(listed(&third.html), names[100..]);
    assert!(attributes(&third.html, "nav.pager a[rel=next]", "href").is_empty(), "the end of the list");
    let back = a.get(&attributes(&third.html, "nav.pager a[rel=prev]", "href").pop().unwrap()).await;
    assert_eq!(listed(&back.html), names[50..100], "previous is the page before");
    let back = a.get(&attributes(&back.html, "nav.pager a[rel=prev]", "href").pop().unwrap()).await;
    assert_eq!(listed(&back.html), names[..50]);
    let to_first = attributes(&third.html, "nav.pager a", "href").into_iter().next().unwrap();
    assert_eq!(listed(&a.get(&to_first).await.html), names[..50], "the first page");

    // The batch's members page the same way.
    let batch = body["batch_id"].as_str().unwrap();
    let members = a.get(&format!("/ui/batches/{batch}")).await;
    assert_eq!(listed(&members.html), names[..50]);
    let next = attributes(&members.html, "#members nav.pager a[rel=next]", "href").pop().unwrap();
    let members = a.get(next.trim_end_matches("#members")).await;
    assert_eq!(listed(&members.html), names[50..100]);
    assert_eq!(attributes(&members.html, "#members nav.pager a[rel=prev]", "href").len(), 1);

    // A domain's failures, 20 a page, newest first.
    let db = test_db.connect().await;
    let broken: uuid::Uuid = scene.broken_id.parse().unwrap();
    let failures = (0..25).map(|i| entity::domain_errors::ActiveModel {
        domain_id: sea_orm::Set(broken),
        run_id: sea_orm::Set(None),
        attempt: sea_orm::Set(1),
        stage: sea_orm::Set("fetch".into()),
        kind: sea_orm::Set("timeout".into()),
        message: sea_orm::Set(format!("failure number {i:02}")),
        occurred_at: sea_orm::Set(chrono::Utc::now()),
        ..Default::default()
    });
    use sea_orm::EntityTrait;
    entity::domain_errors::Entity::insert_many(failures).exec(&db).await.unwrap();
    let errors_of = |html: &str| texts(html, "#errors tbody td[data-label=Message]");
    let newest = a.get(&format!("/ui/domains/{}", scene.broken_id)).await;
    let newest_errors = errors_of(&newest.html);
    assert_eq!(newest_errors.len(), 20);
    assert_eq!(newest_errors[0], "failure number 24");
    let older = a
        .get(attributes(&newest.html, "#errors nav.pager a[rel=next]", "href")[0].trim_end_matches("#errors"))
        .await;
    let older_errors = errors_of(&older.html);
    assert_eq!(older_errors.len(), 6, "the 5 oldest inserted and the 404: {older_errors:?}");
    let newer = attributes(&older.html, "#errors nav.pager a[rel=prev]", "href");
    let newer = a.get(newer[0].trim_end_matches("#errors")).await;
    assert_eq!(errors_of(&newer.html), newest_errors, "back to the newest failures");
}

async fn a_bulk_action_counts_first_then_acts_on_exactly_the_filter(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    scene.hold_the_run_slot().await;
    scene.waiting_batch().await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let b = Session::sign_in(&scene.served, TOKEN_B).await;
    let waiting = ["waiting-0.com", "waiting-1.com", "waiting-2.com"];

    // The list links to the confirmation, which counts and changes nothing.
    let list = a.get("/ui/domains?q=waiting-").await;
    let confirm_link = attributes(&list.html, ".list-tools a", "href")
        .into_iter()
        .find(|href| href.contains("action=cancel"))
        .unwrap();
    let confirm = a.get(&confirm_link).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert_eq!(texts(&confirm.html, "#bulk-count"), ["3"]);
    assert!(confirm.html.contains("Cancel 3 domains?") && confirm.html.contains("Yes, cancel 3 domains"));
    for domain in waiting {
        assert_eq!(domain_row(&scene.served, TOKEN_A, domain).await["status"], "pending", "a dry run");
    }
    let hidden: Vec<(String, String)> = attributes(&confirm.html, BULK_FIELDS, "name")
        .into_iter()
        .zip(attributes(&confirm.html, BULK_FIELDS, "value"))
        .collect();
    assert!(hidden.contains(&("q".into(), "waiting-".into())), "{hidden:?}");
    assert!(hidden.iter().any(|(name, _)| name == "csrf"), "the form carries the CSRF token");

    // Without the token nothing happens; with it, exactly the filter's domains are cancelled.
    let refused = a.post_form("/ui/domains/bulk", &[("action", "cancel"), ("q", "waiting-")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(domain_row(&scene.served, TOKEN_A, "waiting-0.com").await["status"], "pending");
    let pairs: Vec<(&str, &str)> = hidden.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let done = a.post_form("/ui/domains/bulk", &pairs).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let location = done.location.unwrap();
    assert_eq!(location, "/ui/domains?q=waiting-&notice=bulk-cancel-3-0");
    assert!(a.get(&location).await.html.contains("3 pending domains cancelled"));
    for domain in waiting {
        let row = domain_row(&scene.served, TOKEN_A, domain).await;
        assert!(row["last_error"].as_str().unwrap().starts_with("operator/cancelled"), "{row}");
    }
    assert_eq!(
        domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"],
        "error",
        "outside the filter"
    );

    // Retry by error kind: the cancelled ones, not the 404.
    let csrf = a.csrf.clone();
    let done = a
        .post_form("/ui/domains/bulk", &[("csrf", &csrf), ("action", "retry"), ("error_kind", "cancelled")])
        .await;
    assert_eq!(done.location.as_deref(), Some("/ui/domains?error_kind=cancelled&notice=bulk-retry-3-0"));
    assert_eq!(domain_row(&scene.served, TOKEN_A, "waiting-1.com").await["status"], "pending");
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "error");

    // Another tenant's bulk delete of the same filter reaches none of them, even naming A.
    let b_csrf = b.csrf.clone();
    let pairs = [("csrf", b_csrf.as_str()), ("action", "delete"), ("q", "waiting-"), ("tenant", TENANT_A)];
    let b_confirm = b.get(&format!("/ui/domains/bulk?action=delete&q=waiting-&tenant={TENANT_A}")).await;
    assert_eq!(texts(&b_confirm.html, "#bulk-count"), ["0"]);
    assert_eq!(
        b.post_form("/ui/domains/bulk", &pairs).await.location.as_deref(),
        Some("/ui/domains?q=waiting-&notice=bulk-delete-0-0")
    );
    assert!(exists(&scene, TOKEN_A, "waiting-0.com").await);

    // The owner deletes them: gone from the API too.
    let done =
        a.post_form("/ui/domains/bulk", &[("csrf", &csrf), ("action", "delete"), ("q", "waiting-")]).await;
    assert_eq!(done.location.as_deref(), Some("/ui/domains?q=waiting-&notice=bulk-delete-3-0"));
    for domain in waiting {
        assert!(!exists(&scene, TOKEN_A, domain).await, "{domain} deleted");
    }
    assert!(exists(&scene, TOKEN_A, "shop-one.com").await);
}

async fn an_admin_pauses_and_resumes_claiming_from_the_console(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let db = test_db.connect().await;
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let overview = admin.get("/ui").await;
    assert!(attributes(&overview.html, "form", "action").contains(&"/ui/pause".to_owned()));
    assert!(
        !attributes(&a.get("/ui").await.html, "form", "action").contains(&"/ui/pause".to_owned()),
        "admins only"
    );

    assert_eq!(
        a.post("/ui/pause", true).await.status,
        StatusCode::FORBIDDEN,
        "a tenant cannot pause everyone"
    );
    assert_eq!(admin.post("/ui/pause", false).await.status, StatusCode::FORBIDDEN, "no CSRF token");
    assert!(domain_scheduler::store::pause::current(&db).await.unwrap().is_none());

    let done = admin.post("/ui/pause", true).await;
    assert_eq!(done.location.as_deref(), Some("/ui?notice=paused"));
    assert!(domain_scheduler::store::pause::current(&db).await.unwrap().is_some());
    let paused = admin.get("/ui?notice=paused").await;
    assert!(paused.html.contains("Claiming paused since"));
    assert!(attributes(&paused.html, "form", "action").contains(&"/ui/resume".to_owned()));
    let health = client().get(scene.served.url("/healthz")).send().await.unwrap().text().await.unwrap();
    assert!(health.contains("claiming paused since") && health.contains("by the console"), "{health}");

    let done = admin.post("/ui/resume", true).await;
    assert_eq!(done.location.as_deref(), Some("/ui?notice=resumed"));
    assert!(domain_scheduler::store::pause::current(&db).await.unwrap().is_none());
}

async fn a_run_page_shows_its_outcomes_and_its_failures(backend: Backend) {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let db = test_db.connect().await;
    let failure = entity::domain_errors::Entity::find()
        .filter(entity::domain_errors::Column::Kind.eq("http_status"))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let run_id = failure.run_id.expect("the failure names its run");
    let path = format!("/ui/runs/{run_id}");
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    common::wait::wait_until("the run to be written", std::time::Duration::from_secs(30), || async {
        admin.get(&path).await.status == StatusCode::OK
    })
    .await;
    let runs = admin.get("/ui/runs").await;
    assert!(attributes(&runs.html, "table.data a", "href").contains(&path), "the list links to the run");
    let page = admin.get(&path).await;
    let outcomes = texts(&page.html, ".cards .stat");
    assert!(outcomes.iter().any(|o| o.starts_with("Claimed")), "{outcomes:?}");
    assert!(outcomes.iter().any(|o| o.starts_with("Failed")), "{outcomes:?}");
    assert!(page.html.contains("took"), "its duration");
    assert_eq!(listed(&page.html), ["broken-site.com"], "the failure it recorded");
    assert!(
        attributes(&page.html, "#failures a.error-kind", "href")
            .contains(&"/ui/domains?error_kind=http_status".to_owned())
    );

    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    assert_eq!(a.get(&path).await.status, StatusCode::FORBIDDEN, "runs are an admin's");
    let unknown = admin.get(&format!("/ui/runs/{}", uuid::Uuid::new_v4())).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

async fn the_new_pages_answer_under_the_strict_content_security_policy(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let db = test_db.connect().await;
    let run = domain_scheduler::store::runs::page(&db, None, 1).await.unwrap();
    let mut paths = vec![
        format!("/ui/batches/{}", scene.batch_a),
        "/ui/domains?text=site&status=completed".to_owned(),
        "/ui/domains/bulk?action=retry&status=error".to_owned(),
    ];
    paths.extend(run.iter().map(|run| format!("/ui/runs/{}", run.id)));
    for path in paths {
        let response =
            client().get(scene.served.url(&path)).header("cookie", &admin.cookie).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        let html = response.text().await.unwrap();
        assert!(
            !html.contains(" style=\"") && !html.contains("<script>"),
            "{path} has inline style or script"
        );
    }
}

on_both_backends!(
    the_batch_page_shows_members_by_status_deliveries_and_exports,
    a_batchs_errors_are_retried_and_its_pending_domains_cancelled_from_its_page,
    every_error_kind_opens_the_list_of_domains_failing_that_way,
    the_domain_list_filters_by_text_technology_status_and_tenant,
    every_list_pages_forwards_back_and_to_the_first_page,
    a_bulk_action_counts_first_then_acts_on_exactly_the_filter,
    an_admin_pauses_and_resumes_claiming_from_the_console,
    a_run_page_shows_its_outcomes_and_its_failures,
    the_new_pages_answer_under_the_strict_content_security_policy,
);
