//! Technology detection from the declarative rules of `technologies.toml` (format in
//! `docs/technologies.md`): generator metas, script and stylesheet URLs, markup patterns, response
//! headers, cookie names and named metas, each pattern capturing the version where the page shows
//! it, and implications (Elementor implies WordPress).
//!
//! The file is parsed and compiled once. The `assets` and `html` patterns are not run one by one:
//! each holds a literal that every match contains, all those literals go into one Aho-Corasick
//! automaton, and a pattern runs only on the URLs (or the page) where its literal was seen. So a
//! page costs one pass over its markup, whatever the number of rules.
//!
//! WordPress's version comes only from the generator meta (security plugins rewrite `?ver=` on
//! core assets): none of its other patterns captures one, which a test holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use entity::{Metadata, Technology};
use regex::Regex;
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
}

/// Patterns behind a literal prefilter.
struct Prefiltered {
    patterns: Vec<Pattern>,
    /// Literal index in the automaton → pattern index.
    owner: Vec<usize>,
    automaton: Option<AhoCorasick>,
}

impl Prefiltered {
    fn build(entries: Vec<(Pattern, Vec<Vec<u8>>)>, warnings: &mut Vec<String>) -> Prefiltered {
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        let mut literals = Vec::new();
        for (pattern, needles) in entries {
            for needle in needles {
                literals.push(needle);
                owner.push(patterns.len());
            }
            patterns.push(pattern);
        }
        let automaton = if literals.is_empty() {
            None
        } else {
            match AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&literals)
            {
                Ok(automaton) => Some(automaton),
                Err(error) => {
                    warnings.push(format!("cannot build the literal prefilter: {error}"));
                    None
                }
            }
        };
        Prefiltered { patterns, owner, automaton }
    }

    /// Marks in `seen` (one flag per pattern) the patterns whose literal occurs in `haystack`.
    fn mark(&self, haystack: &str, seen: &mut [bool]) {
        if let Some(automaton) = &self.automaton {
            for found in automaton.find_overlapping_iter(haystack) {
                seen[self.owner[found.pattern().as_usize()]] = true;
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
    generator: Vec<Pattern>,
    assets: Prefiltered,
    html: Prefiltered,
    headers: Vec<Keyed<HeaderName>>,
    cookies: Vec<Pattern>,
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
            generator.extend(regex(pattern, &mut warn).map(|regex| Pattern { tech, regex }));
        }
        for pattern in &spec.cookies {
            cookies.extend(regex(pattern, &mut warn).map(|regex| Pattern { tech, regex }));
        }
        for (list, target, min) in
            [(&spec.assets, &mut assets, MIN_ASSET_LITERAL), (&spec.html, &mut html, MIN_HTML_LITERAL)]
        {
            for pattern in list {
                let Some(compiled) = regex(pattern, &mut warn) else { continue };
                match literals(pattern).filter(|set| shortest(set) >= min) {
                    Some(needles) => target.push((Pattern { tech, regex: compiled }, needles)),
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
    (Rules { techs, generator, assets, html, headers, cookies, meta }, warnings)
}

/// Literals, lower case, one of which every match of `pattern` contains; `None` when the pattern
/// has none (or too many).
fn literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    required(&regex_syntax::parse(pattern).ok()?)
}

fn shortest(set: &[Vec<u8>]) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

/// Every string `hir` matches, lower case, when there are at most [`MAX_LITERALS`].
fn exact(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    fn union(sets: impl IntoIterator<Item = Option<Vec<Vec<u8>>>>) -> Option<Vec<Vec<u8>>> {
        let mut all = Vec::new();
        for set in sets {
            all.extend(set?);
        }
        all.sort_unstable();
        all.dedup();
        (all.len() <= MAX_LITERALS).then_some(all)
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(literal) => Some(vec![literal.0.to_ascii_lowercase()]),
        HirKind::Class(Class::Unicode(class)) => {
            let size: u32 =
                class.ranges().iter().map(|r| u32::from(r.end()) - u32::from(r.start()) + 1).sum();
            if size > 4 {
                return None;
            }
            let chars = class.ranges().iter().flat_map(|r| r.start()..=r.end());
            union(chars.map(|c| Some(vec![c.to_string().into_bytes().to_ascii_lowercase()])))
        }
        HirKind::Class(Class::Bytes(class)) => {
            let size: usize = class.ranges().iter().map(|r| usize::from(r.end() - r.start()) + 1).sum();
            if size > 4 {
                return None;
            }
            union(class.ranges().iter().flat_map(|r| r.start()..=r.end()).map(|b| Some(vec![vec![b]])))
        }
        HirKind::Capture(capture) => exact(&capture.sub),
        HirKind::Repetition(repetition) => match (repetition.min, repetition.max) {
            (0, Some(1)) => union([exact(&repetition.sub), Some(vec![Vec::new()])]),
            (min, Some(max)) if min == max && max <= 4 => {
                let sub = exact(&repetition.sub)?;
                (0..min).try_fold(vec![Vec::new()], |acc, _| product(&acc, &sub))
            }
            _ => None,
        },
        HirKind::Concat(children) => {
            children.iter().try_fold(vec![Vec::new()], |acc, child| product(&acc, &exact(child)?))
        }
        HirKind::Alternation(branches) => union(branches.iter().map(exact)),
    }
}

fn product(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len() * right.len() > MAX_LITERALS {
        return None;
    }
    let mut all: Vec<Vec<u8>> =
        left.iter().flat_map(|l| right.iter().map(move |r| [&l[..], r].concat())).collect();
    all.sort_unstable();
    all.dedup();
    Some(all)
}

/// Literals one of which every match of `hir` contains: the best run of exact pieces of a
/// concatenation (longest shortest literal), or the union of each alternative's.
fn required(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    fn better(best: Option<Vec<Vec<u8>>>, candidate: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
        let score = |set: &[Vec<u8>]| (shortest(set), std::cmp::Reverse(set.len()));
        match best {
            _ if shortest(&candidate) == 0 => best,
            Some(best) if score(&best) >= score(&candidate) => Some(best),
            _ => Some(candidate),
        }
    }
    if let Some(set) = exact(hir).filter(|set| shortest(set) > 0) {
        return Some(set);
    }
    match hir.kind() {
        HirKind::Capture(capture) => required(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => required(&repetition.sub),
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(required(branch)?);
            }
            all.sort_unstable();
            all.dedup();
            (all.len() <= MAX_LITERALS).then_some(all)
        }
        HirKind::Concat(children) => {
            let mut best = None;
            let mut run: Option<Vec<Vec<u8>>> = None;
            for child in children {
                match exact(child) {
                    Some(set) => {
                        run = match run.take() {
                            None => Some(set),
                            Some(previous) => match product(&previous, &set) {
                                Some(longer) => Some(longer),
                                None => {
                                    best = better(best, previous);
                                    Some(set)
                                }
                            },
                        }
                    }
                    None => {
                        if let Some(previous) = run.take() {
                            best = better(best, previous);
                        }
                        if let Some(inner) = required(child) {
                            best = better(best, inner);
                        }
                    }
                }
            }
            match run {
                Some(last) => better(best, last),
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

/// Whether a match could still tell something: the technology is unseen or has no version yet.
fn wanted(hits: &Hits, tech: usize) -> bool {
    !matches!(hits[tech], Some(Some(_)))
}

/// Runs `regex` on `haystack`; on a match, the version is the first capture group that took part.
fn try_pattern(hits: &mut Hits, tech: usize, regex: &Regex, haystack: &str) {
    if let Some(captures) = regex.captures(haystack) {
        let version =
            captures.iter().skip(1).flatten().find(|m| !m.is_empty()).map(|m| m.as_str().to_owned());
        record(hits, tech, version);
    }
}

pub(super) fn fill(document: &Document<'_>, metadata: &mut Metadata) {
    let rules = &*RULES;
    let mut hits: Hits = vec![None; rules.techs.len()];

    // Every generator meta: WordPress, WooCommerce and Elementor each write one.
    for meta in &document.elements.metas {
        let value = meta.value();
        if value.attr("name").is_some_and(|n| n.trim().eq_ignore_ascii_case("generator"))
            && let Some(content) = value.attr("content")
        {
            for pattern in &rules.generator {
                if wanted(&hits, pattern.tech) {
                    try_pattern(&mut hits, pattern.tech, &pattern.regex, content.trim());
                }
            }
        }
    }

    let scripts = document.elements.scripts.iter().filter_map(|e| e.value().attr("src"));
    let links = document.elements.links.iter().filter_map(|e| e.value().attr("href"));
    let mut seen = vec![false; rules.assets.patterns.len()];
    for url in scripts.chain(links) {
        seen.fill(false);
        rules.assets.mark(url, &mut seen);
        for (pattern, _) in rules.assets.patterns.iter().zip(&seen).filter(|(_, seen)| **seen) {
            if wanted(&hits, pattern.tech) {
                try_pattern(&mut hits, pattern.tech, &pattern.regex, url);
            }
        }
    }

    let mut seen = vec![false; rules.html.patterns.len()];
    rules.html.mark(document.raw, &mut seen);
    for (pattern, _) in rules.html.patterns.iter().zip(&seen).filter(|(_, seen)| **seen) {
        if wanted(&hits, pattern.tech) {
            try_pattern(&mut hits, pattern.tech, &pattern.regex, document.raw);
        }
    }

    for header in &rules.headers {
        for value in document.headers.get_all(&header.key) {
            let Ok(value) = value.to_str() else { continue };
            match &header.regex {
                None => record(&mut hits, header.tech, None),
                Some(regex) if wanted(&hits, header.tech) => {
                    try_pattern(&mut hits, header.tech, regex, value)
                }
                Some(_) => {}
            }
        }
    }

    if !rules.cookies.is_empty() {
        let cookies = document.headers.get_all(SET_COOKIE).into_iter().filter_map(|v| {
            let pair = v.to_str().ok()?.split(';').next()?;
            Some(pair.split_once('=').map_or(pair, |(name, _)| name).trim())
        });
        for name in cookies.filter(|n| !n.is_empty()) {
            for pattern in &rules.cookies {
                if wanted(&hits, pattern.tech) {
                    try_pattern(&mut hits, pattern.tech, &pattern.regex, name);
                }
            }
        }
    }

    for meta in &rules.meta {
        if let Some(content) = document.meta.get(&meta.key) {
            match &meta.regex {
                None => record(&mut hits, meta.tech, None),
                Some(regex) if wanted(&hits, meta.tech) => try_pattern(&mut hits, meta.tech, regex, content),
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
        let compiled = rules.generator.len()
            + rules.assets.patterns.len()
            + rules.html.patterns.len()
            + rules.headers.len()
            + rules.cookies.len()
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
        let set = |pattern: &str| {
            literals(pattern)
                .map(|s| s.into_iter().map(|l| String::from_utf8(l).unwrap()).collect::<Vec<_>>())
        };
        assert_eq!(set(r"/wp-(?:content|includes)/").unwrap(), ["/wp-content/", "/wp-includes/"]);
        assert_eq!(set(r#"class="[^"]*\belementor-kit"#).unwrap(), ["elementor-kit"]);
        assert_eq!(set(r"(?i)Joomla").unwrap(), ["joomla"]);
        assert_eq!(set(r"font-?awesome/(\d+)").unwrap(), ["font-awesome/", "fontawesome/"]);
        assert_eq!(set(r"abc|\d+"), None);
        assert_eq!(set(r"[a-z]+"), None);
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
