//! Change history: a re-scan that changes stored values writes one `domain_changes` row per
//! changed field (lists compared as sets), a first, unchanged or failed scan writes none, and the
//! history reads back through `history`, `GET /api/v1/domains/{domain}/changes` and the
//! `changed_since` filter of the listing.

use crate::common;
use crate::on_both_backends;

use chrono::{DateTime, Utc};
use common::db::Backend;
use common::farm::{Site, plain_page};
use common::scenario::{Scenario, printed};
use common::server::Served;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const TOKENS: &str =
    "token-of-a=0000000a-0000-4000-8000-00000000000a,token-of-b=0000000b-0000-4000-8000-00000000000b";

/// A home page with a title, a description, the given addresses and, when given, a generator.
fn page(title: &str, description: &str, emails: &[&str], generator: Option<&str>) -> String {
    let generator =
        generator.map(|g| format!(r#"<meta name="generator" content="{g}">"#)).unwrap_or_default();
    let links: String = emails.iter().map(|e| format!(r#"<a href="mailto:{e}">{e}</a> "#)).collect();
    format!(
        r#"<html lang="en"><head><title>{title}</title><meta name="description" content="{description}">{generator}</head><body><h1>{title}</h1><p>{links}</p></body></html>"#
    )
}

/// `run-once --drain` with `settings`, which must succeed.
fn drain(scenario: &Scenario, settings: &[(&str, &str)]) {
    let mut command = scenario.command(&["run-once", "--drain"]);
    for (name, value) in settings {
        command.env(name, value);
    }
    let out = command.output().expect("run the drain");
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
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
        .filter(entity::domains::Column::Status.eq(entity::DomainStatus::Completed))
        .exec(&db)
        .await
        .expect("move the re-scan time");
    assert_eq!(changed.rows_affected, 1, "{domain} is completed");
}

/// Serves `site` at `domain`, makes the domain due and re-scans it.
async fn rescan(scenario: &Scenario, domain: &str, site: String, settings: &[(&str, &str)]) {
    scenario.farm.add(domain, Site::Html(site));
    make_due_for_rescan(scenario, domain).await;
    drain(scenario, settings);
}

/// Every change row of `domain`, oldest first.
async fn rows_of(scenario: &Scenario, domain: &str) -> Vec<entity::domain_changes::Model> {
    let db = scenario.db.connect().await;
    let id = entity::domains::Entity::find()
        .filter(entity::domains::Column::Domain.eq(domain))
        .one(&db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{domain} is stored"))
        .id;
    entity::domain_changes::Entity::find()
        .filter(entity::domain_changes::Column::DomainId.eq(id))
        .order_by_asc(entity::domain_changes::Column::Id)
        .all(&db)
        .await
        .unwrap()
}

fn time(value: &Value) -> DateTime<Utc> {
    value.as_str().and_then(|t| t.parse().ok()).unwrap_or_else(|| panic!("not a time: {value}"))
}

async fn a_rescan_that_changes_three_fields_writes_three_rows_with_old_and_new_values(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let before = page("Before", "Old words", &["hello@three-fields.com", "sales@three-fields.com"], None);
    scenario.farm.add("three-fields.com", Site::Html(before));
    scenario.add(&["three-fields.com"]);
    drain(&scenario, &[]);
    let after = page("After", "New words", &["hello@three-fields.com", "support@three-fields.com"], None);
    rescan(&scenario, "three-fields.com", after, &[]).await;

    let row = scenario.row("three-fields.com");
    assert_eq!(row["title"], "After", "{row}");
    let changes = rows_of(&scenario, "three-fields.com").await;
    let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["title", "description", "email_addresses"], "{changes:#?}");
    let values: Vec<(&Value, &Value)> = changes.iter().map(|c| (&c.old_value, &c.new_value)).collect();
    assert_eq!(values[0], (&json!("Before"), &json!("After")));
    assert_eq!(values[1], (&json!("Old words"), &json!("New words")));
    assert_eq!(
        values[2],
        (
            &json!(["hello@three-fields.com", "sales@three-fields.com"]),
            &json!(["hello@three-fields.com", "support@three-fields.com"])
        )
    );
    for change in &changes {
        assert_eq!(change.scanned_at, time(&row["fetched_at"]), "the re-scan's own time");
        assert_eq!(change.tenant_id, uuid::Uuid::nil());
    }
}

async fn list_fields_are_compared_as_sets_and_say_what_was_added_and_removed(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let emails = ["a@set-site.com", "b@set-site.com"];
    scenario.farm.add("set-site.com", Site::Html(page("Sets", "Same", &emails, None)));
    scenario.add(&["set-site.com"]);
    drain(&scenario, &[]);
    // The same addresses in another order, and WordPress appears.
    let reordered = ["b@set-site.com", "a@set-site.com"];
    rescan(&scenario, "set-site.com", page("Sets", "Same", &reordered, Some("WordPress 6.4.2")), &[]).await;

    let changes = rows_of(&scenario, "set-site.com").await;
    assert!(changes.iter().all(|c| c.field != "email_addresses"), "a re-ordering is no change: {changes:#?}");
    let tech = changes.iter().find(|c| c.field == "tech_stack").expect("a tech_stack change");
    let set = tech.set_change().expect("tech_stack is a list");
    assert!(set.added.contains(&json!({"name": "WordPress", "version": "6.4.2"})), "{set:?}");
    assert!(set.removed.is_empty(), "{set:?}");
    let wordpress = changes.iter().find(|c| c.field == "is_wordpress").expect("an is_wordpress change");
    assert_eq!((&wordpress.old_value, &wordpress.new_value), (&json!(false), &json!(true)));

    rescan(&scenario, "set-site.com", page("Sets", "Same", &["a@set-site.com"], None), &[]).await;
    let changes = rows_of(&scenario, "set-site.com").await;
    let latest = |field: &str| changes.iter().rev().find(|c| c.field == field).cloned().unwrap();
    let emails = latest("email_addresses").set_change().unwrap();
    assert_eq!((emails.added, emails.removed), (vec![], vec![json!("b@set-site.com")]));
    let tech = latest("tech_stack").set_change().unwrap();
    assert!(
        tech.added.is_empty() && tech.removed.contains(&json!({"name": "WordPress", "version": "6.4.2"}))
    );
}

async fn a_first_scan_an_unchanged_rescan_and_a_failed_rescan_write_no_history(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for name in ["steady-site.com", "failing-site.com"] {
        scenario.farm.add(name, Site::Html(page(name, "Words", &[], None)));
    }
    scenario.add(&["steady-site.com", "failing-site.com"]);
    drain(&scenario, &[]);
    for name in ["steady-site.com", "failing-site.com"] {
        assert_eq!(rows_of(&scenario, name).await, vec![], "a first scan has nothing to compare with");
    }

    rescan(&scenario, "steady-site.com", page("steady-site.com", "Words", &[], None), &[]).await;
    let first_fetch = time(&scenario.row("failing-site.com")["fetched_at"]);
    scenario.farm.add("failing-site.com", Site::Status(500));
    make_due_for_rescan(&scenario, "failing-site.com").await;
    drain(&scenario, &[("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "1")]);

    assert_eq!(scenario.farm.requests("steady-site.com"), 2, "re-scanned");
    assert_eq!(rows_of(&scenario, "steady-site.com").await, vec![], "the same page: nothing changed");
    let failed = scenario.row("failing-site.com");
    assert!(failed["last_error"].as_str().unwrap_or_default().contains("500"), "re-scanned: {failed}");
    assert_eq!(time(&failed["fetched_at"]), first_fetch);
    assert_eq!(rows_of(&scenario, "failing-site.com").await, vec![], "a failure never touches metadata");
}

async fn history_prints_each_scan_s_changes_newest_first(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let emails = ["hello@told-site.com", "sales@told-site.com"];
    scenario.farm.add("told-site.com", Site::Html(page("First", "Words", &emails, None)));
    scenario.farm.add("quiet-site.com", Site::Html(plain_page("Quiet")));
    scenario.add(&["told-site.com", "quiet-site.com"]);
    drain(&scenario, &[]);
    let emails = ["hello@told-site.com", "support@told-site.com"];
    rescan(&scenario, "told-site.com", page("Second", "Words", &emails, None), &[]).await;
    rescan(&scenario, "told-site.com", page("Third", "Words", &emails, None), &[]).await;

    let out = scenario.command(&["history", "https://www.Told-Site.com/"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let third = text.find(r#"title: "Second" -> "Third""#).unwrap_or_else(|| panic!("{text}"));
    let second = text.find(r#"title: "First" -> "Second""#).unwrap_or_else(|| panic!("{text}"));
    assert!(third < second, "newest first: {text}");
    assert!(
        text.contains("email_addresses: added support@told-site.com; removed sales@told-site.com"),
        "{text}"
    );

    let out = scenario.command(&["history", "quiet-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no changes recorded"), "{}", printed(&out));
    let out = scenario.command(&["history", "never-added.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", printed(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never-added.com not found"), "{}", printed(&out));
}

/// `GET` as the tenant of `token`, answering the status and the JSON body.
async fn get(served: &Served, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new().get(served.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn the_api_pages_a_domain_s_changes_newest_first_each_row_once(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("paged-site.com", Site::Html(page("One", "First words", &["a@paged-site.com"], None)));
    let out = scenario.command(&["add", "--tenant", TENANT_A, "paged-site.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    drain(&scenario, &[]);
    rescan(&scenario, "paged-site.com", page("Two", "Second words", &["b@paged-site.com"], None), &[]).await;
    let wordpress = page("Three", "Third words", &["c@paged-site.com"], Some("WordPress 6.4.2"));
    rescan(&scenario, "paged-site.com", wordpress, &[]).await;
    let stored = rows_of(&scenario, "paged-site.com").await;
    assert!(stored.len() >= 8, "two re-scans of 3 and 5+ fields: {stored:#?}");

    let served = Served::start(&scenario.db.url, &scenario.farm.connect_to(), TOKENS, &[]).await;
    let mut seen: Vec<Value> = Vec::new();
    let mut path = "/api/v1/domains/paged-site.com/changes?limit=3".to_string();
    loop {
        let (status, body) = get(&served, "token-of-a", &path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["domain"], "paged-site.com");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 3, "{body}");
        seen.extend(items.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/domains/paged-site.com/changes?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    let mut ids: Vec<i64> = seen.iter().map(|c| c["id"].as_i64().unwrap()).collect();
    let newest_first = seen.windows(2).all(|w| {
        (time(&w[0]["scanned_at"]), w[0]["id"].as_i64()) > (time(&w[1]["scanned_at"]), w[1]["id"].as_i64())
    });
    assert!(newest_first, "{seen:#?}");
    ids.sort_unstable();
    let mut stored_ids: Vec<i64> = stored.iter().map(|c| c.id).collect();
    stored_ids.sort_unstable();
    assert_eq!(ids, stored_ids, "every row once");
    assert_eq!(seen[0]["scanned_at"], seen.iter().find(|c| c["field"] == "title").unwrap()["scanned_at"]);
    let title = seen.iter().find(|c| c["field"] == "title").unwrap();
    assert_eq!((&title["old_value"], &title["new_value"]), (&json!("Two"), &json!("Three")), "newest first");
    assert!(title.get("added").is_none(), "a scalar field has no added/removed: {title}");
    let emails = seen.iter().find(|c| c["field"] == "email_addresses").unwrap();
    assert_eq!(
        (&emails["added"], &emails["removed"]),
        (&json!(["c@paged-site.com"]), &json!(["b@paged-site.com"]))
    );

    let console = common::console::Session::sign_in(&served, "token-of-a").await;
    let domain_page = console.get(&format!("/ui/domains/{}", stored[0].domain_id)).await;
    let history = domain_page.html.split(r#"id="change-history""#).nth(1).unwrap_or_default();
    for text in ["title", "Two", "Three", "added c@paged-site.com", "removed b@paged-site.com"] {
        assert!(history.contains(text), "the console's history shows {text}: {history}");
    }

    let (status, body) = get(&served, "token-of-b", "/api/v1/domains/paged-site.com/changes").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("not_found")),
        "another tenant's: {body}"
    );
    // The row's id names the domain as well as its name does, for its own tenant only.
    let id = scenario.row("paged-site.com")["id"].as_str().unwrap().to_owned();
    let (status, body) =
        get(&served, "token-of-a", &format!("/api/v1/domains/{id}/changes?limit=1000")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().unwrap().len(), seen.len(), "{body}");
    let (status, _) = get(&served, "token-of-b", &format!("/api/v1/domains/{id}/changes")).await;
    assert_eq!(status, 404, "another tenant's, by id");
    let (status, body) =
        get(&served, "token-of-a", "/api/v1/domains/paged-site.com/changes?cursor=page-2").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = get(&served, "token-of-a", "/api/v1/domains/unknown-site.com/changes").await;
    assert_eq!(status, 404, "{body}");
}

async fn the_listing_filters_domains_changed_since_a_time(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    for name in ["moving-site.com", "still-site.com"] {
        scenario.farm.add(name, Site::Html(page(name, "Words", &[], None)));
    }
    let out = scenario
        .command(&["add", "--tenant", TENANT_A, "moving-site.com", "still-site.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    drain(&scenario, &[]);
    let before_rescans = Utc::now();
    rescan(&scenario, "moving-site.com", page("moving-site.com", "New words", &[], None), &[]).await;
    rescan(&scenario, "still-site.com", page("still-site.com", "Words", &[], None), &[]).await;
    let after_rescans = Utc::now();

    let served = Served::start(&scenario.db.url, &scenario.farm.connect_to(), TOKENS, &[]).await;
    let names = |body: &Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|d| d["domain"].as_str().unwrap().to_owned()).collect()
    };
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (status, body) =
        get(&served, "token-of-a", &format!("/api/v1/domains?changed_since={}", at(before_rescans))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(names(&body), ["moving-site.com"]);
    let (_, body) =
        get(&served, "token-of-a", &format!("/api/v1/domains?changed_since={}", at(after_rescans))).await;
    assert_eq!(names(&body), Vec::<String>::new(), "no change since then");
    let (_, body) = get(&served, "token-of-a", "/api/v1/domains").await;
    assert_eq!(names(&body), ["moving-site.com", "still-site.com"], "without the filter, every domain");
    let (_, body) =
        get(&served, "token-of-b", &format!("/api/v1/domains?changed_since={}", at(before_rescans))).await;
    assert_eq!(names(&body), Vec::<String>::new(), "another tenant sees none of them");
    let (status, body) = get(&served, "token-of-a", "/api/v1/domains?changed_since=yesterday").await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("changed_since"), "{body}");
}

on_both_backends!(
    a_rescan_that_changes_three_fields_writes_three_rows_with_old_and_new_values,
    list_fields_are_compared_as_sets_and_say_what_was_added_and_removed,
    a_first_scan_an_unchanged_rescan_and_a_failed_rescan_write_no_history,
    history_prints_each_scan_s_changes_newest_first,
    the_api_pages_a_domain_s_changes_newest_first_each_row_once,
    the_listing_filters_domains_changed_since_a_time,
);
