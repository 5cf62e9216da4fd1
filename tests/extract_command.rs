//! `domain-scheduler extract` runs only the extraction on saved pages: no database, no network.

mod common;

use std::process::Command;

#[test]
fn extract_prints_one_json_object_per_page() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("home.html");
    std::fs::write(&first, common::farm::wordpress_page("bakery.co.uk")).unwrap();
    let second = dir.path().join("latin1.html");
    std::fs::write(&second, b"<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9</title></head></html>")
        .unwrap();
    let out = Command::new(common::cli::BIN)
        .current_dir(dir.path())
        .args(["extract", first.to_str().unwrap(), second.to_str().unwrap(), "--domain", "bakery.co.uk"])
        .env("DATABASE_URL", "postgres://nowhere.invalid/none")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["title"], "bakery.co.uk | Home");
    assert_eq!(lines[0]["favicon_url"], "https://bakery.co.uk/wp-content/uploads/icon-32.png");
    assert_eq!(lines[0]["canonical_url"], "https://bakery.co.uk/");
    assert_eq!(lines[0]["is_wordpress"], true);
    assert_eq!(lines[1]["title"], "Café");
}

#[test]
fn extract_refuses_a_missing_file_with_exit_2() {
    let out = Command::new(common::cli::BIN)
        .args(["extract", "/no/such/page.html", "--domain", "example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/page.html"));
}
