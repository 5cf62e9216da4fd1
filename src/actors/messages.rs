//! Every message between the actors. Each carries the `domain.process` span of its domain, so
//! one run is one trace although its work crosses actors.

use entity::Metadata;
use ractor::RpcReplyPort;
use uuid::Uuid;

use crate::failure::Failure;
use crate::store::runs::RunMetrics;

/// One claimed domain on its way through the pipeline.
#[derive(Clone, Debug)]
pub struct WorkItem {
    pub run_id: Uuid,
    pub domain_id: Uuid,
    /// The standardised name as stored.
    pub domain: crate::domain_name::DomainName,
    /// Attempts counted so far, this one included.
    pub attempts: i32,
    /// Pages the fetcher may visit (home page plus contact pages).
    pub max_pages: i32,
    /// When the domain last succeeded: this is a re-scan, and a failure keeps that scan's data.
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    /// How long after a success the domain is due again (`None`: never).
    pub rescan_after: Option<std::time::Duration>,
    /// When the lease of the claim runs out (counted from dispatch, a little after the claim).
    pub lease_ends: std::time::Instant,
    /// `domain.process`, child of the run's `scheduler.run`.
    pub span: tracing::Span,
}

pub use crate::store::Outcome;

/// Messages of the [`super::supervisor::Supervisor`].
pub enum SupervisorMsg {
    /// The timer: look for due domains when there is capacity.
    Tick,
    /// Look now (new work was added, or a run finished with a backlog behind it).
    Wake,
    /// Look now because of this request: the run it starts links to the request's span.
    WokenBy(tracing::Span),
    /// Start a run now; answers the run id, or why none started. With a `tenant`, the run
    /// claims only that tenant's due domains, and refills with that tenant's only: a tenant's
    /// request never starts work on another tenant's domains.
    RunNow { cause: tracing::Span, tenant: Option<Uuid>, reply: RpcReplyPort<RunNowAnswer> },
    /// An operator paused claiming (API or console of this instance): the answer comes once
    /// this supervisor holds the pause, so nothing this instance claims after the operator's
    /// answer slips past it; other instances see it at their next reading.
    PauseNoted(RpcReplyPort<()>),
    /// A domain of a run is done (from the persister or the error recorder).
    Done { run_id: Uuid, domain_id: Uuid, outcome: Outcome },
    /// Stop claiming, let in-flight work finish within the deadline, hand back the rest.
    Shutdown(RpcReplyPort<()>),
    /// The shutdown deadline passed.
    ShutdownDeadline,
}

/// The answer to [`SupervisorMsg::RunNow`].
#[derive(Clone, Debug, PartialEq)]
pub enum RunNowAnswer {
    Started(Uuid),
    NothingDue,
    AtCapacity,
    /// Claims are paused by a shortage of the service's own (the reason).
    Paused(String),
    /// An operator paused claiming (`pause`); `resume` lets it run again.
    PausedByOperator,
}

/// Messages of the [`super::fetcher_pool::FetcherPool`].
pub enum FetcherPoolMsg {
    /// Fetch and extract this domain.
    Process(WorkItem),
    /// Fetcher `index` finished its domain and can take another.
    Ready(usize),
    /// The name of this queued domain has its answer (or its failure): it may go to a fetcher.
    Resolved(Uuid),
}

/// Messages of one [`super::fetcher::Fetcher`].
pub enum FetcherMsg {
    Process(WorkItem),
}

/// Messages of the [`super::persister::Persister`].
pub enum PersisterMsg {
    /// Write this domain's metadata.
    Persist { item: WorkItem, metadata: Box<Metadata> },
    /// Write what is buffered.
    Flush,
    /// Write what is buffered and answer when done (shutdown).
    FlushNow(RpcReplyPort<()>),
}

/// Messages of the [`super::error_recorder::ErrorRecorder`].
pub enum ErrorRecorderMsg {
    /// Record this failure and decide: retry or give up.
    Record { item: WorkItem, failure: Failure },
    /// The attempt met a shortage of this process's own: give the domain back without
    /// charging the attempt.
    HandBack { item: WorkItem, failure: Failure },
    /// Answer once every earlier message is handled (shutdown).
    Sync(RpcReplyPort<()>),
}

/// Where finished runs are reported, for `run-once` to print them.
pub type RunReports = std::sync::Arc<std::sync::Mutex<Vec<RunMetrics>>>;

/// The current persister and error recorder. A restarted actor has a new address; everyone who
/// sends to them reads it here, so a restart never leaves a sender talking to a dead actor.
#[derive(Clone)]
pub struct Downstream {
    persister: std::sync::Arc<std::sync::RwLock<ractor::ActorRef<PersisterMsg>>>,
    error_recorder: std::sync::Arc<std::sync::RwLock<ractor::ActorRef<ErrorRecorderMsg>>>,
}

impl Downstream {
    pub fn new(
        persister: ractor::ActorRef<PersisterMsg>,
        error_recorder: ractor::ActorRef<ErrorRecorderMsg>,
    ) -> Self {
        Downstream {
            persister: std::sync::Arc::new(std::sync::RwLock::new(persister)),
            error_recorder: std::sync::Arc::new(std::sync::RwLock::new(error_recorder)),
        }
    }

    pub fn persister(&self) -> ractor::ActorRef<PersisterMsg> {
        self.persister.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn error_recorder(&self) -> ractor::ActorRef<ErrorRecorderMsg> {
        self.error_recorder.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_persister(&self, actor: ractor::ActorRef<PersisterMsg>) {
        *self.persister.write().unwrap_or_else(|p| p.into_inner()) = actor;
    }

    pub fn set_error_recorder(&self, actor: ractor::ActorRef<ErrorRecorderMsg>) {
        *self.error_recorder.write().unwrap_or_else(|p| p.into_inner()) = actor;
    }
}
