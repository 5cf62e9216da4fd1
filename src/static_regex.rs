//! Regexes written in the source, compiled once, on first use.

/// `static NAME: LazyLock<Regex> = static_regex!(r"...");` (`static_regex!(bytes: r"...")` for
/// `regex::bytes::Regex`). The tests run every such pattern, so one that does not compile is a
/// bug of the source, reported with the regex crate's message, never a state of the input.
#[macro_export]
macro_rules! static_regex {
    (bytes: $pattern:expr) => {
        std::sync::LazyLock::new(|| $crate::static_regex::compiled_bytes($pattern))
    };
    ($pattern:expr) => {
        std::sync::LazyLock::new(|| $crate::static_regex::compiled($pattern))
    };
}

/// The regex of a pattern written in the source ([`static_regex!`]).
pub fn compiled(pattern: &str) -> regex::Regex {
    regex::Regex::new(pattern)
        .unwrap_or_else(|error| panic!("a regex of the source does not compile: {error}"))
}

/// The byte regex of a pattern written in the source ([`static_regex!`]).
pub fn compiled_bytes(pattern: &str) -> regex::bytes::Regex {
    regex::bytes::Regex::new(pattern)
        .unwrap_or_else(|error| panic!("a regex of the source does not compile: {error}"))
}
