//! `serve`: the service until SIGINT or SIGTERM.

use std::process::ExitCode;

use super::{fatal_reason, log_effective_settings, open};
use crate::config::Settings;

pub async fn serve(settings: &Settings) -> anyhow::Result<ExitCode> {
    let stop_requested = crate::shutdown::signal();
    crate::limits::raise_descriptor_limit();
    log_effective_settings(settings);
    if settings.api.tokens.is_empty() && settings.api.admin_tokens.is_empty() {
        tracing::warn!(
            "no API token is set: the API refuses every call but health. Make a token with `openssl rand -hex 32` \
             and set DOMAIN_SCHEDULER_API_TOKENS=<token>=<tenant uuid> (a tenant's) or \
             DOMAIN_SCHEDULER_ADMIN_TOKENS=<token> (an operator's)"
        );
    }
    let db = open(settings).await?;
    let service = crate::startup::start(settings, db).await?;
    let fatal = fatal_reason(service.fatal());
    tokio::select! {
        _ = stop_requested => {
            tracing::info!("signal received: draining; /readyz answers 503 until the process exits");
            service.stop().await;
            Ok(ExitCode::SUCCESS)
        }
        reason = fatal => {
            service.abort(&reason);
            anyhow::bail!("service stopped: {reason}")
        }
    }
}
