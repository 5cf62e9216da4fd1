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

    /// The binary with `args` and the caller's `settings`, run to its end.
    pub fn run(&self, args: &[&str], settings: &[(&str, &str)]) -> Output {
        let mut command = self.command(args);
        command.envs(settings.iter().copied());
        command.output().expect("run the binary")
    }

    /// `serve` against the database and the farm, with API `tokens` and `extra` settings, once
    /// it answers `/healthz`.
    pub async fn serve(&self, tokens: &str, extra: &[(&str, &str)]) -> super::server::Served {
        super::server::Served::start(&self.db.url, &self.farm.connect_to(), tokens, extra).await
    }

    /// Enqueues `domains` through `add --file`, as one batch.
    pub fn add<S: AsRef<str>>(&self, domains: &[S]) {
        super::cli::add(&self.db.url, domains);
    }

    /// `status` as JSON: the counts of domains by status.
    pub fn counts(&self) -> serde_json::Value {
        super::cli::json(&self.command(&["status"]).output().expect("run status"))
    }

    /// `show DOMAIN` as JSON.
    pub fn row(&self, domain: &str) -> serde_json::Value {
        super::cli::json(&self.command(&["show", domain]).output().expect("run show"))
    }

    /// The failures recorded for `domain`, as `stage/kind`, oldest first.
    pub async fn error_kinds(&self, domain: &str) -> Vec<String> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let id: uuid::Uuid =
            self.row(domain)["id"].as_str().and_then(|id| id.parse().ok()).expect("the row's id");
        let db = self.db.connect().await;
        let errors = entity::domain_errors::Entity::find()
            .filter(entity::domain_errors::Column::DomainId.eq(id))
            .order_by_asc(entity::domain_errors::Column::Id)
            .all(&db)
            .await
            .expect("read the failures");
        let _ = db.close().await;
        errors.into_iter().map(|e| format!("{}/{}", e.stage, e.kind)).collect()
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
