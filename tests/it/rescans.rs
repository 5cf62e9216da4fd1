//! Re-scans: a completed domain is fetched again when its interval has passed, after any new
//! work; a re-scan that fails never blanks the good data, and one that answers 404 or 410, or
//! finds the name gone from the DNS, on every attempt marks the site gone.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use chrono::Utc;
use common::db::Backend;
use common::dns::{Behaviour, DnsServer};
use common::farm::{Site, plain_page};
use common::scenario::{Scenario, printed};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// `run-once --drain` with `settings`, which must succeed.
fn drain(scenario: &Scenario, settings: &[(&str, &str)]) -> std::process::Output {
    let mut command = scenario.command(&["run-once", "--drain"]);
    for (name, value) in settings {
        command.env(name, value);
    }
    let out = command.output().expect("run the drain");
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    out
}

/// Moves `domain`'s re-scan time into the past, as the passing of its interval would.
async fn make_due_for_rescan(scenario: &Scenario, domain: &str) {
    let db = scenario.db.connect().await;
    let update = entity::domains::ActiveModel {
        rescan_at: Set(Some(Utc::now() - chrono::Duration::seconds(1))),
        ..Default::default()
    };
    let changed = entity::domains::Entity::update_many()
        .set(update)
        .filter(entity::domains::Column::Domain.eq(domain))
        .filter(entity::domains::Column::Status.eq(entity::DomainStatus::Completed))
        .exec(&db)
        .await
        .expect("move the re-scan time");
    assert_eq!(changed.rows_affected, 1, "{domain} is completed");
}

fn time(row: &serde_json::Value, field: &str) -> chrono::DateTime<Utc> {
    row[field].as_str().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("{field} of {row}"))
}

async fn a_completed_domain_is_rescanned_when_its_interval_has_passed(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("changing-site.com", Site::Html(plain_page("Before")));
    scenario.add(&["changing-site.com"]);
    drain(&scenario, &[]);
    let first = scenario.row("changing-site.com");
    assert_eq!(first["title"], "Before");
    let due = time(&first, "rescan_at") - time(&first, "fetched_at");
    assert_eq!(due.num_days(), 30, "due again after the default interval: {first}");

    drain(&scenario, &[]);
    assert_eq!(scenario.farm.requests("changing-site.com"), 1, "not before its time");

    scenario.farm.add("changing-site.com", Site::Html(plain_page("After")));
    make_due_for_rescan(&scenario, "changing-site.com").await;
    drain(&scenario, &[("DOMAIN_SCHEDULER_RESCAN_AFTER", "12h")]);
    let second = scenario.row("changing-site.com");
    assert_eq!((second["status"].as_str(), second["title"].as_str()), (Some("completed"), Some("After")));
    assert_eq!(second["attempts"], 1, "a re-scan counts its attempts afresh");
    assert_eq!((time(&second, "rescan_at") - time(&second, "fetched_at")).num_hours(), 12);
}

async fn a_rescan_that_fails_keeps_the_good_data_and_says_what_it_found(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("flaky-site.com", Site::Html(plain_page("Good data")));
    scenario.add(&["flaky-site.com"]);
    drain(&scenario, &[]);
    let good = scenario.row("flaky-site.com");

    scenario.farm.add("flaky-site.com", Site::Status(500));
    make_due_for_rescan(&scenario, "flaky-site.com").await;
    drain(&scenario, &[("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "1")]);
    let after = scenario.row("flaky-site.com");
    assert_eq!(after["status"], "completed", "attempts spent: back to completed, not error: {after}");
    assert_eq!(after["title"], "Good data", "never blanked");
    assert_eq!(after["fetched_at"], good["fetched_at"], "the data is the last good scan's");
    assert!(after["last_error"].as_str().unwrap_or_default().contains("HTTP status 500"), "{after}");
    assert!(
        time(&after, "rescan_at") > Utc::now() + chrono::Duration::days(29),
        "due again an interval later"
    );
}

async fn a_site_that_answers_404_on_every_attempt_of_a_rescan_is_gone(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for name in ["closed-shop.com", "moved-shop.com"] {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&["closed-shop.com", "moved-shop.com"]);
    drain(&scenario, &[]);
    // One site answers 404 twice; the other 500 and then 404: it is not gone.
    scenario.farm.add("closed-shop.com", Site::Status(404));
    scenario.farm.add("moved-shop.com", Site::Status(500));
    let two_attempts = [("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "2"), ("DOMAIN_SCHEDULER_RETRY_BASE_SECONDS", "1")];
    for name in ["closed-shop.com", "moved-shop.com"] {
        make_due_for_rescan(&scenario, name).await;
    }
    drain(&scenario, &two_attempts);
    assert_eq!(scenario.row("closed-shop.com")["status"], "pending", "a 404 on a re-scan is tried again");
    scenario.farm.add("moved-shop.com", Site::Status(404));
    common::wait::wait_until_blocking("both retries to fall due", Duration::from_secs(10), || {
        ["closed-shop.com", "moved-shop.com"]
            .iter()
            .all(|name| time(&scenario.row(name), "next_attempt_at") < Utc::now())
    });
    drain(&scenario, &two_attempts);

    let gone = scenario.row("closed-shop.com");
    assert_eq!(gone["status"], "gone", "{gone}");
    assert_eq!(gone["title"], "closed-shop.com", "its last good data stays");
    assert!(gone["rescan_at"].is_null(), "a gone site is not re-scanned");
    assert_eq!(time(&gone, "next_attempt_at"), never(), "nor due for anything else: {gone}");
    let moved = scenario.row("moved-shop.com");
    assert_eq!(moved["status"], "completed", "not every attempt said gone: {moved}");
    let counts = scenario.counts();
    assert_eq!(counts["gone"], 1, "{counts}");
}

/// `run-once --drain` resolving names through the tests' DNS server `dns` instead of the
/// farm's `connect_to`, with two attempts a second apart.
fn drain_resolving(scenario: &Scenario, dns: &DnsServer) {
    let mut command = scenario.command(&["run-once", "--drain"]);
    command
        .env_remove("DOMAIN_SCHEDULER_FETCH_CONNECT_TO")
        .env("DOMAIN_SCHEDULER_DNS_SERVERS", dns.server())
        .env("DOMAIN_SCHEDULER_DNS_TIMEOUT_MS", "300")
        .env("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "2")
        .env("DOMAIN_SCHEDULER_RETRY_BASE_SECONDS", "1");
    let out = command.output().expect("run the drain");
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
}

/// Issue 23, item 2: a name that stays NXDOMAIN on every attempt of a re-scan is gone, as a site
/// answering 404 is; one that the name server answers otherwise on one attempt is not.
async fn a_site_whose_name_stays_nxdomain_on_every_attempt_of_a_rescan_is_gone(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let names = ["vanished-shop.com", "flickering-shop.com"];
    for name in names {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&names);
    drain(&scenario, &[]);
    let dns = DnsServer::start().await;
    dns.set("vanished-shop.com", Behaviour::NxDomain);
    dns.set("flickering-shop.com", Behaviour::NxDomain);
    for name in names {
        make_due_for_rescan(&scenario, name).await;
    }
    drain_resolving(&scenario, &dns);
    let retried = scenario.row("vanished-shop.com");
    assert_eq!(retried["status"], "pending", "an NXDOMAIN on a re-scan is tried again: {retried}");
    dns.set("flickering-shop.com", Behaviour::ServFail);
    common::wait::wait_until_blocking("both retries to fall due", Duration::from_secs(10), || {
        names.iter().all(|name| time(&scenario.row(name), "next_attempt_at") < Utc::now())
    });
    drain_resolving(&scenario, &dns);

    let gone = scenario.row("vanished-shop.com");
    assert_eq!(gone["status"], "gone", "{gone}");
    assert_eq!(gone["title"], "vanished-shop.com", "its last good data stays");
    assert!(gone["rescan_at"].is_null(), "a gone site is not re-scanned");
    assert_eq!(
        scenario.error_kinds("vanished-shop.com").await,
        vec!["fetch/dns_nxdomain".to_owned(), "fetch/dns_nxdomain".to_owned()]
    );
    let flickering = scenario.row("flickering-shop.com");
    assert_eq!(flickering["status"], "completed", "not every attempt said gone: {flickering}");
    assert_eq!(flickering["title"], "flickering-shop.com");
    assert_eq!(scenario.counts()["gone"], 1);
}

async fn new_work_is_claimed_before_due_rescans(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let old: Vec<String> = (0..6).map(|i| format!("known-{i}.com")).collect();
    for name in &old {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&old);
    drain(&scenario, &[]);
    for name in &old {
        make_due_for_rescan(&scenario, name).await;
    }
    let fresh: Vec<String> = (0..3).map(|i| format!("fresh-{i}.com")).collect();
    for name in &fresh {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&fresh);
    let out = scenario.command(&["run-once"]).env("DOMAIN_SCHEDULER_BATCH_SIZE", "3").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    assert!(fresh.iter().all(|name| scenario.farm.requests(name) == 1), "the new work went first");
    assert!(old.iter().all(|name| scenario.farm.requests(name) == 1), "no re-scan took its place");
}

async fn a_submission_sets_its_own_rescan_interval(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for name in ["weekly-site.com", "once-site.com"] {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    let out = scenario.command(&["add", "--rescan-after", "7d", "weekly-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let out = scenario.command(&["add", "--rescan-after", "off", "once-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let bad = scenario.command(&["add", "--rescan-after", "fortnightly", "other-site.com"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", printed(&bad));
    drain(&scenario, &[]);
    let weekly = scenario.row("weekly-site.com");
    assert_eq!(weekly["rescan_after_seconds"], 7 * 24 * 3600);
    assert_eq!((time(&weekly, "rescan_at") - time(&weekly, "fetched_at")).num_days(), 7);
    let once = scenario.row("once-site.com");
    assert_eq!(once["rescan_after_seconds"], 0);
    assert!(once["rescan_at"].is_null(), "never re-scanned: {once}");
}

async fn the_api_takes_a_submission_s_own_rescan_interval(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let token = "token-of-rescans-test";
    let tenant = "0000000a-0000-4000-8000-00000000000a";
    let served = common::server::Served::start(
        &scenario.db.url,
        &scenario.farm.connect_to(),
        &format!("{token}={tenant}"),
        &[],
    )
    .await;
    let client = reqwest::Client::new();
    let submit = |body: serde_json::Value| {
        client.post(served.url("/api/v1/domains")).bearer_auth(token).json(&body).send()
    };
    let refused =
        submit(serde_json::json!({"domains": ["daily-site.com"], "rescan_after": "soon"})).await.unwrap();
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("rescan_after"), "{body}");
    let accepted =
        submit(serde_json::json!({"domains": ["daily-site.com"], "rescan_after": "1d"})).await.unwrap();
    assert_eq!(accepted.status(), 202);
    assert_eq!(scenario.row("daily-site.com")["rescan_after_seconds"], 86_400);
}

/// The due time of a row that is never due by itself (`store::due::never`).
fn never() -> chrono::DateTime<Utc> {
    "9999-12-31T23:59:59Z".parse().unwrap()
}

/// Issue 21, item 14: a completed row is next due when its re-scan is, in both columns; with
/// re-scans off, and in `error`, it is never due by itself (its enqueue time is long gone).
async fn a_rows_next_due_time_says_when_it_is_next_fetched(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for name in ["weekly-site.com", "once-site.com"] {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.farm.add("forbidden-site.com", Site::Status(403));
    let out = scenario.command(&["add", "--rescan-after", "7d", "weekly-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let out = scenario.command(&["add", "--rescan-after", "off", "once-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    scenario.add(&["forbidden-site.com"]);
    drain(&scenario, &[]);
    let weekly = scenario.row("weekly-site.com");
    assert_eq!(weekly["status"], "completed");
    assert_eq!(time(&weekly, "next_attempt_at"), time(&weekly, "rescan_at"), "{weekly}");
    assert_eq!((time(&weekly, "next_attempt_at") - time(&weekly, "fetched_at")).num_days(), 7);
    let once = scenario.row("once-site.com");
    assert_eq!((once["status"].as_str(), once["rescan_at"].as_str()), (Some("completed"), None));
    assert_eq!(time(&once, "next_attempt_at"), never(), "{once}");
    let forbidden = scenario.row("forbidden-site.com");
    assert_eq!(forbidden["status"], "error", "{forbidden}");
    assert_eq!(time(&forbidden, "next_attempt_at"), never());

    // `reset` makes it due now again.
    let out = scenario.command(&["reset", "forbidden-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let reset = scenario.row("forbidden-site.com");
    assert_eq!(reset["status"], "pending");
    assert!(time(&reset, "next_attempt_at") <= Utc::now(), "{reset}");
}

/// Issue 21, item 14: a re-scan whose process died holding it, its attempts spent, goes back to
/// `completed` due after the domain's own interval, not the service's.
async fn lease_recovery_of_a_rescan_keeps_the_domains_own_interval(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("weekly-site.com", Site::Html(plain_page("weekly")));
    let out = scenario.command(&["add", "--rescan-after", "7d", "weekly-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    drain(&scenario, &[]);
    let good = scenario.row("weekly-site.com");
    // A re-scan claimed by an instance that died on its last attempt: its lease has run out.
    let db = scenario.db.connect().await;
    let dead = entity::domains::ActiveModel {
        status: Set(entity::DomainStatus::Processing),
        attempts: Set(3),
        locked_by: Set(Some("an-instance-that-died".into())),
        locked_until: Set(Some(Utc::now() - chrono::Duration::seconds(5))),
        rescan_at: Set(None),
        ..Default::default()
    };
    let changed = entity::domains::Entity::update_many()
        .set(dead)
        .filter(entity::domains::Column::Domain.eq("weekly-site.com"))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
    drain(&scenario, &[("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "3")]);
    let after = scenario.row("weekly-site.com");
    assert_eq!(after["status"], "completed", "{after}");
    assert_eq!(after["title"], "weekly", "its data stays");
    assert_eq!(after["fetched_at"], good["fetched_at"]);
    assert!(after["last_error"].as_str().unwrap_or_default().contains("lease_expired"), "{after}");
    let until_due = time(&after, "rescan_at") - Utc::now();
    assert!(until_due > chrono::Duration::days(6) && until_due <= chrono::Duration::days(7), "{after}");
    assert_eq!(time(&after, "next_attempt_at"), time(&after, "rescan_at"), "{after}");
    assert_eq!(scenario.farm.requests("weekly-site.com"), 1, "not fetched again before its time");
}

on_both_backends!(
    lease_recovery_of_a_rescan_keeps_the_domains_own_interval,
    a_rows_next_due_time_says_when_it_is_next_fetched,
    the_api_takes_a_submission_s_own_rescan_interval,
    a_completed_domain_is_rescanned_when_its_interval_has_passed,
    a_rescan_that_fails_keeps_the_good_data_and_says_what_it_found,
    a_site_that_answers_404_on_every_attempt_of_a_rescan_is_gone,
    a_site_whose_name_stays_nxdomain_on_every_attempt_of_a_rescan_is_gone,
    new_work_is_claimed_before_due_rescans,
    a_submission_sets_its_own_rescan_interval,
);
