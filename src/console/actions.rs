//! The console's actions, each a POST carrying the session's CSRF token and answered with a
//! redirect to the page to look at next (post/redirect/get), whose notice says what happened.
//! Each acts within the caller's scope exactly as the API does: a tenant reaches only its own
//! domains and batches, and anything else is "not found".

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::page::ConsoleError;
use super::session::{CsrfForm, Signed};
use crate::actors::RunNowAnswer;
use crate::app_state::ApiState;
use crate::caller::Caller;
use crate::domain_name::DomainName;
use crate::store::{self, listing, selection::Selection};

type ActionForm = Result<Form<CsrfForm>, FormRejection>;

fn parse_id(text: &str, what: &str) -> Result<Uuid, ConsoleError> {
    text.parse().map_err(|_| ConsoleError::NotFound(format!("There is no such {what} for this token.")))
}

/// Puts one domain back to `pending` now, attempts cleared (the API's retry).
pub async fn retry_domain(
    State(state): State<ApiState>,
    signed: Signed,
    Path(id): Path<String>,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    let id = parse_id(&id, "domain")?;
    let row = listing::domain(&state.db, signed.scope(), id)
        .await?
        .ok_or_else(|| ConsoleError::NotFound("There is no such domain for this token.".into()))?;
    let name = DomainName::parse(&row.domain).map_err(|reason| {
        ConsoleError::BadRequest(format!("The stored name {:?} is not a domain name: {reason}", row.domain))
    })?;
    let outcome =
        store::domains::reset_names(&state.db, Some(row.tenant_id), std::slice::from_ref(&name)).await?;
    let notice = if outcome.reset.is_empty() { "busy" } else { "retried" };
    if !outcome.reset.is_empty() {
        state.wake_supervisor();
    }
    Ok(Redirect::to(&format!("/ui/domains/{id}?notice={notice}")).into_response())
}

/// Puts every errored domain of a tenant back to `pending`: an admin for any tenant, a tenant
/// for itself only.
pub async fn reset_errors(
    State(state): State<ApiState>,
    signed: Signed,
    Path(tenant): Path<String>,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    let tenant = parse_id(&tenant, "tenant")?;
    if signed.caller != Caller::Admin && signed.caller != Caller::Tenant(tenant) {
        return Err(ConsoleError::NotFound("There is no such tenant for this token.".into()));
    }
    let reset = store::domains::reset_status(&state.db, Some(tenant), entity::DomainStatus::Error).await?;
    if reset > 0 {
        state.wake_supervisor();
    }
    Ok(Redirect::to(&format!("/ui?notice=reset-{reset}")).into_response())
}

/// Starts a scheduler run now (the API's `POST /api/v1/scheduler/run`): an admin's claims what
/// is due of every tenant, a tenant's only its own due domains.
pub async fn run_now(
    State(state): State<ApiState>,
    signed: Signed,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    let notice = match state.run_now(signed.scope()).await {
        Ok(RunNowAnswer::Started(_)) => "run-started",
        Ok(RunNowAnswer::NothingDue) => "run-nothing-due",
        // The answers the API gives as 409: every run slot busy, or claiming paused by an
        // operator.
        Ok(RunNowAnswer::AtCapacity | RunNowAnswer::PausedByOperator) => "run-at-capacity",
        Ok(RunNowAnswer::Paused(_)) | Err(_) => "run-unavailable",
    };
    let back = if signed.caller == Caller::Admin { "/ui/runs" } else { "/ui" };
    Ok(Redirect::to(&format!("{back}?notice={notice}")).into_response())
}

/// Cancels a batch's pending domains: they end in `error` with a `cancelled` failure each
/// (`store::cancel`); domains being fetched finish.
pub async fn cancel_batch(
    State(state): State<ApiState>,
    signed: Signed,
    Path(id): Path<String>,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    let id = parse_id(&id, "batch")?;
    let who = signed.caller.who();
    let outcome = store::cancel::cancel_batch(&state.db, signed.scope(), id, &who)
        .await?
        .ok_or_else(|| ConsoleError::NotFound("There is no such batch for this token.".into()))?;
    tracing::info!(batch = %id, cancelled = outcome.cancelled, in_flight = outcome.in_flight, "batch cancelled from the console");
    Ok(Redirect::to(&format!(
        "/ui/batches/{id}?notice=cancelled-{}-{}",
        outcome.cancelled, outcome.in_flight
    ))
    .into_response())
}

/// Puts a batch's errored domains back to `pending` (the API's reset by batch and status).
pub async fn retry_batch_errors(
    State(state): State<ApiState>,
    signed: Signed,
    Path(id): Path<String>,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    let id = parse_id(&id, "batch")?;
    if !store::batches::exists(&state.db, signed.scope(), id).await? {
        return Err(ConsoleError::NotFound("There is no such batch for this token.".into()));
    }
    let selection = Selection {
        tenant: signed.scope(),
        batch: Some(id),
        status: Some(entity::DomainStatus::Error),
        ..Default::default()
    };
    let outcome = store::bulk::reset(&state.db, &selection, false).await?;
    if outcome.affected > 0 {
        tracing::info!(batch = %id, reset = outcome.affected, "errored domains of a batch retried from the console");
        state.wake_supervisor();
    }
    Ok(Redirect::to(&format!("/ui/batches/{id}?notice=reset-{}", outcome.affected)).into_response())
}

/// Pauses claiming on every instance (admins only): domains already claimed finish.
pub async fn pause(
    State(state): State<ApiState>,
    signed: Signed,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    only_admins(&signed)?;
    let paused = store::pause::pause(&state.db, "the console").await?;
    state.hold_pause().await;
    tracing::info!(since = %paused.since, "claiming paused from the console");
    Ok(Redirect::to("/ui?notice=paused").into_response())
}

/// Lets every instance claim again (admins only).
pub async fn resume(
    State(state): State<ApiState>,
    signed: Signed,
    form: ActionForm,
) -> Result<Response, ConsoleError> {
    signed.check_csrf(form)?;
    only_admins(&signed)?;
    if store::pause::resume(&state.db).await? {
        tracing::info!("claiming resumed from the console");
        state.wake_supervisor();
    }
    Ok(Redirect::to("/ui?notice=resumed").into_response())
}

fn only_admins(signed: &Signed) -> Result<(), ConsoleError> {
    if signed.caller == Caller::Admin {
        Ok(())
    } else {
        Err(ConsoleError::Forbidden(
            "Pausing and resuming claims acts on every tenant: sign in with an admin token.".into(),
        ))
    }
}
