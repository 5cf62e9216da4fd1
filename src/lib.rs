//! domain-scheduler keeps a database of web domains enriched with metadata from each domain's
//! home page.
//!
//! ```text
//!  add / API / any INSERT          Supervisor (timer, claims, runs)
//!        │                              │ batches of claimed domains
//!        ▼                              ▼
//!   domains: pending ──claim──▶  FetcherPool: fetch ─▶ extract
//!                                       │ Metadata            │ failure
//!                                       ▼                     ▼
//!                                  Persister              ErrorRecorder
//!                         Domain::update_from_metadata    domain_errors, retry or error
//! ```
//!
//! Data flows one way. [`domain_name`] is the only door for a domain into the database;
//! [`store`] holds every query; [`config`] every setting. [`submit`] is how a submission of
//! names becomes a batch, for the command line and the API alike. [`api`] and the operator
//! console ([`console`]) are the two faces of `serve` over HTTP: [`http`] serves them together,
//! and neither imports the other; what both reach ([`app_state`], [`caller`], [`rows`]) sits
//! below them.

pub mod actors;
pub mod api;
pub mod app_state;
pub mod backoff;
pub mod callback_url;
pub mod callbacks;
pub mod caller;
pub mod cli;
pub mod config;
pub mod console;
pub mod db;
pub mod domain_name;
pub mod excerpt;
pub mod export;
pub mod extract;
pub mod failure;
pub mod fetch;
pub mod http;
pub mod limits;
pub mod max_pages;
pub mod pressure;
pub mod prometheus;
pub mod rescan_after;
pub mod rows;
pub mod shutdown;
pub mod signatures;
pub mod startup;
pub mod static_regex;
pub mod store;
pub mod submit;
pub mod telemetry;
