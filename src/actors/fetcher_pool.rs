//! The fetcher pool: `fetcher_pool_size` fetchers, one domain each at a time, fed from a queue
//! whose length is bounded by the claims (a claim happens only when a run slot is free).
//!
//! A domain's name is resolved while it waits in the queue, and a fetcher is handed only a
//! domain whose name has its answer: a slow or silent name server then delays its own domain,
//! never a fetcher that other domains are waiting for.
//!
//! Not ractor's factory: a fetcher that dies must give up the very domain it held, so the pool
//! keeps which domain each fetcher holds and hands it to the error recorder; the factory
//! replaces a dead worker without saying which job it took with it.
//!
//! It supervises its fetchers: a fetcher that dies is replaced, and the domain it held goes to
//! the error recorder as an `actor/panic` failure, so it is retried and never lost.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ractor::{Actor, ActorCell, ActorId, ActorProcessingErr, ActorRef, SupervisionEvent};

use super::fetcher::{Fetcher, FetcherArgs};
use super::messages::{Downstream, ErrorRecorderMsg, FetcherMsg, FetcherPoolMsg, SupervisorMsg, WorkItem};
use super::restart::RestartIntensity;
use crate::failure::{Failure, Kind, Stage};
use crate::fetch::WebClient;
use crate::pressure::Pressure;

pub struct FetcherPool;

/// How many queued domains are waiting for their name's answer, shared with the supervisor: a
/// domain waiting on a slow name server takes no fetcher, so the claims may run ahead of it
/// (within a bound) instead of letting a few silent names hold the pool's whole share of
/// claims.
#[derive(Clone, Default)]
pub struct NameWaits(Arc<AtomicUsize>);

impl NameWaits {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts one wait until the guard is dropped, however the look-up ends.
    fn start(&self) -> NameWait {
        self.0.fetch_add(1, Ordering::Relaxed);
        NameWait(self.0.clone())
    }
}

struct NameWait(Arc<AtomicUsize>);

impl Drop for NameWait {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

pub struct FetcherPoolArgs {
    pub size: usize,
    pub web: WebClient,
    pub pressure: Pressure,
    pub downstream: Downstream,
    pub restarts: RestartIntensity,
    pub diagnostic_dir: Option<std::path::PathBuf>,
    /// The extraction threads, shared by every fetcher: one per core. More would only
    /// time-slice the same cores while each held a parsed document in memory.
    pub extraction: crate::extract::ExtractionThreads,
    pub name_waits: NameWaits,
}

struct Slot {
    actor: ActorRef<FetcherMsg>,
    /// The domain this fetcher holds, if any.
    holding: Option<WorkItem>,
}

pub struct FetcherPoolState {
    args: FetcherPoolArgs,
    slots: Vec<Slot>,
    by_actor: HashMap<ActorId, usize>,
    /// Domains waiting for a fetcher: new work first, re-scans when none is waiting, so a wave
    /// of re-scans never delays a fresh submission.
    fresh: VecDeque<Queued>,
    rescans: VecDeque<Queued>,
    generation: u64,
    /// Whom to wake when the fetchers starve behind names still resolving.
    supervisor: Option<ActorCell>,
    starved: bool,
}

/// A domain waiting for a fetcher, and whether its name has been resolved.
struct Queued {
    item: WorkItem,
    resolved: bool,
}

/// Takes the first domain of `queue` whose name is resolved.
fn take_resolved(queue: &mut VecDeque<Queued>) -> Option<WorkItem> {
    let position = queue.iter().position(|queued| queued.resolved)?;
    queue.remove(position).map(|queued| queued.item)
}

impl FetcherPool {
    async fn spawn_fetcher(
        myself: &ActorRef<FetcherPoolMsg>,
        args: &FetcherPoolArgs,
        index: usize,
        generation: u64,
    ) -> Result<ActorRef<FetcherMsg>, ActorProcessingErr> {
        let fetcher_args = FetcherArgs {
            index,
            web: args.web.clone(),
            pressure: args.pressure.clone(),
            pool: myself.clone(),
            downstream: args.downstream.clone(),
            diagnostic_dir: args.diagnostic_dir.clone(),
            extraction: args.extraction.clone(),
        };
        // A new name per generation: the failed actor's name may not be unregistered yet. Under
        // the pool's own, which carries its supervisor's: one registry serves the process.
        let name = format!("{}/fetcher-{index}-{generation}", myself.get_name().unwrap_or_default());
        let (actor, _) = Actor::spawn_linked(Some(name), Fetcher, fetcher_args, myself.get_cell()).await?;
        Ok(actor)
    }
}

impl FetcherPoolState {
    /// Hands queued domains to idle fetchers.
    fn dispatch(&mut self) -> Result<(), ActorProcessingErr> {
        for slot in self.slots.iter_mut().filter(|slot| slot.holding.is_none()) {
            let Some(item) = take_resolved(&mut self.fresh).or_else(|| take_resolved(&mut self.rescans))
            else {
                break;
            };
            slot.holding = Some(item.clone());
            slot.actor.cast(FetcherMsg::Process(item))?;
        }
        metrics::gauge!(crate::prometheus::FETCH_QUEUE_DEPTH)
            .set((self.fresh.len() + self.rescans.len()) as f64);
        // Idle fetchers and every queued domain still waiting for its name: claims may run
        // ahead of those names (see `NameWaits`), and no domain's end will come to say so soon.
        let idle = self.slots.iter().any(|slot| slot.holding.is_none());
        let starved = idle && !(self.fresh.is_empty() && self.rescans.is_empty());
        if starved
            && !self.starved
            && let Some(supervisor) = &self.supervisor
        {
            // A supervisor that is gone is stopping the service anyway.
            let _ = supervisor.send_message(SupervisorMsg::Wake);
        }
        self.starved = starved;
        Ok(())
    }
}

impl Actor for FetcherPool {
    type Msg = FetcherPoolMsg;
    type State = FetcherPoolState;
    type Arguments = FetcherPoolArgs;

    async fn pre_start(
        &self,
        myself: ActorRef<Self::Msg>,
        args: FetcherPoolArgs,
    ) -> Result<FetcherPoolState, ActorProcessingErr> {
        let mut slots = Vec::with_capacity(args.size);
        let mut by_actor = HashMap::new();
        for index in 0..args.size {
            let actor = Self::spawn_fetcher(&myself, &args, index, 0).await?;
            by_actor.insert(actor.get_id(), index);
            slots.push(Slot { actor, holding: None });
        }
        Ok(FetcherPoolState {
            args,
            slots,
            by_actor,
            fresh: VecDeque::new(),
            rescans: VecDeque::new(),
            generation: 0,
            // Linked only once this actor has started: looked up at the first message.
            supervisor: None,
            starved: false,
        })
    }

    async fn handle(
        &self,
        myself: ActorRef<Self::Msg>,
        msg: FetcherPoolMsg,
        state: &mut FetcherPoolState,
    ) -> Result<(), ActorProcessingErr> {
        if state.supervisor.is_none() {
            state.supervisor = myself.try_get_supervisor();
        }
        match msg {
            FetcherPoolMsg::Process(item) => {
                let resolved = !state.args.web.resolves_names();
                if !resolved {
                    let (web, domain, domain_id) =
                        (state.args.web.clone(), item.domain.clone(), item.domain_id);
                    let wait = state.args.name_waits.start();
                    tokio::spawn(async move {
                        web.resolve_ahead(&domain).await;
                        drop(wait);
                        // The pool is gone only when the service stops.
                        let _ = myself.cast(FetcherPoolMsg::Resolved(domain_id));
                    });
                }
                let queue = if item.last_success.is_some() { &mut state.rescans } else { &mut state.fresh };
                queue.push_back(Queued { item, resolved });
            }
            FetcherPoolMsg::Resolved(domain_id) => {
                let mut waiting = state.fresh.iter_mut().chain(state.rescans.iter_mut());
                if let Some(queued) = waiting.find(|q| q.item.domain_id == domain_id) {
                    queued.resolved = true;
                }
            }
            FetcherPoolMsg::Ready(index) => {
                if let Some(slot) = state.slots.get_mut(index) {
                    slot.holding = None;
                }
            }
        }
        state.dispatch()
    }

    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<Self::Msg>,
        event: SupervisionEvent,
        state: &mut FetcherPoolState,
    ) -> Result<(), ActorProcessingErr> {
        let (cell, reason): (ActorCell, String) = match event {
            SupervisionEvent::ActorFailed(cell, error) => (cell, error.to_string()),
            SupervisionEvent::ActorTerminated(cell, _, reason) => {
                (cell, reason.unwrap_or_else(|| "stopped".into()))
            }
            _ => return Ok(()),
        };
        let Some(index) = state.by_actor.remove(&cell.get_id()) else { return Ok(()) };
        tracing::warn!(fetcher = index, %reason, "fetcher died; replacing it");
        if let Some(item) = state.slots[index].holding.take() {
            let failure =
                Failure::new(Stage::Actor, Kind::Panic, format!("fetcher died holding the domain: {reason}"));
            state.args.downstream.error_recorder().cast(ErrorRecorderMsg::Record { item, failure })?;
        }
        if !state.args.restarts.allow("fetcher", &reason) {
            return Ok(());
        }
        state.generation += 1;
        let actor = Self::spawn_fetcher(&myself, &state.args, index, state.generation).await?;
        state.by_actor.insert(actor.get_id(), index);
        state.slots[index].actor = actor;
        state.dispatch()
    }
}
