//! Open descriptors: the service holds a few per fetch in flight (its connection, and its DNS
//! queries while they last), however many sites it has visited, so a drain of 10,000 domains completes under the limit most services get
//! (`ulimit -n 1024`, soft and hard). When it does run short, the shortage is its own: no
//! domain's attempt is spent on it.

use crate::common;

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::db::Backend;
use common::farm::{Site, plain_page, wordpress_page};
use common::scenario::{Scenario, printed};

/// Runs `command` with its open-descriptor limit (soft and hard) set to `limit`, sampling how
/// many descriptors it holds while it runs; returns its output and the most it held.
fn run_limited(mut command: Command, limit: u64) -> (std::process::Output, usize) {
    // SAFETY: only an async-signal-safe system call runs between fork and exec.
    unsafe {
        command.pre_exec(move || rlimit::setrlimit(rlimit::Resource::NOFILE, limit, limit));
    }
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = command.spawn().expect("start the binary");
    let pid = child.id();
    let peak = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Acquire) {
                if let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) {
                    peak.fetch_max(entries.count(), Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let output = Child::wait_with_output(child).expect("the binary ran");
    done.store(true, Ordering::Release);
    let _ = sampler.join();
    (output, peak.load(Ordering::Relaxed))
}

async fn ten_thousand_domains_drain_under_a_limit_of_1024_descriptors(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let mut live = Vec::new();
    let mut dead = Vec::new();
    for i in 0..10_000 {
        let name = format!("site-{i}.example-farm.com");
        if i % 100 == 99 {
            scenario.farm.add(&name, Site::Status(404));
            dead.push(name);
        } else {
            let page = if i % 2 == 0 { wordpress_page(&name) } else { plain_page(&name) };
            scenario.farm.add(&name, Site::Html(page));
            live.push(name);
        }
    }
    scenario.add(&[live.as_slice(), dead.as_slice()].concat());
    let pool = 64;
    let mut drain = scenario.command(&["run-once", "--drain"]);
    drain
        .env("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", pool.to_string())
        .env("DOMAIN_SCHEDULER_BATCH_SIZE", "500")
        .env("DOMAIN_SCHEDULER_MAX_INSTANCES", "2")
        .env("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "1");
    let (out, peak) = run_limited(drain, 1024);
    eprintln!("{backend:?}: at most {peak} descriptors open with {pool} fetchers");
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));

    let counts = scenario.counts();
    assert_eq!(counts["completed"], live.len() as u64, "every live domain completes: {counts}");
    assert_eq!(counts["error"], dead.len() as u64, "a 404 ends in error: {counts}");
    assert_eq!(counts["pending"], 0, "{counts}");
    for domain in [&live[0], &live[live.len() - 1]] {
        let row = scenario.row(domain);
        assert_eq!(row["attempts"], 1, "{row}");
        assert!(row["title"].as_str().is_some_and(|title| title.starts_with(domain.as_str())), "{row}");
    }
    // Each fetch in flight holds its connection and, while the domain's mail records are asked
    // (MX, TXT, `_dmarc` TXT at once), up to three UDP sockets: the resolver opens one per query,
    // for a random source port, and closes it with the answer.
    let per_fetch = 1 + 3;
    assert!(
        peak <= pool * per_fetch + 64,
        "the descriptors held follow the fetches in flight ({pool}), not the sites visited: peak {peak}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_domains_drain_under_a_limit_of_1024_descriptors_sqlite() {
    ten_thousand_domains_drain_under_a_limit_of_1024_descriptors(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn ten_thousand_domains_drain_under_a_limit_of_1024_descriptors_postgres() {
    ten_thousand_domains_drain_under_a_limit_of_1024_descriptors(Backend::Postgres).await;
}

/// More fetchers than descriptors: fetches fail with "too many open files", which is the
/// service's shortage, not the sites'. With one attempt allowed, every domain must still end
/// completed: the shortage pauses claims and hands the domains back uncharged.
async fn a_shortage_of_descriptors_spends_no_attempt(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let names: Vec<String> = (0..300).map(|i| format!("slow-{i}.example-farm.com")).collect();
    for name in &names {
        scenario.farm.add(name, Site::Slow(Duration::from_millis(200), plain_page(name)));
    }
    scenario.add(&names);
    let mut drain = scenario.command(&["run-once", "--drain"]);
    drain
        .env("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "64")
        // Every farm site is on one address: let all 64 fetchers connect at once, so the
        // sockets outgrow the descriptors whatever the extraction's speed.
        .env("DOMAIN_SCHEDULER_PER_IP_CONCURRENCY", "64")
        .env("DOMAIN_SCHEDULER_BATCH_SIZE", "100")
        .env("DOMAIN_SCHEDULER_MAX_ATTEMPTS", "1")
        // A loaded machine must not turn a slow answer into a charged time-out here.
        .env("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "120")
        .env("RUST_LOG", "warn");
    let (out, _) = run_limited(drain, 48);
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    let handed_back: u64 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|run| run["domains_skipped"].as_u64())
        .sum();
    assert!(handed_back > 0, "the shortage happened: {}", printed(&out));
    let (paused, recovered) = (log.matches("claims paused").count(), log.matches("recovered:").count());
    assert!(paused >= 1 && paused <= recovered + 1, "logged once per shortage: {log}");
    assert!((paused as u64) < handed_back, "not once per domain ({handed_back} handed back): {log}");
    let counts = scenario.counts();
    let failed: Vec<String> = names
        .iter()
        .map(|name| scenario.row(name))
        .filter(|row| row["status"] != "completed")
        .map(|row| format!("{}: {}", row["domain"], row["last_error"]))
        .collect();
    assert_eq!(counts["completed"], names.len() as u64, "no domain is charged for it: {counts} {failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shortage_of_descriptors_spends_no_attempt_sqlite() {
    a_shortage_of_descriptors_spends_no_attempt(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn a_shortage_of_descriptors_spends_no_attempt_postgres() {
    a_shortage_of_descriptors_spends_no_attempt(Backend::Postgres).await;
}
