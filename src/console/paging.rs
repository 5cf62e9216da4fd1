//! The links under every list of the console: to its first page, the previous one and the next
//! one. Lists are keyset-paged (`store::keyset`), so a link names the row a page
//! starts after (next) or ends before (previous), never an offset.

use serde::Deserialize;

use super::page::ConsoleError;
use crate::store::keyset::{After, Before, Cursor, Keyset};

/// The links under a page of a list; `None` where there is no such page to go to.
pub struct Pager {
    pub first: Option<String>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// The links under `rows`, read for `page` with at most `limit` rows: `key` is a row's
    /// position in the list and `link` the URL of a page (the first with `None`).
    pub fn new<T, K>(
        rows: &[T],
        page: Option<&Keyset<K>>,
        limit: u64,
        key: impl Fn(&T) -> K,
        link: impl Fn(Option<Keyset<K>>) -> String,
    ) -> Pager {
        // A full page may have rows beyond it; a short one ends the list in its direction.
        let full = rows.len() as u64 >= limit;
        let before_first = || rows.first().map(|row| link(Some(Keyset::Previous(key(row)))));
        let after_last = || rows.last().map(|row| link(Some(Keyset::Next(key(row)))));
        match page {
            None => Pager { first: None, previous: None, next: if full { after_last() } else { None } },
            Some(Keyset::Next(_)) => Pager {
                first: Some(link(None)),
                previous: before_first(),
                next: if full { after_last() } else { None },
            },
            Some(Keyset::Previous(_)) => Pager {
                first: Some(link(None)),
                previous: if full { before_first() } else { None },
                next: after_last(),
            },
        }
    }

    /// Whether there is any link to show.
    pub fn shown(&self) -> bool {
        self.first.is_some() || self.previous.is_some() || self.next.is_some()
    }
}

/// The position of a row in a newest-first list, as a link carries it: the text of
/// [`Cursor`], the API's `next_cursor` form.
pub fn encode_before(before: Before) -> String {
    before.encode()
}

pub fn decode_before(text: &str) -> Result<Before, ConsoleError> {
    Before::decode(text).ok_or_else(|| {
        ConsoleError::BadRequest("The page link is damaged: open the first page again.".into())
    })
}

/// The page of a list in name order a link asks for: the name and id of the last row of the
/// page before it (`after`, `after_id`), or of the first row of the page after it (`before`,
/// `before_id`). Flattened into the query of each such list.
#[derive(Debug, Default, Deserialize)]
pub struct NamePage {
    after: Option<String>,
    after_id: Option<String>,
    before: Option<String>,
    before_id: Option<String>,
}

impl NamePage {
    pub fn keyset(self) -> Result<Option<Keyset<After>>, ConsoleError> {
        Ok(keyset(position(self.after, self.after_id)?, position(self.before, self.before_id)?))
    }
}

/// A row's position from its name and id, both or neither.
fn position(domain: Option<String>, id: Option<String>) -> Result<Option<After>, ConsoleError> {
    let id = id.as_deref().map(str::parse::<uuid::Uuid>).transpose().map_err(|_| {
        ConsoleError::BadRequest("The page link is damaged: open the first page again.".into())
    })?;
    Ok(domain.zip(id).map(|(domain, id)| After { domain, id }))
}

/// The URL of a page of the newest-first list at `path`: `?before=` the next (older) page,
/// `?after=` the previous (newer) one.
pub fn newest_first_link(path: &str, page: Option<Keyset<Before>>) -> String {
    match page {
        None => path.to_owned(),
        Some(Keyset::Next(before)) => format!("{path}?before={}", encode_before(before)),
        Some(Keyset::Previous(after)) => format!("{path}?after={}", encode_before(after)),
    }
}

/// The page a request asks for: `next` (after a row) wins over `previous` (before one).
pub fn keyset<K>(next: Option<K>, previous: Option<K>) -> Option<Keyset<K>> {
    match (next, previous) {
        (Some(next), _) => Some(Keyset::Next(next)),
        (None, Some(previous)) => Some(Keyset::Previous(previous)),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn link(page: Option<Keyset<u32>>) -> String {
        match page {
            None => "first".into(),
            Some(Keyset::Next(n)) => format!("after-{n}"),
            Some(Keyset::Previous(n)) => format!("before-{n}"),
        }
    }

    #[test]
    fn a_page_position_reads_back_exactly() {
        let before = Before { at: Utc::now(), id: uuid::Uuid::new_v4() };
        assert_eq!(decode_before(&encode_before(before)).unwrap(), before);
        assert!(decode_before("yesterday_x").is_err());
    }

    #[test]
    fn a_page_in_name_order_needs_both_the_name_and_the_id() {
        let id = uuid::Uuid::new_v4();
        let next =
            NamePage { after: Some("a.com".into()), after_id: Some(id.to_string()), ..Default::default() };
        let wanted = Some(Keyset::Next(After { domain: "a.com".into(), id }));
        assert!(matches!(next.keyset(), Ok(page) if page == wanted));
        let back = NamePage {
            after: Some("a.com".into()),
            after_id: Some(id.to_string()),
            before: Some("b.com".into()),
            before_id: Some(id.to_string()),
        };
        assert!(matches!(back.keyset(), Ok(Some(Keyset::Next(_)))), "onwards wins");
        let half = NamePage { after: Some("a.com".into()), ..Default::default() };
        assert!(matches!(half.keyset(), Ok(None)));
        assert!(NamePage { after_id: Some("x".into()), ..Default::default() }.keyset().is_err());
    }

    #[test]
    fn the_first_page_links_only_onwards_and_only_when_full() {
        let pager = Pager::new(&[1, 2, 3], None, 3, |n| *n, link);
        assert_eq!((pager.first, pager.previous, pager.next.as_deref()), (None, None, Some("after-3")));
        assert!(!Pager::new(&[1, 2], None, 3, |n| *n, link).shown());
    }

    #[test]
    fn a_later_page_links_back_to_the_rows_before_it() {
        let pager = Pager::new(&[4, 5], Some(&Keyset::Next(3)), 2, |n| *n, link);
        assert_eq!(pager.first.as_deref(), Some("first"));
        assert_eq!(pager.previous.as_deref(), Some("before-4"));
        assert_eq!(pager.next.as_deref(), Some("after-5"));
        let back = Pager::new(&[2, 3], Some(&Keyset::Previous(4)), 3, |n| *n, link);
        assert_eq!(
            (back.previous, back.next.as_deref()),
            (None, Some("after-3")),
            "a short page back is the start"
        );
    }
}
