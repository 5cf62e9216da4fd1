//! The operator console at `/ui`, served by `serve` next to the API.
//!
//! Server-rendered pages (askama templates under `templates/console/`, checked at compile
//! time) over the same store functions as the API, with the stylesheet and htmx compiled into
//! the binary (`assets`). A page is one file here:
//!
//! | path | page |
//! | --- | --- |
//! | `/ui` | `overview`: domains by status and tenant, due now, in flight, completions per minute and error kinds over the last hour, instances and their last run |
//! | `/ui/runs` | `runs`: scheduler runs with their metrics (admins only) |
//! | `/ui/runs/{id}` | `run`: one run's outcome counts, duration and the failures it recorded (admins only) |
//! | `/ui/batches` | `batches`: batches with progress bars |
//! | `/ui/batches/{id}` | `batch`: one batch's progress, members by status, callback deliveries, export links |
//! | `/ui/domains` | `search`: domains by name, text, status, error kind, batch, technology, tenant (`filter`) |
//! | `/ui/domains/bulk` | `bulk`: a bulk action's confirmation with its dry-run count |
//! | `/ui/domains/{id}` | `domain`: one domain's metadata, attempts, errors, change history |
//! | `/ui/export` | `export`: a list's domains as CSV or JSON Lines |
//!
//! Every list is keyset-paged both ways (`paging`) and refreshes itself while its tab is
//! visible (`assets/console/console.js`, elements marked `data-live`).
//!
//! Actions (`actions`, `bulk`) are POSTs with a CSRF token: retry a domain, reset a tenant's
//! errored domains, run now, pause and resume claiming (admins), cancel a batch's pending
//! domains, retry a batch's errored ones, and retry, cancel or delete every domain of a list's
//! filter. Sign-in (`session`) starts a session in
//! an HttpOnly, SameSite=Strict cookie signed by the server (`cookie`), which names the caller's
//! token without holding it, so a tenant sees exactly what the API shows it and an admin sees
//! every tenant; signing out revokes the session on every instance.

pub mod actions;
pub mod assets;
pub mod batch;
pub mod batches;
pub mod bulk;
pub mod cookie;
pub mod domain;
pub mod export;
pub mod filter;
pub mod overview;
pub mod page;
pub mod paging;
pub mod run;
pub mod runs;
pub mod search;
pub mod session;
pub mod technologies;

use axum::Router;
use axum::routing::{get, post};

use crate::app_state::ApiState;

/// Every console route, which [`crate::http`] serves with the API's.
pub fn router() -> Router<ApiState> {
    Router::new()
        .route("/ui", get(overview::page))
        .route("/ui/", get(page::to_overview))
        .route("/ui/overview/live", get(overview::live))
        .route("/ui/sign-in", get(session::sign_in_form).post(session::sign_in))
        .route("/ui/sign-out", post(session::sign_out))
        .route("/ui/runs", get(runs::page))
        .route("/ui/runs/{id}", get(run::page))
        .route("/ui/run-now", post(actions::run_now))
        .route("/ui/pause", post(actions::pause))
        .route("/ui/resume", post(actions::resume))
        .route("/ui/batches", get(batches::page))
        .route("/ui/batches/{id}", get(batch::page))
        .route("/ui/batches/{id}/cancel", post(actions::cancel_batch))
        .route("/ui/batches/{id}/retry-errors", post(actions::retry_batch_errors))
        .route("/ui/domains", get(search::page))
        .route("/ui/domains/bulk", get(bulk::confirm).post(bulk::run))
        .route("/ui/export", get(export::export))
        .route("/ui/technologies", get(technologies::page))
        .route("/ui/domains/{id}", get(domain::page))
        .route("/ui/domains/{id}/retry", post(actions::retry_domain))
        .route("/ui/tenants/{tenant}/reset-errors", post(actions::reset_errors))
        .route("/ui/assets/{name}", get(assets::serve))
        .route("/ui/{*rest}", get(page::not_found).post(page::not_found))
        .layer(axum::middleware::from_fn(page::security_headers))
}
