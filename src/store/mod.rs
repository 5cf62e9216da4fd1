//! Every query of the service, as plain functions over a SeaORM connection: the command line,
//! the actors and the API call the same functions, and none of them builds SQL by hand.

pub mod batches;
pub mod callbacks;
pub mod claims;
pub mod domains;
pub mod failures;
pub mod outcome;
pub mod results;
pub mod runs;

pub use batches::{BatchProgress, BatchState, StatusCounts};
pub use domains::{EnqueueOutcome, EnqueueRequest};
pub use outcome::Outcome;

/// The tenant of the command line when `--tenant` is not given.
pub const DEFAULT_TENANT: uuid::Uuid = uuid::Uuid::nil();
