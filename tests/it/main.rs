//! The integration tests, one binary: `common` (databases on both backends, the site farm,
//! the DNS server, the binary's runner) is compiled once, not once per file. Each file is a
//! module named for what it covers; `cargo test --test it NAME::` runs one of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_possible_truncation)] // test code: a panic is a failure report

mod common;

mod api;
mod api_compat;
mod api_contract;
mod batch_members;
mod callback_submission;
mod callbacks;
mod claims;
mod cli_database;
mod cli_domains;
mod cli_help;
mod cli_serve;
mod cli_settings;
mod console;
mod console_browser;
mod console_operations;
mod console_sessions;
mod console_store;
mod crash_recovery;
mod database_faults;
mod deployment_files;
mod descriptors;
mod dns_records;
mod dns_resolution;
mod entity_update;
mod export;
mod extract_command;
mod extraction_corpus;
mod extraction_phones;
mod extraction_rules;
mod fetch_hostile;
mod fetch_tls;
mod history;
mod logs;
mod metrics;
mod operator_actions;
mod operators;
mod pipeline;
mod postgres_connection;
mod rescans;
mod shutdown;
mod submission_inputs;
mod tech_detection;
mod technology_collection;
mod technology_files;
mod telemetry;
mod wake;
mod web_classes;
