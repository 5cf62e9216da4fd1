//! Crashes: the real binary killed with SIGKILL at random moments of a drain, again and again,
//! on each backend. Whatever the moment, every domain ends `completed` or `error`, no domain is
//! fetched more often than its attempts allow, and `domain_errors` explains every retry.

use crate::common;
use crate::on_both_backends;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::db::Backend;
use common::farm::{Site, plain_page};
use common::scenario::Scenario;
use entity::{domain_errors, domains};
use rand::{Rng, SeedableRng};
use sea_orm::EntityTrait;

const DOMAINS: usize = 1000;
const KILLS: usize = 10;
const MAX_ATTEMPTS: i32 = 5;

/// `run-once --drain` with a short lease and a wide pool, printing nothing.
fn drain(scenario: &Scenario) -> std::process::Command {
    let mut command = scenario.command(&["run-once", "--drain"]);
    command
        .env("DOMAIN_SCHEDULER_FETCH_TIMEOUT_SECONDS", "2")
        .env("DOMAIN_SCHEDULER_LEASE_SECONDS", "2")
        .env("DOMAIN_SCHEDULER_MAX_ATTEMPTS", MAX_ATTEMPTS.to_string())
        .env("DOMAIN_SCHEDULER_FETCHER_POOL_SIZE", "8")
        .env("DOMAIN_SCHEDULER_PER_HOST_CONCURRENCY", "8")
        .env("DOMAIN_SCHEDULER_BATCH_SIZE", "40")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

async fn ten_sigkills_during_a_drain_lose_nothing_and_explain_every_retry(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    let (db, farm) = (&scenario.db, &scenario.farm);
    let names: Vec<String> = (0..DOMAINS).map(|i| format!("crash-{i}.com")).collect();
    for (i, name) in names.iter().enumerate() {
        // Slow enough that a drain lasts several seconds; one site in ten fails for good.
        let site = if i % 10 == 7 {
            Site::Status(404)
        } else {
            Site::Slow(Duration::from_millis(40), plain_page(name))
        };
        farm.add(name, site);
    }
    scenario.add(&names);

    let seed: u64 = rand::rng().random();
    eprintln!("kill moments from seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    for kill in 0..KILLS {
        let mut child = drain(&scenario).spawn().unwrap();
        let moment = Duration::from_millis(rng.random_range(150..1200));
        // The random moment of the kill is the scenario: it waits for no condition.
        tokio::time::sleep(moment).await;
        let ended_on_its_own = child.try_wait().unwrap().is_some();
        child.kill().unwrap();
        child.wait().unwrap();
        let counts = scenario.counts();
        eprintln!("kill {kill} after {moment:?} (ended on its own: {ended_on_its_own}): {counts}");
    }

    // Leases of the last process expire; one drain then finishes the work.
    common::wait::wait_until("the killed process's leases to expire", Duration::from_secs(10), || {
        db.leases_expired()
    })
    .await;
    let started = Instant::now();
    let status = drain(&scenario).status().unwrap();
    assert_eq!(status.code(), Some(0));
    eprintln!("final drain: {:?}", started.elapsed());

    let conn = db.connect().await;
    let rows = domains::Entity::find().all(&conn).await.unwrap();
    let mut explained: HashMap<uuid::Uuid, Vec<domain_errors::Model>> = HashMap::new();
    for error in domain_errors::Entity::find().all(&conn).await.unwrap() {
        explained.entry(error.domain_id).or_default().push(error);
    }
    assert_eq!(rows.len(), DOMAINS);
    let mut retried = 0;
    for row in &rows {
        let errors = explained.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
        let status = row.status.as_str();
        assert!(status == "completed" || status == "error", "{} ended {status}", row.domain);
        assert!(row.attempts <= MAX_ATTEMPTS, "{} claimed {} times", row.domain, row.attempts);
        let fetched = farm.requests(&row.domain);
        assert!(
            fetched <= row.attempts as usize,
            "{} fetched {fetched} times in {} attempts",
            row.domain,
            row.attempts
        );
        // Every attempt that did not complete the domain left its reason.
        let failed_attempts = if status == "completed" { row.attempts - 1 } else { row.attempts };
        assert_eq!(
            errors.len() as i32,
            failed_attempts,
            "{} ({status} after {} attempts) has these errors: {:?}",
            row.domain,
            row.attempts,
            errors.iter().map(|e| format!("{}/{}", e.stage, e.kind)).collect::<Vec<_>>()
        );
        if row.attempts > 1 {
            retried += 1;
        }
        let index: usize = row.domain.trim_start_matches("crash-").trim_end_matches(".com").parse().unwrap();
        if index % 10 == 7 {
            assert_eq!(status, "error", "{} answers 404", row.domain);
        } else if status == "error" {
            // Only a domain whose every attempt died with a killed process may end in error.
            assert!(errors.iter().all(|e| e.kind == "lease_expired"), "{}: {errors:?}", row.domain);
        }
    }
    eprintln!("{retried} domains were retried after a kill");
    assert!(retried > 0, "the kills interrupted some work");
}

on_both_backends!(ten_sigkills_during_a_drain_lose_nothing_and_explain_every_retry);
