//! `export` and `GET /api/v1/domains/export`, as users run them: the real binary and the real
//! server against each backend, the CSV read back by Python's csv module (what a spreadsheet
//! import or a script would use), the JSON Lines compared with the API's own rows.

use crate::common;
use crate::on_both_backends;

use std::collections::{BTreeMap, HashMap};
use std::process::{Command, Stdio};

use chrono::{DateTime, SecondsFormat, Utc};
use common::cli::{BIN, run, stderr, stdout};
use common::db::{Backend, TestDb};
use common::seed;
use common::server::Served;
use domain_scheduler::rows;
use entity::domains;
use entity::metadata::StringList;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde_json::Value;
use uuid::Uuid;

const TENANT_A: &str = "0000000a-0000-4000-8000-00000000000a";
const TENANT_B: &str = "0000000b-0000-4000-8000-00000000000b";
const TOKENS: &str =
    "token-of-a=0000000a-0000-4000-8000-00000000000a,token-of-b=0000000b-0000-4000-8000-00000000000b";
const ADMIN: (&str, &str) = ("DOMAIN_SCHEDULER_ADMIN_TOKENS", "token-of-the-admin");

fn tenant(text: &str) -> Uuid {
    text.parse().unwrap()
}

/// Every row of the table, by id, as stored.
async fn stored(db: &DatabaseConnection) -> HashMap<Uuid, domains::Model> {
    let rows = domains::Entity::find().all(db).await.unwrap();
    rows.into_iter().map(|row| (row.id, row)).collect()
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What the documented CSV columns give back for `row` once decoded as docs/api.md says: a
/// list column as the list of its items, any other column as text.
fn expected_cells(row: &domains::Model) -> BTreeMap<&'static str, Value> {
    let text = |value: &Option<String>| Value::from(value.clone().unwrap_or_default());
    let owned = |value: String| Value::from(value);
    let stack: Vec<String> = row
        .tech_stack
        .0
        .iter()
        .map(|t| t.version.as_ref().map_or(t.name.clone(), |v| format!("{}/{v}", t.name)))
        .collect();
    BTreeMap::from([
        ("id", owned(row.id.to_string())),
        ("tenant_id", owned(row.tenant_id.to_string())),
        ("domain", owned(row.domain.clone())),
        ("status", owned(row.status.to_string())),
        ("batch_id", owned(row.batch_id.map(|b| b.to_string()).unwrap_or_default())),
        ("title", text(&row.title)),
        ("description", text(&row.description)),
        ("language", text(&row.language)),
        ("canonical_url", text(&row.canonical_url)),
        ("final_url", text(&row.final_url)),
        ("http_status", owned(row.http_status.map(|s| s.to_string()).unwrap_or_default())),
        ("favicon_url", text(&row.favicon_url)),
        ("logo_url", text(&row.logo_url)),
        ("email_addresses", Value::from(row.email_addresses.0.clone())),
        ("phone_numbers", Value::from(row.phone_numbers.0.clone())),
        ("twitter_url", text(&row.twitter_url)),
        ("facebook_url", text(&row.facebook_url)),
        ("linkedin_url", text(&row.linkedin_url)),
        ("instagram_url", text(&row.instagram_url)),
        ("youtube_url", text(&row.youtube_url)),
        ("tiktok_url", text(&row.tiktok_url)),
        ("github_url", text(&row.github_url)),
        ("pinterest_url", text(&row.pinterest_url)),
        ("is_wordpress", owned(row.is_wordpress.to_string())),
        ("wordpress_version", text(&row.wordpress_version)),
        ("has_elementor", owned(row.has_elementor.to_string())),
        ("tech_stack", Value::from(stack)),
        ("attempts", owned(row.attempts.to_string())),
        ("last_error", text(&row.last_error)),
        ("fetched_at", owned(row.fetched_at.map(time).unwrap_or_default())),
        ("rescan_at", owned(row.rescan_at.map(time).unwrap_or_default())),
        ("next_attempt_at", owned(time(row.next_attempt_at))),
        ("created_at", owned(time(row.created_at))),
        ("updated_at", owned(time(row.updated_at))),
        ("confusable", owned(row.confusable.to_string())),
        ("technologies", serde_json::to_value(&row.technologies.0).unwrap()),
        ("mx_hosts", Value::from(row.mx_hosts.clone().map(|hosts| hosts.0).unwrap_or_default())),
        ("mail_provider", text(&row.mail_provider)),
        ("spf", text(&row.spf)),
        ("dmarc_policy", text(&row.dmarc_policy)),
        ("tls_problem", text(&row.tls_problem)),
        ("redirects_to", text(&row.redirects_to)),
        ("parked", owned(row.parked.to_string())),
        ("parking_provider", text(&row.parking_provider)),
    ])
}

/// A CSV file as Python's csv module reads it (what a spreadsheet import or a script would
/// use), decoded as docs/api.md says: a cell that starts with `'` loses that one `'` (the
/// formula guard), a non-empty list cell is a JSON array, an empty one an empty list.
struct ReadBack {
    header: Vec<String>,
    /// Each row's cells as written.
    raw: Vec<BTreeMap<String, String>>,
    /// Each row's values, decoded.
    decoded: Vec<BTreeMap<String, Value>>,
}

fn parse_with_python(path: &std::path::Path) -> ReadBack {
    let script = "import csv, json, sys\n\
        LISTS = {'email_addresses', 'phone_numbers', 'tech_stack', 'technologies', 'mx_hosts'}\n\
        def decode(name, cell):\n\
        \x20   if name in LISTS:\n\
        \x20       return json.loads(cell) if cell else []\n\
        \x20   return cell[1:] if cell.startswith(\"'\") else cell\n\
        with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n\
        \x20   reader = csv.reader(f)\n\
        \x20   header = next(reader)\n\
        \x20   rows = [dict(zip(header, r)) for r in reader if len(r) == len(header) or sys.exit('ragged row: %r' % (r,))]\n\
        decoded = [{k: decode(k, v) for k, v in row.items()} for row in rows]\n\
        json.dump({'header': header, 'rows': rows, 'decoded': decoded}, sys.stdout)\n";
    let out = Command::new("python3").arg("-c").arg(script).arg(path).output().expect("python3 runs");
    assert!(out.status.success(), "python's csv module refused the file: {}", stderr(&out));
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    ReadBack {
        header: serde_json::from_value(parsed["header"].clone()).unwrap(),
        raw: serde_json::from_value(parsed["rows"].clone()).unwrap(),
        decoded: serde_json::from_value(parsed["decoded"].clone()).unwrap(),
    }
}

/// Each exported row, read back by Python, gives exactly what the table stores.
fn assert_round_trip(read: &ReadBack, rows: &HashMap<Uuid, domains::Model>) {
    let mut seen = std::collections::HashSet::new();
    for record in &read.decoded {
        let id: Uuid = record["id"].as_str().unwrap().parse().unwrap();
        assert!(seen.insert(id), "{id} exported twice");
        let row = rows.get(&id).unwrap_or_else(|| panic!("{id} is not in the table"));
        for (column, value) in expected_cells(row) {
            assert_eq!(record[column], value, "column {column} of {}", row.domain);
        }
    }
}

/// The export of `args` written to a file, with its exit status and stderr checked.
fn export_to_file(url: &str, args: &[&str], dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let out = run(url, &[&["export"], args].concat(), None);
    assert_eq!(out.status.code(), Some(0), "export failed: {}", stderr(&out));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn jsonl(bytes: &[u8]) -> Vec<Value> {
    std::str::from_utf8(bytes)
        .expect("UTF-8")
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"))
        })
        .collect()
}

async fn ten_thousand_rows_export_row_by_row_as_csv_and_jsonl(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let batch = seed::batch(&db, Uuid::nil()).await;
    seed::domains(&db, Uuid::nil(), Some(batch), "site-", 10_000).await;
    let rows = stored(&db).await;
    let dir = tempfile::tempdir().unwrap();

    let csv = export_to_file(&test_db.url, &[], dir.path(), "domains.csv");
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with("\u{feff}id,tenant_id,domain,status,".as_bytes()), "a BOM, then the header");
    let read = parse_with_python(&csv);
    assert_eq!(read.header.len(), 44, "{:?}", read.header);
    assert_eq!(read.raw.len(), 10_000, "one record per domain, however many lines its cells span");
    assert_round_trip(&read, &rows);
    let title_cells: Vec<&str> = read.raw.iter().map(|r| r["title"].as_str()).collect();
    assert!(title_cells.iter().any(|t| t.starts_with("'=HYPERLINK")), "a formula is never live");
    assert!(title_cells.iter().any(|t| t.contains("日本語\r\nsecond line")), "line breaks survive quoting");

    let out = run(&test_db.url, &["export", "--format", "jsonl"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = jsonl(&out.stdout);
    assert_eq!(lines.len(), 10_000);
    for line in &lines {
        let id: Uuid = line["id"].as_str().unwrap().parse().unwrap();
        let expected = serde_json::to_value(rows::Domain::from(rows[&id].clone())).unwrap();
        assert_eq!(line, &expected, "the full row as the API shows it");
    }
}

/// Issue 21, item 16: values with the list separator, quotes and formula starts come back from
/// the CSV exactly as stored, and an ordinary phone list is written as it reads (no `'`).
async fn tricky_values_round_trip_through_the_csv_and_phone_lists_read_plainly(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed::domains(&db, Uuid::nil(), None, "site-", 30).await;
    let mut ids: Vec<Uuid> = stored(&db).await.into_keys().collect();
    ids.sort();
    let tricky: [(Option<&str>, Vec<&str>, Vec<&str>); 4] = [
        (Some("=1+2"), vec!["a|b@example.com", "c@example.com"], vec!["+14155550100", "+33142685300"]),
        (Some("'quoted' title"), vec!["\"x,y\"|z@example.com"], vec!["+442079460000"]),
        (Some("+|-|@"), vec!["|@example.com|"], vec![]),
        (Some("'=already guarded?"), vec![], vec!["+16028082378"]),
    ];
    for (id, (title, emails, phones)) in ids.iter().zip(&tricky) {
        let strings = |items: &Vec<&str>| StringList(items.iter().map(|s| (*s).to_owned()).collect());
        domains::ActiveModel {
            id: Set(*id),
            title: Set(title.map(str::to_owned)),
            email_addresses: Set(strings(emails)),
            phone_numbers: Set(strings(phones)),
            ..Default::default()
        }
        .update(&db)
        .await
        .unwrap();
    }
    let rows = stored(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let read = parse_with_python(&export_to_file(&test_db.url, &[], dir.path(), "tricky.csv"));
    assert_eq!(read.raw.len(), 30);
    assert_round_trip(&read, &rows);
    let raw_of = |id: &Uuid| read.raw.iter().find(|r| r["id"] == id.to_string()).unwrap();
    let first = raw_of(&ids[0]);
    assert_eq!(first["title"], "'=1+2", "a formula is never live");
    assert_eq!(first["phone_numbers"], r#"["+14155550100","+33142685300"]"#, "no quote before a phone list");
    assert_eq!(first["email_addresses"], r#"["a|b@example.com","c@example.com"]"#);
    assert_eq!(raw_of(&ids[1])["title"], "''quoted' title");
    assert_eq!(raw_of(&ids[2])["phone_numbers"], "", "an empty list is an empty cell");
    for record in &read.raw {
        for column in ["email_addresses", "phone_numbers", "tech_stack"] {
            let cell = &record[column];
            assert!(cell.is_empty() || cell.starts_with('['), "{column}: {cell}");
        }
    }
}

async fn filters_narrow_the_export_and_bad_values_are_refused(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let first = seed::batch(&db, tenant(TENANT_A)).await;
    let second = seed::batch(&db, tenant(TENANT_B)).await;
    seed::domains(&db, tenant(TENANT_A), Some(first), "a-", 50).await;
    seed::domains(&db, tenant(TENANT_B), Some(second), "b-", 30).await;
    let url = &test_db.url;
    let exported = |args: &[&str]| -> Vec<Value> {
        let out = run(url, &[&["export", "--format", "jsonl"], args].concat(), None);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        jsonl(&out.stdout)
    };

    assert_eq!(exported(&[]).len(), 80, "every tenant without --tenant");
    let documented = run(url, &["export", "--format", "ndjson"], None);
    let alias = run(url, &["export", "--format", "jsonl"], None);
    assert_eq!(documented.status.code(), Some(0), "{}", stderr(&documented));
    assert_eq!(documented.stdout, alias.stdout, "jsonl is ndjson under its other name");
    let b = exported(&["--tenant", TENANT_B]);
    assert_eq!(b.len(), 30);
    assert!(b.iter().all(|row| row["tenant_id"] == TENANT_B));
    let errors = exported(&["--status", "error"]);
    assert_eq!(errors.len(), 10 + 6, "every fifth row of each tenant");
    assert!(errors.iter().all(|row| row["status"] == "error"));
    let of_first = exported(&["--batch", &first.to_string(), "--status", "completed"]);
    assert_eq!(of_first.len(), 10);
    assert!(of_first.iter().all(|row| row["batch_id"] == first.to_string() && row["status"] == "completed"));
    // Changed: a re-scan recorded a change at or after the time; being fetched is not enough.
    let changes = seed::title_changes(&db, 2).await;
    let since = seed::fetched_from() + chrono::Duration::minutes(40);
    let changed = exported(&["--changed-since", &time(since)]);
    let mut expected: Vec<String> =
        changes.iter().filter(|(_, _, at)| *at >= since).map(|(id, _, _)| id.to_string()).collect();
    let mut got: Vec<String> = changed.iter().map(|row| row["id"].as_str().unwrap().to_owned()).collect();
    expected.sort();
    got.sort();
    assert!(!expected.is_empty() && expected.len() < 32);
    assert_eq!(got, expected, "the domains with a change at or after the time");
    assert_eq!(exported(&["--changed-since", "2026-01-01"]).len(), changes.len(), "a date is midnight UTC");

    for (args, named) in [
        (&["--format", "xml"][..], "--format"),
        (&["--status", "done"][..], "--status"),
        (&["--batch", "not-a-uuid"][..], "--batch"),
        (&["--changed-since", "yesterday"][..], "--changed-since"),
        (&["--tenant", "42"][..], "--tenant"),
    ] {
        let out = run(url, &[&["export"], args].concat(), None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "nothing on stdout for {args:?}");
    }
}

async fn a_reader_that_stops_early_ends_the_export_quietly(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    seed::domains(&db, Uuid::nil(), None, "site-", 5_000).await;
    // The shell's own pipe, as a user types it: far more than a pipe holds, cut after a line.
    for format in ["csv", "jsonl"] {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("set -o pipefail; \"$0\" export --format {format} | head -1"))
            .arg(BIN)
            .env("DATABASE_URL", &test_db.url)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(stdout(&out).lines().count(), 1, "{format}");
        let err = stderr(&out);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{format}: {err}");
        assert_eq!(out.status.code(), Some(0), "{format}: the export ends with status 0 too: {err}");
    }
}

async fn get(served: &Served, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(served.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

/// Every domain of the token's tenant through the listing, `GET /api/v1/domains`, by id.
async fn listed(served: &Served, token: &str) -> HashMap<String, Value> {
    let mut all = HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/domains?limit=1000".to_owned(),
            Some(cursor) => format!("/api/v1/domains?limit=1000&cursor={cursor}"),
        };
        let page: Value = get(served, &path, Some(token)).await.json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            all.insert(item["id"].as_str().unwrap().to_owned(), item.clone());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return all,
        }
    }
}

async fn the_api_streams_each_tenant_its_own_rows_exactly_as_it_lists_them(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let batch_a = seed::batch(&db, tenant(TENANT_A)).await;
    seed::domains(&db, tenant(TENANT_A), Some(batch_a), "a-", 1_200).await;
    seed::domains(&db, tenant(TENANT_B), None, "b-", 30).await;
    let changes = seed::title_changes(&db, 3).await;
    let farm = common::farm::Farm::start().await;
    let served = Served::start(&test_db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;

    let response = get(&served, "/api/v1/domains/export?format=ndjson", Some("token-of-a")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"domains.ndjson\"");
    let bytes = response.bytes().await.unwrap();
    let alias = get(&served, "/api/v1/domains/export?format=jsonl", Some("token-of-a")).await;
    assert_eq!(alias.headers()["content-type"], "application/x-ndjson");
    assert_eq!(alias.bytes().await.unwrap(), bytes, "jsonl is ndjson under its other name");
    let lines = jsonl(&bytes);
    let listed = listed(&served, "token-of-a").await;
    assert_eq!((lines.len(), listed.len()), (1_200, 1_200), "more than one page, each row once");
    for line in &lines {
        assert_eq!(Some(line), listed.get(line["id"].as_str().unwrap()), "the row as the listing shows it");
    }

    let response = get(&served, "/api/v1/domains/export", Some("token-of-b")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"domains.csv\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.csv");
    std::fs::write(&path, response.bytes().await.unwrap()).unwrap();
    let read = parse_with_python(&path);
    assert_eq!(read.raw.len(), 30, "tenant B's rows only");
    assert!(read.raw.iter().all(|r| r["tenant_id"] == TENANT_B && r["domain"].starts_with("b-")));

    let count = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        jsonl(&response.bytes().await.unwrap()).len()
    };
    let of_b = format!("/api/v1/domains/export?format=ndjson&tenant={TENANT_B}");
    assert_eq!(count(get(&served, &of_b, Some("token-of-b")).await).await, 30, "naming its own tenant");
    let of_other =
        get(&served, &format!("/api/v1/domains/export?tenant={TENANT_B}"), Some("token-of-a")).await;
    assert_eq!(of_other.status(), 403, "a tenant never reads another's rows");
    let everything = get(&served, "/api/v1/domains/export?format=ndjson", Some("token-of-the-admin")).await;
    assert_eq!(count(everything).await, 1_230, "an admin sees every tenant");
    assert_eq!(count(get(&served, &of_b, Some("token-of-the-admin")).await).await, 30);
    let filtered = format!("/api/v1/domains/export?format=ndjson&status=completed&batch={batch_a}");
    assert_eq!(count(get(&served, &filtered, Some("token-of-a")).await).await, 240);
    let since = "/api/v1/domains/export?format=ndjson&changed_since=2026-01-01T16:40:00%2B00:00";
    let changed = jsonl(&get(&served, since, Some("token-of-a")).await.bytes().await.unwrap());
    let since_time = chrono::DateTime::parse_from_rfc3339("2026-01-01T16:40:00+00:00").unwrap();
    let expected =
        changes.iter().filter(|(_, owner, at)| *at >= since_time && *owner == tenant(TENANT_A)).count();
    assert!(expected > 0 && changed.len() == expected, "{} of {expected}", changed.len());
    assert!(changed.iter().all(|row| row["fetched_at"].as_str().unwrap() >= "2026-01-01T16:40:00"));

    for bad in ["format=xml", "status=done", "batch=nope", "changed_since=yesterday", "tenant=42"] {
        let response =
            get(&served, &format!("/api/v1/domains/export?{bad}"), Some("token-of-the-admin")).await;
        assert_eq!(response.status(), 422, "{bad}");
        let body: Value = response.json().await.unwrap();
        let field = bad.split('=').next().unwrap();
        assert!(body["error"]["message"].as_str().unwrap().starts_with(field), "{bad}: {body}");
    }
    assert_eq!(get(&served, "/api/v1/domains/export?colour=red", Some("token-of-a")).await.status(), 400);
    assert_eq!(get(&served, "/api/v1/domains/export", None).await.status(), 401);

    let document: Value = get(&served, "/openapi.json", None).await.json().await.unwrap();
    let operation = &document["paths"]["/api/v1/domains/export"]["get"];
    let names: Vec<&str> =
        operation["parameters"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["format", "status", "batch", "changed_since", "technology", "tenant"]);
    let content = &operation["responses"]["200"]["content"];
    assert!(content.get("text/csv").is_some() && content.get("application/x-ndjson").is_some(), "{content}");
}

/// `GET /api/v1/batches/{id}` answers 404 for another tenant's batch: so does its export, which
/// would otherwise be an empty file that says the batch has no domains.
async fn another_tenants_batch_or_an_unknown_one_exports_as_404_not_as_an_empty_file(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let batch_a = seed::batch(&db, tenant(TENANT_A)).await;
    let batch_b = seed::batch(&db, tenant(TENANT_B)).await;
    seed::domains(&db, tenant(TENANT_A), Some(batch_a), "a-", 5).await;
    seed::domains(&db, tenant(TENANT_B), Some(batch_b), "b-", 3).await;
    let unknown = Uuid::new_v4();
    let farm = common::farm::Farm::start().await;
    let served = Served::start(&test_db.url, &farm.connect_to(), TOKENS, &[ADMIN]).await;
    let export =
        |batch: Uuid, extra: &str| format!("/api/v1/domains/export?format=ndjson&batch={batch}{extra}");

    for (batch, token, extra) in [
        (batch_b, "token-of-a", ""),
        (unknown, "token-of-a", ""),
        (unknown, "token-of-the-admin", ""),
        (batch_b, "token-of-the-admin", &*format!("&tenant={TENANT_A}")),
    ] {
        let response = get(&served, &export(batch, extra), Some(token)).await;
        assert_eq!(response.status(), 404, "{token} exporting {batch}{extra}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{body}");
        let batch_view = get(&served, &format!("/api/v1/batches/{batch}"), Some(token)).await;
        if token != "token-of-the-admin" {
            assert_eq!(batch_view.status(), 404, "the batch route agrees");
        }
    }
    let own = get(&served, &export(batch_a, ""), Some("token-of-a")).await;
    assert_eq!(own.status(), 200);
    assert_eq!(jsonl(&own.bytes().await.unwrap()).len(), 5);
    let by_admin = get(&served, &export(batch_b, ""), Some("token-of-the-admin")).await;
    assert_eq!(jsonl(&by_admin.bytes().await.unwrap()).len(), 3, "an admin exports any tenant's batch");

    for args in [
        vec!["export", "--batch", &*unknown.to_string()],
        vec!["export", "--batch", &*batch_b.to_string(), "--tenant", TENANT_A],
    ] {
        let out = run(&test_db.url, &args, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--batch") && out.stdout.is_empty(), "{args:?}: {}", stderr(&out));
    }
}

on_both_backends!(
    another_tenants_batch_or_an_unknown_one_exports_as_404_not_as_an_empty_file,
    ten_thousand_rows_export_row_by_row_as_csv_and_jsonl,
    tricky_values_round_trip_through_the_csv_and_phone_lists_read_plainly,
    filters_narrow_the_export_and_bad_values_are_refused,
    a_reader_that_stops_early_ends_the_export_quietly,
    the_api_streams_each_tenant_its_own_rows_exactly_as_it_lists_them,
);
