//! The prefilter that keeps most patterns from running, and from being compiled at all: a
//! vectorised search for the literals of the patterns of the page, of its URLs and of the short
//! texts (generator contents, cookie names).

use aho_corasick::{AhoCorasick, MatchKind, Span, packed};

use super::pattern::Pattern;

/// Patterns behind a literal prefilter.
pub(super) struct Prefiltered {
    pub(super) patterns: Vec<Pattern>,
    /// Literal index → the patterns it stands for, with those of the literals that are its
    /// prefixes (the packed searcher reports only the longest literal starting at a position).
    owners: Vec<Vec<usize>>,
    engine: Engine,
}

enum Engine {
    Nothing,
    /// Vectorised (Teddy) searches, up to 64 literals each, restarted after each match's start.
    Packed(Vec<packed::Searcher>),
    Automaton(AhoCorasick),
}

/// Most literals in one vectorised search.
const PACKED_GROUP: usize = 64;

impl Prefiltered {
    /// `entries`' literals must be in lower case under [`super::literals::Case::Fold`]; the haystacks given to
    /// [`Prefiltered::each`] then too.
    pub(super) fn build(entries: Vec<(Pattern, Vec<Vec<u8>>)>, warnings: &mut Vec<String>) -> Prefiltered {
        let mut patterns = Vec::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (pattern, needles) in entries {
            for needle in needles {
                match literals.iter().position(|l| *l == needle) {
                    Some(i) => owners[i].push(patterns.len()),
                    None => {
                        literals.push(needle);
                        owners.push(vec![patterns.len()]);
                    }
                }
            }
            patterns.push(pattern);
        }
        let own = owners.clone();
        for (i, literal) in literals.iter().enumerate() {
            for (j, prefix) in literals.iter().enumerate() {
                if i != j && literal.starts_with(prefix) {
                    owners[i].extend(&own[j]);
                }
            }
            owners[i].sort_unstable();
            owners[i].dedup();
        }
        let packed: Option<Vec<packed::Searcher>> = literals
            .chunks(PACKED_GROUP)
            .map(|group| {
                packed::Config::new()
                    .match_kind(packed::MatchKind::LeftmostLongest)
                    .builder()
                    .extend(group)
                    .build()
            })
            .collect();
        let engine = match packed {
            _ if literals.is_empty() => Engine::Nothing,
            Some(searchers) => Engine::Packed(searchers),
            None => match AhoCorasick::builder().match_kind(MatchKind::Standard).build(&literals) {
                Ok(automaton) => Engine::Automaton(automaton),
                Err(error) => {
                    warnings.push(format!("cannot build the literal prefilter: {error}"));
                    Engine::Nothing
                }
            },
        };
        Prefiltered { patterns, owners, engine }
    }

    /// Calls `found(start, pattern)` for each occurrence of a literal in `haystack` and each
    /// pattern it stands for (a pattern may come more than once).
    pub(super) fn each(&self, haystack: &[u8], mut found: impl FnMut(usize, usize)) {
        let mut note = |start: usize, literal: usize| {
            for &pattern in &self.owners[literal] {
                found(start, pattern);
            }
        };
        match &self.engine {
            Engine::Nothing => {}
            Engine::Packed(searchers) => {
                for (group, searcher) in searchers.iter().enumerate() {
                    let mut at = 0;
                    while let Some(m) = searcher.find_in(haystack, Span::from(at..haystack.len())) {
                        note(m.start(), group * PACKED_GROUP + m.pattern().as_usize());
                        at = m.start() + 1;
                    }
                }
            }
            Engine::Automaton(automaton) => {
                for m in automaton.find_overlapping_iter(haystack) {
                    note(m.start(), m.pattern().as_usize());
                }
            }
        }
    }

    pub(super) fn literal_count(&self) -> usize {
        self.owners.len()
    }
}
