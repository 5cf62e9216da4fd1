//! Spans reach a real OTLP receiver with the parent-child links of one trace per run.

mod common;

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

on_both_backends!(a_run_is_one_trace_with_domain_spans_and_their_stages);

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
