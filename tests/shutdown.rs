//! `serve` stops cleanly on SIGTERM: no new claims, in-flight domains get the shutdown
//! deadline, the rest are handed back, exit 0.

mod common;

use std::time::Duration;

use common::cli::{json, stderr};
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};

async fn sigterm_during_a_drain_exits_0_and_hands_back_every_lease(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    let names: Vec<String> = (0..6).map(|i| format!("slow-{i}.com")).collect();
    for name in &names {
        farm.add(name, Site::Slow(Duration::from_secs(30), plain_page(name)));
    }
    let out = common::cli::run(
        &db.url,
        &[&["add"], &names.iter().map(String::as_str).collect::<Vec<_>>()[..]].concat(),
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let workdir = tempfile::tempdir().unwrap();
    let child = common::cli::command(&db.url, workdir.path())
        .env("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", farm.connect_to())
        .env("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http")
        .env("DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS", "1")
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until every domain is claimed, then ask the service to stop.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let counts = json(&common::cli::run(&db.url, &["status"], None));
        if counts["processing"] == 6 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("leases handed back"), "{}", stderr(&out));
    let counts = json(&common::cli::run(&db.url, &["status"], None));
    assert_eq!((counts["pending"].as_u64(), counts["processing"].as_u64()), (Some(6), Some(0)), "{counts}");
    let row = json(&common::cli::run(&db.url, &["show", "slow-0.com"], None));
    assert_eq!(row["attempts"], 0, "a handed-back claim does not count as an attempt");
}

/// While `serve` drains after SIGTERM it keeps answering: `/healthz` 200, `/readyz` 503, so an
/// orchestrator sees the drain instead of a refused connection.
async fn health_is_answered_while_serve_drains(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let farm = Farm::start().await;
    farm.add("slow-site.com", Site::Slow(Duration::from_secs(30), plain_page("slow")));
    assert_eq!(common::cli::run(&db.url, &["add", "slow-site.com"], None).status.code(), Some(0));
    let served = common::server::Served::start(
        &db.url,
        &farm.connect_to(),
        "",
        &[("DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS", "3"), ("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "1")],
    )
    .await;
    common::wait::wait_until("the slow site to be fetched", Duration::from_secs(20), || async {
        farm.requests("slow-site.com") > 0
    })
    .await;
    served.signal("-TERM");
    let client = reqwest::Client::new();
    let mut seen_draining = false;
    while served.is_running_now() {
        let Ok(health) = client.get(served.url("/healthz")).send().await else { break };
        assert_eq!(health.status(), 200);
        if let Ok(ready) = client.get(served.url("/readyz")).send().await {
            let status = ready.status();
            let body = ready.text().await.unwrap_or_default();
            if body.contains("draining") {
                assert_eq!(status, 503);
                seen_draining = true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen_draining, "/readyz said it was draining: {}", served.log());
}

on_both_backends!(
    sigterm_during_a_drain_exits_0_and_hands_back_every_lease,
    health_is_answered_while_serve_drains
);
