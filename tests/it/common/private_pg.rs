//! A PostgreSQL server of the test's own (`initdb` + `pg_ctl`, its own port and data folder),
//! for tests that stop the database: the shared server never stops under the other tests.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::Duration;

pub struct PrivatePostgres {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
}

/// The folder of the server binaries: `PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
fn bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL server binaries under /usr/lib/postgresql (or set PG_BIN)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("an initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .is_some_and(|ids| ids.split_whitespace().next() == Some("0"))
}

impl PrivatePostgres {
    /// Initialises and starts a server on a free port; the data folder goes with the value.
    pub fn start() -> PrivatePostgres {
        let dir = tempfile::Builder::new().prefix("ds-private-pg").tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let server = PrivatePostgres { bin: bin_dir(), dir, port };
        if is_root() {
            // PostgreSQL refuses to run as root: the folder goes to the postgres user.
            let out = Command::new("chown").args(["-R", "postgres:postgres"]).arg(server.dir.path()).output();
            assert!(out.is_ok_and(|o| o.status.success()), "chown the data folder to postgres");
        }
        let data = server.data();
        let out =
            server.run("initdb", &["-D", &data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        server.resume();
        server
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let path = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        command.args(args).output().unwrap_or_else(|e| panic!("run {program}: {e}"))
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts (or starts again) the server and waits until it accepts connections.
    pub fn resume(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log").display().to_string();
        let out =
            self.run("pg_ctl", &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "-t", "60", "start"]);
        assert!(
            out.status.success(),
            "pg_ctl start: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        super::wait::wait_until_blocking(
            "the private server to open its port",
            Duration::from_secs(30),
            || std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok(),
        );
    }

    /// Stops the server at once, cutting every connection (`pg_ctl stop -m fast`).
    pub fn stop(&self) {
        let out = self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let _ = self.run("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
    }
}
