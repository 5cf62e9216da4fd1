//! Work added by another process wakes an idle service on PostgreSQL (LISTEN/NOTIFY), long
//! before its next tick.

mod common;

use std::time::Duration;

use common::db::{Backend, TestDb};
use common::farm::{Farm, Site, plain_page};
use common::server::Served;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_domain_added_by_another_process_is_fetched_without_waiting_for_the_tick() {
    let Some(db) = TestDb::create(Backend::Postgres).await else { return };
    let farm = Farm::start().await;
    farm.add("added-elsewhere.com", Site::Html(plain_page("Elsewhere")));
    // The interval is an hour: only the notification can start the work.
    let _served = Served::start(
        &db.url,
        &farm.connect_to(),
        "token-aaaaaaaa=0000000a-0000-4000-8000-00000000000a",
        &[],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let out = common::cli::run(&db.url, &["add", "added-elsewhere.com"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        farm.wait_for_requests("added-elsewhere.com", 1).await,
        1,
        "the idle service was woken by the insert"
    );
}
