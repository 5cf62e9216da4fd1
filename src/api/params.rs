//! Query parameters that several routes read alike, each checked into its type with a 422 that
//! names the parameter, so the listing and the export can never read one differently.

use chrono::{DateTime, Utc};
use entity::DomainStatus;

use super::errors::ApiError;
use crate::store::keyset::{self, Cursor};

/// `status=`: one of the domain statuses.
pub fn status(text: Option<&str>) -> Result<Option<DomainStatus>, ApiError> {
    text.map(|text| text.parse::<DomainStatus>().map_err(|e| ApiError::unprocessable(format!("status: {e}"))))
        .transpose()
}

/// `changed_since=`: an RFC 3339 time, or a date for midnight UTC (the export's parser).
pub fn changed_since(text: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    text.map(|text| {
        crate::export::parse_changed_since(text)
            .map_err(|e| ApiError::unprocessable(format!("changed_since: {e}")))
    })
    .transpose()
}

/// `cursor=`: the `next_cursor` of a previous page, read as the position `K` of its list.
pub fn cursor<K: Cursor>(text: Option<&str>) -> Result<Option<K>, ApiError> {
    text.map(|text| {
        K::decode(text).ok_or_else(|| ApiError::unprocessable(format!("cursor: {}", keyset::refused(text))))
    })
    .transpose()
}
