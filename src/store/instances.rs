//! The instances on the console's overview: the hosts running the service, each with its run in
//! progress and its last finished run.
//!
//! Each process start has an instance id of its own (`HOST-PID-RANDOM`, see
//! `crate::actors::instance_id`): its leases must never be mistaken for those of the process
//! before it. An instance as an operator means it is the host (or container) it runs on, so the
//! processes of one host are one row here: a restart is the same instance under a new process,
//! not a new instance. The run in progress is seen from the leases its process holds (runs are
//! written to `scheduler_runs` only when they end).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::scheduler_runs;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Most processes read: far more than a fleet restarts in a day.
const PROCESSES_READ: u64 = 500;
/// Most instances listed.
const INSTANCES_SHOWN: usize = 50;

/// One instance: a host and the processes it ran.
#[derive(Clone, Debug)]
pub struct InstanceSeen {
    /// The host (or container) name.
    pub host: String,
    /// Its newest process: the one holding leases now, else the one that ran last.
    pub process: String,
    /// Processes seen on this host (each restart is one more).
    pub processes: u64,
    /// Domains its processes hold now: the run in progress.
    pub in_flight: u64,
    /// Runs finished since the start of the window, by all its processes.
    pub runs: u64,
    /// Its last finished run; `None` while its first run is in progress.
    pub last_run: Option<scheduler_runs::Model>,
}

/// The host part of an instance id `HOST-PID-RANDOM`; an id of another shape is its own host.
pub fn host_of(instance_id: &str) -> &str {
    let mut parts = instance_id.rsplitn(3, '-');
    let (Some(random), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return instance_id;
    };
    let random_ok = random.len() == 8 && random.bytes().all(|b| b.is_ascii_hexdigit());
    let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    if random_ok && pid_ok && !host.is_empty() { host } else { instance_id }
}

/// The instances that finished a run since `since` or hold leases now (`in_flight`: domains
/// by the process holding them), the busiest and most recently seen first.
pub async fn seen<C: ConnectionTrait>(
    db: &C,
    since: DateTime<Utc>,
    in_flight: &[(String, u64)],
) -> Result<Vec<InstanceSeen>, DbErr> {
    // Every process with runs in the window, most recently seen first.
    let processes: Vec<(String, i64)> = scheduler_runs::Entity::find()
        .select_only()
        .column(scheduler_runs::Column::InstanceId)
        .expr_as(super::count_rows(), "n")
        .filter(scheduler_runs::Column::StartedAt.gte(since))
        .group_by(scheduler_runs::Column::InstanceId)
        .order_by_desc(scheduler_runs::Column::StartedAt.max())
        .limit(PROCESSES_READ)
        .into_tuple()
        .all(db)
        .await?;
    struct Host {
        process: String,
        processes: u64,
        in_flight: u64,
        runs: u64,
        last_process: Option<String>,
        /// The place of its last process in `processes`: lower is more recent.
        recency: usize,
    }
    let mut hosts: BTreeMap<String, Host> = BTreeMap::new();
    let entry = |hosts: &mut BTreeMap<String, Host>, id: &str| {
        hosts.entry(host_of(id).to_owned()).or_insert_with(|| Host {
            process: id.to_owned(),
            processes: 0,
            in_flight: 0,
            runs: 0,
            last_process: None,
            recency: usize::MAX,
        });
    };
    for (id, held) in in_flight {
        if *held == 0 || id.starts_with('(') {
            continue;
        }
        entry(&mut hosts, id);
        if let Some(host) = hosts.get_mut(host_of(id)) {
            host.in_flight += held;
            host.processes += 1;
            host.process = id.clone();
        }
    }
    for (recency, (id, runs)) in processes.iter().enumerate() {
        entry(&mut hosts, id);
        let holding = in_flight.iter().any(|(holder, held)| holder == id && *held > 0);
        if let Some(host) = hosts.get_mut(host_of(id)) {
            host.runs += (*runs).max(0) as u64;
            if !holding {
                host.processes += 1;
            }
            if host.last_process.is_none() {
                // Processes come most recently seen first.
                host.last_process = Some(id.clone());
                host.recency = recency;
                if host.in_flight == 0 {
                    host.process = id.clone();
                }
            }
        }
    }
    let mut instances = Vec::with_capacity(hosts.len().min(INSTANCES_SHOWN));
    for (name, host) in hosts {
        let last_run = match &host.last_process {
            Some(process) => {
                scheduler_runs::Entity::find()
                    .filter(scheduler_runs::Column::InstanceId.eq(process.as_str()))
                    .order_by_desc(scheduler_runs::Column::StartedAt)
                    .one(db)
                    .await?
            }
            None => None,
        };
        instances.push((
            host.recency,
            InstanceSeen {
                host: name,
                process: host.process,
                processes: host.processes,
                in_flight: host.in_flight,
                runs: host.runs,
                last_run,
            },
        ));
    }
    // Instances at work first, then by their last run, newest first.
    instances.sort_by(|(a_recency, a), (b_recency, b)| {
        (b.in_flight > 0).cmp(&(a.in_flight > 0)).then(a_recency.cmp(b_recency)).then(a.host.cmp(&b.host))
    });
    Ok(instances.into_iter().take(INSTANCES_SHOWN).map(|(_, instance)| instance).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_processes_of_one_host_are_one_instance() {
        assert_eq!(host_of("web-1-4242-0a1b2c3d"), "web-1");
        assert_eq!(host_of("host-7-deadbeef"), "host");
        assert_eq!(host_of("a1b2c3d4e5f6-1-00000000"), "a1b2c3d4e5f6");
        assert_eq!(host_of("worker"), "worker", "an id of another shape stands alone");
        assert_eq!(host_of("x-y-z"), "x-y-z");
    }
}
