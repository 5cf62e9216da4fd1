//! Indexes for the operator console (`/ui`), so that its overview and lists read indexes
//! instead of whole tables (with a million domains the overview answers in tens of
//! milliseconds on PostgreSQL: docs/benchmarks.md).
//!
//! - `domains (tenant_id, status)`: domains by tenant and status from the index alone (a
//!   million entries read in about 100 ms; a third column would make it a quarter slower);
//! - `domains (status, fetched_at, tenant_id)`: completions per minute over the last hour, of
//!   every tenant or of one, from the index alone;
//! - `domains (batch_id, status)`: the progress of a page of batches (replaces the index on
//!   `batch_id` alone, which it covers);
//! - `domains (domain)`: search by name across tenants;
//! - `domain_errors (occurred_at)`: error kinds over the last hour;
//! - `scheduler_runs (instance_id, started_at)`: each instance's last run;
//! - `batch_jobs (created_at)` and `batch_jobs (tenant_id, created_at)`: batches newest first,
//!   of every tenant or of one (the latter replaces the index on `tenant_id` alone).
//!
//! On PostgreSQL each `CREATE INDEX` holds writes to its table while it builds: a few seconds
//! per million domains.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, columns) of every index this migration adds.
const INDEXES: &[(&str, &str, &[&str])] = &[
    ("idx_domains_tenant_status", "domains", &["tenant_id", "status"]),
    ("idx_domains_status_fetched_at", "domains", &["status", "fetched_at", "tenant_id"]),
    ("idx_domains_batch_status", "domains", &["batch_id", "status"]),
    ("idx_domains_domain", "domains", &["domain"]),
    ("idx_domain_errors_occurred_at", "domain_errors", &["occurred_at"]),
    ("idx_scheduler_runs_instance_started_at", "scheduler_runs", &["instance_id", "started_at"]),
    ("idx_batch_jobs_created_at", "batch_jobs", &["created_at"]),
    ("idx_batch_jobs_tenant_created_at", "batch_jobs", &["tenant_id", "created_at"]),
];

/// (index name, table, columns) of the indexes the new ones cover, dropped by `up` and put
/// back by `down`.
const REPLACED: &[(&str, &str, &[&str])] = &[
    ("idx_domains_batch", "domains", &["batch_id"]),
    ("idx_batch_jobs_tenant", "batch_jobs", &["tenant_id"]),
];

fn create((name, table, columns): &(&str, &str, &[&str])) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(*name).table(Alias::new(*table));
    for column in *columns {
        index.col(Alias::new(*column));
    }
    index.to_owned()
}

fn drop((name, table, _): &(&str, &str, &[&str])) -> IndexDropStatement {
    Index::drop().name(*name).table(Alias::new(*table)).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in INDEXES {
            manager.create_index(create(index)).await?;
        }
        for index in REPLACED {
            manager.drop_index(drop(index)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for index in REPLACED {
            manager.create_index(create(index)).await?;
        }
        for index in INDEXES {
            manager.drop_index(drop(index)).await?;
        }
        Ok(())
    }
}
