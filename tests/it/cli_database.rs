//! How each command opens the database: writing commands create a SQLite file however its URL
//! is written, reading commands never create, write or migrate anything, and a failure to open
//! is said once.

use crate::common;
use crate::on_both_backends;

use std::path::Path;
use std::time::Duration;

use common::cli::{command, json, stderr, stdout};
use common::db::{Backend, TestDb};
use migration::{Migrator, MigratorTrait};

fn code(output: &std::process::Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// The binary with `args` against `url`, run in `dir` to its end.
fn run_in(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    command(url, dir).args(args).stdin(std::process::Stdio::null()).output().unwrap()
}

/// The read-only commands, each with arguments that would succeed on a current database.
const READERS: [&[&str]; 4] =
    [&["status"], &["show", "example.com"], &["history", "example.com"], &["export"]];

#[test]
fn writing_commands_create_a_sqlite_file_whose_url_names_no_mode() {
    for args in [&["migrate"][..], &["add", "example.com"][..]] {
        let dir = tempfile::tempdir().unwrap();
        let out = run_in(dir.path(), "sqlite://data.db", args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert!(dir.path().join("data.db").exists(), "{args:?} created no data.db");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), "sqlite://data.db", &["add", "example.com"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // The file it created is then read by the read-only commands, opened read-only.
    for args in READERS {
        let out = run_in(dir.path(), "sqlite://data.db", args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
    }
    assert_eq!(json(&run_in(dir.path(), "sqlite://data.db", &["status"]))["pending"], 1);
}

#[test]
fn serve_creates_a_sqlite_file_whose_url_names_no_mode() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = command("sqlite://data.db", dir.path())
        .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    common::wait::wait_until_blocking("serve to listen or end", Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() || child.try_wait().unwrap().is_some()
    });
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(dir.path().join("data.db").exists());
}

#[test]
fn a_read_only_command_on_a_missing_sqlite_file_says_so_once_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for url in ["sqlite://data.db", "sqlite://data.db?mode=rwc"] {
        for args in READERS {
            let out = run_in(dir.path(), url, args);
            assert_eq!(code(&out), 1, "{url} {args:?}: {}", stderr(&out));
            let said = stderr(&out);
            assert!(said.contains("no database at data.db"), "{url} {args:?}: {said}");
            assert_eq!(said.lines().count(), 1, "one line: {said}");
            assert!(stdout(&out).is_empty(), "{}", stdout(&out));
            let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
            assert!(files.is_empty(), "{url} {args:?} created {files:?}");
        }
    }
}

#[test]
fn a_sqlite_file_that_cannot_be_opened_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), "sqlite://no-such-folder/data.db", &["add", "example.com"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let said = stderr(&out);
    assert_eq!(said.lines().count(), 1, "one line: {said}");
    assert!(said.contains("cannot connect to sqlite://no-such-folder/data.db"), "{said}");
    assert_eq!(said.matches("unable to open database file").count(), 1, "the cause said once: {said}");
}

/// A database whose schema is one migration behind this version (an older version made it):
/// every read-only command names the pending migration and exits 1, and the schema stays as it
/// was; `migrate` then brings it up to date and the commands work.
async fn a_read_only_command_refuses_a_schema_behind_and_leaves_it_as_it_was(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let migrations = Migrator::migrations();
    let newest = migrations.last().unwrap().name().to_owned();
    let db = domain_scheduler::db::connect(&test_db.settings()).await.unwrap();
    Migrator::up(&db, Some(u32::try_from(migrations.len() - 1).unwrap())).await.unwrap();
    db.close().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let listed = |dir: &Path| stdout(&run_in(dir, &test_db.url, &["migrate", "--status"]));
    let before = listed(dir.path());
    assert!(before.contains(&format!("pending {newest}")), "{before}");
    for args in READERS {
        let out = run_in(dir.path(), &test_db.url, args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        let said = stderr(&out);
        assert!(said.contains("schema is behind") && said.contains(&newest), "{args:?}: {said}");
        assert!(said.contains("domain-scheduler migrate"), "says what to do: {said}");
        assert_eq!(said.lines().count(), 1, "one line: {said}");
    }
    assert_eq!(listed(dir.path()), before, "the read-only commands applied nothing");
    let out = run_in(dir.path(), &test_db.url, &["migrate"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = run_in(dir.path(), &test_db.url, &["status"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// A database no version has migrated yet: a read-only command says there is no schema and
/// creates none.
async fn a_read_only_command_on_a_database_without_a_schema_creates_none(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let dir = tempfile::tempdir().unwrap();
    let empty = run_in(dir.path(), &test_db.url, &["migrate", "--status"]);
    assert_eq!(code(&empty), 0, "{}", stderr(&empty));
    let out = run_in(dir.path(), &test_db.url, &["status"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("no schema yet"), "{}", stderr(&out));
    let after = run_in(dir.path(), &test_db.url, &["migrate", "--status"]);
    assert_eq!(stdout(&after), stdout(&empty));
    assert!(stdout(&after).lines().all(|line| line.starts_with("pending ")), "{}", stdout(&after));
}

/// The connection the read-only commands read through refuses any write, on either backend.
async fn a_read_only_connection_refuses_to_write(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let Some(test_db) = TestDb::create(backend).await else { return };
    test_db.connect().await.close().await.unwrap();
    let settings = test_db.settings();
    let db =
        domain_scheduler::db::connect_for(&settings, domain_scheduler::db::Access::ReadOnly).await.unwrap();
    assert!(db.execute_unprepared("SELECT 1").await.is_ok(), "it reads");
    let refused = db.execute_unprepared("CREATE TABLE written_by_a_reader (id INTEGER)").await;
    assert!(refused.is_err(), "a read-only connection wrote");
    db.close().await.unwrap();
}

on_both_backends!(
    a_read_only_connection_refuses_to_write,
    a_read_only_command_refuses_a_schema_behind_and_leaves_it_as_it_was,
    a_read_only_command_on_a_database_without_a_schema_creates_none,
    no_pool_runs_the_sweep_that_can_spin,
);

/// Every pool the commands and the service open, reading or writing, runs without the driver's
/// periodic sweep: the sweep can spin a core forever (see `db::connect_for`), which a user saw
/// as a `show` that never returned.
async fn no_pool_runs_the_sweep_that_can_spin(backend: Backend) {
    use domain_scheduler::db::{Access, connect_for};
    let Some(test_db) = TestDb::create(backend).await else { return };
    test_db.connect().await.close().await.unwrap();
    for access in [Access::ReadWrite, Access::ReadOnly] {
        let db = connect_for(&test_db.settings(), access).await.unwrap();
        let (idle, lifetime) = match backend {
            Backend::Sqlite => {
                let options = db.get_sqlite_connection_pool().options();
                (options.get_idle_timeout(), options.get_max_lifetime())
            }
            Backend::Postgres => {
                let options = db.get_postgres_connection_pool().options();
                (options.get_idle_timeout(), options.get_max_lifetime())
            }
        };
        assert_eq!((idle, lifetime), (None, None), "{access:?}: the pool sweeps its connections");
        db.close().await.unwrap();
    }
}

/// The command that was seen spinning, run again and again on one file: each run ends.
#[test]
fn a_read_only_command_run_many_times_always_ends() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), "sqlite://data.db", &["add", "example.com"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for run in 0..40 {
        let mut child = command("sqlite://data.db", dir.path())
            .args(["show", "example.com"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let ended = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let ended = ended.unwrap_or_else(|| panic!("run {run} of show had not ended after 60 s"));
        assert!(ended.success(), "run {run} of show failed");
    }
}
