//! Logging set-up: one subscriber for the whole process, writing to stderr.

use tracing_subscriber::{EnvFilter, layer::SubscriberExt as _, util::SubscriberInitExt as _};

use crate::config::LogFormat;

/// `RUST_LOG` when set, else `info` with the database driver's per-statement logs silenced.
fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"))
}

/// Installs the log subscriber; a second call (tests) is a no-op.
pub fn init_logging(format: LogFormat) {
    let registry = tracing_subscriber::registry().with(filter());
    let result = match format {
        LogFormat::Pretty => {
            registry.with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr)).try_init()
        }
        LogFormat::Json => {
            registry.with(tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr)).try_init()
        }
    };
    let _ = result;
}
