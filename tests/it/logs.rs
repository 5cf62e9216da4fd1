//! What the binary writes on stderr when stderr is a file, as under a service manager or in a
//! container: no colour codes, the run's figures as JSON fields, one access line per request
//! without its token, the service's own debug lines without its dependencies', and domains
//! given up on at WARN.

use crate::common;
use crate::on_both_backends;

use std::process::Output;
use std::time::Duration;

use common::cli::{stderr, stdout};
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page, wordpress_page};
use common::server::Served;
use common::wait::wait_until;

/// `run-once` over the farm with `env` added, after adding `domains`.
async fn run_once(db: &TestDb, farm: &Farm, domains: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["add"];
    args.extend_from_slice(domains);
    assert_eq!(common::cli::run(&db.url, &args, None).status.code(), Some(0));
    let workdir = tempfile::tempdir().unwrap();
    let mut command = common::cli::command(&db.url, workdir.path());
    command
        .env("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", farm.connect_to())
        .env("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http")
        .envs(env.iter().copied())
        .arg("run-once");
    let out = tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap();
    drop(workdir);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    out
}

/// Every stderr line parsed as JSON; a line that is not JSON fails the test.
fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pretty_logs_written_to_a_file_carry_no_colour_codes() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let farm = Farm::start().await;
    farm.add("calm-site.com", Site::Html(plain_page("Calm")));
    farm.add("gone-site.com", Site::Status(404));
    let out = run_once(&db, &farm, &["calm-site.com", "gone-site.com"], &[("RUST_LOG", "info")]).await;
    let log = stderr(&out);
    assert!(log.contains("SCHEDULER_METRICS {"), "the pretty line keeps its JSON: {log}");
    assert!(!log.contains('\x1b'), "no escape sequence in a file: {log:?}");
}

async fn json_logs_carry_the_run_metrics_as_fields(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("counted-site.com", Site::Html(plain_page("Counted")));
    farm.add("broken-site.com", Site::Status(500));
    let env = [("RUST_LOG", "info"), ("DOMAIN_SCHEDULER_LOG_FORMAT", "json")];
    let out = run_once(&db, &farm, &["counted-site.com", "broken-site.com"], &env).await;
    let printed: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();

    let lines = json_lines(&stderr(&out));
    let metrics: Vec<&serde_json::Value> =
        lines.iter().filter(|line| line["fields"]["message"] == "SCHEDULER_METRICS").collect();
    assert_eq!(metrics.len(), 1, "one line per run: {lines:#?}");
    let fields = &metrics[0]["fields"];
    assert_eq!(metrics[0]["level"], "INFO");
    for (key, value) in printed.as_object().unwrap() {
        assert_eq!(&fields[key], value, "field {key} as run-once prints it: {fields}");
    }
    assert_eq!(fields["domains_claimed"], 2);
    assert_eq!(fields["domains_successful"], 1);
}

async fn a_domain_given_up_on_is_logged_at_warn(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("gone-site.com", Site::Status(404));
    farm.add("busy-site.com", Site::Status(503));
    let env = [("RUST_LOG", "info"), ("DOMAIN_SCHEDULER_LOG_FORMAT", "json")];
    let out = run_once(&db, &farm, &["gone-site.com", "busy-site.com"], &env).await;
    let lines = json_lines(&stderr(&out));
    let failed = |domain: &str| {
        lines
            .iter()
            .find(|line| line["fields"]["message"] == "domain failed" && line["fields"]["domain"] == domain)
            .unwrap_or_else(|| panic!("no failure line for {domain}: {lines:#?}"))
    };
    assert_eq!(failed("gone-site.com")["level"], "WARN", "a 404 is given up on at once");
    assert_eq!(failed("busy-site.com")["level"], "INFO", "a 503 is retried later");
}

on_both_backends!(json_logs_carry_the_run_metrics_as_fields, a_domain_given_up_on_is_logged_at_warn);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_debug_level_keeps_dependencies_quiet() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let farm = Farm::start().await;
    let domains = ["shop-one.com", "shop-two.com", "plain-site.org"];
    farm.add(domains[0], Site::Html(wordpress_page(domains[0])));
    farm.add(domains[1], Site::Html(wordpress_page(domains[1])));
    farm.add(domains[2], Site::Html(plain_page("Plain")));
    let env = [("RUST_LOG", "debug"), ("DOMAIN_SCHEDULER_LOG_FORMAT", "json")];
    let out = run_once(&db, &farm, &domains, &env).await;
    let lines = json_lines(&stderr(&out));
    assert!(
        lines.iter().any(|line| line["level"] == "DEBUG" && line["fields"]["message"] == "claimed"),
        "the service's own debug lines are there: {lines:#?}"
    );
    let own =
        |target: &str| ["domain_scheduler", "entity", "migration"].iter().any(|own| target.starts_with(own));
    for line in &lines {
        let target = line["target"].as_str().unwrap_or_default();
        let level = line["level"].as_str().unwrap_or_default();
        assert!(own(target) || matches!(level, "WARN" | "ERROR"), "a dependency's {level} line: {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_api_request_is_one_access_line_without_its_token() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let farm = Farm::start().await;
    let token = "token-never-logged-7f3a";
    let tokens = format!("{token}=0000000a-0000-4000-8000-00000000000a");
    let env = [("RUST_LOG", "info"), ("DOMAIN_SCHEDULER_LOG_FORMAT", "json")];
    let served = Served::start(&db.url, &farm.connect_to(), &tokens, &env).await;
    let client = reqwest::Client::new();
    let unknown = client
        .get(served.url("/api/v1/domains/unknown-site.com?cursor=abc"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let refused =
        client.get(served.url("/api/v1/domains")).bearer_auth("wrong-token-123").send().await.unwrap();
    assert_eq!(refused.status(), 401);

    let access = |log: &str| -> Vec<serde_json::Value> {
        json_lines(log).into_iter().filter(|line| line["fields"]["message"] == "request").collect()
    };
    wait_until("two access lines after the health probe's", Duration::from_secs(10), || async {
        access(&served.log()).iter().filter(|line| line["fields"]["route"] != "/healthz").count() >= 2
    })
    .await;
    let log = served.log();
    let lines = access(&log);
    let of = |route: &str| lines.iter().filter(|line| line["fields"]["route"] == route).collect::<Vec<_>>();
    let shown = of("/api/v1/domains/{domain}");
    assert_eq!(shown.len(), 1, "one line per request: {lines:#?}");
    let fields = &shown[0]["fields"];
    assert_eq!((fields["method"].as_str(), fields["status"].as_u64()), (Some("GET"), Some(404)), "{fields}");
    assert!(fields["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{fields}");
    let listed = of("/api/v1/domains");
    assert_eq!(listed.len(), 1, "{lines:#?}");
    assert_eq!(listed[0]["fields"]["status"], 401);
    assert!(!log.contains(token) && !log.contains("wrong-token-123"), "a token reached the log: {log}");
    assert!(!log.contains("cursor=abc"), "the query as sent is not logged: {log}");
}
