//! Literal analysis of a pattern's syntax tree: the literals one of which every match contains,
//! which the prefilters search for instead of running the pattern, the rarest part of each for
//! the page search, and the longest match a pattern can make.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest part of a required literal the page search may look for instead of the whole
/// (see [`rare_part`]).
pub(super) const MIN_PAGE_NEEDLE: usize = 6;
/// Most alternative literals one pattern may stand for (`(?:a|b)(?:c|d)` stands for four).
pub(super) const MAX_LITERALS: usize = 64;

/// How a prefilter compares its literals with the text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Case {
    /// ASCII case ignored: the literals are taken in lower case, and searched for in the URLs
    /// lower-cased.
    Fold,
    /// Exact: for the page, which is not copied to be lower-cased.
    Exact,
}

/// Literals one of which every match of `pattern` contains (lower case under [`Case::Fold`]);
/// `None` when the pattern has none (or too many).
#[cfg(test)]
fn literals(pattern: &str, case: Case) -> Option<Vec<Vec<u8>>> {
    required(&regex_syntax::parse(pattern).ok()?, case)
}

/// The 40 commonest bytes of real home pages (the 26.5 MB of the extraction corpus's 93 pages),
/// each with how many of 10,000 bytes it is; every other byte is rarer than these.
#[rustfmt::skip]
const BYTE_FREQUENCY: [(u8, u32); 40] = [
    (b' ', 1544), (b'e', 515), (b't', 472), (b'a', 413), (b'i', 385), (b'o', 350), (b'n', 332),
    (b's', 329), (b'r', 314), (b'"', 280), (b'-', 267), (b'l', 263), (b'c', 239), (b'd', 223),
    (b'.', 197), (b'p', 188), (b'm', 162), (b'0', 159), (b'u', 147), (b'h', 139), (b'1', 129),
    (b'g', 122), (b':', 121), (b'/', 118), (b'2', 117), (b'b', 112), (b'\n', 111), (b'f', 106),
    (b'=', 103), (b',', 92), (b'w', 88), (b'_', 85), (b'3', 85), (b'>', 82), (b'v', 81), (b'y', 80),
    (b'<', 80), (b'5', 72), (b'4', 70), (b'6', 65),
];

/// The part of a required literal that the page search looks for. The vectorised search tests
/// the first three bytes of each literal at every position of the page and compares the rest
/// only where those fit, so a literal that begins with `class="` is compared at every class
/// attribute of the page. Every part of a required literal is required too: the part kept is
/// the one whose first three bytes are the least likely together in a page, and runs to the
/// literal's end (at least [`MIN_PAGE_NEEDLE`] bytes; a shorter literal is kept whole).
pub(super) fn rare_part(literal: &[u8]) -> &[u8] {
    let frequency = |byte: u8| {
        BYTE_FREQUENCY.iter().find(|(b, _)| *b == byte).map_or(60.0, |(_, per_10k)| f64::from(*per_10k))
    };
    let likelihood = |start: usize| literal[start..].iter().take(3).map(|&b| frequency(b)).product::<f64>();
    let last_start = literal.len().saturating_sub(MIN_PAGE_NEEDLE);
    // The earliest of the rarest, to keep the longest part.
    let start = (0..=last_start)
        .fold(0, |best, start| if likelihood(start) < likelihood(best) { start } else { best });
    &literal[start..]
}

pub(super) fn shortest(set: &[Vec<u8>]) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

fn sorted(mut set: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
    set.sort_unstable();
    set.dedup();
    (set.len() <= MAX_LITERALS).then_some(set)
}

/// Every string `hir` matches, when there are at most [`MAX_LITERALS`].
fn exact(hir: &Hir, case: Case) -> Option<Vec<Vec<u8>>> {
    let fold = |mut bytes: Vec<u8>| {
        if case == Case::Fold {
            bytes.make_ascii_lowercase();
        }
        bytes
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(literal) => Some(vec![fold(literal.0.to_vec())]),
        HirKind::Class(Class::Unicode(class)) => {
            let size: u32 =
                class.ranges().iter().map(|r| u32::from(r.end()) - u32::from(r.start()) + 1).sum();
            if size > 4 {
                return None;
            }
            let chars = class.ranges().iter().flat_map(|r| r.start()..=r.end());
            sorted(chars.map(|c| fold(c.to_string().into_bytes())).collect())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let size: usize = class.ranges().iter().map(|r| usize::from(r.end() - r.start()) + 1).sum();
            if size > 4 {
                return None;
            }
            sorted(class.ranges().iter().flat_map(|r| r.start()..=r.end()).map(|b| fold(vec![b])).collect())
        }
        HirKind::Capture(capture) => exact(&capture.sub, case),
        HirKind::Repetition(repetition) => match (repetition.min, repetition.max) {
            (0, Some(1)) => {
                let mut set = exact(&repetition.sub, case)?;
                set.push(Vec::new());
                sorted(set)
            }
            (min, Some(max)) if min == max && max <= 4 => {
                let sub = exact(&repetition.sub, case)?;
                (0..min).try_fold(vec![Vec::new()], |acc, _| product(&acc, &sub))
            }
            _ => None,
        },
        HirKind::Concat(children) => {
            children.iter().try_fold(vec![Vec::new()], |acc, child| product(&acc, &exact(child, case)?))
        }
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(exact(branch, case)?);
            }
            sorted(all)
        }
    }
}

fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len() * right.len() > MAX_LITERALS {
        return None;
    }
    sorted(left.iter().flat_map(|l| right.iter().map(move |r| [&l[..], r].concat())).collect())
}

/// Literals one of which every match of `hir` contains: the best run of exact pieces of a
/// concatenation, or the union of each alternative's. The best has the longest shortest literal
/// (up to 6 bytes, past which one is about as selective as another), then the fewest literals, then
/// comes last (the markup around a distinctive word, `class="`, tends to come first).
pub(super) fn required(hir: &Hir, case: Case) -> Option<Vec<Vec<u8>>> {
    fn better(best: Option<Vec<Vec<u8>>>, candidate: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
        let score = |set: &[Vec<u8>]| (shortest(set).min(6), std::cmp::Reverse(set.len()), shortest(set));
        match best {
            _ if shortest(&candidate) == 0 => best,
            Some(best) if score(&best) > score(&candidate) => Some(best),
            _ => Some(candidate),
        }
    }
    /// The set, or the one prefix all its members share.
    fn best_of(set: Vec<Vec<u8>>, best: Option<Vec<Vec<u8>>>) -> Option<Vec<Vec<u8>>> {
        let common = set
            .iter()
            .skip(1)
            .fold(set[0].len(), |n, s| s.iter().zip(&set[0]).take(n).take_while(|(a, b)| a == b).count());
        let prefix = vec![set[0][..common].to_vec()];
        better(better(best, prefix), set)
    }
    if let Some(set) = exact(hir, case).filter(|set| shortest(set) > 0) {
        return best_of(set, None);
    }
    match hir.kind() {
        HirKind::Capture(capture) => required(&capture.sub, case),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required(&repetition.sub, case),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required(branch, case)?);
            }
            sorted(all)
        }
        HirKind::Concat(children) => {
            let mut best = None;
            let mut run: Option<Vec<Vec<u8>>> = None;
            for child in children {
                match exact(child, case) {
                    Some(set) => {
                        run = match run.take() {
                            None => Some(set),
                            Some(previous) => match product(&previous, &set) {
                                Some(longer) => Some(longer),
                                None => {
                                    best = best_of(previous, best);
                                    Some(set)
                                }
                            },
                        }
                    }
                    None => {
                        if let Some(previous) = run.take() {
                            best = best_of(previous, best);
                        }
                        if let Some(inner) = required(child, case) {
                            best = better(best, inner);
                        }
                    }
                }
            }
            match run {
                Some(last) => best_of(last, best),
                None => best,
            }
        }
        _ => None,
    }
}

/// The longest match of a pattern, if it is bounded and the pattern looks at no context.
pub(super) fn reach(hir: &Hir) -> Option<usize> {
    let properties = hir.properties();
    if properties.look_set().is_empty() { properties.maximum_len() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_what_every_match_holds() {
        let set = |pattern: &str, case: Case| {
            literals(pattern, case)
                .map(|s| s.into_iter().map(|l| String::from_utf8(l).unwrap()).collect::<Vec<_>>())
        };
        assert_eq!(set(r"/wp-(?:content|includes)/", Case::Fold).unwrap(), ["/wp-content/", "/wp-includes/"]);
        assert_eq!(set(r#"class="[^"]*\bsvelte-[a-z0-9]{6}"#, Case::Exact).unwrap(), ["svelte-"]);
        assert_eq!(set(r"(?i)Joomla", Case::Fold).unwrap(), ["joomla"]);
        assert_eq!(set(r"Joomla", Case::Exact).unwrap(), ["Joomla"]);
        assert_eq!(set(r"font-?awesome/(\d+)", Case::Fold).unwrap(), ["font-awesome/", "fontawesome/"]);
        assert_eq!(
            set(r"google-analytics\.com/(?:analytics|ga)\.js", Case::Exact).unwrap(),
            ["google-analytics.com/"],
            "one shared prefix rather than two literals"
        );
        assert_eq!(set(r"abc|\d+", Case::Exact), None);
        assert_eq!(set(r"[a-z]+", Case::Exact), None);
    }

    #[test]
    fn the_page_search_looks_for_the_rarest_end_of_a_literal() {
        let part = rare_part(b"class=\"joomla-script-options");
        assert!(
            !part.starts_with(b"cla") && part.len() >= MIN_PAGE_NEEDLE,
            "{:?}",
            String::from_utf8_lossy(part)
        );
        assert!(b"class=\"joomla-script-options".ends_with(part));
        assert_eq!(rare_part(b"ng-app"), b"ng-app", "a literal of the shortest length is kept whole");
        assert!(!rare_part(b"id=\"__nuxt\"").starts_with(b"id="));
    }
}
