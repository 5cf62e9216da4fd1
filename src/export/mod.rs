//! Export: every matching domain, written out in CSV or NDJSON one page at a time, for the
//! `export` command and `GET /api/v1/domains/export` alike. A page is read
//! ([`crate::store::export::Pages`]), encoded to bytes and handed on before the next is read,
//! so memory holds one page whatever the number of rows.

mod columns;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::domains;
use futures::Stream;
use sea_orm::{ConnectionTrait, DbErr};

use crate::rows;
use crate::store::export::{PAGE_ROWS, Pages};
use crate::store::selection::Selection;

/// What an export is written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A header row, then one row per domain with the documented column set.
    Csv,
    /// One JSON object per line (newline-delimited JSON, also called JSON Lines): the domain's
    /// full row exactly as the API shows it.
    Ndjson,
}

impl Format {
    /// The names a format is asked for by, the documented one first: `ndjson` is the name the
    /// command line and the API document, `jsonl` the same format under its other name, which
    /// both accept.
    pub const NAMES: [(&'static str, Format); 3] =
        [("csv", Format::Csv), ("ndjson", Format::Ndjson), ("jsonl", Format::Ndjson)];

    /// `csv`, `ndjson`, or its alias `jsonl`, for the command line and the API alike.
    pub fn parse(text: &str) -> Result<Format, String> {
        Self::NAMES.iter().find(|(name, _)| *name == text).map(|(_, format)| *format).ok_or_else(|| {
            format!("unknown format `{text}` (accepts csv or ndjson; jsonl is ndjson's other name)")
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

/// The time of `--changed-since` / `changed_since`: RFC 3339 (`2026-11-30T00:00:00Z`,
/// `2026-11-30T01:00:00+01:00`) or a bare date (`2026-11-30`, midnight UTC).
pub fn parse_changed_since(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(format!(
        "`{text}` is not a time; expected RFC 3339 such as 2026-11-30T00:00:00Z, or a date such as 2026-11-30"
    ))
}

/// The UTF-8 byte order mark: without it Excel reads a CSV file in the system's legacy code
/// page and garbles every non-ASCII title. Other spreadsheets and Python's `utf-8-sig` read
/// past it.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// Turns pages of rows into bytes; the first page (even an empty one) starts the file.
#[derive(Debug)]
pub struct Encoder {
    format: Format,
    started: bool,
}

impl Encoder {
    pub fn new(format: Format) -> Encoder {
        Encoder { format, started: false }
    }

    /// The bytes of `rows`, preceded on the first call by what starts the file (for CSV the
    /// byte order mark and the header row).
    pub fn encode(&mut self, rows: Vec<domains::Model>) -> Result<Vec<u8>, std::io::Error> {
        let first = !std::mem::replace(&mut self.started, true);
        match self.format {
            Format::Csv => {
                let mut out = Vec::with_capacity(rows.len() * 512 + 1024);
                if first {
                    out.extend_from_slice(BOM);
                }
                let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(out);
                if first {
                    writer.write_record(columns::header())?;
                }
                for row in &rows {
                    writer.write_record(columns::record(row))?;
                }
                writer.into_inner().map_err(|error| error.into_error())
            }
            Format::Ndjson => {
                let mut out = Vec::with_capacity(rows.len() * 1024);
                for row in rows {
                    serde_json::to_writer(&mut out, &rows::Domain::from(row))?;
                    out.push(b'\n');
                }
                Ok(out)
            }
        }
    }
}

/// Why an export stopped part way.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the domains: {0}")]
    Database(#[from] DbErr),
    #[error("cannot write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Reads and encodes an export one page at a time.
pub struct Export<C> {
    pages: Pages<C>,
    encoder: Encoder,
    rows: u64,
    finished: bool,
}

impl<C: ConnectionTrait> Export<C> {
    pub fn new(db: C, selection: Selection, format: Format) -> Export<C> {
        Export::with_page_rows(db, selection, format, PAGE_ROWS)
    }

    pub fn with_page_rows(db: C, selection: Selection, format: Format, page_rows: u64) -> Export<C> {
        Export {
            pages: Pages::new(db, selection, page_rows),
            encoder: Encoder::new(format),
            rows: 0,
            finished: false,
        }
    }

    /// The bytes of the next page; `None` once everything was written. The first call always
    /// answers (a CSV export of no rows is its header).
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, ExportError> {
        if self.finished {
            return Ok(None);
        }
        let page = self.pages.next().await?;
        if page.is_empty() {
            self.finished = true;
            if self.encoder.started {
                return Ok(None);
            }
        }
        self.rows += page.len() as u64;
        Ok(Some(self.encoder.encode(page)?))
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

impl<C: ConnectionTrait + Send + Sync + 'static> Export<C> {
    /// The rest of the export as a stream of byte chunks, each read only when the previous one
    /// was taken: the body of the API's answer.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, ExportError>> + Send {
        futures::stream::try_unfold(self, |mut export| async move {
            Ok(export.next_chunk().await?.map(|chunk| (Bytes::from(chunk), export)))
        })
    }
}
