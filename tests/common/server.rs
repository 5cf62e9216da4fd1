//! `serve` as a real process on a free port, with the site farm as every site's address.

use std::process::{Child, Stdio};
use std::time::Duration;

pub struct Served {
    child: Child,
    pub base: String,
    _workdir: tempfile::TempDir,
}

impl Served {
    /// Starts `serve` against `database_url` with `tokens` (`token=tenant,...`) and waits until
    /// `/healthz` answers.
    pub async fn start(database_url: &str, connect_to: &str, tokens: &str, extra: &[(&str, &str)]) -> Served {
        let workdir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut command = super::cli::command(database_url, workdir.path());
        command
            .env("DOMAIN_SCHEDULER_HTTP_ADDR", format!("127.0.0.1:{port}"))
            .env("DOMAIN_SCHEDULER_API_TOKENS", tokens)
            .env("DOMAIN_SCHEDULER_FETCH_CONNECT_TO", connect_to)
            .env("DOMAIN_SCHEDULER_FETCH_SCHEMES", "http")
            .env("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "2")
            .env("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "3600")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(workdir.path().join("serve.log")).unwrap());
        for (name, value) in extra {
            command.env(name, value);
        }
        let child = command.spawn().unwrap();
        let served = Served { child, base: format!("http://127.0.0.1:{port}"), _workdir: workdir };
        let client = reqwest::Client::new();
        let healthz = served.url("/healthz");
        super::wait::wait_until("serve to answer /healthz", Duration::from_secs(30), async || {
            client.get(&healthz).send().await.is_ok()
        })
        .await;
        served
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// What the process has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self._workdir.path().join("serve.log")).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Whether the process is still running, without reaping it.
    pub fn is_running_now(&self) -> bool {
        std::path::Path::new(&format!("/proc/{}/stat", self.child.id())).exists()
            && std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
                .is_ok_and(|stat| !stat.contains(") Z "))
    }

    /// Sends the process a signal (`-TERM`, `-INT`).
    pub fn signal(&self, signal: &str) {
        std::process::Command::new("kill").args([signal, &self.child.id().to_string()]).status().unwrap();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
