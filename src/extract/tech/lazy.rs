//! A pattern of the rules compiled on first use. The file holds hundreds of patterns and a page
//! runs a handful (the prefilters see to that): compiling them all when the rules are first read
//! cost a one-page `extract` a hundred milliseconds. At start-up a pattern is only parsed,
//! which checks it, counts its capture groups and gives the prefilters its literals; the
//! regex engines are built the first time a page holds one of those literals.

use std::sync::OnceLock;

use regex::Regex;
use regex_automata::meta;
use regex_syntax::hir::Hir;

pub(super) struct LazyRegex {
    source: String,
    /// Capture groups, the whole match's included, as [`Regex::captures_len`] counts them.
    captures: usize,
    regex: OnceLock<Option<Regex>>,
    short: OnceLock<Option<meta::Regex>>,
}

impl LazyRegex {
    /// The pattern and its syntax tree, or why it is not a regex (the regex crate's own parser,
    /// with its defaults, says so).
    pub(super) fn parse(source: &str) -> Result<(LazyRegex, Hir), String> {
        let hir = regex_syntax::parse(source).map_err(|error| error.to_string())?;
        let captures = hir.properties().explicit_captures_len() + 1;
        let lazy =
            LazyRegex { source: source.to_owned(), captures, regex: OnceLock::new(), short: OnceLock::new() };
        Ok((lazy, hir))
    }

    pub(super) fn as_str(&self) -> &str {
        &self.source
    }

    pub(super) fn captures_len(&self) -> usize {
        self.captures
    }

    /// The compiled regex; `None` if it does not compile (past the crate's size limits, the
    /// only failure left once it parsed), which is logged once and matches nothing.
    pub(super) fn get(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| match Regex::new(&self.source) {
                Ok(regex) => Some(regex),
                Err(error) => {
                    tracing::warn!(pattern = %self.source, %error, "technology rules: a pattern does not compile");
                    None
                }
            })
            .as_ref()
    }

    /// The pattern compiled for the bounded backtracker alone, without the lazy DFAs the regex
    /// crate runs first (forward for the end of a match, backward for its start, then the
    /// backtracker again for the capture groups). On a URL of a hundred bytes the DFAs save
    /// nothing, and after the parse of a page their tables are no longer in the processor's
    /// caches: one engine costs less (docs/benchmarks.md). `None` if it does not build: the
    /// pattern then runs as [`LazyRegex::get`] compiled it.
    pub(super) fn short(&self) -> Option<&meta::Regex> {
        self.short
            .get_or_init(|| {
                let config = meta::Config::new().hybrid(false).dfa(false).onepass(false);
                meta::Regex::builder().configure(config).build(&self.source).ok()
            })
            .as_ref()
    }

    /// Whether either form was compiled.
    #[cfg(test)]
    pub(super) fn is_compiled(&self) -> bool {
        self.regex.get().is_some() || self.short.get().is_some()
    }
}
