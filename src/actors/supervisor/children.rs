//! The supervisor's children, named by [`Child`], and how each is started again after a
//! failure. A restarted persister or error recorder gets a new address, which [`Downstream`]
//! hands to every sender.

use ractor::{Actor, ActorCell, ActorProcessingErr, ActorRef};

use super::SupervisorArgs;
use crate::actors::error_recorder::{ErrorRecorder, ErrorRecorderArgs};
use crate::actors::fetcher_pool::{FetcherPool, FetcherPoolArgs};
use crate::actors::messages::{Downstream, ErrorRecorderMsg, FetcherPoolMsg, PersisterMsg, SupervisorMsg};
use crate::actors::persister::{Persister, PersisterArgs};

/// A child of the supervisor, named in snake case (`fetcher_pool`) in logs and metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Child {
    FetcherPool,
    Persister,
    ErrorRecorder,
}

impl Child {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The running children.
pub struct Children {
    pub pool: ActorRef<FetcherPoolMsg>,
    pub downstream: Downstream,
}

impl Children {
    /// Starts the persister and the error recorder, then the pool that sends to them.
    pub async fn start(
        myself: &ActorRef<SupervisorMsg>,
        args: &SupervisorArgs,
    ) -> Result<Children, ActorProcessingErr> {
        let downstream =
            Downstream::new(persister(myself, args, 0).await?, error_recorder(myself, args, 0).await?);
        let pool = pool(myself, args, &downstream, 0).await?;
        Ok(Children { pool, downstream })
    }

    /// Which child `cell` is, if it is one.
    pub fn identify(&self, cell: &ActorCell) -> Option<Child> {
        let id = cell.get_id();
        if id == self.pool.get_id() {
            Some(Child::FetcherPool)
        } else if id == self.downstream.persister().get_id() {
            Some(Child::Persister)
        } else if id == self.downstream.error_recorder().get_id() {
            Some(Child::ErrorRecorder)
        } else {
            None
        }
    }

    /// Starts `child` again under a new name (the failed actor's may not be free yet).
    pub async fn restart(
        &mut self,
        myself: &ActorRef<SupervisorMsg>,
        args: &SupervisorArgs,
        child: Child,
        generation: u64,
    ) -> Result<(), ActorProcessingErr> {
        match child {
            Child::Persister => self.downstream.set_persister(persister(myself, args, generation).await?),
            Child::ErrorRecorder => {
                self.downstream.set_error_recorder(error_recorder(myself, args, generation).await?)
            }
            Child::FetcherPool => self.pool = pool(myself, args, &self.downstream, generation).await?,
        }
        Ok(())
    }
}

/// `supervisor-<id>/persister-0`: actor names are one registry per process, so a child's name
/// carries its supervisor's, and two services in one process (a library user's, the tests')
/// never ask for the same name.
fn name(myself: &ActorRef<SupervisorMsg>, child: Child, generation: u64) -> Option<String> {
    Some(format!("{}/{}-{generation}", myself.get_name().unwrap_or_default(), child.as_str()))
}

async fn persister(
    myself: &ActorRef<SupervisorMsg>,
    args: &SupervisorArgs,
    generation: u64,
) -> Result<ActorRef<PersisterMsg>, ActorProcessingErr> {
    let persister = PersisterArgs {
        db: args.db.clone(),
        instance_id: args.instance_id.clone(),
        supervisor: myself.clone(),
        pressure: args.pressure.clone(),
    };
    let name = name(myself, Child::Persister, generation);
    Ok(Actor::spawn_linked(name, Persister, persister, myself.get_cell()).await?.0)
}

async fn error_recorder(
    myself: &ActorRef<SupervisorMsg>,
    args: &SupervisorArgs,
    generation: u64,
) -> Result<ActorRef<ErrorRecorderMsg>, ActorProcessingErr> {
    let recorder = ErrorRecorderArgs {
        db: args.db.clone(),
        instance_id: args.instance_id.clone(),
        policy: args.policy,
        supervisor: myself.clone(),
        pressure: args.pressure.clone(),
    };
    let name = name(myself, Child::ErrorRecorder, generation);
    Ok(Actor::spawn_linked(name, ErrorRecorder, recorder, myself.get_cell()).await?.0)
}

async fn pool(
    myself: &ActorRef<SupervisorMsg>,
    args: &SupervisorArgs,
    downstream: &Downstream,
    generation: u64,
) -> Result<ActorRef<FetcherPoolMsg>, ActorProcessingErr> {
    let pool = FetcherPoolArgs {
        size: args.scheduler.fetcher_pool_size as usize,
        web: args.web.clone(),
        pressure: args.pressure.clone(),
        downstream: downstream.clone(),
        restarts: args.restarts.clone(),
        diagnostic_dir: args.diagnostic_dir.clone(),
        extraction: crate::extract::ExtractionThreads::start(crate::limits::cores()),
        name_waits: args.name_waits.clone(),
    };
    let name = name(myself, Child::FetcherPool, generation);
    Ok(Actor::spawn_linked(name, FetcherPool, pool, myself.get_cell()).await?.0)
}
