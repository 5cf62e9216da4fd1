//! Technology detection from the declarative rules of `technologies.toml` (format in
//! `docs/technologies.md`): generator metas, script and stylesheet URLs, markup patterns, response
//! headers, cookie names and named metas, each pattern capturing the version where the page shows
//! it, and implications (Elementor implies WordPress).
//!
//! The file is parsed and compiled once. The `assets` and `html` patterns are not run one by one:
//! each holds a literal that every match contains (found from the regex's syntax tree), all those
//! literals go into a vectorised multi-literal search (aho-corasick's packed Teddy searcher), and
//! a pattern runs only on the URL (on the backtracker alone, see [`short_regex`]) or the page
//! where its literal was seen. So a page costs one search over its markup and one over its URLs;
//! the markup literals are kept few (at most [`MAX_HTML_LITERALS`]) because that search's cost
//! grows with their number. Generator contents and cookie names, short texts, go through a
//! [`RegexSet`].
//!
//! WordPress's version comes only from the generator meta (security plugins rewrite `?ver=` on
//! core assets): none of its other patterns captures one, which a test holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind, Span, packed};
use entity::{Metadata, Technology};
use regex::{Regex, RegexSet};
use regex_automata::meta;
use regex_syntax::hir::{Class, Hir, HirKind};
use reqwest::header::{HeaderName, SET_COOKIE};
use serde::Deserialize;

use super::Document;

/// The rules, in the repository beside this file.
const RULES_FILE: &str = include_str!("technologies.toml");

/// Shortest literal an `assets` pattern must hold (URLs are short: any literal is cheap there).
const MIN_ASSET_LITERAL: usize = 3;
/// Shortest literal an `html` pattern must hold: a shorter one would be found all over a page.
const MIN_HTML_LITERAL: usize = 4;
/// Most literals of all `html` patterns together: up to 64 go into one vectorised search of the
/// page, whose cost grows with their number.
const MAX_HTML_LITERALS: usize = 48;
/// Shortest part of a required literal the page search may look for instead of the whole
/// (see [`rare_part`]).
const MIN_PAGE_NEEDLE: usize = 6;
/// Most alternative literals one pattern may stand for (`(?:a|b)(?:c|d)` stands for four).
const MAX_LITERALS: usize = 64;

/// The rules file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RulesFile {
    /// The categories a technology may name.
    pub categories: Vec<String>,
    #[serde(rename = "technology")]
    pub technologies: Vec<TechnologySpec>,
}

/// One `[[technology]]` of the rules file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TechnologySpec {
    pub name: String,
    pub categories: Vec<String>,
    #[serde(default)]
    pub implies: Vec<String>,
    /// Regexes on the content of each `<meta name="generator">`.
    #[serde(default)]
    pub generator: Vec<String>,
    /// Regexes on each `<script src>` and `<link href>`.
    #[serde(default)]
    pub assets: Vec<String>,
    /// Regexes on the raw HTML.
    #[serde(default)]
    pub html: Vec<String>,
    /// Header name → regex on its value (empty: the header's presence is enough).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Regexes on the names of the cookies the response sets.
    #[serde(default)]
    pub cookies: Vec<String>,
    /// `<meta>` name or property → regex on its content (empty: presence is enough).
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
}

/// The rules file, parsed.
pub(crate) fn parse(text: &str) -> Result<RulesFile, toml::de::Error> {
    toml::from_str(text)
}

/// A pattern and the technology (index) it is evidence of.
struct Pattern {
    tech: usize,
    regex: Regex,
    /// For a pattern of the page: the longest match it can make, when that is bounded and the
    /// pattern looks at no context (`^`, `$`, `\b`), so that it can be searched for near its
    /// literals instead of over the whole page (see [`try_pattern_near`]).
    reach: Option<usize>,
    /// For a pattern of URLs: the same pattern for short haystacks (see [`short_regex`]).
    short: Option<meta::Regex>,
}

/// `pattern` compiled for the bounded backtracker alone, without the lazy DFAs the regex crate
/// runs first (forward for the end of a match, backward for its start, then the backtracker again
/// for the capture groups). On a URL of a hundred bytes the DFAs save nothing, and after the parse
/// of a page their tables are no longer in the processor's caches: one engine halves the cost of
/// a pattern on a URL (measured on the asset patterns of a WordPress page with the caches
/// flushed before each page). `None` if it does not build: the pattern then runs as the regex
/// crate compiled it.
fn short_regex(pattern: &str) -> Option<meta::Regex> {
    let config = meta::Config::new().hybrid(false).dfa(false).onepass(false);
    meta::Regex::builder().configure(config).build(pattern).ok()
}

/// Longest URL given to a pattern compiled by [`short_regex`]. The backtracker's cost grows with
/// the haystack times the pattern's states, where a DFA's grows with the haystack alone: on a
/// `data:` URI of a megabyte in a `<link href>` that holds a pattern's literal many times
/// without matching, the backtracker took 30 to 45 times as long as the regex crate (28 ms and
/// 91 ms against 0.9 ms and 2 ms); at 2 KB it took no longer.
const MAX_SHORT_HAYSTACK: usize = 2048;

/// How a prefilter compares its literals with the text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Case {
    /// ASCII case ignored: the literals are taken in lower case, and searched for in the URLs
    /// lower-cased.
    Fold,
    /// Exact: for the page, which is not copied to be lower-cased.
    Exact,
}

/// Patterns behind a literal prefilter.
struct Prefiltered {
    patterns: Vec<Pattern>,
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
    /// `entries`' literals must be in lower case under [`Case::Fold`]; the haystacks given to
    /// [`Prefiltered::each`] then too.
    fn build(entries: Vec<(Pattern, Vec<Vec<u8>>)>, warnings: &mut Vec<String>) -> Prefiltered {
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
    fn each(&self, haystack: &[u8], mut found: impl FnMut(usize, usize)) {
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

    fn literal_count(&self) -> usize {
        self.owners.len()
    }
}

/// Patterns tried together on short texts (generator contents, cookie names): one pass of a
/// [`RegexSet`], then captures for the few that match.
struct PatternSet {
    set: RegexSet,
    patterns: Vec<Pattern>,
}

impl PatternSet {
    fn build(patterns: Vec<Pattern>, warnings: &mut Vec<String>) -> PatternSet {
        match RegexSet::new(patterns.iter().map(|p| p.regex.as_str())) {
            Ok(set) => PatternSet { set, patterns },
            Err(error) => {
                warnings.push(format!("cannot build a pattern set: {error}"));
                PatternSet { set: RegexSet::empty(), patterns: Vec::new() }
            }
        }
    }

    fn apply(&self, hits: &mut Hits, haystack: &str) {
        if self.patterns.is_empty() {
            return;
        }
        for i in self.set.matches(haystack).iter() {
            let pattern = &self.patterns[i];
            if wanted(hits, pattern.tech, &pattern.regex) {
                try_pattern(hits, pattern.tech, &pattern.regex, haystack);
            }
        }
    }
}

/// A technology as compiled: implications are indexes.
struct Tech {
    name: String,
    categories: Vec<String>,
    implies: Vec<usize>,
}

/// A pattern on a named value (header, meta); `None` is presence alone.
struct Keyed<K> {
    key: K,
    tech: usize,
    regex: Option<Regex>,
}

struct Rules {
    techs: Vec<Tech>,
    generator: PatternSet,
    assets: Prefiltered,
    html: Prefiltered,
    headers: Vec<Keyed<HeaderName>>,
    cookies: PatternSet,
    meta: Vec<Keyed<String>>,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let file = match parse(RULES_FILE) {
        Ok(file) => file,
        Err(error) => {
            tracing::error!(%error, "the technology rules do not parse; no technology is detected");
            RulesFile { categories: Vec::new(), technologies: Vec::new() }
        }
    };
    let (rules, warnings) = compile(&file);
    for warning in warnings {
        tracing::warn!(%warning, "technology rules: skipped");
    }
    rules
});

/// The file's rules, compiled; what cannot be compiled is left out and described in the list.
fn compile(file: &RulesFile) -> (Rules, Vec<String>) {
    let mut warnings = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut specs = Vec::new();
    for spec in &file.technologies {
        let unknown: Vec<&String> = spec.categories.iter().filter(|c| !file.categories.contains(c)).collect();
        if spec.name.trim().is_empty() {
            warnings.push("a technology without a name".to_owned());
        } else if index.contains_key(spec.name.as_str()) {
            warnings.push(format!("{}: a second technology of that name", spec.name));
        } else if spec.categories.is_empty() {
            warnings.push(format!("{}: no category", spec.name));
        } else if !unknown.is_empty() {
            warnings.push(format!("{}: categories {unknown:?} are not in the file's list", spec.name));
        } else {
            index.insert(spec.name.as_str(), specs.len());
            specs.push(spec);
        }
    }
    let mut techs = Vec::new();
    let (mut generator, mut assets, mut html, mut headers, mut cookies, mut meta) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (tech, spec) in specs.iter().enumerate() {
        let mut warn = |what: String| warnings.push(format!("{}: {what}", spec.name));
        let mut implies = Vec::new();
        for implied in &spec.implies {
            match index.get(implied.as_str()) {
                Some(&i) if i != tech => implies.push(i),
                _ => warn(format!("implies {implied:?}, which is not a technology of the file")),
            }
        }
        let regex = |pattern: &str, warn: &mut dyn FnMut(String)| match Regex::new(pattern) {
            Ok(regex) => Some(regex),
            Err(error) => {
                warn(format!("pattern {pattern:?} is not a regex: {error}"));
                None
            }
        };
        for pattern in &spec.generator {
            generator.extend(regex(pattern, &mut warn).map(|regex| Pattern {
                tech,
                regex,
                reach: None,
                short: None,
            }));
        }
        for pattern in &spec.cookies {
            cookies.extend(regex(pattern, &mut warn).map(|regex| Pattern {
                tech,
                regex,
                reach: None,
                short: None,
            }));
        }
        for (list, target, min, case) in [
            (&spec.assets, &mut assets, MIN_ASSET_LITERAL, Case::Fold),
            (&spec.html, &mut html, MIN_HTML_LITERAL, Case::Exact),
        ] {
            for pattern in list {
                let Some(compiled) = regex(pattern, &mut warn) else { continue };
                let hir = regex_syntax::parse(pattern).ok();
                match hir.as_ref().and_then(|hir| required(hir, case)).filter(|set| shortest(set) >= min) {
                    Some(needles) => {
                        let (needles, reach, short) = match case {
                            Case::Exact => (
                                needles.iter().map(|n| rare_part(n).to_vec()).collect(),
                                hir.as_ref().and_then(reach),
                                None,
                            ),
                            Case::Fold => (needles, None, short_regex(pattern)),
                        };
                        target.push((Pattern { tech, regex: compiled, reach, short }, needles))
                    }
                    None => warn(format!(
                        "pattern {pattern:?} holds no literal of {min} bytes that every match contains"
                    )),
                }
            }
        }
        for (name, pattern) in &spec.headers {
            let Ok(key) = HeaderName::from_bytes(name.as_bytes()) else {
                warn(format!("{name:?} is not a header name"));
                continue;
            };
            if pattern.is_empty() {
                headers.push(Keyed { key, tech, regex: None });
            } else if let Some(regex) = regex(pattern, &mut warn) {
                headers.push(Keyed { key, tech, regex: Some(regex) });
            }
        }
        for (name, pattern) in &spec.meta {
            let key = name.trim().to_ascii_lowercase();
            if pattern.is_empty() {
                meta.push(Keyed { key, tech, regex: None });
            } else if let Some(regex) = regex(pattern, &mut warn) {
                meta.push(Keyed { key, tech, regex: Some(regex) });
            }
        }
        techs.push(Tech { name: spec.name.clone(), categories: spec.categories.clone(), implies });
    }
    let assets = Prefiltered::build(assets, &mut warnings);
    let html = Prefiltered::build(html, &mut warnings);
    let generator = PatternSet::build(generator, &mut warnings);
    let cookies = PatternSet::build(cookies, &mut warnings);
    if html.literal_count() > MAX_HTML_LITERALS {
        warnings.push(format!(
            "the html patterns hold {} literals; past {MAX_HTML_LITERALS} the page search slows down",
            html.literal_count()
        ));
    }
    (Rules { techs, generator, assets, html, headers, cookies, meta }, warnings)
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
fn rare_part(literal: &[u8]) -> &[u8] {
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

fn shortest(set: &[Vec<u8>]) -> usize {
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
fn required(hir: &Hir, case: Case) -> Option<Vec<Vec<u8>>> {
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

/// What was found per technology: `Some(version)` once detected.
type Hits = Vec<Option<Option<String>>>;

fn record(hits: &mut Hits, tech: usize, version: Option<String>) {
    match &mut hits[tech] {
        Some(Some(_)) => {}
        Some(known) => *known = version,
        unseen => *unseen = Some(version),
    }
}

/// Whether a match of `regex` could still tell something: the technology is unseen, or has no
/// version yet and the pattern captures one. A WordPress page without a generator meta names
/// `/wp-content/` in dozens of URLs: once seen, the pattern that only detects it is not run again.
fn wanted(hits: &Hits, tech: usize, regex: &Regex) -> bool {
    match hits[tech] {
        None => true,
        Some(None) => regex.captures_len() > 1,
        Some(Some(_)) => false,
    }
}

/// The longest match of a pattern, if it is bounded and the pattern looks at no context.
fn reach(hir: &Hir) -> Option<usize> {
    let properties = hir.properties();
    if properties.look_set().is_empty() { properties.maximum_len() } else { None }
}

/// Most places a pattern is searched around one by one; past that, the page is searched whole.
const MAX_WINDOWS: usize = 8;

/// Runs a pattern of the page. Every match holds one of its literals, which were found at
/// `starts`; when the pattern's matches are at most `reach` bytes long, each lies within `reach`
/// of one of those places, so only there is it searched. A literal that a page holds many times
/// without the rest of the pattern then costs a few short searches, not one of the whole page.
fn try_pattern_near(hits: &mut Hits, pattern: &Pattern, page: &str, starts: &[usize]) {
    match pattern.reach {
        Some(reach) if starts.len() <= MAX_WINDOWS => {
            for &start in starts {
                let from = page.floor_char_boundary(start.saturating_sub(reach));
                let to = page.ceil_char_boundary(start.saturating_add(reach).min(page.len()));
                try_pattern(hits, pattern.tech, &pattern.regex, &page[from..to]);
                if !wanted(hits, pattern.tech, &pattern.regex) {
                    return;
                }
            }
        }
        _ => try_pattern(hits, pattern.tech, &pattern.regex, page),
    }
}

/// Runs `regex` on `haystack`; on a match, the version is the first capture group that took part.
fn try_pattern(hits: &mut Hits, tech: usize, regex: &Regex, haystack: &str) {
    // A search for captures starts with the same search as a plain match and stops there when
    // there is none: a match first would search twice whenever the pattern matches.
    if regex.captures_len() == 1 {
        if regex.is_match(haystack) {
            record(hits, tech, None);
        }
    } else if let Some(captures) = regex.captures(haystack) {
        let version =
            captures.iter().skip(1).flatten().find(|m| !m.is_empty()).map(|m| m.as_str().to_owned());
        record(hits, tech, version);
    }
}

/// Longest script or stylesheet URL read for technologies. Real ones stay under a few
/// kilobytes (a concatenating CDN's list of files is the longest); past this, a crafted URL
/// would make each pattern whose literal it holds search it whole, which for a pattern that
/// captures a version to the end of the URL costs about 0.1 s a megabyte.
const MAX_ASSET_URL: usize = 16 * 1024;

/// Whether a `<script src>` or `<link href>` is worth matching: not a `data:` URI (an inlined
/// image or font, whose payload names no technology but may hold a pattern's literal by chance)
/// and not past [`MAX_ASSET_URL`].
fn is_asset_url(url: &str) -> bool {
    url.len() <= MAX_ASSET_URL && super::strip_prefix_ignore_case(url.trim_start(), "data:").is_none()
}

/// [`try_pattern`] with the pattern compiled by [`short_regex`].
fn try_short_pattern(hits: &mut Hits, tech: usize, regex: &meta::Regex, haystack: &str) {
    if regex.captures_len() == 1 {
        if regex.is_match(haystack) {
            record(hits, tech, None);
        }
        return;
    }
    let mut captures = regex.create_captures();
    regex.captures(haystack, &mut captures);
    if captures.is_match() {
        let version = (1..captures.group_len())
            .filter_map(|group| captures.get_group(group))
            .find(|span| !span.is_empty())
            .map(|span| haystack[span.range()].to_owned());
        record(hits, tech, version);
    }
}

pub(super) fn fill(document: &Document<'_>, metadata: &mut Metadata) {
    let rules = &*RULES;
    let mut hits: Hits = vec![None; rules.techs.len()];

    // Every generator meta: WordPress, WooCommerce and Elementor each write one.
    for meta in &document.elements.metas {
        let value = meta.value();
        if super::attr(value, "name").is_some_and(|n| n.trim().eq_ignore_ascii_case("generator"))
            && let Some(content) = super::attr(value, "content")
        {
            rules.generator.apply(&mut hits, content.trim());
        }
    }

    // The URLs of scripts and stylesheets, lower case, in one buffer for one search; then each
    // candidate pattern runs on its URL, in the order of the page.
    let scripts = document.elements.scripts.iter().filter_map(|e| super::attr(e.value(), "src"));
    let links = document.elements.links.iter().filter_map(|e| super::attr(e.value(), "href"));
    let urls: Vec<&str> = scripts.chain(links).filter(|url| is_asset_url(url)).collect();
    let mut buffer = Vec::with_capacity(urls.iter().map(|u| u.len() + 1).sum());
    let mut starts = Vec::with_capacity(urls.len());
    for url in &urls {
        starts.push(buffer.len());
        buffer.extend(url.bytes().map(|b| b.to_ascii_lowercase()));
        buffer.push(b'\n');
    }
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    rules.assets.each(&buffer, |start, pattern| {
        candidates.push((starts.partition_point(|&s| s <= start) - 1, pattern));
    });
    candidates.sort_unstable();
    candidates.dedup();
    for (url, pattern) in candidates {
        let pattern = &rules.assets.patterns[pattern];
        if wanted(&hits, pattern.tech, &pattern.regex) {
            match &pattern.short {
                Some(short) if urls[url].len() <= MAX_SHORT_HAYSTACK => {
                    try_short_pattern(&mut hits, pattern.tech, short, urls[url])
                }
                _ => try_pattern(&mut hits, pattern.tech, &pattern.regex, urls[url]),
            }
        }
    }

    // Where each pattern's literals are in the page.
    let mut found_at: Vec<Vec<usize>> = vec![Vec::new(); rules.html.patterns.len()];
    rules.html.each(document.raw.as_bytes(), |start, pattern| found_at[pattern].push(start));
    for (pattern, starts) in
        rules.html.patterns.iter().zip(&found_at).filter(|(_, starts)| !starts.is_empty())
    {
        if wanted(&hits, pattern.tech, &pattern.regex) {
            try_pattern_near(&mut hits, pattern, document.raw, starts);
        }
    }

    for header in &rules.headers {
        for value in document.headers.get_all(&header.key) {
            match &header.regex {
                None => record(&mut hits, header.tech, None),
                Some(regex) if wanted(&hits, header.tech, regex) => {
                    try_pattern(&mut hits, header.tech, regex, &String::from_utf8_lossy(value.as_bytes()))
                }
                Some(_) => {}
            }
        }
    }

    if !rules.cookies.patterns.is_empty() {
        let cookies = document.headers.get_all(SET_COOKIE).into_iter().filter_map(|v| {
            let pair = v.to_str().ok()?.split(';').next()?;
            Some(pair.split_once('=').map_or(pair, |(name, _)| name).trim())
        });
        for name in cookies.filter(|n| !n.is_empty()) {
            rules.cookies.apply(&mut hits, name);
        }
    }

    for meta in &rules.meta {
        if let Some(content) = document.meta.get(&meta.key) {
            match &meta.regex {
                None => record(&mut hits, meta.tech, None),
                Some(regex) if wanted(&hits, meta.tech, regex) => {
                    try_pattern(&mut hits, meta.tech, regex, content)
                }
                Some(_) => {}
            }
        }
    }

    // Implications, transitively; an implied technology has no version of its own.
    let mut pending: Vec<usize> = (0..hits.len()).filter(|&i| hits[i].is_some()).collect();
    while let Some(tech) = pending.pop() {
        for &implied in &rules.techs[tech].implies {
            if hits[implied].is_none() {
                hits[implied] = Some(None);
                pending.push(implied);
            }
        }
    }

    let found: Vec<Technology> = rules
        .techs
        .iter()
        .zip(hits)
        .filter_map(|(tech, hit)| {
            let version = hit?;
            Some(Technology { name: tech.name.clone(), version, categories: tech.categories.clone() })
        })
        .collect();
    let wordpress = found.iter().find(|t| t.name == "WordPress");
    metadata.is_wordpress = wordpress.is_some();
    metadata.wordpress_version = wordpress.and_then(|t| t.version.clone());
    metadata.has_elementor = found.iter().any(|t| t.name == "Elementor");
    metadata.tech_stack = found;
}

/// The technologies of the file by category, as docs/technologies.md lists them.
#[cfg(test)]
fn listing(file: &RulesFile) -> String {
    let mut text = format!("{} technologies.\n", file.technologies.len());
    for category in &file.categories {
        let mut names: Vec<&str> = file
            .technologies
            .iter()
            .filter(|t| t.categories.contains(category))
            .map(|t| t.name.as_str())
            .collect();
        names.sort_by_key(|n| n.to_lowercase());
        if !names.is_empty() {
            text.push_str(&format!("\n- **{category}**: {}\n", names.join(", ")));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> RulesFile {
        parse(RULES_FILE).unwrap_or_else(|error| panic!("technologies.toml does not parse: {error}"))
    }

    #[test]
    fn the_rules_file_parses_and_every_rule_compiles() {
        let file = file();
        let (rules, warnings) = compile(&file);
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(rules.techs.len(), file.technologies.len());
        assert!(rules.techs.len() >= 60, "{} technologies", rules.techs.len());
        let patterns: usize = file
            .technologies
            .iter()
            .map(|t| {
                t.generator.len()
                    + t.assets.len()
                    + t.html.len()
                    + t.headers.len()
                    + t.cookies.len()
                    + t.meta.len()
            })
            .sum();
        let compiled = rules.generator.patterns.len()
            + rules.assets.patterns.len()
            + rules.html.patterns.len()
            + rules.headers.len()
            + rules.cookies.patterns.len()
            + rules.meta.len();
        assert_eq!(compiled, patterns);
    }

    #[test]
    fn a_malformed_file_is_an_error_and_bad_rules_are_skipped_with_a_reason() {
        assert!(
            parse("categories = [\"CMS\"]\n[[technology]]\nname = \"X\"\ncategories = \"CMS\"\n").is_err()
        );
        assert!(parse("categories = []\n[[technology]]\nname = \"X\"\ncategories = []\nhtm = []\n").is_err());
        let file = parse(
            r#"categories = ["CMS"]
            [[technology]]
            name = "A"
            categories = ["CMS"]
            implies = ["Nowhere"]
            html = ['(unclosed', '\d+', 'fine-literal']
            headers = { "bad header" = '' }
            [[technology]]
            name = "B"
            categories = ["Typo"]
            generator = ['^B']"#,
        )
        .unwrap();
        let (rules, warnings) = compile(&file);
        assert_eq!(rules.techs.len(), 1);
        assert_eq!(rules.html.patterns.len(), 1);
        assert_eq!(warnings.len(), 5, "{warnings:#?}");
    }

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

    #[test]
    fn the_wordpress_version_can_come_only_from_the_generator() {
        let file = file();
        let wordpress = file.technologies.iter().find(|t| t.name == "WordPress").unwrap();
        let others = wordpress
            .assets
            .iter()
            .chain(&wordpress.html)
            .chain(&wordpress.cookies)
            .chain(wordpress.headers.values())
            .chain(wordpress.meta.values());
        for pattern in others {
            let groups = Regex::new(pattern).unwrap().captures_len();
            assert_eq!(groups, 1, "{pattern:?} captures a group: no WordPress version may come from it");
        }
        assert!(wordpress.generator.iter().all(|p| Regex::new(p).unwrap().captures_len() == 2));
    }

    /// URL patterns run on the backtracker alone: what they find, version included, is what the
    /// regex crate finds.
    #[test]
    fn url_patterns_find_the_same_on_the_backtracker_alone() {
        let urls = [
            "/wp-content/plugins/elementor/assets/js/frontend.min.js?ver=3.18.3",
            "/wp-content/plugins/elementor/assets/css/frontend.min.css?a=1&ver=3.18.3#x",
            "/wp-content/plugins/woocommerce/assets/js/frontend/woocommerce.min.js?ver=8.4.0",
            "/wp-content/plugins/woocommerce/assets/css/woocommerce.css",
            "/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.8.4",
            "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
            "/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.4.1",
            "https://code.jquery.com/jquery-3.7.1.min.js",
            "https://ajax.googleapis.com/ajax/libs/jquery/3.6.0/jquery.min.js",
            "https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.bundle.min.js",
            "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.5.1/css/all.min.css",
            "https://cdn.jsdelivr.net/npm/vue@3.4.5/dist/vue.global.prod.js",
            "https://unpkg.com/react@18.2.0/umd/react.production.min.js",
            "https://www.googletagmanager.com/gtag/js?id=G-ABCDEF1234",
            "https://www.googletagmanager.com/gtag/js?l=dataLayer&id=AW-123",
            "https://www.googletagmanager.com/gtm.js?id=GTM-ABC123",
            "https://fonts.googleapis.com/css2?family=Lora:wght@400;700&display=swap",
            "https://connect.facebook.net/en_US/fbevents.js",
            "https://static.hotjar.com/c/hotjar-123.js?sv=6",
            "https://cdn.shopify.com/s/files/1/0001/t/2/assets/theme.js?v=1",
            "/_next/static/chunks/main-abc.js",
            "/_nuxt/entry.js",
            "/static/version1700000000/frontend/Magento/luma/en_US/requirejs/require.js",
            "/sites/default/files/css/css_abc.css",
            "/media/system/js/core.js?v=4",
            "/wp-content/themes/Divi/js/scripts.min.js?ver=4.23.1",
            "/wp-content/plugins/revslider/public/assets/js/rbtools.min.js?ver=6.6.18",
            "",
            "?",
            "é/jquery-3.7.1.min.js?ver=é",
        ];
        let rules = &*RULES;
        let mut compared = 0;
        for pattern in &rules.assets.patterns {
            let short = pattern.short.as_ref().expect("every URL pattern has its backtracker form");
            for url in urls {
                let mut by_regex: Hits = vec![None; rules.techs.len()];
                let mut by_short: Hits = vec![None; rules.techs.len()];
                try_pattern(&mut by_regex, pattern.tech, &pattern.regex, url);
                try_short_pattern(&mut by_short, pattern.tech, short, url);
                assert_eq!(by_regex, by_short, "{} on {url}", pattern.regex.as_str());
                compared += usize::from(by_regex[pattern.tech].is_some());
            }
        }
        assert!(compared >= 25, "only {compared} matches compared");
    }

    /// What detection costs next to the parse it follows, on the corpus pages beside the
    /// repository (`../shared/corpus`, when there) and a generated 50 KB page. A measurement,
    /// not a check: `cargo test --release --lib tech::tests::speed -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement; run it in release"]
    fn speed() {
        use std::time::{Duration, Instant};
        let mut pages: Vec<(String, String)> = Vec::new();
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pages");
        if let Ok(entries) = std::fs::read_dir(&corpus) {
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).unwrap();
                pages.push((
                    entry.file_name().to_string_lossy().into_owned(),
                    String::from_utf8_lossy(&bytes).into(),
                ));
            }
        }
        let mut generated = String::from(
            r#"<!doctype html><html lang="en-US"><head><meta charset="utf-8"><title>Home</title>
            <meta name="generator" content="WordPress 6.4.2"><link rel="canonical" href="https://example.org/">
            <link rel="stylesheet" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3">
            <script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script></head><body><main>"#,
        );
        while generated.len() < 50_000 {
            generated.push_str(
                "<article><h2>Story</h2><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
                 tempor incididunt ut labore et dolore magna aliqua.</p><a href=\"/story\">Read more</a></article>",
            );
        }
        generated.push_str("</main></body></html>");
        let headers = reqwest::header::HeaderMap::new();
        let url = url::Url::parse("https://example.org/").unwrap();
        let _ = &*RULES;
        let report = |label: &str, pages: &[(String, String)]| {
            let rounds = if pages.len() > 1 { 5 } else { 300 };
            let (mut parse, mut detect, mut whole, mut bytes) =
                (Duration::ZERO, Duration::ZERO, Duration::ZERO, 0);
            for _ in 0..rounds {
                for (_, html) in pages {
                    bytes += html.len();
                    let page = super::super::Page { html, headers: &headers, url: &url };
                    let started = Instant::now();
                    let tree = scraper::Html::parse_document(super::super::within_depth(html));
                    let document = Document::parse(&page, &tree);
                    let parsed = Instant::now();
                    let mut metadata = Metadata::default();
                    fill(&document, &mut metadata);
                    detect += parsed.elapsed();
                    parse += parsed - started;
                    let started = Instant::now();
                    std::hint::black_box(super::super::extract(&page));
                    whole += started.elapsed();
                }
            }
            let n = (rounds * pages.len()) as f64;
            eprintln!(
                "{label}: {} pages, {:.0} KB each: parse {:.0} us, technologies {:.1} us ({:.1} % of the parse), \
                 whole extraction {:.0} us = {:.0} pages/s",
                pages.len(),
                bytes as f64 / n / 1000.0,
                parse.as_secs_f64() * 1e6 / n,
                detect.as_secs_f64() * 1e6 / n,
                100.0 * detect.as_secs_f64() / parse.as_secs_f64(),
                whole.as_secs_f64() * 1e6 / n,
                n / whole.as_secs_f64(),
            );
        };
        report("generated", &[("generated".to_owned(), generated)]);
        if !pages.is_empty() {
            report("corpus", &pages);
        }
    }

    /// The list in docs/technologies.md is the file's; `UPDATE_TECH_DOCS=1` rewrites it.
    #[test]
    fn the_documented_list_is_the_files() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/technologies.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let (start, end) = ("<!-- technologies:start -->\n", "<!-- technologies:end -->");
        let from = doc.find(start).expect("the start marker") + start.len();
        let to = doc.find(end).expect("the end marker");
        let wanted = format!("\n{}\n", listing(&file()));
        if doc[from..to] != wanted {
            if std::env::var_os("UPDATE_TECH_DOCS").is_some() {
                std::fs::write(&path, format!("{}{wanted}{}", &doc[..from], &doc[to..])).unwrap();
            } else {
                panic!(
                    "docs/technologies.md lists other technologies; run with UPDATE_TECH_DOCS=1:\n{wanted}"
                );
            }
        }
    }
}
