//! What the service shows of a domain, a batch and a scheduler run: the JSON rows of the API,
//! which the export writes too (NDJSON). Types of their own with their OpenAPI schemas, so the
//! entity crate knows nothing of HTTP. Each is built from its source by naming every field, so
//! a column added to a table does not compile until the rows decide how to show it.

mod batch;
mod domain;
#[cfg(test)]
pub(crate) mod fixtures;
mod run;
mod technology;

pub use batch::{Batch, BatchCallback, BatchStatus, CallbackState};
pub use domain::{DmarcPolicy, Domain, DomainStatus};
pub use run::SchedulerRun;
pub use technology::{DetectedTechnology, Evidence, Technology};
