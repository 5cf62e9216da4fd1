//! What a new user meets on the command line: settings that are misspelt or unknown, what
//! start-up says about the settings it runs with, read-only commands, a database that does not
//! answer, and domains of several tenants.

use crate::common;
use crate::on_both_backends;

use std::time::{Duration, Instant};

use common::cli::{command, json, run, stderr, stdout};
use common::db::{Backend, TestDb};

fn code(output: &std::process::Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[test]
fn a_misspelt_key_in_the_configuration_file_stops_start_up_naming_the_closest_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("domain-scheduler.toml"), "batch_sise = 10\n").unwrap();
    let out = command("sqlite::memory:", dir.path()).arg("status").output().unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("batch_sise") && stderr(&out).contains("batch_size"), "{}", stderr(&out));
}

#[test]
fn an_unknown_variable_of_the_prefix_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let out = command("sqlite::memory:", dir.path())
        .env("DOMAIN_SCHEDULER_BATCH_SISE", "10")
        .args(["extract", "-", "--domain", "example.com"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("DOMAIN_SCHEDULER_BATCH_SISE"), "{}", stderr(&out));
}

#[test]
fn run_once_logs_its_effective_settings_with_secrets_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let out = command(&url, dir.path())
        .env("RUST_LOG", "info")
        .env("DOMAIN_SCHEDULER_LOG_FORMAT", "json")
        .env("DOMAIN_SCHEDULER_API_TOKENS", "tenant-secret-1=6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10")
        .env("DOMAIN_SCHEDULER_BATCH_SIZE", "25")
        .arg("run-once")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let log = stderr(&out);
    let settings: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["fields"]["message"] == "setting")
        .map(|line| line["fields"].clone())
        .collect();
    let find = |key: &str| settings.iter().find(|s| s["setting"] == key).cloned().unwrap_or_default();
    assert_eq!(find("batch_size")["value"], "25");
    assert_eq!(find("batch_size")["source"], "environment");
    assert_eq!(find("max_attempts")["source"], "default");
    assert_eq!(find("api_tokens")["value"], "(hidden)");
    assert!(!log.contains("tenant-secret-1"), "{log}");
}

#[test]
fn serve_warns_when_the_api_has_no_token() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = command(&url, dir.path())
        .env("RUST_LOG", "warn")
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
}

#[test]
fn read_only_commands_never_create_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    for args in [&["status"][..], &["show", "example.com"][..]] {
        let out = run(&url, args, None);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no database"), "{}", stderr(&out));
        assert!(!file.exists(), "{args:?} created {}", file.display());
    }
}

#[test]
fn an_unreachable_database_fails_within_seconds_with_its_cause() {
    // A port nothing listens on: the connection is refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = Instant::now();
    let out = run(&format!("postgres://postgres@127.0.0.1:{port}/none"), &["status"], None);
    let waited = started.elapsed();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let message = stderr(&out);
    assert!(message.contains("refused"), "the driver's own reason: {message}");
    assert_eq!(message.lines().count(), 1, "one line, said once: {message}");
    assert!(waited < Duration::from_secs(10), "took {waited:?}");
}

async fn domains_of_several_tenants_are_shown_and_reset_across_tenants(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let (first, second) = ("6f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10", "7f1c2c1e-8c39-4a53-9d4e-2f6b2b5f9a10");
    let out = run(&db.url, &["add", "--tenant", first, "only-first.com", "shared.com"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let batch = stdout(&out).trim().to_owned();
    assert_eq!(code(&run(&db.url, &["add", "--tenant", second, "shared.com"], None)), 0);

    let shown = json(&run(&db.url, &["show", "only-first.com"], None));
    assert_eq!(shown["tenant_id"], first, "show finds a domain of any tenant without --tenant");
    let progress = json(&run(&db.url, &["status", &batch], None));
    assert_eq!(progress["total"], 2, "status BATCH finds a batch of any tenant: {progress}");

    let ambiguous = run(&db.url, &["show", "shared.com"], None);
    assert_eq!(code(&ambiguous), 2, "{}", stderr(&ambiguous));
    assert!(stderr(&ambiguous).contains("--tenant"), "{}", stderr(&ambiguous));
    let chosen = json(&run(&db.url, &["show", "shared.com", "--tenant", second], None));
    assert_eq!(chosen["tenant_id"], second);

    let out = run(&db.url, &["reset", "shared.com"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("2 domains put back"), "both tenants' rows: {}", stderr(&out));
}

on_both_backends!(domains_of_several_tenants_are_shown_and_reset_across_tenants);
