//! A scheduler run as the API shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One scheduler run, written when it ends.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SchedulerRun {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    /// The process that ran it.
    pub instance_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_seconds: f64,
    pub domains_claimed: i32,
    pub domains_processed: i32,
    pub domains_successful: i32,
    pub domains_failed: i32,
    pub domains_retried: i32,
    pub domains_skipped: i32,
    /// Successful share of the processed domains, from 0 to 1.
    pub success_rate: f64,
}

impl From<entity::scheduler_runs::Model> for SchedulerRun {
    fn from(run: entity::scheduler_runs::Model) -> SchedulerRun {
        let entity::scheduler_runs::Model {
            id,
            tenant_id,
            instance_id,
            started_at,
            finished_at,
            duration_seconds,
            domains_claimed,
            domains_processed,
            domains_successful,
            domains_failed,
            domains_retried,
            domains_skipped,
            success_rate,
        } = run;
        SchedulerRun {
            id,
            tenant_id,
            instance_id,
            started_at,
            finished_at,
            duration_seconds,
            domains_claimed,
            domains_processed,
            domains_successful,
            domains_failed,
            domains_retried,
            domains_skipped,
            success_rate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runs route answers the entity rows themselves: they must read as the documented
    /// [`SchedulerRun`].
    #[test]
    fn a_scheduler_run_row_reads_exactly_as_its_documented_shape() {
        let model = entity::scheduler_runs::Model {
            id: Uuid::new_v4(),
            tenant_id: None,
            instance_id: "host-1".into(),
            started_at: Utc::now(),
            finished_at: Some(Utc::now()),
            duration_seconds: 1.5,
            domains_claimed: 3,
            domains_processed: 3,
            domains_successful: 2,
            domains_failed: 1,
            domains_retried: 0,
            domains_skipped: 0,
            success_rate: 2.0 / 3.0,
        };
        let as_stored = serde_json::to_value(&model).unwrap();
        assert_eq!(serde_json::to_value(SchedulerRun::from(model)).unwrap(), as_stored);
    }
}
