//! Bulk actions on the domain list's filter (`/ui/domains/bulk`): retry (back to `pending`,
//! attempts cleared, due now), cancel (the `pending` ones end in `error` as `cancelled`) or
//! delete (with their failures, history and memberships).
//!
//! As in Oban Web, nothing happens on the first click: the GET is a confirmation page that
//! counts, through the action's own dry run, how many domains the action would change and how
//! many are being fetched and would be left alone. Its form carries the filter and the CSRF
//! token; the POST runs the action through the same store functions as the API
//! (`store::bulk`, `store::cancel`), which work in chunks of short transactions so a large
//! action never stalls the claims, and the list then says what was done.

use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::filter::{FilterQuery, ListFilter};
use super::page::{self, ConsoleError, Frame};
use super::session::Signed;
use crate::app_state::ApiState;
use crate::store::bulk::BulkOutcome;
use crate::store::{self, selection::Selection};

/// A bulk action, named in lower case (`retry`) in the form and the confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Action {
    Retry,
    Cancel,
    Delete,
}

impl Action {
    pub fn parse(text: Option<&str>) -> Result<Action, ConsoleError> {
        text.and_then(|text| text.parse().ok())
            .ok_or_else(|| ConsoleError::BadRequest("Choose an action: retry, cancel or delete.".into()))
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// What the action does to each domain, for the confirmation.
    fn effect(self) -> &'static str {
        match self {
            Action::Retry => "put back to pending, attempts cleared, due now",
            Action::Cancel => {
                "ended in error as \u{201c}cancelled\u{201d} (pending ones only; they can be retried later)"
            }
            Action::Delete => {
                "deleted with their failures, change history and batch memberships: this cannot be undone"
            }
        }
    }

    async fn run(
        self,
        state: &ApiState,
        signed: &Signed,
        selection: &Selection,
        dry_run: bool,
    ) -> Result<BulkOutcome, ConsoleError> {
        let db = &state.db;
        Ok(match self {
            Action::Retry => store::bulk::reset(db, selection, dry_run).await?,
            Action::Cancel => {
                let who = signed.caller.who();
                store::cancel::cancel_selected(db, selection, &who, dry_run).await?
            }
            Action::Delete => store::bulk::delete(db, selection, dry_run).await?,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct BulkQuery {
    action: Option<String>,
    #[serde(flatten)]
    filter: FilterQuery,
}

#[derive(Debug, Deserialize)]
pub struct BulkForm {
    csrf: Option<String>,
    action: Option<String>,
    #[serde(flatten)]
    filter: FilterQuery,
}

#[derive(Template)]
#[template(path = "console/bulk.html")]
struct ConfirmPage {
    frame: Frame,
    action: &'static str,
    title: String,
    /// The button's label: `Yes, cancel 3 domains`.
    confirm: String,
    effect: &'static str,
    count: String,
    affected: u64,
    in_progress: String,
    has_in_progress: bool,
    criteria: Vec<String>,
    scope: String,
    hidden: Vec<(&'static str, String)>,
    back: String,
    danger: bool,
}

/// The confirmation: what the action would do, counted by its dry run.
pub async fn confirm(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<BulkQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let action = Action::parse(query.action.as_deref())?;
    let filter = ListFilter::parse(&query.filter, &signed)?;
    if let Some(problem) = filter.problem {
        return Err(ConsoleError::BadRequest(problem));
    }
    let selection = filter.selection(&signed);
    let outcome = action.run(&state, &signed, &selection, true).await?;
    let scope = match (signed.scope(), filter.tenant) {
        (Some(_), _) => "your tenant's domains".to_owned(),
        (None, Some(tenant)) => format!("the domains of tenant {tenant}"),
        (None, None) => "the domains of every tenant".to_owned(),
    };
    let verb = match action {
        Action::Retry => "Retry",
        Action::Cancel => "Cancel",
        Action::Delete => "Delete",
    };
    let view = ConfirmPage {
        frame: Frame::new(&signed, "domains", None),
        action: action.as_str(),
        title: format!(
            "{verb} {} {}?",
            page::count(outcome.affected),
            page::plural(outcome.affected, "domain", "domains")
        ),
        confirm: format!(
            "Yes, {} {} {}",
            action.as_str(),
            page::count(outcome.affected),
            page::plural(outcome.affected, "domain", "domains")
        ),
        effect: action.effect(),
        count: page::count(outcome.affected),
        affected: outcome.affected,
        in_progress: page::count(outcome.in_progress),
        has_in_progress: outcome.in_progress > 0,
        criteria: filter.describe(),
        scope,
        hidden: filter.pairs(),
        back: filter.link("/ui/domains", &[]),
        danger: action == Action::Delete,
    };
    Ok(page::render(&view))
}

/// Runs the action on the filter the form carries, then shows the list with what was done.
pub async fn run(
    State(state): State<ApiState>,
    signed: Signed,
    form: Result<Form<BulkForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Ok(Form(form)) = form else { return Err(ConsoleError::Csrf) };
    signed.check_token(form.csrf.as_deref())?;
    let action = Action::parse(form.action.as_deref())?;
    let filter = ListFilter::parse(&form.filter, &signed)?;
    if let Some(problem) = filter.problem {
        return Err(ConsoleError::BadRequest(problem));
    }
    let selection = filter.selection(&signed);
    let outcome = action.run(&state, &signed, &selection, false).await?;
    tracing::info!(
        action = action.as_str(),
        affected = outcome.affected,
        in_progress = outcome.in_progress,
        "bulk action from the console"
    );
    if action == Action::Retry && outcome.affected > 0 {
        state.wake_supervisor();
    }
    let notice = format!("bulk-{}-{}-{}", action.as_str(), outcome.affected, outcome.in_progress);
    Ok(Redirect::to(&filter.link("/ui/domains", &[("notice", &notice)])).into_response())
}
