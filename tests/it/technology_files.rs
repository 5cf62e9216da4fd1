//! Wappalyzer-format fingerprint files read at start-up (`DOMAIN_SCHEDULER_TECHNOLOGIES`): the
//! team's own fixture (`tests/fixtures/technologies`, every field and modifier of the format)
//! gives exactly the detections it was written for, with their evidence, beside or without the
//! built-in rules; a file that cannot be used stops start-up naming it; and a farm site's
//! technologies reach `show` and the JSON Lines export on both backends.

use crate::common;
use crate::on_both_backends;

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
            (
                t["name"].as_str().unwrap().to_owned(),
                t["version"].as_str().map(str::to_owned),
                t["confidence"].as_u64().unwrap(),
            )
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
    find(row, name)["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// What the fixture's page must show, by name: version and confidence. What it must not show:
/// `Old Counter` (excluded by Tallybird), `Orphan Plugin` (requires a CMS the page lacks),
/// `Lookahead Thing` (its html pattern is a look-ahead, left out; its script is absent),
/// `Unseen Thing` (its pattern is not on the page), `Postbox Mail` (found only in DNS records,
/// which `extract` does not ask for; `tests/it/dns_records.rs` finds it in a scan).
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
    let names: Vec<(String, Option<String>)> =
        technologies(&row).into_iter().map(|(n, v, _)| (n, v)).collect();
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
    std::fs::write(&wrong, r#"{"Fine": {"cats": [1], "html": "fine"}, "Broken": {"cats": [1], "html": 5}}"#)
        .unwrap();
    let out = extract(&[("DOMAIN_SCHEDULER_TECHNOLOGIES", wrong.to_str().unwrap())]);
    assert_eq!(out.status.code(), Some(2), "{}", printed(&out));
    let said = common::cli::stderr(&out);
    assert!(
        said.contains(wrong.to_str().unwrap()) && said.contains("\"Broken\"") && said.contains("html"),
        "{said}"
    );

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

const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const TOKENS: &str =
    "token-of-a=0000000a-0000-4000-8000-00000000000a,token-of-b=0000000b-0000-4000-8000-00000000000b";

async fn get(served: &common::server::Served, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new().get(served.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// The names of a listing page's domains.
fn domains(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|d| d["domain"].as_str().unwrap().to_owned()).collect()
}

/// `domain`'s `domain_technologies` rows by name: (version, first seen, last seen).
async fn seen(
    scenario: &Scenario,
    domain: &str,
) -> std::collections::BTreeMap<
    String,
    (Option<String>, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let id: uuid::Uuid = scenario.row(domain)["id"].as_str().unwrap().parse().unwrap();
    let db = scenario.db.connect().await;
    let rows = entity::domain_technologies::Entity::find()
        .filter(entity::domain_technologies::Column::DomainId.eq(id))
        .all(&db)
        .await
        .unwrap();
    rows.into_iter().map(|r| (r.name, (r.version, r.first_seen, r.last_seen))).collect()
}

/// Moves `domain`'s re-scan time into the past, as the passing of its interval would.
async fn make_due(scenario: &Scenario, domain: &str) {
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
    let db = scenario.db.connect().await;
    let update = entity::domains::ActiveModel {
        rescan_at: Set(Some(chrono::Utc::now() - chrono::Duration::seconds(1))),
        ..Default::default()
    };
    let changed = entity::domains::Entity::update_many()
        .set(update)
        .filter(entity::domains::Column::Domain.eq(domain))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
}

async fn technologies_are_tracked_over_re_scans_counted_and_filtered_by_tenant(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("harbor-demo.com", fixture_site());
    let plain = r#"<html><head><title>Plain</title><script src="/js/jquery-3.7.1.min.js"></script></head><body>Hi</body></html>"#;
    scenario.farm.add("plain-shop.com", Site::Html(plain.to_owned()));
    let out = scenario.run(&["add", "--tenant", TENANT_A, "harbor-demo.com", "plain-shop.com"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let fixture = fixture();
    let settings = [("DOMAIN_SCHEDULER_TECHNOLOGIES", fixture.to_str().unwrap())];
    let out = scenario.run(&["run-once", "--drain"], &settings);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));

    let first = seen(&scenario, "harbor-demo.com").await;
    assert_eq!(first.len(), expected().len(), "{first:#?}");
    let (version, first_seen, last_seen) = first["Quillstack"].clone();
    assert_eq!((version.as_deref(), first_seen), (Some("4.2.1"), last_seen));

    {
        let served = scenario.serve(TOKENS, &settings).await;
        let (status, counts) = get(&served, "token-of-a", "/api/v1/technologies").await;
        assert_eq!(status, 200, "{counts}");
        assert_eq!(counts["items"][0], serde_json::json!({"name": "jQuery", "domains": 2}), "{counts:#}");
        assert!(
            counts["items"]
                .as_array()
                .unwrap()
                .contains(&serde_json::json!({"name": "Quillstack", "domains": 1}))
        );
        let (_, other) = get(&served, "token-of-b", "/api/v1/technologies").await;
        assert_eq!(other["items"], serde_json::json!([]), "another tenant's technologies are not counted");

        let (status, page) = get(&served, "token-of-a", "/api/v1/domains?technology=Quillstack").await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(domains(&page), ["harbor-demo.com"]);
        let (_, page) = get(&served, "token-of-a", "/api/v1/domains?technology=jQuery").await;
        assert_eq!(domains(&page), ["harbor-demo.com", "plain-shop.com"]);
        let response = reqwest::Client::new()
            .get(served.url("/api/v1/domains/export?format=jsonl&technology=Quillstack"))
            .bearer_auth("token-of-a")
            .send()
            .await
            .unwrap();
        let body = response.text().await.unwrap();
        assert_eq!(body.lines().count(), 1, "{body}");
        assert!(body.contains("\"harbor-demo.com\""), "{body}");
        let out = scenario.run(&["export", "--format", "ndjson", "--technology", "Quillstack"], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
        let text = common::cli::stdout(&out);
        assert_eq!(text.lines().count(), 1, "the command line filters as the API does: {text}");
        assert!(text.contains("\"harbor-demo.com\""), "{text}");

        let session = common::console::Session::sign_in(&served, "token-of-a").await;
        let page = session.get("/ui/technologies").await;
        assert_eq!(page.status, reqwest::StatusCode::OK);
        assert!(page.html.contains("Quillstack") && page.html.contains("jQuery"), "{}", page.html);
    }

    // The CMS's generator goes away and jQuery is downgraded.
    let page = std::fs::read_to_string(fixture.join("page.html"))
        .unwrap()
        .replace(r#"<meta name="generator" content="Quillstack 4.2.1">"#, "")
        .replace("jquery-3.7.1.min.js", "jquery-3.6.0.min.js");
    let headers = vec![("x-powered-by", "Lumen/8.1"), ("server", "nginx/1.25.3")];
    scenario.farm.add("harbor-demo.com", Site::WithHeaders(headers, page));
    make_due(&scenario, "harbor-demo.com").await;
    let out = scenario.run(&["run-once", "--drain"], &settings);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));

    let second = seen(&scenario, "harbor-demo.com").await;
    assert_eq!(
        second["Quillstack"], first["Quillstack"],
        "a technology no longer found keeps when it was last seen"
    );
    let (version, first_seen, last_seen) = second["jQuery"].clone();
    assert_eq!((version.as_deref(), first_seen), (Some("3.6.0"), first["jQuery"].1));
    assert!(last_seen > first["jQuery"].2, "seen again: {second:#?}");

    let out = scenario.run(&["history", "harbor-demo.com"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let text = common::cli::stdout(&out);
    assert!(text.contains("version changed jQuery 3.7.1 -> 3.6.0"), "{text}");
    assert!(text.contains("Quillstack 4.2.1"), "{text}");
    assert!(!text.contains("technologies:"), "the technologies' changes are tech_stack's: {text}");

    let served = scenario.serve(TOKENS, &settings).await;
    let (_, page) = get(&served, "token-of-a", "/api/v1/domains?technology=Quillstack").await;
    assert_eq!(domains(&page), Vec::<String>::new(), "the latest scan no longer found it");
    let (_, counts) = get(&served, "token-of-a", "/api/v1/technologies").await;
    assert!(!counts["items"].as_array().unwrap().iter().any(|c| c["name"] == "Quillstack"), "{counts:#}");
}

on_both_backends!(
    a_farm_site_s_technologies_reach_show_and_the_export_with_their_evidence,
    technologies_are_tracked_over_re_scans_counted_and_filtered_by_tenant,
);
