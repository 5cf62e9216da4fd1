//! Keyset paging, the one way every list of the service is paged: a page starts after the last
//! row of the previous one, or (going back) ends before the first row of the next one, never
//! at an `OFFSET`, so a page costs the same at the millionth row as at the first and rows
//! changing meanwhile are neither repeated nor skipped.
//!
//! A position in a list is a [`Cursor`]: its text, handed to clients as `next_cursor` and put
//! in the console's links, is written and read here and nowhere else.
//!
//! | list                              | position           | text               |
//! |-----------------------------------|--------------------|--------------------|
//! | runs, batches (newest first)      | [`Before`]         | `NANOS_UUIDHEX`    |
//! | a domain's changes (newest first) | `Position<i64>`    | `NANOS_ID`         |
//! | a domain's failures (newest first)| failure id (`i64`) | `ID`               |
//! | a tenant's domains (by name)      | [`Name`]           | the name           |

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Select};
use uuid::Uuid;

/// Which page of a keyset-paged list: the rows that follow a row of the list in its order
/// (the next page) or the rows that precede it (the previous page), shown in the list's order
/// either way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Keyset<K> {
    Next(K),
    Previous(K),
}

/// A row's place in a newest-first list ordered by (time, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position<I> {
    pub at: DateTime<Utc>,
    pub id: I,
}

/// A place in a newest-first list of rows with UUIDs (runs, batches).
pub type Before = Position<Uuid>;

/// A position written as text and read back: what a client passes as `cursor` and a console
/// link carries.
pub trait Cursor: Sized {
    fn encode(&self) -> String;
    /// `None` for a text this service never gave.
    fn decode(text: &str) -> Option<Self>;
}

/// The message refusing `text` as a cursor, the same for every list.
pub fn refused(text: &str) -> String {
    format!(
        "{:?} is not a cursor this service gave (pass `next_cursor` as it is)",
        crate::excerpt::Excerpt::of(text).text
    )
}

/// An id as a cursor writes it.
pub trait CursorId: Copy {
    fn encode(self) -> String;
    fn decode(text: &str) -> Option<Self>;
}

impl CursorId for Uuid {
    /// Hex without hyphens: a cursor is one word.
    fn encode(self) -> String {
        self.simple().to_string()
    }
    fn decode(text: &str) -> Option<Uuid> {
        Uuid::try_parse(text).ok()
    }
}

impl CursorId for i64 {
    fn encode(self) -> String {
        self.to_string()
    }
    fn decode(text: &str) -> Option<i64> {
        text.parse().ok()
    }
}

/// `NANOS_ID`: the time in nanoseconds since the epoch (the precision SQLite keeps, so rows of
/// the same microsecond stay apart), past the year 2262 (beyond what nanoseconds hold)
/// `MICROSu_ID`, then the id.
impl<I: CursorId> Cursor for Position<I> {
    fn encode(&self) -> String {
        match self.at.timestamp_nanos_opt() {
            Some(nanos) => format!("{nanos}_{}", self.id.encode()),
            None => format!("{}u_{}", self.at.timestamp_micros(), self.id.encode()),
        }
    }

    fn decode(text: &str) -> Option<Self> {
        let (time, id) = text.split_once('_')?;
        let id = I::decode(id)?;
        let at = match time.strip_suffix('u') {
            Some(micros) => DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            None => {
                // More nanoseconds than 2262 holds is a place after every row there is.
                let nanos: u64 = time.parse().ok()?;
                DateTime::from_timestamp_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
            }
        };
        Some(Position { at, id })
    }
}

impl<I: CursorId> std::fmt::Display for Position<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.encode())
    }
}

impl<I: CursorId> std::str::FromStr for Position<I> {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Position::decode(text).ok_or_else(|| refused(text))
    }
}

/// A row id of a list ordered by it (a domain's failures): positive, as the database gives.
impl Cursor for i64 {
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(text: &str) -> Option<i64> {
        text.parse::<i64>().ok().filter(|id| *id > 0)
    }
}

/// Where a page of domains in name order resumes: strictly after this name (and id, since an
/// admin's list may hold the same name for several tenants).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct After {
    pub domain: String,
    pub id: Uuid,
}

/// A place in one tenant's list of domains by name, where a name is unique: the name itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name(pub String);

impl Cursor for Name {
    fn encode(&self) -> String {
        self.0.clone()
    }
    /// Any text: the list resumes after it in name order.
    fn decode(text: &str) -> Option<Name> {
        Some(Name(text.to_owned()))
    }
}

/// `time < at OR (time = at AND id < id)`: the rows after `before` in newest-first order.
pub fn older_than<V>(time: impl ColumnTrait, id: impl ColumnTrait, before: Position<V>) -> Condition
where
    V: Into<sea_orm::Value>,
{
    Condition::any()
        .add(time.lt(before.at))
        .add(Condition::all().add(time.eq(before.at)).add(id.lt(before.id)))
}

/// The rows before `after` in newest-first order.
fn newer_than<V>(time: impl ColumnTrait, id: impl ColumnTrait, after: Position<V>) -> Condition
where
    V: Into<sea_orm::Value>,
{
    Condition::any().add(time.gt(after.at)).add(Condition::all().add(time.eq(after.at)).add(id.gt(after.id)))
}

/// Narrows and orders a newest-first `query` by (`time`, `id`) for `page`: a previous page is
/// read oldest first from its end, and comes back in the list's order from [`in_list_order`].
pub fn newest_first<E: EntityTrait, V: Into<sea_orm::Value>>(
    query: Select<E>,
    time: E::Column,
    id: E::Column,
    page: Option<Keyset<Position<V>>>,
) -> Select<E> {
    match page {
        None => query.order_by_desc(time).order_by_desc(id),
        Some(Keyset::Next(before)) => {
            query.filter(older_than(time, id, before)).order_by_desc(time).order_by_desc(id)
        }
        Some(Keyset::Previous(after)) => {
            query.filter(newer_than(time, id, after)).order_by_asc(time).order_by_asc(id)
        }
    }
}

/// The rows of a page read for `page`, in the list's order.
pub fn in_list_order<T, K>(mut rows: Vec<T>, page: Option<&Keyset<K>>) -> Vec<T> {
    if matches!(page, Some(Keyset::Previous(_))) {
        rows.reverse();
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_exactly_in_one_word() {
        let before = Before { at: Utc::now(), id: Uuid::new_v4() };
        let text = before.encode();
        assert!(!text.contains('-') && text.split('_').count() == 2, "{text}");
        assert_eq!(Before::decode(&text), Some(before));
        let change = Position { at: Utc::now(), id: 42_i64 };
        assert_eq!(change.to_string().parse::<Position<i64>>(), Ok(change));
    }

    #[test]
    fn a_position_past_what_nanoseconds_hold_reads_back_in_microseconds() {
        let at = DateTime::from_timestamp_micros(10_000_000_000_000_000).unwrap();
        let far = Position { at, id: 7_i64 };
        assert_eq!(far.encode(), "10000000000000000u_7");
        assert_eq!(Position::decode(&far.encode()), Some(far));
        let saturated = Before::decode(&format!("9999999999999999999_{}", Uuid::nil().simple())).unwrap();
        assert_eq!(saturated.at, DateTime::from_timestamp_nanos(i64::MAX));
    }

    #[test]
    fn texts_this_service_never_gave_are_refused() {
        for text in ["", "x", "yesterday_x", "12_", "_12", "12_zz", "-5_1"] {
            assert_eq!(Position::<i64>::decode(text), None, "{text}");
        }
        assert_eq!(Before::decode("12_42"), None, "a UUID cursor needs a UUID");
        assert_eq!(<i64 as Cursor>::decode("0"), None);
        assert_eq!(<i64 as Cursor>::decode("abc"), None);
        assert_eq!(<i64 as Cursor>::decode("17"), Some(17));
        assert_eq!(Name::decode("shop.com").map(|name| name.encode()).as_deref(), Some("shop.com"));
        assert_eq!(
            "abc".parse::<Position<i64>>().unwrap_err(),
            "\"abc\" is not a cursor this service gave (pass `next_cursor` as it is)"
        );
    }
}
