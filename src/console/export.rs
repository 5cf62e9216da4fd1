//! `/ui/export`: the domains of a console list as a file, CSV or JSON Lines, streamed a page at
//! a time by the same export as the API's (`crate::export`), within the session's scope: a
//! tenant exports its own domains, an admin any tenant's or all of them. The list and batch
//! pages link here with their filter.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde::Deserialize;

use super::filter::{FilterQuery, ListFilter};
use super::page::ConsoleError;
use super::session::Signed;
use crate::app_state::ApiState;
use crate::export::{Export, ExportError, Format};

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    /// `csv` (default) or `jsonl` (`ndjson`).
    format: Option<String>,
    #[serde(flatten)]
    filter: FilterQuery,
}

pub async fn export(
    State(state): State<ApiState>,
    signed: Signed,
    query: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ConsoleError> {
    let query = query.map(|Query(q)| q).unwrap_or_default();
    let format = match query.format.as_deref() {
        None => Format::Csv,
        Some(text) => Format::parse(text).map_err(ConsoleError::BadRequest)?,
    };
    let filter = ListFilter::parse(&query.filter, &signed)?;
    if !filter.exportable() {
        return Err(ConsoleError::BadRequest(
            "The export filters by status, batch, tenant and technology only, not by name, text or error kind."
                .into(),
        ));
    }
    let selection = filter.selection(&signed);
    if let Some(batch) = selection.batch
        && !crate::store::batches::exists(&state.db, selection.tenant, batch).await?
    {
        return Err(ConsoleError::NotFound("There is no such batch for this token.".into()));
    }
    let name = match selection.batch {
        Some(batch) => format!("batch-{batch}.{}", format.extension()),
        None => format!("domains.{}", format.extension()),
    };
    let mut export = Export::new(state.db.clone(), selection, format);
    // The first page before the answer starts: a database that does not answer is an error
    // page, not a cut file.
    let first = export.next_chunk().await.map_err(|error| match error {
        ExportError::Database(error) => ConsoleError::from(error),
        ExportError::Write(_) => ConsoleError::Internal,
    })?;
    let first = futures::stream::iter(first.map(|chunk| Ok(bytes::Bytes::from(chunk))));
    let body = Body::from_stream(
        first
            .chain(export.into_stream())
            .map(|chunk| chunk.inspect_err(|error| tracing::warn!(%error, "console export cut short"))),
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
