//! Every query of the service, as plain functions over a SeaORM connection: the command line,
//! the actors and the API call the same functions, and none of them builds SQL by hand.

pub mod batches;
pub mod bulk;
pub mod callbacks;
pub mod cancel;
pub mod changes;
pub mod claims;
pub mod completions;
pub mod console_sessions;
pub mod domains;
pub mod due;
pub mod export;
pub mod failures;
pub mod instances;
pub mod keyset;
pub mod listing;
pub mod members;
pub mod outcome;
pub mod overview;
pub mod pause;
pub mod rescans;
pub mod results;
pub mod runs;
pub mod selection;
pub mod technologies;

pub use batches::{BatchProgress, BatchState, StatusCounts};
pub use domains::{EnqueueOutcome, EnqueueRequest};
pub use outcome::Outcome;

/// `COUNT(*)`: unlike `COUNT(id)` it needs no column, so PostgreSQL can count from an index
/// alone (an index-only scan) instead of reading every row.
pub fn count_rows() -> sea_orm::sea_query::FunctionCall {
    use sea_orm::sea_query::{Asterisk, Expr, Func};
    Func::count(Expr::col(Asterisk))
}

/// The tenant of the command line when `--tenant` is not given.
pub const DEFAULT_TENANT: uuid::Uuid = uuid::Uuid::nil();
