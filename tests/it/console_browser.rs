//! The console in a real browser (headless chromium through chromedriver): signing in, every
//! page, retrying a failed domain, tenant isolation, and an action without its CSRF token.
//! Screenshots of each page are saved in `console-screenshots/` of the target directory.
//!
//! Reported as ignored, with the reason, when chromium or chromedriver is not installed
//! (build.rs); `CONSOLE_BROWSER_TESTS=require` (CI) fails a test that finds no browser anyway.

use crate::common;

use common::browser::Browser;
use common::console::{ADMIN_TOKEN, Scene, TOKEN_A, TOKEN_B, domain_row};
use common::db::{Backend, TestDb};
use fantoccini::Locator;

/// The service with its scene and a browser, or `None` when the browser test is skipped.
async fn start() -> Option<(TestDb, Scene, Browser)> {
    let browser = Browser::start().await?;
    let db = TestDb::create(Backend::Sqlite).await?;
    let scene = Scene::start(&db.url).await;
    Some((db, scene, browser))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn an_admin_signs_in_and_opens_every_page() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;

    browser.goto(&format!("{base}/ui/runs")).await;
    browser.wait_for("input[name=token]").await;
    assert!(browser.client.current_url().await.unwrap().as_str().contains("/ui/sign-in?next="));
    browser.screenshot("sign-in", 1280).await;
    browser
        .client
        .find(Locator::Css("input[name=token]"))
        .await
        .unwrap()
        .send_keys(ADMIN_TOKEN)
        .await
        .unwrap();
    browser.click("form button[type=submit]").await;
    browser.wait_for("header.top").await;
    assert!(
        browser.client.current_url().await.unwrap().as_str().ends_with("/ui/runs"),
        "back where it started"
    );
    assert_eq!(browser.text("h1").await, "Scheduler runs");
    assert!(browser.text("table.data tbody").await.contains("%"), "runs with their success rate");
    browser.screenshot("runs", 1280).await;

    let cookie = browser.client.get_named_cookie("ds_console").await.unwrap();
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Strict));

    browser.click("nav.nav a[href='/ui']").await;
    browser.wait_for("#live").await;
    assert_eq!(browser.text("h1").await, "Overview");
    let tenants = browser.text("#live section.card:last-of-type table").await;
    assert!(tenants.contains("0000000a") && tenants.contains("0000000b"), "{tenants}");
    browser.screenshot("overview", 1280).await;
    browser.screenshot("overview-phone", 390).await;

    browser.click("nav.nav a[href='/ui/batches']").await;
    browser.wait_for("ul.batch-list").await;
    assert_eq!(browser.client.find_all(Locator::Css("li.batch")).await.unwrap().len(), 2);
    browser.screenshot("batches", 1280).await;

    let search = browser.client.find(Locator::Css("header .top-search input")).await.unwrap();
    search.send_keys("shop\n").await.unwrap();
    browser.wait_for("form.filters").await;
    let rows = browser.text("table.data tbody").await;
    assert!(rows.contains("shop-one.com") && !rows.contains("plain-site.org"), "{rows}");
    browser.screenshot("search", 1280).await;

    browser.click("table.data tbody a").await;
    browser.wait_for("#change-history").await;
    assert!(browser.text("h1").await.starts_with("shop-one.com"));
    assert!(browser.text(".chips").await.contains("WordPress"), "the technology found");
    browser.screenshot("domain", 1280).await;
    browser.screenshot("domain-phone", 390).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn a_tenant_retries_a_failed_domain_and_sees_it_pending_again() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    scene.hold_the_run_slot().await;
    browser.sign_in(base, TOKEN_A).await;
    browser.goto(&format!("{base}/ui/domains/{}", scene.broken_id)).await;
    browser.wait_for("#errors").await;
    assert!(browser.text("h1 .badge").await.contains("error"));
    assert!(browser.text("#errors table").await.contains("http_status"), "the failure is listed");
    browser.screenshot("domain-error", 1280).await;

    browser.click("form[action$='/retry'] button").await;
    browser.wait_for(".notice").await;
    assert!(browser.text(".notice").await.contains("pending again"));
    assert_eq!(browser.text("h1 .badge").await, "pending");
    browser.screenshot("domain-retried", 1280).await;
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "pending");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn another_tenants_domain_cannot_be_reached() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    browser.sign_in(base, TOKEN_B).await;
    browser.goto(&format!("{base}/ui/domains/{}", scene.shop_id)).await;
    browser.wait_for("h1").await;
    assert_eq!(browser.text("h1").await, "Not found");
    assert!(!browser.client.source().await.unwrap().contains("shop-one.com"));
    browser.screenshot("not-found", 1280).await;

    browser.goto(&format!("{base}/ui/domains?q=shop")).await;
    browser.wait_for("form.filters").await;
    assert!(browser.text(".card .empty").await.contains("No domain matches"));
    browser.goto(&format!("{base}/ui/runs")).await;
    browser.wait_for("h1").await;
    assert_eq!(browser.text("h1").await, "Not for this token");
    browser.screenshot("runs-refused-to-a-tenant", 1280).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn an_action_without_its_csrf_token_is_refused() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    browser.sign_in(base, TOKEN_A).await;
    browser.goto(&format!("{base}/ui/domains/{}", scene.broken_id)).await;
    browser.wait_for("form[action$='/retry']").await;
    // What a forged form from elsewhere would send: the action without the page's token.
    browser
        .client
        .execute("document.querySelector(\"form[action$='/retry'] input[name=csrf]\").remove();", vec![])
        .await
        .unwrap();
    browser.click("form[action$='/retry'] button").await;
    browser.wait_for("h1").await;
    assert_eq!(browser.text("h1").await, "Action refused");
    browser.screenshot("csrf-refused", 1280).await;
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "error");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swagger_ui_lists_the_operations_under_its_content_security_policy() {
    let Some(browser) = Browser::start().await else { return };
    let db = TestDb::create(Backend::Sqlite).await.unwrap();
    let served = common::server::Served::start(&db.url, "127.0.0.1:9", common::console::TOKENS, &[]).await;
    let docs = reqwest::get(served.url("/docs/")).await.unwrap();
    assert!(docs.headers().contains_key("content-security-policy"), "the page is under a policy");
    browser.goto(&served.url("/docs/")).await;
    browser.wait_for(".opblock-summary-path").await;
    let paths = browser.text("#swagger-ui").await;
    for path in ["/api/v1/domains", "/api/v1/scheduler/run", "/healthz"] {
        assert!(paths.contains(path), "{path} is not listed: {paths}");
    }
    browser.screenshot("docs", 1280).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_ends_the_session_even_for_a_kept_copy_of_its_cookie() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    browser.sign_in(base, TOKEN_A).await;
    let kept = browser.client.get_named_cookie("ds_console").await.unwrap().value().to_owned();
    assert!(!kept.contains(TOKEN_A) && !kept.contains(&hex::encode(TOKEN_A)), "{kept}");

    browser.click(".who form button").await;
    browser.wait_for("input[name=token]").await;
    assert!(browser.text("body").await.contains("You are signed out."));
    browser.goto(&format!("{base}/ui")).await;
    browser.wait_for("input[name=token]").await;

    // The cookie as it was before signing out, replayed from elsewhere.
    let replayed = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/ui"))
        .header("cookie", format!("ds_console={kept}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.status(), reqwest::StatusCode::SEE_OTHER);
    assert!(replayed.headers()["location"].to_str().unwrap().starts_with("/ui/sign-in"));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_older_changes_link_opens_the_older_changes() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let Some((db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    let connection = db.connect().await;
    let shop = entity::domains::Entity::find()
        .filter(entity::domains::Column::Domain.eq("shop-one.com"))
        .one(&connection)
        .await
        .unwrap()
        .unwrap();
    let first = chrono::Utc::now() - chrono::Duration::days(70);
    let changes = (0..55).map(|i| entity::domain_changes::ActiveModel {
        domain_id: sea_orm::Set(shop.id),
        tenant_id: sea_orm::Set(shop.tenant_id),
        scanned_at: sea_orm::Set(first + chrono::Duration::days(i)),
        field: sea_orm::Set("title".into()),
        old_value: sea_orm::Set(serde_json::json!(format!("Old title {i}"))),
        new_value: sea_orm::Set(serde_json::json!(format!("New title {i}"))),
        ..Default::default()
    });
    entity::domain_changes::Entity::insert_many(changes).exec(&connection).await.unwrap();

    browser.sign_in(base, TOKEN_A).await;
    browser.goto(&format!("{base}/ui/domains/{}", scene.shop_id)).await;
    browser.wait_for("#change-history").await;
    browser.click("#change-history nav.pager a").await;
    common::wait::wait_until("the older changes to open", std::time::Duration::from_secs(30), || async {
        browser.client.current_url().await.unwrap().as_str().contains("changes_before=")
    })
    .await;
    browser.wait_for("#change-history").await;
    assert!(browser.text("h1").await.starts_with("shop-one.com"), "the console page, not an API error");
    let history = browser.text("#change-history table").await;
    assert!(history.contains("Old title 0") && !history.contains("Old title 54"), "{history}");
    browser.screenshot("domain-older-changes", 1280).await;
    // And back to the newer ones.
    browser.click("#change-history nav.pager a[rel=prev]").await;
    at_url(&browser, "changes_after=").await;
    browser.wait_for("#change-history").await;
    let history = browser.text("#change-history table").await;
    assert!(history.contains("Old title 54") && !history.contains("Old title 0"), "{history}");
    browser.close().await;
}

/// Waits until the page's URL holds `part` (after a click that navigates).
async fn at_url(browser: &Browser, part: &str) {
    let what = format!("the page at a URL with {part}");
    common::wait::wait_until(&what, std::time::Duration::from_secs(30), || async {
        browser.client.current_url().await.unwrap().as_str().contains(part)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn a_batch_page_lists_its_members_by_status_and_retries_its_errors() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    scene.hold_the_run_slot().await;
    browser.sign_in(base, TOKEN_A).await;
    browser.goto(&format!("{base}/ui/batches")).await;
    browser.wait_for("ul.batch-list").await;
    browser.click(&format!("a.batch-id[href='/ui/batches/{}']", scene.batch_a)).await;
    browser.wait_for("#members").await;
    let members = browser.text("#members tbody").await;
    for domain in ["shop-one.com", "plain-site.org", "broken-site.com"] {
        assert!(members.contains(domain), "{domain} missing: {members}");
    }
    assert!(browser.text("#callback").await.contains("without a callback"));
    browser.screenshot("batch", 1280).await;
    browser.screenshot("batch-phone", 390).await;

    browser.click(".status-links a[href*='status=error']").await;
    at_url(&browser, "status=error").await;
    browser.wait_for("#members tbody").await;
    let members = browser.text("#members tbody").await;
    assert!(members.contains("broken-site.com") && !members.contains("shop-one.com"), "{members}");
    browser.screenshot("batch-errors", 1280).await;

    browser.accept_confirmations().await;
    browser.click("form[action$='/retry-errors'] button").await;
    browser.wait_for(".notice").await;
    assert!(browser.text(".notice").await.contains("1 errored domain is back to pending"));
    browser.screenshot("batch-retried", 1280).await;
    assert_eq!(domain_row(&scene.served, TOKEN_A, "broken-site.com").await["status"], "pending");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn an_error_kind_opens_its_domains_and_a_bulk_action_asks_with_a_count_first() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    scene.hold_the_run_slot().await;
    scene.waiting_batch().await;
    browser.sign_in(base, TOKEN_A).await;
    browser.goto(&format!("{base}/ui")).await;
    browser.wait_for("#live").await;
    browser.click("a.error-kind[href='/ui/domains?error_kind=http_status']").await;
    at_url(&browser, "error_kind=http_status").await;
    browser.wait_for("form.filters").await;
    let rows = browser.text("table.data tbody").await;
    assert!(rows.contains("broken-site.com") && !rows.contains("shop-one.com"), "{rows}");
    browser.screenshot("domains-by-error-kind", 1280).await;
    browser.screenshot("domains-by-error-kind-phone", 390).await;

    browser.goto(&format!("{base}/ui/domains?q=waiting-")).await;
    browser.wait_for(".list-tools").await;
    browser.click(".list-tools a[href*='action=cancel']").await;
    browser.wait_for("#bulk-count").await;
    assert_eq!(browser.text("#bulk-count").await, "3", "the count comes first");
    assert_eq!(domain_row(&scene.served, TOKEN_A, "waiting-0.com").await["status"], "pending");
    browser.screenshot("bulk-confirm", 1280).await;
    browser.screenshot("bulk-confirm-phone", 390).await;
    browser.click("form[action='/ui/domains/bulk'] button[type=submit]").await;
    browser.wait_for(".notice").await;
    assert!(browser.text(".notice").await.contains("3 pending domains cancelled"));
    assert!(browser.text("table.data tbody").await.contains("operator/cancelled"));
    browser.screenshot("bulk-done", 1280).await;

    // The same confirmation without its token is refused and changes nothing.
    browser.goto(&format!("{base}/ui/domains/bulk?action=delete&q=waiting-")).await;
    browser.wait_for("#bulk-count").await;
    browser
        .client
        .execute(
            "document.querySelector(\"form[action='/ui/domains/bulk'] input[name=csrf]\").remove();",
            vec![],
        )
        .await
        .unwrap();
    browser.click("form[action='/ui/domains/bulk'] button[type=submit]").await;
    browser.wait_for("h1").await;
    assert_eq!(browser.text("h1").await, "Action refused");
    browser.screenshot("bulk-csrf-refused", 1280).await;
    assert_eq!(domain_row(&scene.served, TOKEN_A, "waiting-0.com").await["status"], "error");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn an_admin_pauses_and_resumes_claiming_and_opens_a_run() {
    let Some((db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    let connection = db.connect().await;
    browser.sign_in(base, ADMIN_TOKEN).await;
    browser.goto(&format!("{base}/ui")).await;
    browser.wait_for("form[action='/ui/pause']").await;
    browser.accept_confirmations().await;
    browser.click("form[action='/ui/pause'] button").await;
    browser.wait_for("form[action='/ui/resume']").await;
    assert!(browser.text(".notice").await.contains("paused"));
    assert!(browser.text("#live").await.contains("Claiming paused since"));
    assert!(domain_scheduler::store::pause::current(&connection).await.unwrap().is_some());
    browser.screenshot("overview-paused", 1280).await;
    browser.screenshot("overview-paused-phone", 390).await;
    browser.click("form[action='/ui/resume'] button").await;
    browser.wait_for("form[action='/ui/pause']").await;
    assert!(browser.text(".notice").await.contains("resumed"));
    assert!(domain_scheduler::store::pause::current(&connection).await.unwrap().is_none());

    browser.goto(&format!("{base}/ui/runs")).await;
    browser.wait_for("table.data tbody a").await;
    browser.screenshot("runs-phone", 390).await;
    browser.click("table.data tbody a").await;
    browser.wait_for("#failures").await;
    assert!(browser.text("h1").await.starts_with("Run "));
    assert!(browser.text(".cards").await.contains("Claimed"));
    browser.screenshot("run", 1280).await;
    browser.screenshot("run-phone", 390).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn a_list_refreshes_itself_while_visible_and_stops_while_hidden() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    scene.hold_the_run_slot().await;
    let batch = scene.waiting_batch().await;
    browser.sign_in(base, TOKEN_A).await;
    browser.goto(&format!("{base}/ui/batches/{batch}")).await;
    browser.wait_for("#members").await;
    assert!(!browser.text("#members tbody").await.contains("error"));
    browser.client.execute("window.sameDocument = true;", vec![]).await.unwrap();

    let cancel = reqwest::Client::new()
        .post(scene.served.url(&format!("/api/v1/batches/{batch}/cancel")))
        .bearer_auth(TOKEN_A)
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), reqwest::StatusCode::OK);
    common::wait::wait_until("the page to show the cancel", std::time::Duration::from_secs(40), || async {
        // Read by a script: an element found a moment ago may just have been replaced.
        browser.eval("document.querySelector('#members').textContent.includes('operator/cancelled')").await
            == true
    })
    .await;
    assert_eq!(browser.eval("window.sameDocument === true").await, true, "refreshed in place, not reloaded");

    // A hidden tab asks nothing: the count of refreshes stays put past two intervals.
    browser
        .client
        .execute(
            "Object.defineProperty(document, 'hidden', {value: true, configurable: true}); \
             document.dispatchEvent(new Event('visibilitychange'));",
            vec![],
        )
        .await
        .unwrap();
    let before = browser.eval("document.body.getAttribute('data-refreshes')").await;
    assert!(before.is_string(), "it refreshed while visible");
    tokio::time::sleep(std::time::Duration::from_secs(22)).await;
    assert_eq!(browser.eval("document.body.getAttribute('data-refreshes')").await, before);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_browser,
    ignore = "needs chromium and chromedriver (apt-get install chromium chromium-driver)"
)]
async fn on_a_phone_the_header_is_one_line_and_tables_stack() {
    let Some((_db, scene, browser)) = start().await else { return };
    let base = &scene.served.base;
    browser.sign_in(base, ADMIN_TOKEN).await;
    let pages = [
        ("overview", "/ui".to_owned()),
        ("domains", "/ui/domains".to_owned()),
        ("batches", "/ui/batches".to_owned()),
        ("batch", format!("/ui/batches/{}", scene.batch_a)),
        ("runs", "/ui/runs".to_owned()),
        ("domain", format!("/ui/domains/{}", scene.broken_id)),
    ];
    for (name, path) in pages {
        browser.goto(&format!("{base}{path}")).await;
        browser.wait_for("header.top").await;
        browser.screenshot(&format!("{name}-desktop"), 1280).await;
        browser.narrow(390, 844).await;
        let header =
            browser.eval("document.querySelector('header.top').getBoundingClientRect().height").await;
        assert!(header.as_f64().unwrap() < 60.0, "{path}: the header takes one line ({header} px)");
        let wide = browser.eval("document.documentElement.scrollWidth").await;
        assert!(wide.as_f64().unwrap() <= 390.0, "{path}: nothing scrolls sideways ({wide} px)");
        let stacked = browser
            .eval("Array.from(document.querySelectorAll('table.data td')).every(td => getComputedStyle(td).display !== 'table-cell')")
            .await;
        assert_eq!(stacked, true, "{path}: table cells stack");
        browser.full_width().await;
        browser.screenshot(&format!("{name}-phone-390"), 390).await;
    }
    browser.close().await;
}
