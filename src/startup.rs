//! Building the running service from its settings: the database, the actor pipeline, the
//! new-work listener, the callback delivery loop and the HTTP API. `serve` and the tests go
//! through this one door; a test sets `http_addr` to port 0 and talks to the address
//! [`Service::addr`] reports.
//!
//! Stopping is designed in: [`Service::stop`] first marks the service as draining (`/readyz`
//! answers 503, `/healthz` still 200, so an orchestrator sees the drain), lets the pipeline
//! finish or hand back its domains, and only then closes the API.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;

use crate::actors::{Mode, Pipeline};
use crate::config::Settings;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("cannot listen on {addr} (DOMAIN_SCHEDULER_HTTP_ADDR): {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Pipeline(#[from] crate::actors::StartError),
    #[error(transparent)]
    Callbacks(#[from] crate::callbacks::ClientError),
}

/// A started service.
pub struct Service {
    addr: SocketAddr,
    pipeline: Pipeline,
    draining: Arc<AtomicBool>,
    stop_api: tokio::sync::oneshot::Sender<()>,
    api: JoinHandle<std::io::Result<()>>,
    wake_listener: JoinHandle<()>,
    callbacks: Option<crate::callbacks::Deliveries>,
}

/// Starts the service on `db` (connected and migrated): binds `settings.api.http_addr`, starts
/// the pipeline, the new-work listener and the API.
pub async fn start(settings: &Settings, db: DatabaseConnection) -> Result<Service, ServiceError> {
    let http_addr = settings.api.http_addr;
    let listen_error = |source| ServiceError::Listen { addr: http_addr, source };
    let listener = tokio::net::TcpListener::bind(http_addr).await.map_err(listen_error)?;
    let addr = listener.local_addr().map_err(listen_error)?;
    let pipeline = Pipeline::start(settings, db.clone(), Mode::Serve).await?;
    let callbacks = crate::callbacks::Deliveries::start(settings, db.clone(), addr)?;
    let draining = Arc::new(AtomicBool::new(false));
    let state = crate::app_state::ApiState {
        db: db.clone(),
        settings: Arc::new(settings.clone()),
        supervisor: Some(pipeline.supervisor.clone()),
        metrics: crate::prometheus::install(),
        pressure: pipeline.pressure.clone(),
        draining: draining.clone(),
    };
    let wake_listener = tokio::spawn(crate::actors::supervisor::wake::listen(
        settings.database.url.clone(),
        db.clone(),
        pipeline.supervisor.clone(),
    ));
    let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
    let api = tokio::spawn(crate::http::serve(listener, state, async move {
        let _ = api_stopped.await;
    }));
    tracing::info!(database = %settings.database.url, http = %addr, "service started");
    Ok(Service { addr, pipeline, draining, stop_api, api, wake_listener, callbacks })
}

impl Service {
    /// Where the API listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Set when the restart intensity is exceeded: the service must stop with a failure.
    pub fn fatal(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.pipeline.fatal.clone()
    }

    /// Stops gracefully: draining shows on `/readyz`, in-flight domains finish within the
    /// shutdown deadline (the rest are handed back), then the API closes.
    pub async fn stop(self) {
        self.draining.store(true, Ordering::Release);
        self.pipeline.shutdown().await;
        self.pipeline.wait().await;
        self.wake_listener.abort();
        if let Some(callbacks) = self.callbacks {
            callbacks.stop().await;
        }
        let _ = self.stop_api.send(());
        let _ = self.api.await;
    }

    /// Stops at once, without letting in-flight work finish (a fatal failure).
    pub fn abort(&self, reason: &str) {
        self.pipeline.supervisor.stop(Some(reason.to_owned()));
    }
}
