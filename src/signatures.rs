//! Fixed texts searched in a page without regard to ASCII case: the bot-wall and parking
//! signatures, which every successful page is checked for.
//!
//! aho-corasick's own case-insensitive mode loses its fast prefilters (the vectorised "packed"
//! search needs exact bytes), and on a real page it then walks its automaton byte by byte: about
//! 15 % of the service's CPU per domain went to these two searches (docs/benchmarks.md, "CPU per
//! stage"). Lowering the searched bytes into a buffer each thread keeps costs a few microseconds
//! and leaves an exact, leftmost-first search with its vectorised prefilter.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, BuildError, MatchKind};
use memchr::memmem;

/// A set of signatures compiled once, matched without regard to ASCII case.
pub struct Signatures {
    search: Search,
}

enum Search {
    /// A few signatures, each found on its own by `memmem`, whose prefilter looks for a pair of
    /// the signature's rarest bytes: aho-corasick's prefilter for a few patterns looks for one
    /// rare byte, which in markup is seldom rare.
    Few(Vec<memmem::Finder<'static>>),
    /// Many at once, leftmost-first, which lets aho-corasick use its vectorised prefilter (Teddy);
    /// with the standard semantics it falls back to one rare byte too.
    Many(AhoCorasick),
}

/// Up to this many signatures are searched one by one.
const FEW: usize = 4;

thread_local! {
    /// The lowered copy of the last text searched on this thread, reused for the next one.
    static LOWERED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Signatures {
    /// Compiles `patterns`; pattern `i` of a match is the `i`-th given.
    pub fn new<I, P>(patterns: I) -> Result<Signatures, BuildError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        let lowered: Vec<Vec<u8>> =
            patterns.into_iter().map(|pattern| pattern.as_ref().to_ascii_lowercase()).collect();
        let search = match lowered.len() <= FEW {
            true => {
                Search::Few(lowered.iter().map(|pattern| memmem::Finder::new(pattern).into_owned()).collect())
            }
            false => {
                Search::Many(AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(lowered)?)
            }
        };
        Ok(Signatures { search })
    }

    /// Whether any signature occurs in `haystack`.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        lowered(haystack, |text| match &self.search {
            Search::Few(finders) => finders.iter().any(|finder| finder.find(text).is_some()),
            Search::Many(automaton) => automaton.is_match(text),
        })
    }

    /// The indexes of the signatures found in `haystack`, in the order found. Where two
    /// signatures overlap in the text, only the one that starts first may be reported.
    pub fn found(&self, haystack: &[u8]) -> Vec<usize> {
        lowered(haystack, |text| match &self.search {
            Search::Few(finders) => {
                let mut found: Vec<(usize, usize)> = finders
                    .iter()
                    .enumerate()
                    .filter_map(|(index, finder)| Some((finder.find(text)?, index)))
                    .collect();
                found.sort_unstable();
                found.into_iter().map(|(_, index)| index).collect()
            }
            Search::Many(automaton) => {
                automaton.find_iter(text).map(|found| found.pattern().as_usize()).collect()
            }
        })
    }
}

/// Runs `search` on `haystack` with ASCII letters lowered, in this thread's buffer.
fn lowered<R>(haystack: &[u8], search: impl FnOnce(&[u8]) -> R) -> R {
    let lower = |buffer: &mut Vec<u8>| {
        buffer.clear();
        buffer.extend(haystack.iter().map(u8::to_ascii_lowercase));
    };
    LOWERED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => {
            lower(&mut buffer);
            search(&buffer)
        }
        // A search from inside a search (none today) gets a buffer of its own.
        Err(_) => {
            let mut buffer = Vec::with_capacity(haystack.len());
            lower(&mut buffer);
            search(&buffer)
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signatures_match_in_any_ascii_case_and_report_which_one() {
        // Two signatures are searched one by one, six at once: both ways answer alike.
        let few = ["Incapsula incident ID", "img.sedoparking.com"];
        let many = ["Incapsula incident ID", "img.sedoparking.com", "a1", "a2", "a3", "a4"];
        for patterns in [&few[..], &many[..]] {
            let signatures = Signatures::new(patterns).unwrap();
            assert!(signatures.is_match(b"<p>Request unsuccessful. INCAPSULA incident id: 123</p>"));
            assert!(!signatures.is_match(b"<p>Incapsula, incident reports</p>"));
            let found = signatures.found(b"<img src=//IMG.SedoParking.com/x.png> incapsula incident id");
            assert_eq!(found, [1, 0], "{patterns:?}");
        }
    }

    #[test]
    fn bytes_outside_ascii_are_compared_as_they_are() {
        let signatures = Signatures::new(["café"]).unwrap();
        assert!(signatures.is_match("CAFé".as_bytes()));
        assert!(!signatures.is_match("CAFÉ".as_bytes()), "only ASCII letters fold");
        assert!(!signatures.is_match(b"caf\xc3"), "a truncated sequence is no match");
    }

    #[test]
    fn a_search_inside_a_search_gets_its_own_buffer() {
        let outer = Signatures::new(["outer"]).unwrap();
        let inner = Signatures::new(["inner"]).unwrap();
        let both = lowered(b"OUTER text", |text| outer.is_match(text) && inner.is_match(b"an INNER text"));
        assert!(both);
    }
}
