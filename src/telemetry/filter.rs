//! Which log lines reach stderr. A bare level in `RUST_LOG` (`debug`) is meant for the service:
//! applied to every crate, it would print the HTML parser's and the HTTP stack's own tracing,
//! tens of thousands of lines per run. So a bare level applies to the service's own crates, and
//! every other crate stays at `warn` unless `RUST_LOG` names it (`debug,hyper=debug`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// The crates of this workspace, which a bare level applies to.
const OWN_CRATES: [&str; 3] = ["domain_scheduler", "entity", "migration"];

/// The level of every other crate when `RUST_LOG` gives a bare level or is unset.
const DEPENDENCIES: LevelFilter = LevelFilter::WARN;

/// Dependencies whose lines the service says better itself: rustls-platform-verifier logs an
/// ERROR for every certificate it refuses (half a drain's log on a real list), which the
/// fetcher reports as one WARN per domain with the failure's kind.
const QUIETED: [&str; 1] = ["rustls_platform_verifier"];

/// `RUST_LOG` when set (a bare level widened by [`own_crates_at`]), else `info` for the
/// service's crates.
pub fn log_filter() -> EnvFilter {
    let given = std::env::var("RUST_LOG").unwrap_or_default();
    let directives = quieted(&own_crates_at(if given.trim().is_empty() { "info" } else { &given }));
    EnvFilter::try_new(&directives).unwrap_or_else(|error| {
        eprintln!("RUST_LOG={directives:?} is not a valid filter ({error}); logging at info");
        EnvFilter::new(own_crates_at("info"))
    })
}

/// Rewrites each bare level of `directives` into that level for the service's own crates, and
/// the more quiet of it and `warn` for every other crate. Directives naming a target are kept,
/// and a crate of the service named explicitly keeps its own level (a module of it named is
/// more specific than the crate, so the crate's directive is still added).
pub fn own_crates_at(directives: &str) -> String {
    let parts: Vec<&str> = directives.split(',').map(str::trim).filter(|part| !part.is_empty()).collect();
    let named = |krate: &str| {
        parts.iter().any(|part| part.split(['=', '[']).next().is_some_and(|target| target == krate))
    };
    let mut out = Vec::new();
    for part in &parts {
        match part.parse::<LevelFilter>() {
            Ok(level) if !part.contains('=') => {
                out.push(level.min(DEPENDENCIES).to_string().to_ascii_lowercase());
                for krate in OWN_CRATES.into_iter().filter(|krate| !named(krate)) {
                    out.push(format!("{krate}={}", level.to_string().to_ascii_lowercase()));
                }
            }
            _ => out.push((*part).to_owned()),
        }
    }
    out.join(",")
}

/// `directives` with each [`QUIETED`] crate turned off, unless they name it.
pub fn quieted(directives: &str) -> String {
    let named = |krate: &str| {
        directives.split(',').any(|part| part.trim().split(['=', '[', ':']).next() == Some(krate))
    };
    let mut out = directives.to_owned();
    for krate in QUIETED.into_iter().filter(|krate| !named(krate)) {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(krate);
        out.push_str("=off");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{own_crates_at, quieted};

    #[test]
    fn the_certificate_verifiers_own_error_lines_are_off_unless_named() {
        assert_eq!(
            quieted("warn,domain_scheduler=info"),
            "warn,domain_scheduler=info,rustls_platform_verifier=off"
        );
        assert_eq!(quieted("debug,rustls_platform_verifier=debug"), "debug,rustls_platform_verifier=debug");
    }

    #[test]
    fn a_bare_level_applies_to_the_service_and_leaves_dependencies_at_warn() {
        assert_eq!(own_crates_at("debug"), "warn,domain_scheduler=debug,entity=debug,migration=debug");
        assert_eq!(own_crates_at("info"), "warn,domain_scheduler=info,entity=info,migration=info");
    }

    #[test]
    fn a_quieter_bare_level_quiets_dependencies_too() {
        assert_eq!(own_crates_at("error"), "error,domain_scheduler=error,entity=error,migration=error");
    }

    #[test]
    fn named_targets_are_kept_as_written() {
        assert_eq!(
            own_crates_at("debug,hyper=info,domain_scheduler::fetch=trace"),
            "warn,domain_scheduler=debug,entity=debug,migration=debug,hyper=info,domain_scheduler::fetch=trace"
        );
        assert_eq!(
            own_crates_at("debug,domain_scheduler=trace"),
            "warn,entity=debug,migration=debug,domain_scheduler=trace"
        );
        assert_eq!(own_crates_at("sqlx=debug"), "sqlx=debug");
    }
}
