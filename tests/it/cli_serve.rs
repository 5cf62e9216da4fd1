//! What `serve` says when it cannot start or starts without tokens, and what its address
//! answers to a visitor: each message once, naming what to do, never a secret.

use crate::common;

use std::time::Duration;

use common::cli::{command, stderr};
use common::db::{Backend, TestDb};
use common::server::Served;

fn sqlite_url(dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("d.db").display())
}

#[test]
fn a_port_in_use_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let out = command(&sqlite_url(dir.path()), dir.path())
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", addr.to_string())
        .env("DOMAIN_SCHEDULER_ADMIN_TOKENS", "operator-secret")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let said = stderr(&out);
    assert_eq!(said.matches("in use").count(), 1, "the cause said once: {said}");
    assert!(said.contains(&format!("cannot listen on {addr}")), "{said}");
}

#[test]
fn serve_without_a_token_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = command(&sqlite_url(dir.path()), dir.path())
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    common::wait::wait_until_blocking("serve to listen", Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    assert!(log.contains("no API token is set"), "{log}");
    assert!(log.contains("openssl rand -hex 32"), "says how to make a token: {log}");
    assert!(log.contains("DOMAIN_SCHEDULER_API_TOKENS=<token>=<tenant uuid>"), "and where it goes: {log}");
}

#[test]
fn a_bad_entry_of_the_api_tokens_is_named_by_its_position_and_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(&sqlite_url(dir.path()), dir.path())
        .env("DOMAIN_SCHEDULER_API_TOKENS", "good-token-1=6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10,bad")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let said = stderr(&out);
    assert!(said.contains("DOMAIN_SCHEDULER_API_TOKENS") && said.contains("entry 2 of 2"), "{said}");
    assert!(!said.contains("good-token-1") && !said.contains("bad"), "no token echoed: {said}");
    assert_eq!(said.lines().count(), 1, "{said}");
}

#[tokio::test]
async fn the_root_address_points_to_the_console_and_the_api_documentation_without_a_token() {
    let Some(db) = TestDb::create(Backend::Sqlite).await else { return };
    let served = Served::start(&db.url, "127.0.0.1:9", "", &[]).await;
    let client = reqwest::Client::new();
    let root = client.get(served.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 200);
    let body: serde_json::Value = root.json().await.unwrap();
    assert_eq!((body["console"].as_str(), body["docs"].as_str()), (Some("/ui"), Some("/docs")), "{body}");
    for key in ["console", "docs", "openapi", "health"] {
        let path = body[key].as_str().unwrap();
        let status = client.get(served.url(path)).send().await.unwrap().status();
        assert!(status.is_success() || status.is_redirection(), "{key} {path} answers {status}");
    }
    let document: serde_json::Value =
        client.get(served.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(document["paths"]["/"]["get"].is_object(), "GET / is documented");
}
