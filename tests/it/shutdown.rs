//! `serve` stops cleanly on SIGTERM: no new claims, in-flight domains get the shutdown
//! deadline, the rest are handed back, exit 0.

use crate::common;
use crate::on_both_backends;

use std::time::Duration;

use common::cli::stderr;
use common::db::Backend;
use common::farm::{Site, plain_page};
use common::scenario::Scenario;

async fn sigterm_during_a_drain_exits_0_and_hands_back_every_lease(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let names: Vec<String> = (0..6).map(|i| format!("slow-{i}.com")).collect();
    for name in &names {
        scenario.farm.add(name, Site::Slow(Duration::from_secs(30), plain_page(name)));
    }
    scenario.add(&names);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = scenario
        .command(&["serve"])
        // No fetch ends on its own before the SIGTERM: each is cut by the shutdown deadline.
        .env("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "20")
        .env("DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS", "1")
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until every domain is claimed, then ask the service to stop.
    common::wait::wait_for("every domain to be claimed", Duration::from_secs(20), async || {
        let counts = scenario.counts();
        if counts["processing"] == 6 { Ok(()) } else { Err(counts) }
    })
    .await;
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("leases handed back"), "{}", stderr(&out));
    let counts = scenario.counts();
    assert_eq!((counts["pending"].as_u64(), counts["processing"].as_u64()), (Some(6), Some(0)), "{counts}");
    let row = scenario.row("slow-0.com");
    assert_eq!(row["attempts"], 0, "a handed-back claim does not count as an attempt");
}

/// A run that is still claiming when SIGTERM comes (its last claim came back full) ends with
/// its last in-flight domain: `serve` exits as soon as that one is written, not when the
/// 30-second shutdown timeout runs out, and the domains it never claimed stay due.
async fn sigterm_exits_once_the_last_in_flight_domain_is_written(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let names: Vec<String> = (0..20).map(|i| format!("quick-{i}.com")).collect();
    for name in &names {
        scenario.farm.add(name, Site::Slow(Duration::from_millis(500), plain_page(name)));
    }
    scenario.add(&names);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = scenario
        .command(&["serve"])
        // Two fetchers hold at most four domains: the first claim comes back full, so the run
        // is still claiming when the signal comes.
        .env("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "2")
        .env("DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS", "30")
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    common::wait::wait_for("a run to be in flight", Duration::from_secs(20), async || {
        let counts = scenario.counts();
        if counts["processing"].as_u64() > Some(0) { Ok(()) } else { Err(counts) }
    })
    .await;
    let signalled = std::time::Instant::now();
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let took = signalled.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Generous: the in-flight domains need about a second; the bug waited the whole 30 s.
    assert!(took < Duration::from_secs(10), "exited {took:?} after SIGTERM: {}", stderr(&out));
    let counts = scenario.counts();
    assert_eq!(counts["processing"], 0, "nothing stranded in processing: {counts}");
    let (completed, pending) = (counts["completed"].as_u64().unwrap(), counts["pending"].as_u64().unwrap());
    assert_eq!(completed + pending, 20, "every domain completed or still due: {counts}");
    assert!(completed >= 1 && pending >= 1, "the signal came while the run was open: {counts}");
}

/// While `serve` drains after SIGTERM it keeps answering: `/healthz` 200, `/readyz` 503, so an
/// orchestrator sees the drain instead of a refused connection.
async fn health_is_answered_while_serve_drains(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("slow-site.com", Site::Slow(Duration::from_secs(30), plain_page("slow")));
    scenario.add(&["slow-site.com"]);
    let served = scenario
        .serve(
            "",
            &[("DOMAIN_SCHEDULER_SHUTDOWN_TIMEOUT_SECONDS", "3"), ("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "1")],
        )
        .await;
    common::wait::wait_until("the slow site to be fetched", Duration::from_secs(20), || async {
        scenario.farm.requests("slow-site.com") > 0
    })
    .await;
    served.signal("-TERM");
    // Every answer until the process ends is checked, not only the first of the drain.
    let client = reqwest::Client::new();
    let mut seen_draining = false;
    common::wait::wait_until("serve to end its drain", Duration::from_secs(30), async || {
        let Ok(health) = client.get(served.url("/healthz")).send().await else { return true };
        assert_eq!(health.status(), 200);
        if let Ok(ready) = client.get(served.url("/readyz")).send().await {
            let status = ready.status();
            let body = ready.text().await.unwrap_or_default();
            if body.contains("draining") {
                assert_eq!(status, 503);
                seen_draining = true;
            }
        }
        !served.is_running_now()
    })
    .await;
    assert!(seen_draining, "/readyz said it was draining: {}", served.log());
}

on_both_backends!(
    sigterm_during_a_drain_exits_0_and_hands_back_every_lease,
    sigterm_exits_once_the_last_in_flight_domain_is_written,
    health_is_answered_while_serve_drains
);
