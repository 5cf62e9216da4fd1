//! `/metrics` of a served process, scraped the way Prometheus does: every metric explained by a
//! `# HELP` line, the fetch latency as a histogram, and the restart counter there from the start.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::server::Served;
use common::wait::wait_until;

const TOKENS: &str = "token-metrics1=0000000a-0000-4000-8000-00000000000a";

async fn scrape(served: &Served) -> String {
    let response = reqwest::get(served.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), 200);
    response.text().await.unwrap()
}

/// The names of the metrics a `# TYPE` or `# HELP` line introduces.
fn introduced(text: &str, prefix: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

async fn metrics_are_explained_and_fetch_latency_is_a_histogram(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("measured-site.com", Site::Html(plain_page("Measured")));
    let served = Served::start(&db.url, &farm.connect_to(), TOKENS, &[]).await;

    // Before any work: the restart counter of each actor already reads 0.
    let fresh = scrape(&served).await;
    for actor in ["fetcher", "fetcher_pool", "persister", "error_recorder"] {
        let line = format!("domain_scheduler_actor_restarts_total{{actor=\"{actor}\"}} 0");
        assert!(fresh.lines().any(|l| l == line), "{line} missing:\n{fresh}");
    }

    let client = reqwest::Client::new();
    let response = client
        .post(served.url("/api/v1/domains"))
        .bearer_auth("token-metrics1")
        .json(&serde_json::json!({"domains": ["measured-site.com"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    wait_until("the domain to be fetched", Duration::from_secs(20), || async {
        let row: serde_json::Value = client
            .get(served.url("/api/v1/domains/measured-site.com"))
            .bearer_auth("token-metrics1")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        row["status"] == "completed"
    })
    .await;

    let text = scrape(&served).await;
    let typed = introduced(&text, "# TYPE ");
    let helped = introduced(&text, "# HELP ");
    for name in [
        "domain_scheduler_domains_processed_total",
        "domain_scheduler_fetch_duration_seconds",
        "domain_scheduler_fetch_queue_depth",
        "domain_scheduler_queue_depth",
        "domain_scheduler_actor_restarts_total",
    ] {
        assert!(typed.iter().any(|t| t == name), "{name} is not served:\n{text}");
    }
    for name in &typed {
        assert!(helped.contains(name), "{name} has no # HELP line:\n{text}");
    }

    assert!(text.contains("# TYPE domain_scheduler_fetch_duration_seconds histogram"), "{text}");
    assert!(!text.contains("quantile="), "no summary quantiles:\n{text}");
    let buckets: Vec<&str> =
        text.lines().filter(|l| l.starts_with("domain_scheduler_fetch_duration_seconds_bucket")).collect();
    for bound in ["0.001", "0.01", "0.1", "1", "10", "30", "+Inf"] {
        assert!(
            buckets.iter().any(|b| b.contains(&format!("le=\"{bound}\""))),
            "no bucket {bound}: {buckets:?}"
        );
    }
    assert!(
        buckets
            .iter()
            .any(|b| b.starts_with("domain_scheduler_fetch_duration_seconds_bucket{le=\"+Inf\"} 1")),
        "the fetch is counted: {buckets:?}"
    );
    let within_30s = buckets.iter().find(|b| b.contains("le=\"30\"")).unwrap();
    assert!(within_30s.ends_with(" 1"), "a local fetch lands below 30 s: {within_30s}");
    assert!(text.contains("domain_scheduler_queue_depth{status=\"completed\"} 1"), "{text}");
}

on_both_backends!(metrics_are_explained_and_fetch_latency_is_a_histogram);
