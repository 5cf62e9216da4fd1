//! Work added by another process wakes an idle service long before its next tick: on
//! PostgreSQL by LISTEN/NOTIFY, on SQLite by a look for due work every second.

use crate::common;
use crate::on_both_backends;

use common::db::Backend;
use common::farm::{Site, plain_page};
use common::scenario::Scenario;

async fn a_domain_added_by_another_process_is_fetched_without_waiting_for_the_tick(backend: Backend) {
    let Some(scenario) = Scenario::start(backend).await else { return };
    scenario.farm.add("added-elsewhere.com", Site::Html(plain_page("Elsewhere")));
    // The interval is an hour: only the wake-up can start the work. Work added before the
    // listener listens is found too: it looks once when it starts.
    let _served = scenario.serve("token-aaaaaaaa=0000000a-0000-4000-8000-00000000000a", &[]).await;
    scenario.add(&["added-elsewhere.com"]);
    assert_eq!(
        scenario.farm.wait_for_requests("added-elsewhere.com", 1).await,
        1,
        "the idle service was woken by the insert"
    );
}

on_both_backends!(a_domain_added_by_another_process_is_fetched_without_waiting_for_the_tick);
