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

on_both_backends!(sigterm_during_a_drain_exits_0_and_hands_back_every_lease);
