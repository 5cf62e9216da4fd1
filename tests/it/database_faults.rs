//! Database faults under a running service: PostgreSQL stopped for 30 seconds mid-drain (a
//! private server of the test's own), connections cut by `pg_terminate_backend`, and a table
//! locked by a long transaction elsewhere. The service keeps running, reports the outage on
//! `/readyz`, and afterwards every domain ends as if nothing had happened.

use crate::common;

use std::time::{Duration, Instant};

use common::cli::{json, stderr};
use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::private_pg::PrivatePostgres;
use common::server::Served;
use common::wait::{wait_for, wait_until};
use sea_orm::{ConnectionTrait, Database, TransactionTrait};

/// Migrates the database at `database_url` and starts a farm.
async fn migrated_with_farm(database_url: &str) -> Farm {
    let out = common::cli::run(database_url, &["migrate"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    Farm::start().await
}

/// Serves each site from the farm and adds its name to the database, in order.
fn add_to_farm_and_database(farm: &Farm, database_url: &str, sites: Vec<(String, Site)>) {
    let mut names = Vec::with_capacity(sites.len());
    for (name, site) in sites {
        farm.add(&name, site);
        names.push(name);
    }
    common::cli::add(database_url, &names);
}

/// `count` sites answering their page after `delay`, added to the farm and the database.
fn add_sites(farm: &Farm, database_url: &str, prefix: &str, count: usize, delay: Duration) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}-{i}.com")).collect();
    let sites = names.iter().map(|name| (name.clone(), Site::Slow(delay, plain_page(name)))).collect();
    add_to_farm_and_database(farm, database_url, sites);
    names
}

/// `serve` ticking every second, with `extra` settings.
async fn serve(database_url: &str, farm: &Farm, extra: &[(&str, &str)]) -> Served {
    let settings = [&[("DOMAIN_SCHEDULER_INTERVAL_SECONDS", "1")], extra].concat();
    Served::start(database_url, &farm.connect_to(), "", &settings).await
}

fn counts(database_url: &str) -> serde_json::Value {
    json(&common::cli::run(database_url, &["status"], None))
}

/// Waits until no domain is `pending` or `processing`, and returns the final counts.
async fn settled(database_url: &str, within: Duration) -> serde_json::Value {
    wait_for("no domain pending or processing", within, async || {
        let counts = counts(database_url);
        if counts["pending"] == 0 && counts["processing"] == 0 { Ok(counts) } else { Err(counts) }
    })
    .await
}

async fn readyz(served: &Served) -> u16 {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(15)).build().unwrap();
    match client.get(served.url("/readyz")).send().await {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

/// Waits until `/readyz` answers `status`.
async fn readyz_becomes(served: &Served, status: u16, within: Duration) {
    wait_until(&format!("/readyz to answer {status}"), within, async || readyz(served).await == status).await;
}

/// Attempts summed over every domain: one per domain means nothing was fetched twice.
async fn total_attempts(database_url: &str) -> i64 {
    let db = Database::connect(database_url).await.unwrap();
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT CAST(SUM(attempts) AS BIGINT) AS total FROM domains",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "total").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    ds_no_pg_binaries,
    ignore = "needs PostgreSQL's server binaries (initdb; PG_BIN or /usr/lib/postgresql)"
)]
async fn postgres_stopped_for_30_seconds_mid_drain_loses_nothing() {
    let pg = tokio::task::spawn_blocking(PrivatePostgres::start).await.unwrap();
    let url = pg.url();
    let farm = migrated_with_farm(&url).await;
    // One site in eleven fails for good, spread through the drain: the error recorder holds
    // some of those failures through the outage, as the persister holds results.
    let (mut names, mut gone, mut sites) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..220 {
        let name = format!("outage-{i}.com");
        if i % 11 == 5 {
            gone.push(name.clone());
            sites.push((name, Site::Status(404)));
        } else {
            names.push(name.clone());
            let page = plain_page(&name);
            sites.push((name, Site::Slow(Duration::from_millis(150), page)));
        }
    }
    add_to_farm_and_database(&farm, &url, sites);
    let mut served = serve(&url, &farm, &[("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "4")]).await;

    // Some work done, some in flight.
    wait_until("20 domains to be completed", Duration::from_secs(30), async || {
        counts(&url)["completed"].as_u64().unwrap() >= 20
    })
    .await;
    let stopped = Instant::now();
    let pg = tokio::task::spawn_blocking(move || {
        pg.stop();
        pg
    })
    .await
    .unwrap();
    readyz_becomes(&served, 503, Duration::from_secs(20)).await;
    // The outage itself: the database stays away for 30 s, whatever the service does.
    let remaining = Duration::from_secs(30).saturating_sub(stopped.elapsed());
    tokio::time::sleep(remaining).await;
    assert!(served.is_running(), "the service survived 30 s without its database");
    let _pg = tokio::task::spawn_blocking(move || {
        pg.resume();
        pg
    })
    .await
    .unwrap();

    readyz_becomes(&served, 200, Duration::from_secs(30)).await;
    let counts = settled(&url, Duration::from_secs(120)).await;
    assert_eq!(counts["completed"].as_u64(), Some(names.len() as u64), "{counts}");
    assert_eq!(counts["error"].as_u64(), Some(gone.len() as u64), "{counts}");
    assert_eq!(
        total_attempts(&url).await,
        (names.len() + gone.len()) as i64,
        "every result and failure met before or during the outage was kept, none fetched again"
    );
    assert!(served.is_running());
    let log = served.log();
    assert!(log.contains("WARN") || log.contains("warn"), "the outage was logged:\n{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn connections_cut_mid_drain_lose_nothing() {
    let Some(db) = TestDb::create(Backend::Postgres).await else { return };
    let farm = migrated_with_farm(&db.url).await;
    let names = add_sites(&farm, &db.url, "cut", 150, Duration::from_millis(100));
    let mut served = serve(&db.url, &farm, &[("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "4")]).await;
    let admin = Database::connect(std::env::var("TEST_POSTGRES_URL").unwrap()).await.unwrap();
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let mut cut = 0;
    for _ in 0..5 {
        // The cuts are spread through the drain: the pause between them is the scenario.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let rows = admin
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                ),
            ))
            .await
            .unwrap();
        cut += rows.len();
    }
    assert!(cut > 0, "connections were cut");
    let counts = settled(&db.url, Duration::from_secs(60)).await;
    assert_eq!(counts["completed"].as_u64(), Some(names.len() as u64), "{counts}");
    assert!(served.is_running());
    // Readiness comes back by itself: the cuts may have left claims paused for the database's
    // short backoff, which can outlast the drain's last domain.
    readyz_becomes(&served, 200, Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(ds_no_postgres, ignore = "needs TEST_POSTGRES_URL (a PostgreSQL server)")]
async fn a_table_locked_elsewhere_times_claims_out_without_crashing() {
    let Some(db) = TestDb::create(Backend::Postgres).await else { return };
    let farm = migrated_with_farm(&db.url).await;
    let names = add_sites(&farm, &db.url, "locked", 30, Duration::from_millis(10));

    // A long transaction elsewhere holds the table before the service starts.
    let other = Database::connect(&db.url).await.unwrap();
    let txn = other.begin().await.unwrap();
    txn.execute_unprepared("LOCK TABLE domains IN ACCESS EXCLUSIVE MODE").await.unwrap();
    let mut served = serve(
        &db.url,
        &farm,
        &[
            ("DOMAIN_SCHEDULER_DB_STATEMENT_TIMEOUT_SECONDS", "1"),
            ("DOMAIN_SCHEDULER_DB_MAX_CONNECTIONS", "2"),
        ],
    )
    .await;
    wait_for("a claim to time out", Duration::from_secs(30), async || {
        let log = served.log();
        if log.contains("statement timeout") { Ok(()) } else { Err(log) }
    })
    .await;
    // The lock is held a while longer, ticks keep timing out: the service must live through it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(served.is_running(), "claims that time out do not stop the service");
    txn.rollback().await.unwrap();

    let counts = settled(&db.url, Duration::from_secs(60)).await;
    assert_eq!(counts["completed"].as_u64(), Some(names.len() as u64), "{counts}");
    assert!(served.is_running());
}
