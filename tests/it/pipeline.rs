//! The actor pipeline end to end: the real binary, a real database on each backend, and a site
//! farm on 127.0.0.1.

use crate::common;
use crate::on_both_backends;

use std::collections::HashMap;
use std::process::Output;
use std::time::Duration;

use common::cli::stderr;
use common::db::Backend;
use common::farm::{Site, plain_page, wordpress_page};
use common::scenario::Scenario;

/// Runs the binary with the scenario's farm and these tests' limits: a small pool, batches of
/// 50, a 2 s fetch timeout, and `extra` on top.
fn run_with(scenario: &Scenario, args: &[&str], extra: &[(&str, &str)]) -> Output {
    let limits = [
        ("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "2"),
        ("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "4"),
        ("DOMAIN_SCHEDULER_BATCH_SIZE", "50"),
        ("RUST_LOG", "info"),
    ];
    scenario.run(args, &[&limits[..], extra].concat())
}

fn metrics_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

async fn a_drain_completes_good_sites_and_records_each_failure_kind(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    farm.add("shop-one.com", Site::Html(wordpress_page("shop-one.com")));
    farm.add("plain-site.org", Site::Html(plain_page("Plain & simple")));
    farm.add("moved-site.net", Site::RedirectChain(3, plain_page("Arrived")));
    farm.add(
        "cafe-paris.fr",
        Site::Windows1252(b"<html><head><title>Caf\xe9 de Paris</title></head></html>".to_vec()),
    );
    farm.add("gone-site.com", Site::Status(404));
    farm.add("broken-site.com", Site::Status(500));
    farm.add("silent-site.com", Site::Hang);
    farm.add("binary-site.com", Site::Bytes("application/octet-stream", vec![0, 1, 2, 3]));
    scenario.add(&[
        "shop-one.com",
        "plain-site.org",
        "moved-site.net",
        "cafe-paris.fr",
        "gone-site.com",
        "broken-site.com",
        "silent-site.com",
        "binary-site.com",
    ]);

    let out = run_with(&scenario, &["run-once", "--drain"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let shop = scenario.row("shop-one.com");
    assert_eq!(shop["status"], "completed");
    assert_eq!(shop["title"], "shop-one.com | Home");
    assert_eq!(shop["description"], "The shop-one.com shop");
    assert_eq!(shop["language"], "en");
    assert_eq!(shop["is_wordpress"], true);
    assert_eq!(shop["wordpress_version"], "6.4.2");
    assert_eq!(shop["has_elementor"], true);
    assert_eq!(shop["email_addresses"], serde_json::json!(["hello@shop-one.com"]));
    assert_eq!(shop["phone_numbers"], serde_json::json!(["+442079460000"]));
    assert_eq!(shop["facebook_url"], "https://facebook.com/shop-one.com");
    assert_eq!(shop["twitter_url"], serde_json::Value::Null, "a share link is not a profile");
    assert_eq!(shop["http_status"], 200);
    assert_eq!(scenario.row("plain-site.org")["title"], "Plain & simple");
    let moved = scenario.row("moved-site.net");
    assert_eq!(
        (moved["status"].as_str(), moved["final_url"].as_str()),
        (Some("completed"), Some("http://moved-site.net/hop/3"))
    );
    assert_eq!(scenario.row("cafe-paris.fr")["title"], "Café de Paris");

    let gone = scenario.row("gone-site.com");
    assert_eq!(gone["status"], "error", "a 404 is permanent");
    assert_eq!(scenario.error_kinds("gone-site.com").await, vec!["fetch/http_status"]);
    for (domain, kind) in [
        ("broken-site.com", "fetch/http_status"),
        ("silent-site.com", "fetch/timeout"),
        ("binary-site.com", "fetch/not_html"),
    ] {
        let retried = scenario.row(domain);
        assert_eq!(retried["status"], "pending", "{domain} is re-queued");
        assert_eq!(retried["attempts"], 1);
        assert!(retried["last_error"].as_str().unwrap().starts_with(kind), "{domain}: {retried}");
        assert_eq!(scenario.error_kinds(domain).await, vec![kind.to_owned()]);
    }

    let runs = metrics_lines(&out);
    assert_eq!(runs.len(), 1, "eight domains fit one claim");
    let run = &runs[0];
    assert_eq!((run["domains_claimed"].as_u64(), run["domains_successful"].as_u64()), (Some(8), Some(4)));
    assert_eq!((run["domains_failed"].as_u64(), run["domains_retried"].as_u64()), (Some(1), Some(3)));
    let conn = scenario.db.connect().await;
    let stored = domain_scheduler::store::runs::page(&conn, None, 10).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].domains_claimed, stored[0].domains_successful), (8, 4));
    assert!(stderr(&out).contains("SCHEDULER_METRICS {"), "one metrics line per run");
}

/// A site whose contacts live on its contact and legal pages, not on the home page.
fn site_with_contact_pages(name: &str) -> Site {
    let home = format!(
        r#"<html lang="de-DE"><head><title>{name}</title></head><body>
        <nav><a href="/blog/neuigkeiten">Blog</a> <a href="/kontakt">Kontakt</a>
        <a href="/impressum">Impressum</a> <a href="https://partner-site.com/contact">Partner</a></nav>
        <p>Willkommen.</p></body></html>"#
    );
    let contact = r#"<html><body><h1>Kontakt</h1>
        <a href="mailto:info@{name}">E-Mail</a> <a href="tel:+493012345678">Anrufen</a></body></html>"#
        .replace("{name}", name);
    let legal = r#"<html><body><h1>Impressum</h1><p>Verantwortlich: recht@{name}</p>
        <a href="https://www.linkedin.com/company/contact-pages-gmbh/">LinkedIn</a></body></html>"#
        .replace("{name}", name);
    Site::Pages(vec![
        ("/", home),
        ("/kontakt", contact),
        ("/impressum", legal),
        ("/blog/neuigkeiten", "<html><body>news@blog.example</body></html>".to_owned()),
    ])
}

async fn contact_pages_are_followed_within_max_pages_and_merged(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    farm.add("contact-pages.com", site_with_contact_pages("contact-pages.com"));
    farm.add("home-only.com", site_with_contact_pages("home-only.com"));
    let out = scenario.run(&["add", "--max-pages", "3", "contact-pages.com"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    scenario.add(&["home-only.com"]);
    let out = run_with(&scenario, &["run-once", "--drain"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let merged = scenario.row("contact-pages.com");
    assert_eq!(merged["status"], "completed", "{merged}");
    assert_eq!(
        merged["email_addresses"],
        serde_json::json!(["info@contact-pages.com", "recht@contact-pages.com"]),
        "{merged}"
    );
    assert_eq!(merged["phone_numbers"], serde_json::json!(["+493012345678"]));
    assert_eq!(merged["linkedin_url"], "https://linkedin.com/company/contact-pages-gmbh");
    assert_eq!(merged["title"], "contact-pages.com", "the home page's own fields stay");
    assert_eq!(farm.path_requests("contact-pages.com", "/kontakt"), 1);
    assert_eq!(farm.path_requests("contact-pages.com", "/impressum"), 1);
    assert_eq!(farm.path_requests("contact-pages.com", "/blog/neuigkeiten"), 0, "not a contact page");
    assert_eq!(farm.path_requests("partner-site.com", "/contact"), 0, "another site is never followed");

    // The default of one page: the home page alone.
    let home_only = scenario.row("home-only.com");
    assert_eq!(home_only["email_addresses"], serde_json::json!([]), "{home_only}");
    assert_eq!(farm.path_requests("home-only.com", "/kontakt"), 0);
}

/// A backlog larger than a claim drains in one run that claims again as fetchers free up
/// (claims of at most the batch size: the policy's unit tests check the sizes).
async fn a_backlog_drains_in_one_run_refilled_as_fetchers_free_up(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    let names: Vec<String> = (0..30).map(|i| format!("site-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&names);
    let out = run_with(&scenario, &["run-once", "--drain"], &[("DOMAIN_SCHEDULER_BATCH_SIZE", "7")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let runs = metrics_lines(&out);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0]["domains_claimed"].as_u64(), runs[0]["domains_successful"].as_u64()),
        (Some(30), Some(30))
    );
    let counts = scenario.counts();
    assert_eq!(counts["completed"], 30);
    assert!(names.iter().all(|name| farm.requests(name) == 1), "each site fetched once");
}

async fn panicking_fetchers_lose_no_domain(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    let names: Vec<String> = (0..12).map(|i| format!("site-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&names);
    let failpoints = "fetcher-entry=return(site-3.com,site-7.com)";
    let out = run_with(
        &scenario,
        &["run-once"],
        &[("FAILPOINTS", failpoints), ("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "2")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run = &metrics_lines(&out)[0];
    assert_eq!((run["domains_successful"].as_u64(), run["domains_retried"].as_u64()), (Some(10), Some(2)));
    for name in ["site-3.com", "site-7.com"] {
        assert_eq!(scenario.row(name)["status"], "pending", "{name} is retried");
        assert_eq!(scenario.error_kinds(name).await, vec!["actor/panic"]);
    }
    // Without the fail point, the retried domains complete (their backoff is skipped by a reset).
    scenario.run(&["reset", "site-3.com", "site-7.com"], &[]);
    let out = run_with(&scenario, &["run-once", "--drain"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(scenario.counts()["completed"], 12);
}

async fn a_persister_that_fails_for_a_while_loses_nothing(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    let names: Vec<String> = (0..10).map(|i| format!("site-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&names);
    let out = run_with(&scenario, &["run-once", "--drain"], &[("FAILPOINTS", "persister-entry=4*return")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(log.contains("the database cannot be reached"), "the failures were seen: {log}");
    assert_eq!(log.matches("claims paused").count(), 1, "and logged once: {log}");
    assert_eq!(scenario.counts()["completed"], 10);
}

async fn an_error_recorder_that_fails_for_a_while_loses_nothing(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    for i in 0..4 {
        farm.add(&format!("gone-{i}.com"), Site::Status(410));
    }
    scenario.add(&["gone-0.com", "gone-1.com", "gone-2.com", "gone-3.com"]);
    let out =
        run_with(&scenario, &["run-once", "--drain"], &[("FAILPOINTS", "error-recorder-entry=3*return")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let counts = scenario.counts();
    assert_eq!(counts["error"], 4, "{counts}");
    for i in 0..4 {
        assert_eq!(
            scenario.error_kinds(&format!("gone-{i}.com")).await,
            vec!["fetch/http_status"],
            "one record per failure"
        );
    }
}

async fn the_restart_limit_stops_the_service_naming_the_actor(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    let names: Vec<String> = (0..20).map(|i| format!("site-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&names);
    let out = run_with(
        &scenario,
        &["run-once", "--drain"],
        &[("FAILPOINTS", "fetcher-entry=panic"), ("DOMAIN_SCHEDULER_RESTART_MAX", "3")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("restart intensity exceeded") && stderr(&out).contains("fetcher"),
        "{}",
        stderr(&out)
    );
}

async fn a_killed_process_leaves_nothing_stranded_once_its_lease_expires(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    let names: Vec<String> = (0..8).map(|i| format!("slow-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Slow(Duration::from_millis(1500), plain_page(name)));
    }
    scenario.add(&names);
    let mut child = scenario
        .command(&["run-once", "--drain"])
        .env("DOMAIN_SCHEDULER_LEASE_SECONDS", "2")
        .spawn()
        .unwrap();
    // Killed while every fetch is in flight.
    common::wait::wait_until_blocking("every domain to be claimed", Duration::from_secs(20), || {
        scenario.counts()["processing"] == 8
    });
    child.kill().unwrap();
    child.wait().unwrap();

    common::wait::wait_until("the killed process's leases to expire", Duration::from_secs(10), || {
        scenario.db.leases_expired()
    })
    .await;
    let out = run_with(&scenario, &["run-once", "--drain"], &[("DOMAIN_SCHEDULER_LEASE_SECONDS", "2")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let counts = scenario.counts();
    assert_eq!((counts["completed"].as_u64(), counts["processing"].as_u64()), (Some(8), Some(0)), "{counts}");
    assert_eq!(
        scenario.error_kinds("slow-0.com").await,
        vec!["actor/lease_expired"],
        "the retry is explained"
    );
}

on_both_backends!(
    a_drain_completes_good_sites_and_records_each_failure_kind,
    a_backlog_drains_in_one_run_refilled_as_fetchers_free_up,
    #[cfg_attr(not(feature = "failpoints"), ignore = "needs --features failpoints")]
    panicking_fetchers_lose_no_domain,
    #[cfg_attr(not(feature = "failpoints"), ignore = "needs --features failpoints")]
    a_persister_that_fails_for_a_while_loses_nothing,
    #[cfg_attr(not(feature = "failpoints"), ignore = "needs --features failpoints")]
    an_error_recorder_that_fails_for_a_while_loses_nothing,
    #[cfg_attr(not(feature = "failpoints"), ignore = "needs --features failpoints")]
    the_restart_limit_stops_the_service_naming_the_actor,
    a_killed_process_leaves_nothing_stranded_once_its_lease_expires,
    contact_pages_are_followed_within_max_pages_and_merged,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn two_processes_on_one_postgres_database_fetch_each_site_exactly_once() {
    let Some(scenario) = Scenario::start(Backend::Postgres).await else { return };
    let farm = &scenario.farm;
    let names: Vec<String> = (0..500).map(|i| format!("farm-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Html(plain_page(name)));
    }
    scenario.add(&names);

    let spawn = || {
        scenario
            .command(&["run-once", "--drain"])
            .env("DOMAIN_SCHEDULER_BATCH_SIZE", "20")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) =
        tokio::task::spawn_blocking(move || (a.wait_with_output().unwrap(), b.wait_with_output().unwrap()))
            .await
            .unwrap();
    assert_eq!((a.status.code(), b.status.code()), (Some(0), Some(0)), "{}\n{}", stderr(&a), stderr(&b));
    let claimed =
        |out: &Output| metrics_lines(out).iter().map(|r| r["domains_claimed"].as_u64().unwrap()).sum::<u64>();
    assert!(
        claimed(&a) > 0 && claimed(&b) > 0,
        "both processes took part: {} and {}",
        claimed(&a),
        claimed(&b)
    );
    assert_eq!(claimed(&a) + claimed(&b), 500);
    let fetched: HashMap<usize, usize> =
        names.iter().map(|n| farm.requests(n)).fold(HashMap::new(), |mut m, n| {
            *m.entry(n).or_default() += 1;
            m
        });
    assert_eq!(fetched, HashMap::from([(1, 500)]), "every site fetched exactly once");
    assert_eq!(scenario.counts()["completed"], 500);
}
