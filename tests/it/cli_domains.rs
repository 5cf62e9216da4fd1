//! The commands that manage the domains table (`add`, `status`, `show`, `reset`, `migrate`),
//! run as the real binary against both backends.

use crate::common;
use crate::on_both_backends;

use common::cli::{json, run, stderr, stdout};
use common::db::{Backend, TestDb};
use entity::{Domain, DomainStatus};
use migration::MigratorTrait;
use sea_orm::{ActiveValue::Set, EntityTrait};

fn code(output: &std::process::Output) -> i32 {
    output.status.code().expect("exited")
}

async fn add_standardises_valid_inputs_and_lists_each_rejected_one(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let out = run(
        &db.url,
        &["add", "HTTPS://WWW.Example.COM/path?q", "shop.example.co.uk", "bad name", "10.0.0.1", "localhost"],
        None,
    );
    assert_eq!(code(&out), 2, "any rejected input gives exit 2: {}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("argument 3") && err.contains("invalid characters"), "{err}");
    assert!(err.contains("argument 4") && err.contains("IP address"), "{err}");
    assert!(err.contains("argument 5") && err.contains("localhost"), "{err}");
    let batch_id: uuid::Uuid = stdout(&out).trim().parse().expect("stdout is the batch id");

    let shown = run(&db.url, &["show", "www.example.com"], None);
    assert_eq!(code(&shown), 0, "{}", stderr(&shown));
    let row = json(&shown);
    assert_eq!(row["domain"], "example.com");
    assert_eq!(row["status"], "pending");
    assert_eq!(row["batch_id"], batch_id.to_string());

    let counts = json(&run(&db.url, &["status"], None));
    assert_eq!(counts["pending"], 2, "only the valid inputs were written: {counts}");
    let progress = json(&run(&db.url, &["status", &batch_id.to_string()], None));
    assert_eq!((progress["total"].as_u64(), progress["status"].as_str()), (Some(2), Some("pending")));
}

async fn add_reads_files_and_stdin_skipping_comments_and_blank_lines(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("domains.txt");
    std::fs::write(&file, "# shops\nalpha.com\n\n  beta.org   # partner\nnot a domain\n").unwrap();
    let out = run(&db.url, &["add", "--file", file.to_str().unwrap()], None);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("line 5"), "rejected lines carry their line number: {}", stderr(&out));
    let out = run(&db.url, &["add", "-"], Some("gamma.net\n# nothing\ndelta.io\n"));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let counts = json(&run(&db.url, &["status"], None));
    assert_eq!(counts["pending"], 4, "{counts}");
}

async fn a_known_domain_is_reported_not_duplicated_and_refresh_requeues_it(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    assert_eq!(code(&run(&test_db.url, &["add", "example.com", "example.org"], None)), 0);
    let again = run(&test_db.url, &["add", "example.com", "www.example.com", "new.example.net"], None);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(stderr(&again).contains("already present"), "{}", stderr(&again));
    assert_eq!(json(&run(&test_db.url, &["status"], None))["pending"], 3, "no duplicate row");

    // The domain ended in error; a refresh puts it back to pending in a new batch.
    let db = test_db.connect().await;
    let row = json(&run(&test_db.url, &["show", "example.com"], None));
    let id: uuid::Uuid = row["id"].as_str().unwrap().parse().unwrap();
    Domain::update(entity::domains::ActiveModel {
        id: Set(id),
        status: Set(DomainStatus::Error),
        attempts: Set(3),
        last_error: Set(Some("fetch/dns: no such host".into())),
        ..Default::default()
    })
    .exec(&db)
    .await
    .unwrap();
    let refreshed = run(&test_db.url, &["add", "--refresh", "example.com"], None);
    assert_eq!(code(&refreshed), 0, "{}", stderr(&refreshed));
    let batch_id = stdout(&refreshed).trim().to_owned();
    let row = json(&run(&test_db.url, &["show", "example.com"], None));
    assert_eq!((row["status"].as_str(), row["attempts"].as_i64()), (Some("pending"), Some(0)));
    assert_eq!(row["last_error"], serde_json::Value::Null);
    assert_eq!(row["batch_id"], batch_id);
}

async fn a_batch_is_complete_only_when_every_domain_is_done(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let out = run(&test_db.url, &["add", "one.com", "two.com"], None);
    let batch_id = stdout(&out).trim().to_owned();
    let db = test_db.connect().await;
    let one: uuid::Uuid =
        json(&run(&test_db.url, &["show", "one.com"], None))["id"].as_str().unwrap().parse().unwrap();
    Domain::update_from_metadata(&db, one, &entity::Metadata::default()).await.unwrap();
    let progress = json(&run(&test_db.url, &["status", &batch_id], None));
    assert_eq!(progress["status"], "running", "{progress}");
    assert_eq!(progress["counts"]["completed"], 1);
    assert_eq!(progress["progress"], 0.5);

    let two: uuid::Uuid =
        json(&run(&test_db.url, &["show", "two.com"], None))["id"].as_str().unwrap().parse().unwrap();
    Domain::update(entity::domains::ActiveModel {
        id: Set(two),
        status: Set(DomainStatus::Error),
        ..Default::default()
    })
    .exec(&db)
    .await
    .unwrap();
    let progress = json(&run(&test_db.url, &["status", &batch_id], None));
    assert_eq!(progress["status"], "complete", "{progress}");
}

async fn reset_puts_named_domains_or_a_whole_status_back_to_pending(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    run(&test_db.url, &["add", "a.com", "b.com", "c.com"], None);
    let db = test_db.connect().await;
    for name in ["a.com", "b.com", "c.com"] {
        let id: uuid::Uuid =
            json(&run(&test_db.url, &["show", name], None))["id"].as_str().unwrap().parse().unwrap();
        Domain::update(entity::domains::ActiveModel {
            id: Set(id),
            status: Set(DomainStatus::Error),
            attempts: Set(3),
            ..Default::default()
        })
        .exec(&db)
        .await
        .unwrap();
    }
    let out = run(&test_db.url, &["reset", "a.com"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let counts = json(&run(&test_db.url, &["status"], None));
    assert_eq!((counts["pending"].as_u64(), counts["error"].as_u64()), (Some(1), Some(2)));
    let row = json(&run(&test_db.url, &["show", "a.com"], None));
    assert_eq!(row["attempts"], 0);

    let out = run(&test_db.url, &["reset", "--status", "error"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let counts = json(&run(&test_db.url, &["status"], None));
    assert_eq!((counts["pending"].as_u64(), counts["error"].as_u64()), (Some(3), Some(0)));

    let unknown = run(&test_db.url, &["reset", "unknown.com"], None);
    assert_eq!(code(&unknown), 1, "an unknown domain is a runtime failure, as for show");
    assert!(stderr(&unknown).contains("unknown.com"), "{}", stderr(&unknown));
}

async fn bad_input_exits_2_and_unknown_rows_exit_1_with_a_reason(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let out = run(&db.url, &["migrate"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run(&db.url, &["status", "not-a-uuid"], None);
    assert_eq!(code(&out), 2);
    let out = run(&db.url, &["show", "missing.com"], None);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("missing.com not found"), "{}", stderr(&out));
    let out = run(&db.url, &["show", "not a domain"], None);
    assert_eq!(code(&out), 2);
    let out = run(&db.url, &["add"], None);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no domains given"), "{}", stderr(&out));
    let out = run(&db.url, &["status", &uuid::Uuid::new_v4().to_string()], None);
    assert_eq!(code(&out), 1);
}

async fn a_large_file_is_added_in_one_command(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.txt");
    let lines: Vec<String> = (0..20_000).map(|i| format!("site-{i}.example-shop.com")).collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = run(&db.url, &["add", "--file", file.to_str().unwrap()], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let batch_id = stdout(&out).trim().to_owned();
    let progress = json(&run(&db.url, &["status", &batch_id], None));
    assert_eq!(progress["total"], 20_000);
    assert_eq!(progress["counts"]["pending"], 20_000);
}

async fn migrate_applies_and_lists_every_migration(backend: Backend) {
    let Some(db) = TestDb::create(backend).await else { return };
    let before = run(&db.url, &["migrate", "--status"], None);
    assert_eq!(code(&before), 0, "{}", stderr(&before));
    assert_eq!(
        stdout(&before).lines().filter(|l| l.starts_with("pending ")).count(),
        migration::Migrator::migrations().len(),
        "{}",
        stdout(&before)
    );
    let out = run(&db.url, &["migrate"], None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listed = stdout(&out);
    for table in ["batch_jobs", "domains", "domain_errors", "scheduler_runs"] {
        assert!(
            listed.lines().any(|l| l.starts_with("applied ") && l.ends_with(&format!("create_{table}"))),
            "{listed}"
        );
    }
}

on_both_backends!(
    add_standardises_valid_inputs_and_lists_each_rejected_one,
    add_reads_files_and_stdin_skipping_comments_and_blank_lines,
    a_known_domain_is_reported_not_duplicated_and_refresh_requeues_it,
    a_batch_is_complete_only_when_every_domain_is_done,
    reset_puts_named_domains_or_a_whole_status_back_to_pending,
    bad_input_exits_2_and_unknown_rows_exit_1_with_a_reason,
    a_large_file_is_added_in_one_command,
    migrate_applies_and_lists_every_migration,
);

#[test]
fn a_bad_setting_exits_2_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::cli::command("sqlite::memory:", dir.path())
        .env("DOMAIN_SCHEDULER_BATCH_SIZE", "many")
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("DOMAIN_SCHEDULER_BATCH_SIZE"), "{}", stderr(&out));
}

#[test]
fn serve_starts_on_a_new_sqlite_file_with_no_settings_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(common::cli::BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("DOMAIN_SCHEDULER_") || name == "DATABASE_URL" {
            command.env_remove(name);
        }
    }
    // A free port, so the test does not depend on 8000 being free.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = command
        .current_dir(dir.path())
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let database = dir.path().join("domain-scheduler.db");
    common::wait::wait_until_blocking("serve to listen", std::time::Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(database.exists(), "serve creates the default SQLite file in the working folder");
    std::process::Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
