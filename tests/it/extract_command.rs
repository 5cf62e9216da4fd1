//! `domain-scheduler extract` runs only the extraction on saved pages: no database, no network.

use crate::common;

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

fn extract(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(common::cli::BIN)
        .current_dir(dir)
        .arg("extract")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn objects(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_missing_file_is_reported_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("home.html");
    std::fs::write(&page, common::farm::plain_page("Still here")).unwrap();
    let out =
        extract(dir.path(), &["/no/such/page.html", page.to_str().unwrap(), "--domain", "example.com"], None);
    assert_eq!(out.status.code(), Some(1), "exit 1 at the end");
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/page.html"));
    let found = objects(&out);
    assert_eq!(found.len(), 1, "the readable page still comes out");
    assert_eq!(found[0]["title"], "Still here");
    assert_eq!(found[0]["file"], page.to_str().unwrap(), "each object names its file");
}

#[test]
fn the_page_address_resolves_relative_links_and_a_path_in_domain_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let page = r#"<html><head><title>Item</title><link rel="icon" href="icon.png"></head></html>"#;
    let out = extract(dir.path(), &["-", "--url", "http://www.example.at/shop/item/"], Some(page));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let found = objects(&out);
    assert_eq!(found[0]["favicon_url"], "http://www.example.at/shop/item/icon.png");
    assert_eq!(found[0]["file"], "-", "standard input is named `-`");

    let out = extract(dir.path(), &["-", "--domain", "https://example.at/shop/item/"], Some(page));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--url"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_default_phone_region_reads_numbers_on_pages_that_name_no_region() {
    let dir = tempfile::tempdir().unwrap();
    let page = r#"<html lang="de"><head><title>Praxis</title></head><body><p>Telefon: 030 2345678</p></body></html>"#;
    let without = extract(dir.path(), &["-", "--domain", "praxis-mitte.com"], Some(page));
    assert_eq!(objects(&without)[0]["phone_numbers"], serde_json::json!([]), "no region, no number");
    let with = extract(
        dir.path(),
        &["-", "--domain", "praxis-mitte.com", "--default-phone-region", "de"],
        Some(page),
    );
    assert_eq!(with.status.code(), Some(0), "{}", String::from_utf8_lossy(&with.stderr));
    assert_eq!(objects(&with)[0]["phone_numbers"], serde_json::json!(["+49302345678"]));
    let bad = extract(
        dir.path(),
        &["-", "--domain", "praxis-mitte.com", "--default-phone-region", "Germany"],
        Some(page),
    );
    assert_eq!(bad.status.code(), Some(2), "a region that is not a code is refused");
}
