//! Spans reach a real OTLP receiver with the parent-child links of one trace per run, and
//! `fetch` spans read like any HTTP client's.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::cli::stderr;
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::scenario::Scenario;

async fn a_run_is_one_trace_with_domain_spans_and_their_stages(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let mut collector = fake_opentelemetry_collector::FakeCollectorServer::start().await.unwrap();
    scenario.farm.add("good-site.com", Site::Html(plain_page("Good")));
    scenario.farm.add("failing-site.com", Site::Status(503));
    scenario.add(&["good-site.com", "failing-site.com"]);

    let mut run_once = scenario.command(&["run-once"]);
    run_once
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint())
        .env("OTEL_SERVICE_NAME", "domain-scheduler-test");
    let out = tokio::task::spawn_blocking(move || run_once.output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let spans = collector.exported_spans(8, Duration::from_secs(20)).await;
    let named = |name: &str| spans.iter().filter(|s| s.name == name).collect::<Vec<_>>();
    let runs = named("scheduler.run");
    assert_eq!(runs.len(), 1, "{:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());
    let run = runs[0];
    assert!(run.parent_span_id.is_empty(), "the run is the root of its trace");
    let domains = named("domain.process");
    assert_eq!(domains.len(), 2);
    for domain in &domains {
        assert_eq!(domain.parent_span_id, run.span_id);
        assert_eq!(domain.trace_id, run.trace_id, "one trace per run");
    }
    let children_of = |parent: &str, name: &str| {
        spans.iter().filter(|s| s.parent_span_id == parent && s.name == name).count()
    };
    let stages: Vec<(usize, usize, usize, usize)> = domains
        .iter()
        .map(|d| {
            (
                children_of(&d.span_id, "fetch"),
                children_of(&d.span_id, "extract"),
                children_of(&d.span_id, "persist"),
                children_of(&d.span_id, "error.record"),
            )
        })
        .collect();
    assert!(stages.contains(&(1, 1, 1, 0)), "the good site: fetch, extract, persist: {stages:?}");
    assert!(stages.contains(&(1, 0, 0, 1)), "the failing site: fetch, error.record: {stages:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_a_submission_wakes_links_to_the_request() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let mut collector = fake_opentelemetry_collector::FakeCollectorServer::start().await.unwrap();
    let farm = Farm::start().await;
    farm.add("linked-site.com", Site::Html(plain_page("Linked")));
    let tokens = "token-aaaaaaaa=0000000a-0000-4000-8000-00000000000a";
    let served = common::server::Served::start(
        &db.url,
        &farm.connect_to(),
        tokens,
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.endpoint())],
    )
    .await;
    let response = reqwest::Client::new()
        .post(served.url("/api/v1/domains"))
        .bearer_auth("token-aaaaaaaa")
        .json(&serde_json::json!({"domains": ["linked-site.com"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let mut spans = Vec::new();
    let (request, run) = common::wait::wait_for(
        "a run span and the request span it links to",
        Duration::from_secs(20),
        async || {
            spans.extend(collector.exported_spans(1, Duration::from_secs(1)).await);
            let request = spans.iter().find(|s| {
                s.name == "http.request" && s.attributes.values().any(|v| v.contains("/api/v1/domains"))
            });
            let run = spans.iter().find(|s| s.name == "scheduler.run");
            match (request, run) {
                (Some(request), Some(run)) => Ok((request.clone(), run.clone())),
                _ => Err(format!("{:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>())),
            }
        },
    )
    .await;
    assert!(
        run.links.iter().any(|link| link.span_id == request.span_id),
        "the run links to the request: {run:?}"
    );
    let attributes: Vec<&String> = request.attributes.values().collect();
    assert!(!attributes.iter().any(|v| v.contains("token-aaaaaaaa")), "a token is never recorded");
}

/// The value of attribute `key` of `span` as the receiver shows it (`Some(AnyValue { value:
/// Some(IntValue(503)) })`), or `None` when the span lacks it.
fn attribute<'a>(span: &'a fake_opentelemetry_collector::ExportedSpan, key: &str) -> Option<&'a str> {
    span.attributes.get(key).map(String::as_str)
}

async fn fetch_spans_follow_the_http_client_conventions(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let mut collector = fake_opentelemetry_collector::FakeCollectorServer::start().await.unwrap();
    let farm = Farm::start().await;
    let page = plain_page("Good");
    farm.add("good-site.com", Site::Html(page.clone()));
    farm.add("failing-site.com", Site::Status(503));
    let out = common::cli::run(&db.url, &["add", "good-site.com", "failing-site.com"], None);
    assert_eq!(out.status.code(), Some(0));

    // The farm speaks plain HTTP: https fails its handshake and each fetch falls back to http.
    let workdir = tempfile::tempdir().unwrap();
    let endpoint = collector.endpoint();
    let out = tokio::task::spawn_blocking({
        let url = db.url.clone();
        let connect_to = farm.connect_to();
        move || {
            common::cli::command(&url, workdir.path())
                .env("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", connect_to)
                .env("DOMAIN_SCHEDULER_FETCH_SCHEMES", "https,http")
                .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
                .args(["run-once"])
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let spans = collector.exported_spans(8, Duration::from_secs(20)).await;
    let fetch_of = |host: &str| {
        spans
            .iter()
            .find(|s| s.name == "fetch" && attribute(s, "url.full").is_some_and(|url| url.contains(host)))
            .unwrap_or_else(|| panic!("no fetch span of {host}: {spans:#?}"))
    };
    let good = fetch_of("good-site.com");
    assert_eq!(good.kind, "SPAN_KIND_CLIENT");
    assert_eq!(
        attribute(good, "url.full"),
        Some(r#"Some(AnyValue { value: Some(StringValue("http://good-site.com/")) })"#)
    );
    assert_eq!(
        attribute(good, "http.request.method"),
        Some(r#"Some(AnyValue { value: Some(StringValue("GET")) })"#)
    );
    assert_eq!(
        attribute(good, "http.response.status_code"),
        Some("Some(AnyValue { value: Some(IntValue(200)) })")
    );
    let size = format!("Some(AnyValue {{ value: Some(IntValue({})) }})", page.len());
    assert_eq!(attribute(good, "http.response.body.size"), Some(size.as_str()));
    assert_eq!(attribute(good, "error.type"), None, "{good:#?}");

    let failed = fetch_of("failing-site.com");
    assert_eq!(
        attribute(failed, "url.full"),
        Some(r#"Some(AnyValue { value: Some(StringValue("http://failing-site.com/")) })"#),
        "the URL fetched last, not the https one tried first"
    );
    assert_eq!(
        attribute(failed, "http.response.status_code"),
        Some("Some(AnyValue { value: Some(IntValue(503)) })")
    );
    assert_eq!(
        attribute(failed, "error.type"),
        Some(r#"Some(AnyValue { value: Some(StringValue("http_status")) })"#)
    );
    assert_eq!(failed.status.as_ref().map(|s| s.code.as_str()), Some("STATUS_CODE_ERROR"), "{failed:#?}");
    for span in &spans {
        assert!(!span.attributes.contains_key("http.status"), "the old attribute names are gone: {span:#?}");
    }
}

async fn a_failed_domain_keeps_the_status_its_site_answered(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("busy-site.com", Site::Status(503));
    farm.add("missing-site.com", Site::Status(404));
    farm.add("json-site.com", Site::Bytes("application/json", b"{}".to_vec()));
    let out = common::cli::run(&db.url, &["add", "busy-site.com", "missing-site.com", "json-site.com"], None);
    assert_eq!(out.status.code(), Some(0));
    let workdir = tempfile::tempdir().unwrap();
    let mut command = common::cli::command(&db.url, workdir.path());
    command
        .env("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", farm.connect_to())
        .env("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http");
    let out =
        tokio::task::spawn_blocking(move || command.args(["run-once"]).output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let show = |domain: &str| common::cli::json(&common::cli::run(&db.url, &["show", domain], None));
    let busy = show("busy-site.com");
    assert_eq!(
        (busy["status"].as_str(), busy["http_status"].as_i64()),
        (Some("pending"), Some(503)),
        "{busy}"
    );
    let missing = show("missing-site.com");
    assert_eq!(
        (missing["status"].as_str(), missing["http_status"].as_i64()),
        (Some("error"), Some(404)),
        "{missing}"
    );
    let json = show("json-site.com");
    assert_eq!(json["http_status"].as_i64(), Some(200), "the answer came, it was not HTML: {json}");
}

on_both_backends!(
    a_run_is_one_trace_with_domain_spans_and_their_stages,
    fetch_spans_follow_the_http_client_conventions,
    a_failed_domain_keeps_the_status_its_site_answered
);
