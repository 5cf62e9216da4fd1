//! What a domain's DNS says about its mail (issue 23, item 3), end to end: each scan asks the
//! tests' DNS server for the domain's MX and TXT records and its `_dmarc` TXT record while the
//! home page comes from the farm (through `connect_to`), and the row shows `mx_hosts`,
//! `mail_provider`, `spf` and `dmarc_policy` in `show`, the export and the change history of
//! re-scans. A look-up that fails leaves its fields null and never fails the domain.

use crate::common;
use crate::on_both_backends;

use chrono::Utc;
use common::db::Backend;
use common::dns::{Behaviour, DnsServer};
use common::farm::{Site, plain_page};
use common::scenario::{Scenario, printed};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// `run-once --drain` with the mail records asked of `dns`.
fn drain(scenario: &Scenario, dns: &DnsServer) {
    let out = scenario
        .command(&["run-once", "--drain"])
        .env("DOMAIN_SCHEDULER_DNS_SERVERS", dns.server())
        .env("DOMAIN_SCHEDULER_DNS_TIMEOUT_MS", "300")
        .output()
        .expect("run the drain");
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
}

/// Mail records only: the home page comes from the farm whatever the addresses say.
fn mail(mx: &[(u16, &str)], txt: &[&str]) -> Behaviour {
    Behaviour::Mail {
        addresses: Vec::new(),
        mx: mx.iter().map(|(preference, host)| (*preference, (*host).to_owned())).collect(),
        txt: txt.iter().map(|text| (*text).to_owned()).collect(),
    }
}

fn dns_fields(row: &Value) -> Value {
    json!({
        "mx_hosts": row["mx_hosts"],
        "mail_provider": row["mail_provider"],
        "spf": row["spf"],
        "dmarc_policy": row["dmarc_policy"],
    })
}

const GOOGLE_SPF: &str = "v=spf1 include:_spf.google.com ~all";

async fn a_scan_stores_what_the_domains_dns_says_about_its_mail(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let names = ["google-mail-shop.com", "no-mail-shop.com", "broken-dns-shop.com"];
    for name in names {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    let dns = DnsServer::start().await;
    dns.set(
        "google-mail-shop.com",
        mail(
            &[(5, "alt1.aspmx.l.google.com"), (1, "aspmx.l.google.com")],
            &["google-site-verification=abc123", GOOGLE_SPF],
        ),
    );
    dns.set(
        "_dmarc.google-mail-shop.com",
        mail(&[], &["v=DMARC1; p=reject; rua=mailto:d@google-mail-shop.com"]),
    );
    // The name exists and publishes nothing; its `_dmarc` name does not exist.
    dns.set("no-mail-shop.com", Behaviour::NoAddress);
    dns.set("broken-dns-shop.com", Behaviour::ServFail);
    dns.set("_dmarc.broken-dns-shop.com", Behaviour::ServFail);
    scenario.add(&names);
    drain(&scenario, &dns);

    let google = scenario.row("google-mail-shop.com");
    assert_eq!(google["status"], "completed", "{google}");
    assert_eq!(
        dns_fields(&google),
        json!({
            "mx_hosts": ["aspmx.l.google.com", "alt1.aspmx.l.google.com"],
            "mail_provider": "Google Workspace",
            "spf": GOOGLE_SPF,
            "dmarc_policy": "reject",
        }),
        "in preference order, the provider from them, the SPF record as published: {google}"
    );
    let none = scenario.row("no-mail-shop.com");
    assert_eq!(none["status"], "completed", "{none}");
    assert_eq!(
        dns_fields(&none),
        json!({"mx_hosts": [], "mail_provider": null, "spf": null, "dmarc_policy": null}),
        "no MX published is an empty list; nothing else is null: {none}"
    );
    let broken = scenario.row("broken-dns-shop.com");
    assert_eq!(broken["status"], "completed", "a failing look-up never fails the domain: {broken}");
    assert_eq!(broken["title"], "broken-dns-shop.com");
    assert_eq!(
        dns_fields(&broken),
        json!({"mx_hosts": null, "mail_provider": null, "spf": null, "dmarc_policy": null}),
        "SERVFAIL: nothing is known: {broken}"
    );
    assert!(dns.queries("google-mail-shop.com") >= 2, "MX and TXT were asked of the tests' server");

    // The export carries them: JSON Lines as `show`, the CSV in the last four columns.
    let jsonl = scenario.command(&["export", "--format", "jsonl"]).output().unwrap();
    assert_eq!(jsonl.status.code(), Some(0), "{}", printed(&jsonl));
    let lines: Vec<Value> = String::from_utf8_lossy(&jsonl.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let exported = lines.iter().find(|row| row["domain"] == "google-mail-shop.com").unwrap();
    assert_eq!(dns_fields(exported), dns_fields(&google));
    let csv = scenario.command(&["export"]).output().unwrap();
    assert_eq!(csv.status.code(), Some(0), "{}", printed(&csv));
    let text = String::from_utf8_lossy(&csv.stdout);
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let at = |name: &str| {
        header.iter().position(|column| column == name).unwrap_or_else(|| panic!("{name}: {header:?}"))
    };
    // After the columns documented first: a script reading by position keeps its columns.
    assert!(at("mx_hosts") > at("confusable"), "{header:?}");
    let record = reader
        .records()
        .map(Result::unwrap)
        .find(|record| &record[at("domain")] == "google-mail-shop.com")
        .unwrap();
    let cells: Vec<&str> =
        ["mx_hosts", "mail_provider", "spf", "dmarc_policy"].iter().map(|name| &record[at(name)]).collect();
    assert_eq!(
        cells,
        [r#"["aspmx.l.google.com","alt1.aspmx.l.google.com"]"#, "Google Workspace", GOOGLE_SPF, "reject"],
        "{record:?}"
    );
}

/// Moves `domain`'s re-scan time into the past, as the passing of its interval would.
async fn make_due_for_rescan(scenario: &Scenario, domain: &str) {
    let db = scenario.db.connect().await;
    let update = entity::domains::ActiveModel {
        rescan_at: Set(Some(Utc::now() - chrono::Duration::seconds(1))),
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

async fn a_rescan_records_the_changes_of_the_domains_mail_records(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("moving-mail-shop.com", Site::Html(plain_page("Moving mail")));
    let dns = DnsServer::start().await;
    dns.set("moving-mail-shop.com", mail(&[(10, "aspmx.l.google.com")], &[GOOGLE_SPF]));
    dns.set("_dmarc.moving-mail-shop.com", mail(&[], &["v=DMARC1; p=none"]));
    scenario.add(&["moving-mail-shop.com"]);
    drain(&scenario, &dns);
    assert_eq!(scenario.row("moving-mail-shop.com")["mail_provider"], "Google Workspace");

    dns.set(
        "moving-mail-shop.com",
        mail(
            &[(0, "moving-mail-shop-com.mail.protection.outlook.com")],
            &["v=spf1 include:spf.protection.outlook.com -all"],
        ),
    );
    dns.set("_dmarc.moving-mail-shop.com", mail(&[], &["v=DMARC1; p=quarantine"]));
    make_due_for_rescan(&scenario, "moving-mail-shop.com").await;
    drain(&scenario, &dns);
    let row = scenario.row("moving-mail-shop.com");
    assert_eq!(row["mail_provider"], "Microsoft 365", "{row}");

    let out = scenario.command(&["history", "moving-mail-shop.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let history = String::from_utf8_lossy(&out.stdout);
    for line in [
        r#"mail_provider: "Google Workspace" -> "Microsoft 365""#,
        r#"dmarc_policy: "none" -> "quarantine""#,
        r#"spf: "v=spf1 include:_spf.google.com ~all" -> "v=spf1 include:spf.protection.outlook.com -all""#,
        "mx_hosts: added moving-mail-shop-com.mail.protection.outlook.com; removed aspmx.l.google.com",
    ] {
        assert!(history.contains(line), "{line} in:\n{history}");
    }
}

/// The fingerprints' `dns` patterns read the records a scan asks for: the team's fixture finds
/// `Postbox Mail` by its MX host and takes its version from a TXT record, with what it implies,
/// on the row and in `tech_stack`.
async fn fingerprints_find_technologies_in_the_domains_dns_records(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for name in ["postbox-shop.com", "other-mail-shop.com"] {
        scenario.farm.add(name, Site::Html(plain_page(name)));
    }
    let dns = DnsServer::start().await;
    dns.set(
        "postbox-shop.com",
        mail(&[(10, "in1.postbox-mail.invalid")], &["postbox-verification=7c41", "v=spf1 -all"]),
    );
    dns.set("other-mail-shop.com", mail(&[(10, "aspmx.l.google.com")], &["postbox-verification"]));
    scenario.add(&["postbox-shop.com", "other-mail-shop.com"]);
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/technologies");
    let out = scenario
        .command(&["run-once", "--drain"])
        .env("DOMAIN_SCHEDULER_DNS_SERVERS", dns.server())
        .env("DOMAIN_SCHEDULER_DNS_TIMEOUT_MS", "300")
        .env("DOMAIN_SCHEDULER_TECHNOLOGIES", &fixture)
        .output()
        .expect("run the drain");
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));

    let row = scenario.row("postbox-shop.com");
    let technologies = row["technologies"].as_array().unwrap();
    let postbox =
        technologies.iter().find(|t| t["name"] == "Postbox Mail").unwrap_or_else(|| panic!("{row:#}"));
    assert_eq!(postbox["version"], "7c41", "{postbox:#}");
    let kinds: Vec<(&str, &str)> = postbox["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["excerpt"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("dns", ".postbox-mail.invalid"), ("dns", "postbox-verification=7c41")]);
    assert!(technologies.iter().any(|t| t["name"] == "Tallybird"), "what it implies: {row:#}");
    assert!(row["tech_stack"].as_array().unwrap().iter().any(|t| t["name"] == "Postbox Mail"), "{row:#}");

    let other = scenario.row("other-mail-shop.com");
    assert!(
        !other["technologies"].as_array().unwrap().iter().any(|t| t["name"] == "Postbox Mail"),
        "neither another MX host nor a TXT record without the pattern's value finds it: {other:#}"
    );
}

/// A site whose page says nothing of parking, with its contacts.
fn ordinary_page(domain: &str) -> String {
    format!(
        "<html><head><title>{domain}</title></head><body><h1>{domain}</h1>\
         <a href=\"mailto:owner@{domain}\">owner@{domain}</a></body></html>"
    )
}

async fn a_name_served_by_a_parking_providers_name_servers_is_parked_by_that_provider(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let dns = DnsServer::start().await;
    let delegated = |ns: &[&str]| Behaviour::Delegated {
        addresses: Vec::new(),
        ns: ns.iter().map(|host| (*host).to_owned()).collect(),
    };
    let parked = [
        ("at-sedo-ns.com", ["ns1.sedoparking.com", "ns2.sedoparking.com"], "Sedo"),
        ("at-bodis-ns.com", ["ns1.bodis.com", "ns2.bodis.com"], "Bodis"),
        ("at-parkingcrew-ns.com", ["ns1.parkingcrew.net", "ns2.parkingcrew.net"], "ParkingCrew"),
        ("at-above-ns.com", ["ns1.above.com", "ns2.above.com"], "Above"),
        ("at-dan-ns.com", ["ns1.dan.com", "ns2.dan.com"], "Dan.com"),
    ];
    for (domain, ns, _) in &parked {
        scenario.farm.add(domain, Site::Html(ordinary_page(domain)));
        dns.set(domain, delegated(ns));
    }
    // GoDaddy's ordinary DNS serves its customers' own sites.
    scenario.farm.add("at-godaddy-dns.com", Site::Html(ordinary_page("at-godaddy-dns.com")));
    dns.set("at-godaddy-dns.com", delegated(&["ns51.domaincontrol.com", "ns52.domaincontrol.com"]));
    let mut names: Vec<&str> = parked.iter().map(|(domain, _, _)| *domain).collect();
    names.push("at-godaddy-dns.com");
    scenario.add(&names);
    drain(&scenario, &dns);

    for (domain, _, provider) in parked {
        let row = scenario.row(domain);
        assert_eq!(row["status"], "completed", "{row}");
        assert_eq!((&row["parked"], &row["parking_provider"]), (&json!(true), &json!(provider)), "{row}");
        assert_eq!(row["email_addresses"], json!([]), "the provider's name, not the owner's site: {row}");
    }
    let site = scenario.row("at-godaddy-dns.com");
    assert_eq!((&site["parked"], &site["parking_provider"]), (&json!(false), &Value::Null), "{site}");
    assert_eq!(site["email_addresses"], json!(["owner@at-godaddy-dns.com"]), "{site}");
}

on_both_backends!(
    fingerprints_find_technologies_in_the_domains_dns_records,
    a_name_served_by_a_parking_providers_name_servers_is_parked_by_that_provider,
    a_scan_stores_what_the_domains_dns_says_about_its_mail,
    a_rescan_records_the_changes_of_the_domains_mail_records,
);
