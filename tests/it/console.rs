//! The operator console (`/ui`) over HTTP, as a browser would speak to it: the real service on
//! a free port, both backends. The browser itself is driven in tests/it/console_browser.rs.

use crate::common;
use crate::on_both_backends;

use common::console::{ADMIN_TOKEN, Scene, Session, TENANT_A, TOKEN_A, TOKEN_B, api, domain_row, form};
use common::db::{Backend, TestDb};
use reqwest::StatusCode;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn signing_in_sets_a_cookie_scripts_and_other_sites_cannot_use(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let served = &scene.served;

    let before = client().get(served.url("/ui/batches?before=x")).send().await.unwrap();
    assert_eq!(before.status(), StatusCode::SEE_OTHER);
    assert_eq!(before.headers()["location"], "/ui/sign-in?next=%2Fui%2Fbatches%3Fbefore%3Dx");

    let wrong =
        form(client().post(served.url("/ui/sign-in")), &[("token", "not-a-known-token")]).send().await;
    let wrong = wrong.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());
    assert!(wrong.text().await.unwrap().contains("not known"));

    let signed =
        form(client().post(served.url("/ui/sign-in")), &[("token", TOKEN_A), ("next", "/ui/batches")])
            .send()
            .await
            .unwrap();
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed.headers()["location"], "/ui/batches");
    let cookie = signed.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{attribute} missing from {cookie}");
    }
    assert!(
        !cookie.contains(TOKEN_A) && !cookie.contains(&hex::encode(TOKEN_A)),
        "the cookie holds nothing of the token: {cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http without a public https URL: {cookie}");

    let elsewhere = form(
        client().post(served.url("/ui/sign-in")),
        &[("token", TOKEN_A), ("next", "https://elsewhere.example/")],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(elsewhere.headers()["location"], "/ui", "sign-in never sends a browser to another site");
}

async fn a_tenant_sees_only_its_own_rows_and_no_runs(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let b = Session::sign_in(&scene.served, TOKEN_B).await;

    let page = b.get(&format!("/ui/domains/{}", scene.shop_id)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "another tenant's domain is not found");
    assert!(!page.html.contains("shop-one.com"));
    let own = b.get(&format!("/ui/domains/{}", scene.b_site_id)).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.html.contains("tenant-b-site.com"));

    for path in
        ["/ui", "/ui/batches", "/ui/domains", "/ui/domains?q=shop", &format!("/ui/domains?tenant={TENANT_A}")]
    {
        let page = b.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for secret in ["shop-one.com", "broken-site.com", &scene.batch_a[..8], TENANT_A] {
            assert!(!page.html.contains(secret), "{path} shows tenant A's {secret}");
        }
    }
    let runs = b.get("/ui/runs").await;
    assert_eq!(runs.status, StatusCode::FORBIDDEN);
    assert!(runs.html.contains("admin view"), "the page says why");

    // Tenant A's rows cannot be changed by B either.
    let retry = b.post(&format!("/ui/domains/{}/retry", scene.broken_id), true).await;
    assert_eq!(retry.status, StatusCode::NOT_FOUND);
    assert_eq!(
        b.post(&format!("/ui/tenants/{TENANT_A}/reset-errors"), true).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        b.post(&format!("/ui/batches/{}/cancel", scene.batch_a), true).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "error");
}

async fn an_admin_sees_every_tenant_and_the_runs(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let overview = admin.get("/ui").await;
    assert!(overview.html.contains("Domains by tenant"));
    for tenant in ["0000000a-0000-4000-8000-00000000000a", "0000000b-0000-4000-8000-00000000000b"] {
        assert!(overview.html.contains(tenant), "the overview lists tenant {tenant}");
    }
    let runs = admin.get("/ui/runs").await;
    assert_eq!(runs.status, StatusCode::OK);
    assert!(runs.html.contains("<tbody>"), "runs are listed");
    let domains = admin.get("/ui/domains").await.html;
    assert!(domains.contains("shop-one.com") && domains.contains("tenant-b-site.com"));
    let b_domain = admin.get(&format!("/ui/domains/{}", scene.b_site_id)).await;
    assert_eq!(b_domain.status, StatusCode::OK);
}

async fn an_action_without_its_csrf_token_changes_nothing(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let refused = a.post(&format!("/ui/domains/{}/retry", scene.broken_id), false).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.html.contains("security token"), "the page says why");
    let mut forged = Session::sign_in(&scene.served, TOKEN_A).await;
    forged.csrf = "0".repeat(64);
    assert_eq!(
        forged.post(&format!("/ui/domains/{}/retry", scene.broken_id), true).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        forged.post(&format!("/ui/tenants/{TENANT_A}/reset-errors"), true).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "error");
}

async fn retrying_a_failed_domain_puts_it_back_to_pending(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    scene.hold_the_run_slot().await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let done = a.post(&format!("/ui/domains/{}/retry", scene.broken_id), true).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let location = done.location.unwrap();
    assert_eq!(location, format!("/ui/domains/{}?notice=retried", scene.broken_id));
    let row = domain_row(&scene.served, TOKEN_A, "broken-site.com").await;
    assert_eq!((row["status"].as_str(), row["attempts"].as_u64()), (Some("pending"), Some(0)), "{row}");
    let page = a.get(&location).await;
    assert!(page.html.contains("badge-pending") && page.html.contains("pending again"));
}

async fn resetting_a_tenants_errored_domains_puts_them_back_to_pending(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    scene.hold_the_run_slot().await;
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let done = admin.post(&format!("/ui/tenants/{TENANT_A}/reset-errors"), true).await;
    assert_eq!(done.location.as_deref(), Some("/ui?notice=reset-1"));
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "pending");
    assert!(admin.get("/ui?notice=reset-1").await.html.contains("1 errored domain is back to pending"));
}

async fn cancelling_a_batch_ends_its_pending_domains_in_error_as_cancelled(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    scene.hold_the_run_slot().await;
    let batch = scene.waiting_batch().await;
    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let batches = a.get("/ui/batches").await.html;
    assert!(
        batches.contains(&format!("/ui/batches/{batch}/cancel")),
        "a batch with pending domains can be cancelled"
    );
    let done = a.post(&format!("/ui/batches/{batch}/cancel"), true).await;
    assert_eq!(done.location, Some(format!("/ui/batches/{batch}?notice=cancelled-3-0")));
    for i in 0..3 {
        let row = domain_row(&scene.served, TOKEN_A, &format!("waiting-{i}.com")).await;
        assert_eq!(row["status"], "error", "{row}");
        assert!(row["last_error"].as_str().unwrap().starts_with("operator/cancelled"), "{row}");
    }
    let (status, progress) =
        api(client().get(scene.served.url(&format!("/api/v1/batches/{batch}"))), TOKEN_A).await;
    assert_eq!((status, progress["status"].as_str()), (StatusCode::OK, Some("complete")), "{progress}");
    let domain = a.get("/ui/domains?q=waiting-0").await.html;
    assert!(domain.contains("operator/cancelled"), "the list shows why");
}

async fn every_page_answers_with_a_strict_content_security_policy(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&db.url).await;
    let admin = Session::sign_in(&scene.served, ADMIN_TOKEN).await;
    let batch = &scene.batch_b;
    for path in [
        "/ui".to_owned(),
        "/ui/overview/live".to_owned(),
        "/ui/runs".to_owned(),
        "/ui/batches".to_owned(),
        "/ui/domains?q=shop".to_owned(),
        format!("/ui/domains?batch={batch}"),
        format!("/ui/domains/{}", scene.shop_id),
    ] {
        let response =
            client().get(scene.served.url(&path)).header("cookie", &admin.cookie).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let policy = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(
            policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        let html = response.text().await.unwrap();
        assert!(
            !html.contains(" style=\"") && !html.contains("<script>"),
            "{path} has inline style or script"
        );
    }
    for path in ["/docs/", "/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js"] {
        let docs = client().get(scene.served.url(path)).send().await.unwrap();
        assert_eq!(docs.status(), StatusCode::OK, "{path}");
        let policy = docs.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_owned());
        let policy = policy.unwrap_or_else(|| panic!("{path} answers without a Content-Security-Policy"));
        for directive in
            ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]
        {
            assert!(policy.contains(directive), "{path}: {directive} missing from {policy}");
        }
        assert!(!policy.contains("unsafe"), "{path}: {policy}");
        assert_eq!(docs.headers()["x-frame-options"], "DENY", "{path}");
    }
    let docs = client().get(scene.served.url("/docs/")).send().await.unwrap();
    assert!(docs.text().await.unwrap().contains("Swagger UI"));
}

/// Makes the completed domains `names` due for a re-scan, the first the longest due, without
/// announcing them (no status change, so no PostgreSQL notification either). Returns their
/// `fetched_at`, once none of them is being fetched.
async fn due_for_a_rescan(
    db: &sea_orm::DatabaseConnection,
    names: &[&str],
) -> Vec<chrono::DateTime<chrono::Utc>> {
    use entity::domains::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    let mut fetched = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let settled = format!("{name} to be completed");
        common::wait::wait_until(&settled, std::time::Duration::from_secs(30), || async {
            stored(db, name).await.status == entity::DomainStatus::Completed
        })
        .await;
        let due = chrono::Utc::now() - chrono::Duration::minutes(10 - i as i64);
        Entity::update_many()
            .col_expr(Column::RescanAt, Expr::value(due))
            .filter(Column::Domain.eq(*name))
            .exec(db)
            .await
            .unwrap();
        fetched.push(stored(db, name).await.fetched_at.unwrap());
    }
    fetched
}

/// `name`'s row as stored.
async fn stored(db: &sea_orm::DatabaseConnection, name: &str) -> entity::domains::Model {
    use entity::domains::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Entity::find().filter(Column::Domain.eq(name)).one(db).await.unwrap().unwrap()
}

/// Whether `name` has been claimed since it was scanned at `before`.
async fn claimed_since(
    db: &sea_orm::DatabaseConnection,
    name: &str,
    before: chrono::DateTime<chrono::Utc>,
) -> bool {
    let row = stored(db, name).await;
    row.status == entity::DomainStatus::Processing || row.fetched_at.is_some_and(|at| at > before)
}

/// Waits until `name` has been scanned again since `before`.
async fn rescanned(db: &sea_orm::DatabaseConnection, name: &str, before: chrono::DateTime<chrono::Utc>) {
    let what = format!("{name} to be re-scanned");
    common::wait::wait_until(&what, std::time::Duration::from_secs(30), || async {
        let row = stored(db, name).await;
        row.status == entity::DomainStatus::Completed && row.fetched_at.is_some_and(|at| at > before)
    })
    .await;
}

/// Waits until every run that claimed the scene's four domains has ended: no run is left
/// claiming to take a domain made due afterwards.
async fn runs_ended(db: &sea_orm::DatabaseConnection) {
    use sea_orm::EntityTrait;
    common::wait::wait_until("the scene's runs to end", std::time::Duration::from_secs(30), || async {
        let runs = entity::scheduler_runs::Entity::find().all(db).await.unwrap();
        runs.iter().map(|run| run.domains_claimed).sum::<i32>() == 4
    })
    .await;
}

/// Makes `names` due and asks for a run with `ask` until one starts: a service on SQLite looks
/// for due work every second by itself, and when its own run took the domains first (the
/// request then answers 409 or `nothing_due`), they are made due again. The `fetched_at` of
/// each name before the run that started.
async fn run_started<F, Fut>(
    db: &sea_orm::DatabaseConnection,
    names: &[&str],
    ask: F,
) -> Vec<chrono::DateTime<chrono::Utc>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..10 {
        let before = due_for_a_rescan(db, names).await;
        if ask().await {
            return before;
        }
        for (name, at) in names.iter().zip(&before) {
            if claimed_since(db, name, *at).await {
                rescanned(db, name, *at).await;
            }
        }
    }
    panic!("no run started for {names:?} in 10 tries");
}

async fn a_tenants_run_now_claims_only_its_own_due_domains(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let served = &scene.served;
    let db = test_db.connect().await;
    runs_ended(&db).await;
    let run = |token: &'static str| async move {
        let (status, body) = api(client().post(served.url("/api/v1/scheduler/run")), token).await;
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        status == StatusCode::ACCEPTED
    };

    // Only tenant A's domain is due: tenant B's run starts nothing.
    let a_before = due_for_a_rescan(&db, &["shop-one.com"]).await[0];
    assert!(!run(TOKEN_B).await, "tenant B's run-now never starts on tenant A's domain");
    if backend == Backend::Postgres {
        // (On SQLite the service itself takes due work within a second.)
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let shop = stored(&db, "shop-one.com").await;
        assert_eq!(shop.fetched_at, Some(a_before), "tenant B's run left tenant A's domain alone");
        assert!(shop.rescan_at.is_some_and(|at| at <= chrono::Utc::now()), "still due");
    }

    // Both are due, A's for longer: tenant B's run claims B's, at once, and never A's.
    let before = run_started(&db, &["shop-one.com", "tenant-b-site.com"], || run(TOKEN_B)).await;
    assert!(
        claimed_since(&db, "tenant-b-site.com", before[1]).await,
        "the run claimed B's domain as it started"
    );
    rescanned(&db, "tenant-b-site.com", before[1]).await;
    if backend == Backend::Postgres {
        assert_eq!(
            stored(&db, "shop-one.com").await.fetched_at,
            Some(before[0]),
            "A's domain is still waiting"
        );
    }

    // Tenant A's "Run now" button in the console claims A's.
    let a = Session::sign_in(served, TOKEN_A).await;
    let press = || async {
        let pressed = a.post("/ui/run-now", true).await;
        pressed.location.as_deref() == Some("/ui?notice=run-started")
    };
    let before = run_started(&db, &["tenant-b-site.com", "shop-one.com"], press).await;
    assert!(claimed_since(&db, "shop-one.com", before[1]).await, "the run claimed A's domain as it started");
    rescanned(&db, "shop-one.com", before[1]).await;

    // An admin's run takes every tenant's, as it always has.
    let before = run_started(&db, &["shop-one.com", "tenant-b-site.com"], || run(ADMIN_TOKEN)).await;
    rescanned(&db, "shop-one.com", before[0]).await;
    rescanned(&db, "tenant-b-site.com", before[1]).await;
}

async fn the_change_history_pages_back_in_the_console(backend: Backend) {
    use sea_orm::EntityTrait;
    let Some(test_db) = TestDb::create(backend).await else { return };
    let scene = Scene::start(&test_db.url).await;
    let db = test_db.connect().await;
    let shop = stored(&db, "shop-one.com").await;
    let first = chrono::Utc::now() - chrono::Duration::days(70);
    let changes = (0..60).map(|i| entity::domain_changes::ActiveModel {
        domain_id: sea_orm::Set(shop.id),
        tenant_id: sea_orm::Set(shop.tenant_id),
        scanned_at: sea_orm::Set(first + chrono::Duration::days(i)),
        field: sea_orm::Set("title".into()),
        old_value: sea_orm::Set(serde_json::json!(format!("Title {i}"))),
        new_value: sea_orm::Set(serde_json::json!(format!("Title {}", i + 1))),
        ..Default::default()
    });
    entity::domain_changes::Entity::insert_many(changes).exec(&db).await.unwrap();

    let a = Session::sign_in(&scene.served, TOKEN_A).await;
    let newest = a.get(&format!("/ui/domains/{}", scene.shop_id)).await;
    assert!(newest.html.contains("Title 59") && !newest.html.contains("Title 9<"), "the newest 50 first");
    assert!(!newest.html.contains("/api/v1/domains/"), "no link a browser session cannot open");
    let document = scraper::Html::parse_document(&newest.html);
    let link = scraper::Selector::parse("#change-history nav.pager a").unwrap();
    let older =
        document.select(&link).next().expect("a link to the older changes").value().attr("href").unwrap();
    assert!(older.starts_with(&format!("/ui/domains/{}?changes_before=", scene.shop_id)), "{older}");
    let older = a.get(older.trim_end_matches("#change-history")).await;
    assert_eq!(older.status, StatusCode::OK);
    let rows = scraper::Html::parse_document(&older.html)
        .select(&scraper::Selector::parse("#change-history tbody tr").unwrap())
        .count();
    assert_eq!(rows, 10, "the 10 oldest changes");
    assert!(older.html.contains("Title 0") && !older.html.contains("Title 59"));
    assert!(older.html.contains("Newest changes"));
    // Back from the older page to the newer one: the 50 newest again.
    let newer = scraper::Html::parse_document(&older.html)
        .select(&scraper::Selector::parse("#change-history nav.pager a[rel=prev]").unwrap())
        .next()
        .expect("a link back to the newer changes")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert!(newer.starts_with(&format!("/ui/domains/{}?changes_after=", scene.shop_id)), "{newer}");
    let newer = a.get(newer.trim_end_matches("#change-history")).await;
    let shown: Vec<String> = scraper::Html::parse_document(&newer.html)
        .select(&scraper::Selector::parse("#change-history tbody tr td[data-label=After]").unwrap())
        .map(|cell| cell.text().collect::<String>())
        .collect();
    assert_eq!(shown.len(), 50, "a full page of the newer changes");
    assert_eq!(
        (shown.first().map(String::as_str), shown.last().map(String::as_str)),
        (Some("\"Title 60\""), Some("\"Title 11\"")),
        "newest first, as on the first page (a text value is shown as its JSON)"
    );
    let other = Session::sign_in(&scene.served, TOKEN_B).await;
    let refused = other.get(&format!("/ui/domains/{}?changes_before=1_1", scene.shop_id)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "another tenant's history stays hidden");
}

on_both_backends!(
    signing_in_sets_a_cookie_scripts_and_other_sites_cannot_use,
    a_tenant_sees_only_its_own_rows_and_no_runs,
    an_admin_sees_every_tenant_and_the_runs,
    an_action_without_its_csrf_token_changes_nothing,
    retrying_a_failed_domain_puts_it_back_to_pending,
    resetting_a_tenants_errored_domains_puts_them_back_to_pending,
    cancelling_a_batch_ends_its_pending_domains_in_error_as_cancelled,
    every_page_answers_with_a_strict_content_security_policy,
    a_tenants_run_now_claims_only_its_own_due_domains,
    the_change_history_pages_back_in_the_console,
);
