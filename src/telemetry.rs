//! Telemetry set-up in one place: the log subscriber (pretty or JSON lines on stderr, coloured
//! only when stderr is a terminal) and, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, span export
//! by OTLP (gRPC by default, or HTTP/protobuf with `OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf`)
//! through a batch exporter flushed at shutdown.

mod filter;
pub mod run_line;

use std::io::IsTerminal as _;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::{EnvFilter, Layer as _, layer::SubscriberExt as _, util::SubscriberInitExt as _};

use crate::config::LogFormat;

/// What must be flushed before the process exits.
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Flushes and stops the span exporter. It blocks, so it runs off the async workers.
    pub async fn shutdown(self) {
        if let Some(provider) = self.provider {
            let _ = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        }
    }
}

/// Spans worth exporting: the service's own, not the transport crates' (which would otherwise
/// report on the export itself) nor ractor's per-message wrappers.
fn export_filter() -> EnvFilter {
    EnvFilter::new(
        "info,ractor=off,hyper=off,hyper_util=off,h2=off,tonic=off,tower=off,reqwest=off,sqlx=off,sea_orm=off",
    )
}

/// Why span export could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ExporterError {
    #[error("OTEL_EXPORTER_OTLP_PROTOCOL={0:?} is not supported (grpc or http/protobuf)")]
    Protocol(String),
    #[error("cannot build the OTLP exporter: {0}")]
    Build(#[from] opentelemetry_otlp::ExporterBuildError),
}

fn exporter() -> Result<Option<SdkTracerProvider>, ExporterError> {
    let Ok(endpoint) = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") else { return Ok(None) };
    if endpoint.trim().is_empty() {
        return Ok(None);
    }
    let protocol = std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL").unwrap_or_else(|_| "grpc".into());
    let exporter = match protocol.as_str() {
        "grpc" => opentelemetry_otlp::SpanExporter::builder().with_tonic().with_endpoint(endpoint).build()?,
        "http/protobuf" => {
            let traces = format!("{}/v1/traces", endpoint.trim_end_matches('/'));
            opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                .with_endpoint(traces)
                .build()?
        }
        other => return Err(ExporterError::Protocol(other.to_owned())),
    };
    let service = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| "domain-scheduler".into());
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service).build();
    Ok(Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build()))
}

/// Installs the subscriber; a second call (tests) keeps the first.
pub fn init(format: LogFormat) -> Result<Telemetry, ExporterError> {
    let provider = exporter()?;
    let otel = provider.as_ref().map(|provider| {
        tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("domain-scheduler"))
            .with_filter(export_filter())
    });
    // Colour codes are for a person at a terminal; in a file or a log collector they are noise.
    let ansi = std::io::stderr().is_terminal();
    let logs = match format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(std::io::stderr)
            .with_filter(filter::log_filter())
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .with_filter(filter::log_filter())
            .boxed(),
    };
    run_line::remember(format);
    let _ = tracing_subscriber::registry().with(logs).with(otel).try_init();
    Ok(Telemetry { provider })
}
