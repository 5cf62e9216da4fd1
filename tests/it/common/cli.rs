//! Running the real binary, the way users do.

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_domain-scheduler");

/// A command of the binary against `database_url`, in an empty working folder, with no
/// `DOMAIN_SCHEDULER_*` variable inherited from the caller.
pub fn command(database_url: &str, workdir: &std::path::Path) -> Command {
    let mut command = Command::new(BIN);
    for (name, _) in std::env::vars() {
        if name.starts_with("DOMAIN_SCHEDULER_") || name.starts_with("OTEL_") {
            command.env_remove(name);
        }
    }
    command.env("DATABASE_URL", database_url).env("RUST_LOG", "warn").current_dir(workdir);
    // No test may ask the machine's own name server: a name the service resolves goes to a
    // local name server that refuses every query unless the test points it at the tests' DNS
    // server. Refused at once rather than unanswered: every scan asks for the domain's mail
    // records, and a silent server would add the DNS time-out to each one.
    command.env("DOMAIN_SCHEDULER_DNS_SERVERS", refusing_name_server());
    command
}

/// `ip:port` of a name server on 127.0.0.1, one per test process, that answers every query
/// REFUSED (UDP; nothing listens on TCP at its port, so a retry over TCP is refused too).
pub fn refusing_name_server() -> &'static str {
    static SERVER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
        let addr = socket.local_addr().expect("its address").to_string();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            loop {
                let Ok((len, from)) = socket.recv_from(&mut buffer) else { continue };
                if len < 12 {
                    continue;
                }
                // The query itself, as a response (QR) with RCODE 5 (REFUSED).
                buffer[2] |= 0x80;
                buffer[3] = (buffer[3] & 0xf0) | 5;
                let _ = socket.send_to(&buffer[..len], from);
            }
        });
        addr
    })
}

/// Runs the binary with `args` and `stdin`, waiting for it to end.
pub fn run(database_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let workdir = tempfile::tempdir().expect("temporary folder");
    let mut command = command(database_url, workdir.path());
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("start the binary");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("binary ran")
}

/// Enqueues `domains` through `add --file`, as one batch, and checks that `add` succeeded: the
/// one way tests of the binary seed their domains.
pub fn add<S: AsRef<str>>(database_url: &str, domains: &[S]) {
    let workdir = tempfile::tempdir().expect("temporary folder");
    let list = workdir.path().join("domains.txt");
    let text: String = domains.iter().map(|d| format!("{}\n", d.as_ref())).collect();
    std::fs::write(&list, text).expect("write the domain list");
    let out = command(database_url, workdir.path())
        .args(["add", "--file", list.to_str().expect("a UTF-8 path")])
        .stdin(Stdio::null())
        .output()
        .expect("run add");
    assert_eq!(out.status.code(), Some(0), "add failed: {}", stderr(&out));
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("stdout is not JSON ({e}): {}\nstderr: {}", stdout(output), stderr(output))
    })
}
