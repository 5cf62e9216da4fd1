//! Wappalyzer-format fingerprint files read at start-up (`DOMAIN_SCHEDULER_TECHNOLOGIES`): the
//! team's own fixture (`tests/fixtures/technologies`, every field and modifier of the format)
//! gives exactly the detections it was written for, with their evidence, beside or without the
//! built-in rules; a file that cannot be used stops start-up naming it; and a farm site's
//! technologies reach `show` and the JSON Lines export on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test and bench code: a panic is a failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::db::Backend;
use common::farm::Site;
use common::scenario::{Scenario, printed};
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/technologies")
}

/// `extract` of the fixture's page as served from `https://harbor-demo.invalid/` with its
/// headers, with `settings`.
fn extract(settings: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = common::cli::command("sqlite://unused.db", dir.path());
    let page = fixture().join("page.html");
    let headers = fixture().join("headers.txt");
    command
        .args(["extract", page.to_str().unwrap(), "--url", "https://harbor-demo.invalid/"])
        .args(["--headers", headers.to_str().unwrap()])
        .envs(settings.iter().copied());
    command.output().unwrap()
}

fn technologies(row: &Value) -> Vec<(String, Option<String>, u64)> {
    row["technologies"]
        .as_array()
        .expect("a technologies list")
        .iter()
        .map(|t| {
            (t["name"].as_str().unwrap().to_owned(), t["version"].as_str().map(str::to_owned), t["confidence"].as_u64().unwrap())
        })
        .collect()
}

fn find<'a>(row: &'a Value, name: &str) -> &'a Value {
    row["technologies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not detected: {:#}", row["technologies"]))
}

/// The evidence kinds of one technology.
fn kinds(row: &Value, name: &str) -> Vec<String> {
    find(row, name)["evidence"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

/// What the fixture's page must show, by name: version and confidence. What it must not show:
/// `Old Counter` (excluded by Tallybird), `Orphan Plugin` (requires a CMS the page lacks),
/// `Lookahead Thing` (its html pattern is a look-ahead, left out; its script is absent),
/// `Unseen Thing` (its pattern is not on the page).
fn expected() -> Vec<(&'static str, Option<&'static str>, u64)> {
    vec![
        // meta with a `\;version:\1` template.
        ("Quillstack", Some("4.2.1"), 100),
        // implied by Quillstack with `\;confidence:50`, and no pattern of its own.
        ("Inkwell Editor", None, 50),
        // headers with a version.
        ("Lumen Lang", Some("8.1"), 100),
        // url at confidence 50, and a header's presence.
        ("Harbor Edge", None, 100),
        // dom attributes with a version.
        ("Mosaic Grid", Some("2.5.0"), 100),
        // dom exists.
        ("Beacon Consent", None, 100),
        // dom text.
        ("Beacon Credit", None, 100),
        // scriptSrc with `\1?2:1` (group unmatched: 1) at confidence 60, plus a cookie.
        ("Parcel Cart", Some("1"), 100),
        // scripts (inline) at 50 plus html at 50.
        ("Tallybird", None, 100),
        // meta with a list of patterns, the matching one at `\;confidence:25`.
        ("Weak Signal", None, 25),
        // requiresCategory: Ecommerce (Parcel Cart) is on the page.
        ("Category Addon", None, 100),
        // requires: Quillstack is on the page.
        ("Requiring Widget", None, 100),
        // known to the built-in rules too: one entry each.
        ("jQuery", Some("3.7.1"), 100),
        ("nginx", Some("1.25.3"), 100),
    ]
}

#[test]
fn the_fixture_s_every_field_and_modifier_gives_the_expected_detections() {
    let out = extract(&[("DOMAIN_SCHEDULER_TECHNOLOGIES", fixture().to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let row = common::cli::json(&out);
    let mut found = technologies(&row);
    found.sort();
    let mut wanted: Vec<(String, Option<String>, u64)> =
        expected().into_iter().map(|(n, v, c)| (n.to_owned(), v.map(str::to_owned), c)).collect();
    wanted.sort();
    assert_eq!(found, wanted);

    // Each detection says what showed it.
    assert_eq!(kinds(&row, "Tallybird"), ["html", "scripts"]);
    assert_eq!(kinds(&row, "Parcel Cart"), ["scriptSrc", "cookies"]);
    assert_eq!(kinds(&row, "Inkwell Editor"), ["implies"]);
    assert_eq!(find(&row, "Inkwell Editor")["evidence"][0]["pattern"], "Quillstack");
    assert_eq!(kinds(&row, "Harbor Edge"), ["url", "headers"]);
    assert_eq!(kinds(&row, "Beacon Credit"), ["dom"]);
    let mosaic = &find(&row, "Mosaic Grid")["evidence"][0];
    assert_eq!(mosaic["pattern"], r"div.mosaic-grid [data-mosaic-version]: ([\d.]+)");
    assert_eq!(mosaic["excerpt"], "2.5.0");
    let quill = &find(&row, "Quillstack");
    assert_eq!(quill["categories"], serde_json::json!(["CMS"]));
    assert_eq!(quill["evidence"][0]["excerpt"], "Quillstack 4.2.1");
    // A technology both rule sets know is one entry with the evidence of both.
    assert_eq!(kinds(&row, "jQuery"), ["assets", "scriptSrc"]);
    assert_eq!(kinds(&row, "nginx"), ["headers", "headers"]);
    // `tech_stack` lists the same technologies by name and version.
    let stack: Vec<(String, Option<String>)> = row["tech_stack"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t["version"].as_str().map(str::to_owned)))
        .collect();
    let names: Vec<(String, Option<String>)> = technologies(&row).into_iter().map(|(n, v, _)| (n, v)).collect();
    assert_eq!(stack, names);
    for technology in row["technologies"].as_array().unwrap() {
        for evidence in technology["evidence"].as_array().unwrap() {
            assert!(evidence["excerpt"].as_str().unwrap().chars().count() <= 80, "{evidence}");
        }
    }
}

#[test]
fn without_files_the_built_in_rules_alone_detect_and_without_them_the_files_alone() {
    let out = extract(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let builtin = common::cli::json(&out);
    let names: Vec<String> = technologies(&builtin).into_iter().map(|(n, _, _)| n).collect();
    assert!(names.contains(&"jQuery".to_owned()) && names.contains(&"nginx".to_owned()), "{names:?}");
    assert!(!names.contains(&"Quillstack".to_owned()), "{names:?}");
    assert_eq!(kinds(&builtin, "jQuery"), ["assets"]);

    let out = extract(&[
        ("DOMAIN_SCHEDULER_TECHNOLOGIES", fixture().to_str().unwrap()),
        ("DOMAIN_SCHEDULER_BUILTIN_TECHNOLOGIES", "false"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let files = common::cli::json(&out);
    assert_eq!(kinds(&files, "jQuery"), ["scriptSrc"]);
    assert_eq!(kinds(&files, "nginx"), ["headers"]);
    assert_eq!(technologies(&files).len(), expected().len());
}

#[test]
fn a_file_that_cannot_be_read_or_parsed_stops_start_up_naming_the_file_and_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"Half\": {\"cats\": [1]").unwrap();
    let out = extract(&[("DOMAIN_SCHEDULER_TECHNOLOGIES", broken.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(common::cli::stderr(&out).contains(broken.to_str().unwrap()), "{}", printed(&out));
    assert!(out.stdout.is_empty(), "no page is extracted: {}", printed(&out));

    let wrong = dir.path().join("wrong.json");
    std::fs::write(&wrong, r#"{"Fine": {"cats": [1], "html": "fine"}, "Broken": {"cats": [1], "html": 5}}"#).unwrap();
    let out = extract(&[("DOMAIN_SCHEDULER_TECHNOLOGIES", wrong.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    let said = common::cli::stderr(&out);
    assert!(said.contains(wrong.to_str().unwrap()) && said.contains("\"Broken\"") && said.contains("html"), "{said}");

    let missing = dir.path().join("nowhere");
    let out = extract(&[("DOMAIN_SCHEDULER_TECHNOLOGIES", missing.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(common::cli::stderr(&out).contains(missing.to_str().unwrap()), "{}", printed(&out));

    // The service refuses to start on it too, before it touches the database.
    let workdir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", workdir.path().join("db.sqlite").display());
    let out = Command::new(common::cli::BIN)
        .current_dir(workdir.path())
        .args(["run-once", "--drain"])
        .env("DATABASE_URL", &url)
        .env("DOMAIN_SCHEDULER_DNS_SERVERS", "127.0.0.1:9")
        .env("DOMAIN_SCHEDULER_TECHNOLOGIES", wrong.to_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    assert!(common::cli::stderr(&out).contains("\"Broken\""), "{}", printed(&out));
}

/// The fixture's page served by a farm site with its headers and cookie.
fn fixture_site() -> Site {
    let page = std::fs::read_to_string(fixture().join("page.html")).unwrap();
    Site::WithHeaders(
        vec![
            ("x-powered-by", "Lumen/8.1"),
            ("server", "nginx/1.25.3"),
            ("x-harbor-edge", "hit"),
            ("set-cookie", "parcel_cart_session=abc123; Path=/"),
        ],
        page,
    )
}

async fn a_farm_site_s_technologies_reach_show_and_the_export_with_their_evidence(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("harbor-demo.com", fixture_site());
    scenario.add(&["harbor-demo.com"]);
    let fixture = fixture();
    let settings = [("DOMAIN_SCHEDULER_TECHNOLOGIES", fixture.to_str().unwrap())];
    let out = scenario.run(&["run-once", "--drain"], &settings);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));

    let row = scenario.row("harbor-demo.com");
    assert_eq!(row["status"], "completed", "{row:#}");
    let mut found = technologies(&row);
    found.sort();
    let mut wanted: Vec<(String, Option<String>, u64)> =
        expected().into_iter().map(|(n, v, c)| (n.to_owned(), v.map(str::to_owned), c)).collect();
    wanted.sort();
    assert_eq!(found, wanted, "{:#}", row["technologies"]);
    assert_eq!(kinds(&row, "Parcel Cart"), ["scriptSrc", "cookies"]);
    assert_eq!(kinds(&row, "jQuery"), ["assets", "scriptSrc"]);

    let out = scenario.run(&["export", "--format", "jsonl"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let exported: Value = serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(exported["technologies"], row["technologies"]);
    assert!(exported["tech_stack"].as_array().is_some_and(|s| s.len() == expected().len()), "{exported:#}");
}

on_both_backends!(a_farm_site_s_technologies_reach_show_and_the_export_with_their_evidence);
