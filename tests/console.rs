//! The operator console (`/ui`) over HTTP, as a browser would speak to it: the real service on
//! a free port, both backends. The browser itself is driven in tests/console_browser.rs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

mod common;

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
    assert!(!cookie.contains(TOKEN_A), "the cookie holds the token encoded, never as typed: {cookie}");

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
    assert_eq!(done.location.as_deref(), Some("/ui/batches?notice=cancelled-3-0"));
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
    let docs = client().get(scene.served.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("Swagger UI"));
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
);
