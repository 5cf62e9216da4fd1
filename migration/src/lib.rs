//! Schema migrations of domain-scheduler: one dated file per change, each with `up` and `down`,
//! written once for SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_batch_jobs;
mod m20261124_000002_create_domains;
mod m20261124_000003_create_domain_errors;
mod m20261124_000004_create_scheduler_runs;
mod m20261124_000005_notify_new_work;
mod m20261130_000006_console_indexes;
mod m20261201_000001_completion_callbacks;
mod m20261201_000002_rescans;
mod m20261202_000001_domain_changes;
mod m20261207_000001_batch_members;
mod m20261207_000002_console_sessions;
mod m20261207_000003_confusable_names;
mod m20261207_000004_scheduler_pause;
mod m20261207_000010_dns_records;
mod m20261207_000020_technologies;
mod m20261207_000030_web_columns;
mod m20261207_000040_batch_cancels;
mod m20261208_000200_domain_text_search;
mod m20261208_000300_member_status;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_batch_jobs::Migration),
            Box::new(m20261124_000002_create_domains::Migration),
            Box::new(m20261124_000003_create_domain_errors::Migration),
            Box::new(m20261124_000004_create_scheduler_runs::Migration),
            Box::new(m20261124_000005_notify_new_work::Migration),
            Box::new(m20261130_000006_console_indexes::Migration),
            Box::new(m20261201_000001_completion_callbacks::Migration),
            Box::new(m20261201_000002_rescans::Migration),
            Box::new(m20261202_000001_domain_changes::Migration),
            Box::new(m20261207_000001_batch_members::Migration),
            Box::new(m20261207_000002_console_sessions::Migration),
            Box::new(m20261207_000003_confusable_names::Migration),
            Box::new(m20261207_000004_scheduler_pause::Migration),
            Box::new(m20261207_000010_dns_records::Migration),
            Box::new(m20261207_000020_technologies::Migration),
            Box::new(m20261207_000030_web_columns::Migration),
            Box::new(m20261207_000040_batch_cancels::Migration),
            Box::new(m20261208_000200_domain_text_search::Migration),
            Box::new(m20261208_000300_member_status::Migration),
        ]
    }
}
