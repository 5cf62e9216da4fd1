//! The web as it serves pages, end to end through the binary and real servers on 127.0.0.1: a
//! certificate refused over https, a redirect to another registrable domain, bot walls and
//! parked pages, each read back where users read it (`show`, the export as CSV and JSON Lines,
//! the API row, the console's domain page, the change history).

use crate::common;
use crate::on_both_backends;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use common::cli::stderr;
use common::db::Backend;
use common::farm::{Site, plain_page};
use common::parking::{self, LANDER_EMAIL, every_lander};
use common::scenario::Scenario;
use common::tls::{TestCa, TlsFront};
use common::walls::{WALL_EMAIL, WALL_TITLE, every_wall};
use common::web::{self, CertificateKind, First, WebClass};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

/// The token of the default tenant, which `add` enqueues into.
const TOKENS: &str = "token-of-the-default-tenant=00000000-0000-0000-0000-000000000000";
const TOKEN: &str = "token-of-the-default-tenant";

/// Every surface a user reads a domain on, after the scans.
struct Surfaces {
    /// `show DOMAIN`.
    show: HashMap<String, Value>,
    /// `export --format jsonl`, by domain.
    jsonl: HashMap<String, Value>,
    /// `export --format csv`, by domain: column to cell.
    csv: HashMap<String, HashMap<String, String>>,
    /// `GET /api/v1/domains/{domain}`.
    api: HashMap<String, Value>,
    /// `GET /api/v1/domains/{domain}/failures`.
    failures: HashMap<String, Value>,
    /// The console's domain page, as HTML.
    console: HashMap<String, String>,
    /// The service's `/openapi.json`.
    openapi: Value,
}

impl Surfaces {
    async fn read(scenario: &Scenario, domains: &[&str]) -> Surfaces {
        let show: HashMap<String, Value> =
            domains.iter().map(|domain| (domain.to_string(), scenario.row(domain))).collect();
        let export = scenario.run(&["export", "--format", "jsonl"], &[]);
        assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
        let jsonl = String::from_utf8_lossy(&export.stdout)
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .map(|row| (row["domain"].as_str().unwrap().to_owned(), row))
            .collect();
        let export = scenario.run(&["export", "--format", "csv"], &[]);
        assert_eq!(export.status.code(), Some(0), "{}", stderr(&export));
        let text = String::from_utf8_lossy(&export.stdout).trim_start_matches('\u{feff}').to_owned();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        let csv = reader
            .records()
            .map(|record| {
                let cells: HashMap<String, String> =
                    header.iter().cloned().zip(record.unwrap().iter().map(str::to_owned)).collect();
                (cells["domain"].clone(), cells)
            })
            .collect();
        let served = scenario.serve(TOKENS, &[]).await;
        let console_session = common::console::Session::sign_in(&served, TOKEN).await;
        let (mut api, mut console, mut failures) = (HashMap::new(), HashMap::new(), HashMap::new());
        for domain in domains {
            api.insert(domain.to_string(), common::console::domain_row(&served, TOKEN, domain).await);
            let request =
                reqwest::Client::new().get(served.url(&format!("/api/v1/domains/{domain}/failures")));
            let (status, page) = common::console::api(request, TOKEN).await;
            assert_eq!(status, reqwest::StatusCode::OK, "{page}");
            failures.insert(domain.to_string(), page);
            let id = show[*domain]["id"].as_str().unwrap().to_owned();
            console.insert(domain.to_string(), console_session.get(&format!("/ui/domains/{id}")).await.html);
        }
        let openapi = reqwest::get(served.url("/openapi.json")).await.unwrap().json().await.unwrap();
        Surfaces { show, jsonl, csv, api, failures, console, openapi }
    }

    /// Asserts that `field` of `domain` reads `expected` on `show`, the JSON Lines export and
    /// the API row, and as `cell` in the CSV export.
    fn assert_field(&self, domain: &str, field: &str, expected: Value, cell: &str) {
        assert_eq!(self.show[domain][field], expected, "show {domain}: {}", self.show[domain]);
        assert_eq!(self.jsonl[domain][field], expected, "jsonl {domain}: {}", self.jsonl[domain]);
        assert_eq!(self.api[domain][field], expected, "API {domain}: {}", self.api[domain]);
        assert_eq!(self.csv[domain][field], cell, "CSV {domain}: {:?}", self.csv[domain]);
    }

    /// The text of the console's metadata card of `domain`, tags removed.
    fn console_text(&self, domain: &str) -> String {
        let document = scraper::Html::parse_document(&self.console[domain]);
        document.root_element().text().collect::<Vec<_>>().join(" ")
    }
}

fn pem_file(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Makes the completed `domain` due for a re-scan now.
async fn make_due_for_rescan(scenario: &Scenario, domain: &str) {
    let db = scenario.db.connect().await;
    let update = entity::domains::ActiveModel {
        rescan_at: Set(Some(Utc::now() - chrono::Duration::seconds(1))),
        ..Default::default()
    };
    let changed = entity::domains::Entity::update_many()
        .set(update)
        .filter(entity::domains::Column::Domain.eq(domain))
        .filter(entity::domains::Column::Status.eq(entity::DomainStatus::Completed))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1, "{domain} is completed");
    let _ = db.close().await;
}

async fn a_refused_certificate_is_named_on_every_surface_and_in_the_history(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("renewal-forgotten.com", Site::Html(plain_page("Renewal forgotten")));
    scenario.farm.add("kept-valid.com", Site::Html(plain_page("Kept valid")));
    let ca = TestCa::new();
    let dir = tempfile::tempdir().unwrap();
    let roots = pem_file(&dir, ca.pem());
    let names = ["renewal-forgotten.com", "kept-valid.com"];
    let valid = TlsFront::serving(scenario.farm.addr(), ca.issue(&names)).await;
    let expired = TlsFront::serving(scenario.farm.addr(), ca.issue_expired(&["renewal-forgotten.com"])).await;
    scenario.add(&names);
    let drain = |front: &TlsFront| {
        let out = scenario.run(
            &["run-once", "--drain"],
            &[
                ("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", &front.connect_to()),
                ("DOMAIN_SCHEDULER_FETCH_SCHEMES", "https,http"),
                ("DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS", &roots),
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    drain(&valid);
    assert_eq!(scenario.row("renewal-forgotten.com")["tls_problem"], Value::Null);
    // The certificate expires; the re-scan meets it and falls back to http.
    make_due_for_rescan(&scenario, "renewal-forgotten.com").await;
    drain(&expired);

    let seen = Surfaces::read(&scenario, &names).await;
    seen.assert_field("renewal-forgotten.com", "tls_problem", "tls_expired".into(), "tls_expired");
    seen.assert_field(
        "renewal-forgotten.com",
        "final_url",
        "http://renewal-forgotten.com/".into(),
        "http://renewal-forgotten.com/",
    );
    seen.assert_field("kept-valid.com", "tls_problem", Value::Null, "");
    let page = seen.console_text("renewal-forgotten.com");
    assert!(page.contains("Certificate refused") && page.contains("tls_expired"), "{page}");
    assert!(!seen.console_text("kept-valid.com").contains("Certificate refused"));

    let history = scenario.run(&["history", "renewal-forgotten.com"], &[]);
    let history = common::cli::stdout(&history);
    assert!(history.contains("tls_problem") && history.contains("tls_expired"), "{history}");
}

/// The new home of a brand: its icon and logo are written relative to the page's own address.
fn moved_brand_page() -> String {
    r#"<html><head><title>New Brand</title><link rel="icon" href="icon.png"></head>
<body><img class="site-logo" src="../img/logo.png" alt="logo"><h1>New Brand</h1></body></html>"#
        .to_owned()
}

async fn a_redirect_to_another_registrable_domain_is_named_and_the_page_keeps_its_address(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let farm = &scenario.farm;
    farm.add("old-brand.com", Site::RedirectTo("http://www.new-brand.co.uk/about/".into()));
    farm.add("www.new-brand.co.uk", Site::Pages(vec![("/about/", moved_brand_page())]));
    // Staying on the domain is no move: `www.`, a subdomain's parent, a path.
    farm.add("www-only.com", Site::RedirectTo("http://www.www-only.com/".into()));
    farm.add("www.www-only.com", Site::Html(plain_page("www only")));
    farm.add("blog.parent-site.co.uk", Site::RedirectTo("http://parent-site.co.uk/blog/".into()));
    farm.add("parent-site.co.uk", Site::Pages(vec![("/blog/", plain_page("parent"))]));
    // Two names under a private public suffix are two sites.
    farm.add("alice.github.io", Site::RedirectTo("http://bob.github.io/".into()));
    farm.add("bob.github.io", Site::Html(plain_page("bob")));
    let names = ["old-brand.com", "www-only.com", "blog.parent-site.co.uk", "alice.github.io"];
    scenario.add(&names);
    let out = scenario.run(&["run-once", "--drain"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let seen = Surfaces::read(&scenario, &names).await;
    seen.assert_field("old-brand.com", "redirects_to", "new-brand.co.uk".into(), "new-brand.co.uk");
    let landed = "http://www.new-brand.co.uk/about/";
    seen.assert_field("old-brand.com", "final_url", landed.into(), landed);
    let icon = "http://www.new-brand.co.uk/about/icon.png";
    seen.assert_field("old-brand.com", "favicon_url", icon.into(), icon);
    let logo = "http://www.new-brand.co.uk/img/logo.png";
    seen.assert_field("old-brand.com", "logo_url", logo.into(), logo);
    let page = seen.console_text("old-brand.com");
    assert!(page.contains("Redirects to") && page.contains("new-brand.co.uk"), "{page}");
    for stayed in ["www-only.com", "blog.parent-site.co.uk"] {
        seen.assert_field(stayed, "redirects_to", Value::Null, "");
        assert_eq!(seen.show[stayed]["status"], "completed", "{}", seen.show[stayed]);
    }
    seen.assert_field("alice.github.io", "redirects_to", "bob.github.io".into(), "bob.github.io");
}

fn minutes_from_now(row: &Value, field: &str) -> i64 {
    let at: chrono::DateTime<Utc> = row[field].as_str().and_then(|t| t.parse().ok()).expect("a time");
    (at - Utc::now()).num_minutes()
}

/// Makes every pending domain due now.
async fn make_pending_due(scenario: &Scenario) {
    let db = scenario.db.connect().await;
    let update = entity::domains::ActiveModel {
        next_attempt_at: Set(Utc::now() - chrono::Duration::seconds(1)),
        ..Default::default()
    };
    entity::domains::Entity::update_many()
        .set(update)
        .filter(entity::domains::Column::Status.eq(entity::DomainStatus::Pending))
        .exec(&db)
        .await
        .unwrap();
    let _ = db.close().await;
}

async fn bot_walls_end_blocked_naming_the_provider_with_nothing_of_them_stored(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let walls = every_wall();
    for (domain, wall) in &walls {
        scenario.farm.add(domain, wall.site());
    }
    // A site that asks for a second is waited for within the lease and asked again.
    scenario.farm.add("busy-for-a-second.com", Site::BusyOnce(1, plain_page("Open again")));
    // The site's own 503 and 403 are no walls: the usual kinds and backoff.
    scenario.farm.add("plain-503.com", Site::Status(503));
    scenario.farm.add("plain-403.com", Site::Status(403));
    let mut names: Vec<&str> = walls.iter().map(|(domain, _)| *domain).collect();
    names.extend(["busy-for-a-second.com", "plain-503.com", "plain-403.com"]);
    scenario.add(&names);
    let settings = [("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "2"), ("DOMAIN_SCHEDULER_RETRY_BASE_SECONDS", "1")];
    let out = scenario.run(&["run-once", "--drain"], &settings);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    for (domain, wall) in &walls {
        let row = scenario.row(domain);
        assert_eq!((row["status"].as_str(), &row["attempts"]), (Some("pending"), &Value::from(1)), "{row}");
        let said = row["last_error"].as_str().unwrap_or_default();
        assert!(said.starts_with(&format!("fetch/blocked: {} ", wall.provider)), "{domain}: {said}");
        assert_eq!(row["http_status"], wall.status, "{row}");
        let wait = minutes_from_now(&row, "next_attempt_at");
        assert!(wait >= 59, "{domain}: a wall is retried after a long backoff, not in {wait} minutes");
    }
    let limited = scenario.row("rate-limited.com");
    assert!(minutes_from_now(&limited, "next_attempt_at") >= 119, "Retry-After 7200 is honoured: {limited}");
    // The usual backoff of a second, not a wall's: the drain tried it again if it was still
    // running when the second had passed (else the next drain below does), and after the last
    // attempt it ended.
    let plain = scenario.row("plain-503.com");
    assert!(plain["last_error"].as_str().unwrap().starts_with("fetch/http_status"), "{plain}");
    if plain["status"] == "pending" {
        assert_eq!(plain["attempts"], 1, "{plain}");
        assert!(minutes_from_now(&plain, "next_attempt_at") < 1, "the usual short backoff: {plain}");
    } else {
        assert_eq!(
            (plain["status"].as_str(), &plain["attempts"]),
            (Some("error"), &Value::from(2)),
            "{plain}"
        );
    }
    assert_eq!(scenario.row("plain-403.com")["status"], "error", "the site's own 403 is permanent");
    let busy = scenario.row("busy-for-a-second.com");
    assert_eq!((busy["status"].as_str(), busy["title"].as_str()), (Some("completed"), Some("Open again")));
    assert_eq!(busy["attempts"], 1, "waited within the attempt: {busy}");
    assert_eq!(scenario.farm.requests("busy-for-a-second.com"), 2);

    // The last attempt meets the wall again: `error`, each attempt a `blocked` failure.
    make_pending_due(&scenario).await;
    let out = scenario.run(&["run-once", "--drain"], &settings);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plain = scenario.row("plain-503.com");
    assert_eq!((plain["status"].as_str(), &plain["attempts"]), (Some("error"), &Value::from(2)), "{plain}");
    let wall_names: Vec<&str> = walls.iter().map(|(domain, _)| *domain).collect();
    let seen = Surfaces::read(&scenario, &wall_names).await;
    for domain in &wall_names {
        assert_eq!(seen.show[*domain]["status"], "error", "{}", seen.show[*domain]);
        assert_eq!(scenario.error_kinds(domain).await, ["fetch/blocked", "fetch/blocked"]);
        for field in ["title", "description", "language", "favicon_url"] {
            seen.assert_field(domain, field, Value::Null, "");
        }
        seen.assert_field(domain, "email_addresses", serde_json::json!([]), "");
        seen.assert_field(domain, "phone_numbers", serde_json::json!([]), "");
        let page = &seen.console[*domain];
        assert!(!page.contains(WALL_EMAIL) && !page.contains(WALL_TITLE), "{page}");
        assert!(seen.console_text(domain).contains("fetch/blocked"), "the console names the wall");
    }
    // Each failure of a wall names the status it answered, as an HTTP status failure does.
    for (domain, wall) in &walls {
        let items = seen.failures[*domain]["items"].as_array().unwrap();
        assert_eq!(items.len(), 2, "{}", seen.failures[*domain]);
        for item in items {
            assert_eq!(
                (item["kind"].as_str(), &item["http_status"]),
                (Some("blocked"), &Value::from(wall.status))
            );
        }
    }
}

async fn parked_domains_complete_flagged_with_their_provider_and_without_the_landers_contacts(
    backend: Backend,
) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let landers = every_lander();
    for (domain, _, page) in &landers {
        scenario.farm.add(domain, Site::Html(page.clone()));
    }
    // A name sold through a marketplace redirects to its listing there.
    scenario.farm.add(
        "listed-for-sale.com",
        Site::RedirectTo("http://www.hugedomains.com/domain_profile.cfm?d=listed-for-sale.com".into()),
    );
    scenario.farm.add("www.hugedomains.com", Site::Html(plain_page("listed-for-sale.com is for sale")));
    // A shop that names a marketplace is a shop.
    let shop = "<html><head><title>Real shop</title></head><body><p>We bought this name on HugeDomains.com.</p>\
         <a href=\"mailto:owner@real-shop.com\">owner@real-shop.com</a><a href=\"/contact\">Contact</a></body></html>"
        .to_owned();
    scenario.farm.add("real-shop.com", Site::Html(shop));
    let mut names: Vec<&str> = landers.iter().map(|(domain, _, _)| *domain).collect();
    names.extend(["listed-for-sale.com", "real-shop.com"]);
    // Contact pages allowed: a lander's are still not visited.
    let mut add = vec!["add", "--max-pages", "3"];
    add.extend(&names);
    let added = common::cli::run(&scenario.db.url, &add, None);
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));
    let out = scenario.run(&["run-once", "--drain"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let seen = Surfaces::read(&scenario, &names).await;
    let mut expected: Vec<(&str, &str)> =
        landers.iter().map(|(domain, provider, _)| (*domain, *provider)).collect();
    expected.push(("listed-for-sale.com", "HugeDomains"));
    for (domain, provider) in expected {
        assert_eq!(seen.show[domain]["status"], "completed", "{}", seen.show[domain]);
        seen.assert_field(domain, "parked", true.into(), "true");
        seen.assert_field(domain, "parking_provider", provider.into(), provider);
        seen.assert_field(domain, "email_addresses", serde_json::json!([]), "");
        seen.assert_field(domain, "phone_numbers", serde_json::json!([]), "");
        seen.assert_field(domain, "facebook_url", Value::Null, "");
        let page = seen.console_text(domain);
        assert!(page.contains("Parked by") && page.contains(provider), "{page}");
        assert!(!seen.console[domain].contains(LANDER_EMAIL), "{domain}");
        assert_eq!(
            scenario.farm.path_requests(domain, "/contact"),
            0,
            "{domain}: no contact page of a lander"
        );
    }
    let row_schema = &seen.openapi["components"]["schemas"]["Domain"];
    for field in ["tls_problem", "redirects_to", "parked", "parking_provider"] {
        let described = row_schema["properties"][field]["description"].as_str().unwrap_or_default();
        assert!(!described.is_empty(), "the API document describes `{field}`: {row_schema}");
    }
    let last_error = row_schema["properties"]["last_error"]["description"].as_str().unwrap_or_default();
    assert!(last_error.contains("`blocked`"), "the API document lists the kind `blocked`: {last_error}");
    seen.assert_field("listed-for-sale.com", "redirects_to", "hugedomains.com".into(), "hugedomains.com");
    seen.assert_field("real-shop.com", "parked", false.into(), "false");
    assert_eq!(
        scenario.farm.path_requests("real-shop.com", "/contact"),
        1,
        "a site's contact page is visited"
    );
    seen.assert_field("real-shop.com", "parking_provider", Value::Null, "");
    seen.assert_field(
        "real-shop.com",
        "email_addresses",
        serde_json::json!(["owner@real-shop.com"]),
        r#"["owner@real-shop.com"]"#,
    );
}

/// What a site of the web-farm test serves once its class lets it answer.
#[derive(Clone)]
enum Content {
    Page(String),
    Wall(usize),
    Lander(String),
}

/// Each row's outcome in the words of `WebClass::outcome`, by domain (the benchmark's query).
async fn outcomes(scenario: &Scenario) -> HashMap<String, String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = scenario.db.connect().await;
    let sql = format!("SELECT d.domain AS domain, {} AS outcome FROM domains d", web::OUTCOME_SQL);
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await.unwrap();
    let _ = db.close().await;
    rows.iter()
        .map(|row| {
            (row.try_get::<String>("", "domain").unwrap(), row.try_get::<String>("", "outcome").unwrap())
        })
        .collect()
}

async fn every_class_of_the_web_ends_with_its_outcome(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let moved_to = "www.new-home-of-the-brand.net";
    let mut sites: Vec<(String, WebClass, Content)> = [
        ("secure-site.com", WebClass::Https),
        ("www-first.com", WebClass::Www),
        ("no-redirect.com", WebClass::NoRedirect),
        ("old-brand-name.com", WebClass::Moved),
        ("untrusted-ca.com", WebClass::Untrusted),
        ("expired-cert.com", WebClass::Expired),
        ("cert-for-another.com", WebClass::WrongHost),
    ]
    .into_iter()
    .map(|(domain, class)| (domain.to_owned(), class, Content::Page(plain_page(domain))))
    .collect();
    let walls: Vec<_> = every_wall().into_iter().map(|(_, wall)| wall).collect();
    for which in 0..walls.len() {
        sites.push((format!("walled-{which}.com"), WebClass::Wall, Content::Wall(which)));
    }
    let mut providers = HashMap::new();
    for which in 0..parking::LANDER_COUNT {
        let domain = format!("parked-{which}.com");
        let (provider, page) = parking::lander_for(&domain, which);
        providers.insert(domain.clone(), provider);
        sites.push((domain, WebClass::Parked, Content::Lander(page)));
    }
    let by_domain: Arc<HashMap<String, (WebClass, Content)>> = Arc::new(
        sites.iter().map(|(domain, class, content)| (domain.clone(), (*class, content.clone()))).collect(),
    );
    let handler: web::Handler = {
        let by_domain = by_domain.clone();
        Arc::new(move |host: &str, path: &str, secure: bool| {
            let apex = host.strip_prefix("www.").unwrap_or(host);
            if format!("www.{apex}") == moved_to {
                return web::html(plain_page("The brand's new home"));
            }
            let Some((class, content)) = by_domain.get(apex) else { return web::not_found() };
            if let First::Redirect(origin) = class.first(apex, host, secure, moved_to) {
                return web::redirect(&origin, path);
            }
            match content {
                Content::Wall(which) => web::wall_answer(&walls[*which]),
                Content::Page(page) | Content::Lander(page) if path == "/" => web::html(page.clone()),
                _ => web::not_found(),
            }
        })
    };
    let certificates = {
        let by_domain = by_domain.clone();
        Arc::new(web::Certificates::new(TestCa::new(), move |host: &str| {
            let apex = host.strip_prefix("www.").unwrap_or(host);
            by_domain.get(apex).map_or(CertificateKind::Valid, |(class, _)| class.certificate())
        }))
    };
    let dir = tempfile::tempdir().unwrap();
    let roots = pem_file(&dir, certificates.ca_pem());
    // Every other site offers HTTP/2.
    let offers_h2 = Arc::new(|host: &str| host.len().is_multiple_of(2));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = web::WebServer::start(listener, certificates, offers_h2, handler);
    let names: Vec<&str> = sites.iter().map(|(domain, _, _)| domain.as_str()).collect();
    scenario.add(&names);
    let out = scenario.run(
        &["run-once", "--drain"],
        &[
            ("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", &server.addr.to_string()),
            ("DOMAIN_SCHEDULER_FETCH_SCHEMES", "https,http"),
            ("DOMAIN_SCHEDULER_FETCH_EXTRA_ROOTS", &roots),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let recorded = outcomes(&scenario).await;
    for (domain, class, _) in &sites {
        let provider = providers.get(domain).copied().unwrap_or_default();
        let expected = class.outcome("new-home-of-the-brand.net", provider);
        assert_eq!(recorded[domain], expected, "{domain} ({}): {}", class.label(), scenario.row(domain));
    }
    // The pages came over https where the certificate allowed it, from the name redirected to.
    for (domain, landed) in [
        ("secure-site.com", "https://secure-site.com/"),
        ("www-first.com", "https://www.www-first.com/"),
        ("old-brand-name.com", "https://www.new-home-of-the-brand.net/"),
        ("expired-cert.com", "http://expired-cert.com/"),
    ] {
        assert_eq!(scenario.row(domain)["final_url"], landed, "{domain}");
    }
}

on_both_backends!(
    every_class_of_the_web_ends_with_its_outcome,
    parked_domains_complete_flagged_with_their_provider_and_without_the_landers_contacts,
    a_refused_certificate_is_named_on_every_surface_and_in_the_history,
    a_redirect_to_another_registrable_domain_is_named_and_the_page_keeps_its_address,
    bot_walls_end_blocked_naming_the_provider_with_nothing_of_them_stored,
);
