//! `serve` on a free port, with the site farm as every site's address: as a real process
//! ([`Served::start`]) where the process is the point (its log, its signals, its exit, its
//! metrics), or in this test process through `startup::start` ([`Served::in_process`]) where
//! only the API's answers are.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::Duration;

use domain_scheduler::startup::Service;

pub struct Served {
    running: Running,
    pub base: String,
    _workdir: tempfile::TempDir,
}

const NO_PROCESS: &str = "a service started in this process has no process of its own";

enum Running {
    Process(Child),
    InProcess(Service),
}

/// The settings every served test starts from; `extra` overrides them.
fn base_settings<'a>(tokens: &'a str, connect_to: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("DOMAIN_SCHEDULER_API_TOKENS", tokens),
        ("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", connect_to),
        ("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http"),
        ("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "2"),
        ("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "3600"),
    ]
}

impl Served {
    /// Starts `serve` against `database_url` with `tokens` (`token=tenant,...`) and waits until
    /// `/healthz` answers.
    pub async fn start(database_url: &str, connect_to: &str, tokens: &str, extra: &[(&str, &str)]) -> Served {
        let workdir = tempfile::tempdir().unwrap();
        let mut command = super::cli::command(database_url, workdir.path());
        // The process binds a port of its own choosing and logs it: a port picked here and
        // bound there could be taken in between by another test's listener, which would then
        // answer this test.
        command
            .env("DOMAIN_SCHEDULER_HTTP_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn,domain_scheduler::startup=info")
            .envs(base_settings(tokens, connect_to))
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(workdir.path().join("serve.log")).unwrap());
        for (name, value) in extra {
            command.env(name, value);
        }
        let child = command.spawn().unwrap();
        let mut served = Served { running: Running::Process(child), base: String::new(), _workdir: workdir };
        let addr = served.logged_address().await;
        served.base = format!("http://{addr}");
        served.wait_for_health().await;
        served
    }

    /// The address the process logged when it started listening.
    async fn logged_address(&mut self) -> String {
        super::wait::wait_for("serve to log where it listens", Duration::from_secs(30), async || {
            let log = self.log();
            let started = log.lines().find(|line| line.contains("service started"));
            if let Some(addr) = started.and_then(logged_http) {
                return Ok(addr.to_owned());
            }
            assert!(self.is_running(), "serve exited before it listened:\n{log}");
            Err(log)
        })
        .await
    }

    /// The same service as [`Served::start`], settings read from the same variables, started in
    /// this process: no binary to spawn, and a port the listener picks itself. It has no log,
    /// signals or exit of its own, and no `/metrics` (one recorder per process).
    pub async fn in_process(
        database_url: &str,
        connect_to: &str,
        tokens: &str,
        extra: &[(&str, &str)],
    ) -> Served {
        let workdir = tempfile::tempdir().unwrap();
        let env: BTreeMap<String, String> = [
            ("DATABASE_URL", database_url),
            ("DOMAIN_SCHEDULER_HTTP_ADDR", "127.0.0.1:0"),
            ("DOMAIN_SCHEDULER_DNS_SERVERS", super::cli::refusing_name_server()),
        ]
        .into_iter()
        .chain(base_settings(tokens, connect_to))
        .chain(extra.iter().copied())
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
        let flags = domain_scheduler::config::FlagValues::new();
        let settings = domain_scheduler::config::load(None, &flags, Some(&env)).unwrap();
        let db = domain_scheduler::db::connect(&settings.database).await.unwrap();
        domain_scheduler::db::migrate(&db).await.unwrap();
        let service = domain_scheduler::startup::start(&settings, db).await.unwrap();
        let base = format!("http://{}", service.addr());
        let served = Served { running: Running::InProcess(service), base, _workdir: workdir };
        served.wait_for_health().await;
        served
    }

    async fn wait_for_health(&self) {
        let client = reqwest::Client::new();
        let healthz = self.url("/healthz");
        super::wait::wait_until("serve to answer /healthz", Duration::from_secs(30), async || {
            client.get(&healthz).send().await.is_ok()
        })
        .await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the process has logged so far.
    pub fn log(&self) -> String {
        let _ = self.child();
        std::fs::read_to_string(self._workdir.path().join("serve.log")).unwrap_or_default()
    }

    fn child(&self) -> &Child {
        match &self.running {
            Running::Process(child) => child,
            Running::InProcess(_) => panic!("{NO_PROCESS}"),
        }
    }

    fn child_mut(&mut self) -> &mut Child {
        match &mut self.running {
            Running::Process(child) => child,
            Running::InProcess(_) => panic!("{NO_PROCESS}"),
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child_mut().try_wait().unwrap().is_none()
    }

    /// Whether the process is still running, without reaping it.
    pub fn is_running_now(&self) -> bool {
        let id = self.child().id();
        std::fs::read_to_string(format!("/proc/{id}/stat")).is_ok_and(|stat| !stat.contains(") Z "))
    }

    /// Sends the process a signal (`-TERM`, `-INT`).
    pub fn signal(&self, signal: &str) {
        std::process::Command::new("kill").args([signal, &self.child().id().to_string()]).status().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        match &mut self.running {
            Running::Process(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            // The API and the pipeline's tasks end with the test's runtime; no more claims.
            Running::InProcess(service) => service.abort("the test is over"),
        }
    }
}

/// The `http` field of the start-up line, in the text or the JSON format.
fn logged_http(line: &str) -> Option<&str> {
    let text = line.split_whitespace().find_map(|field| field.strip_prefix("http="));
    text.or_else(|| line.split("\"http\":\"").nth(1)?.split('"').next())
}
