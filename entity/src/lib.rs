//! SeaORM entities of domain-scheduler, one module per table, plus the [`Metadata`] value that
//! the extraction produces and [`Domain::update_from_metadata`] writes, and the description of
//! a domain row's metadata fields ([`fields`], with the social platforms of [`social`]) that
//! the export, the change history, the console and the API are built from.
//!
//! The shape of each table is the contract of SPEC section 4; the migrations in the `migration`
//! crate create exactly these columns on SQLite and PostgreSQL alike.

pub mod batch_jobs;
pub mod batch_members;
pub mod callback_deliveries;
pub mod completions_by_minute;
pub mod console_keys;
pub mod console_revocations;
pub mod domain_changes;
pub mod domain_errors;
pub mod domain_technologies;
pub mod domains;
pub mod fields;
pub mod metadata;
pub mod scheduler_pause;
pub mod scheduler_runs;
pub mod social;

pub use domains::{DomainStatus, UpdateError};
pub use fields::{FieldKind, FieldValue, MetadataField, metadata_field, metadata_fields};
pub use metadata::{DetectedTechnology, Evidence, Metadata, SocialProfiles, Technology};
pub use social::SocialPlatform;

/// The `domains` table, named the way the rest of the service speaks of it.
pub type Domain = domains::Entity;
