//! One scenario: a fresh database on one backend, a site farm, and the real binary pointed at
//! both, with the rows read back the way users read them.

use std::process::{Command, Output, Stdio};

use super::db::{Backend, TestDb};
use super::farm::Farm;

pub struct Scenario {
    pub db: TestDb,
    pub farm: Farm,
    workdir: tempfile::TempDir,
}

impl Scenario {
    /// `None` for PostgreSQL when `TEST_POSTGRES_URL` is not set.
    pub async fn start(backend: Backend) -> Option<Scenario> {
        let db = TestDb::create(backend).await?;
        let farm = Farm::start().await;
        Some(Scenario { db, farm, workdir: tempfile::tempdir().expect("temporary folder") })
    }

    /// The binary against the database, fetching every site from the farm over plain HTTP with
    /// short limits; `args` and the caller's own settings are added by the caller.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = super::cli::command(&self.db.url, self.workdir.path());
        command
            .env("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", self.farm.connect_to())
            .env("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http")
            .env("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "5")
            .env("DOMAIN_SCHEDULER_RETRY_BASE_SECONDS", "3600")
            .args(args)
            .stdin(Stdio::null());
        command
    }

    /// Enqueues `domains` through `add --file`, as one batch.
    pub fn add<S: AsRef<str>>(&self, domains: &[S]) {
        let list = self.workdir.path().join("domains.txt");
        let text: String = domains.iter().map(|d| format!("{}\n", d.as_ref())).collect();
        std::fs::write(&list, text).expect("write the domain list");
        let out =
            self.command(&["add", "--file", list.to_str().unwrap_or_default()]).output().expect("run add");
        assert_eq!(out.status.code(), Some(0), "add failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `status` as JSON: the counts of domains by status.
    pub fn counts(&self) -> serde_json::Value {
        super::cli::json(&self.command(&["status"]).output().expect("run status"))
    }

    /// `show DOMAIN` as JSON.
    pub fn row(&self, domain: &str) -> serde_json::Value {
        super::cli::json(&self.command(&["show", domain]).output().expect("run show"))
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }
}

/// What a process printed, for assertion messages.
pub fn printed(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
