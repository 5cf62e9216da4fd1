//! Wappalyzer-format fingerprints that the operator points the service to
//! (`DOMAIN_SCHEDULER_TECHNOLOGIES`), read at start-up and matched beside the built-in rules.
//!
//! The format's static fields are all read: `headers`, `cookies`, `meta`, `html`, `scriptSrc`,
//! `scripts` (inline script text), `url` and `dom` (CSS selectors on the parsed page: `exists`,
//! `attributes`, `text`), with the `\;version:` and `\;confidence:` modifiers, `implies`,
//! `excludes`, and `requires` / `requiresCategory`, whose technologies count only once what
//! they require was found (a second pass). `dns` is read for the records the fetcher looks up
//! (`MX`, `NS` and `TXT`, [`Fingerprints::detect_records`]). `js` and `dom` `properties` need a
//! JavaScript engine, `xhr`, `css`, `robots` and the rest what a fetch of the home page does not
//! give: they are not read, only counted ([`Summary::unread`]).
//!
//! Cost: every pattern is only parsed at start-up and compiled the first time a page may match
//! it ([`LazyRegex`]). The page patterns (`html`, `scripts`, `dom`) each hold a literal that
//! every match contains, and one case-blind multi-literal search of the page finds which of them
//! can match; the script URLs get one such search too, and the short values (headers, cookies,
//! metas, the URL) are checked for a pattern's literal before it runs. A pattern with no literal
//! runs on every page.

mod load;
mod pattern;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use aho_corasick::{AhoCorasick, MatchKind};
use entity::Evidence;
use reqwest::header::SET_COOKIE;
use scraper::Selector;

pub use load::LoadError;

use super::lazy::LazyRegex;
use super::literals::{Case, required, shortest};
use crate::extract::{Document, attr};

/// Shortest literal a prefilter looks for; a shorter one is found everywhere.
const MIN_LITERAL: usize = 3;
/// Most evidence kept per technology: the first matches tell enough.
pub(super) const MAX_EVIDENCE: usize = 5;

/// What a technology was found by, before the rule sets are merged.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Found {
    pub name: String,
    pub version: Option<String>,
    pub confidence: u32,
    pub categories: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Found by the built-in rules: kept whatever the files' `excludes` say.
    pub builtin: bool,
}

impl Found {
    fn absorb(
        &mut self,
        version: Option<String>,
        confidence: u32,
        categories: &[String],
        evidence: Vec<Evidence>,
    ) {
        if self.version.is_none() {
            self.version = version;
        }
        self.confidence = (self.confidence + confidence).min(100);
        for category in categories {
            if !self.categories.contains(category) {
                self.categories.push(category.clone());
            }
        }
        for item in evidence {
            if self.evidence.len() < MAX_EVIDENCE {
                self.evidence.push(item);
            }
        }
    }
}

/// Evidence of a match: where, which pattern, and what it matched (cut to 80 characters).
pub(super) fn evidence(kind: &str, key: Option<&str>, pattern: &str, matched: &str) -> Evidence {
    let pattern = match key {
        Some(key) if pattern.is_empty() => key.to_owned(),
        Some(key) => format!("{key}: {pattern}"),
        None => pattern.to_owned(),
    };
    Evidence { kind: kind.to_owned(), pattern, excerpt: Evidence::excerpt(matched.trim()) }
}

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Html,
    Scripts,
    ScriptSrc,
    Url,
    Header(String),
    Cookie(String),
    Meta(String),
    Dom {
        selector: usize,
        what: DomWhat,
    },
    /// A DNS record of this type (upper case).
    Dns(String),
}

#[derive(Clone, Debug, PartialEq)]
enum DomWhat {
    Exists,
    Attribute(String),
    Text,
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Html => "html",
            Kind::Scripts => "scripts",
            Kind::ScriptSrc => "scriptSrc",
            Kind::Url => "url",
            Kind::Header(_) => "headers",
            Kind::Cookie(_) => "cookies",
            Kind::Meta(_) => "meta",
            Kind::Dom { .. } => "dom",
            Kind::Dns(_) => "dns",
        }
    }
}

/// One pattern of one technology.
struct Check {
    tech: usize,
    kind: Kind,
    /// The regex as the file writes it.
    source: String,
    /// `None`: presence is enough.
    regex: Option<LazyRegex>,
    /// Lower-case literals one of which every match holds; `None`: run it always.
    literals: Option<Vec<Vec<u8>>>,
    version: Option<String>,
    confidence: u8,
}

struct Tech {
    name: String,
    categories: Vec<String>,
    /// Implied names with the confidence the implication carries.
    implies: Vec<(String, u8)>,
    excludes: Vec<String>,
    requires: Vec<String>,
    requires_category: Vec<String>,
}

/// Case-blind search for the literals of a set of checks.
struct Prefilter {
    engine: Option<AhoCorasick>,
    /// Literal → the checks it stands for.
    owners: Vec<Vec<usize>>,
    /// Checks with no literal.
    always: Vec<usize>,
}

impl Prefilter {
    fn build(checks: &[Check], members: &[usize], warnings: &mut Vec<String>) -> Prefilter {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for &check in members {
            match &checks[check].literals {
                Some(set) => {
                    for literal in set {
                        let at = *index.entry(literal.clone()).or_insert_with(|| {
                            literals.push(literal.clone());
                            owners.push(Vec::new());
                            literals.len() - 1
                        });
                        owners[at].push(check);
                    }
                }
                None => always.push(check),
            }
        }
        let engine = if literals.is_empty() {
            None
        } else {
            match AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(&literals)
            {
                Ok(engine) => Some(engine),
                Err(error) => {
                    warnings.push(format!("cannot build a literal search, its patterns run always: {error}"));
                    always.extend(owners.iter().flatten());
                    None
                }
            }
        };
        Prefilter { engine, owners, always }
    }

    /// The checks that may match `haystack`, each once, in the order of the file.
    fn candidates(&self, haystack: &[u8]) -> Vec<usize> {
        let mut out = self.always.clone();
        if let Some(engine) = &self.engine {
            let mut seen = vec![false; self.owners.len()];
            for found in engine.find_overlapping_iter(haystack) {
                let literal = found.pattern().as_usize();
                if !seen[literal] {
                    seen[literal] = true;
                    out.extend(&self.owners[literal]);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The operator's fingerprints, ready to match.
pub struct Fingerprints {
    techs: Vec<Tech>,
    index: HashMap<String, usize>,
    checks: Vec<Check>,
    /// Each `dom` selector, parsed and as written.
    selectors: Vec<(Selector, String)>,
    /// `html`, `scripts` and `dom` checks.
    page: Prefilter,
    script_src: Prefilter,
    /// `url` checks.
    url: Vec<usize>,
    /// Lower-case header, cookie and meta names → their checks.
    headers: HashMap<String, Vec<usize>>,
    cookies: HashMap<String, Vec<usize>>,
    meta: HashMap<String, Vec<usize>>,
    /// Record type → its `dns` checks.
    dns: HashMap<String, Vec<usize>>,
}

/// What loading found, for the start-up log.
#[derive(Debug)]
pub struct Summary {
    pub files: Vec<PathBuf>,
    pub technologies: usize,
    pub patterns: usize,
    /// Patterns left out (regexes the regex crate cannot read, selectors scraper cannot), each
    /// with its technology and reason.
    pub skipped: Vec<String>,
    /// Each evidence kind read (`html`, `dom`, `dns`, ...) → how many technologies have at
    /// least one usable pattern of it.
    pub reach: BTreeMap<&'static str, usize>,
    /// Technologies found by no pattern of their own, only when another implies them.
    pub implied_only: usize,
    /// Technologies that nothing read can find: no usable pattern and implied by none.
    pub unreachable: usize,
    /// Each field that is not read (`js`, `xhr`, ...) → how many technologies have it.
    pub unread: BTreeMap<&'static str, usize>,
}

impl Fingerprints {
    /// Reads the files and folders `paths` and prepares their patterns; a file that cannot be
    /// read or parsed, or an entry of the wrong shape, is an error naming both.
    pub fn load(paths: &[PathBuf]) -> Result<(Fingerprints, Summary), LoadError> {
        let collection = load::read(paths)?;
        let (fingerprints, skipped) = compile(&collection);
        let (reach, implied_only, unreachable) = fingerprints.reach();
        let mut unread = BTreeMap::new();
        for field in collection.technologies.iter().flat_map(|t| &t.unread) {
            *unread.entry(*field).or_default() += 1;
        }
        let summary = Summary {
            files: collection.files,
            technologies: fingerprints.techs.len(),
            patterns: fingerprints.checks.len(),
            skipped,
            reach,
            implied_only,
            unreachable,
            unread,
        };
        Ok((fingerprints, summary))
    }

    /// Per evidence kind, the technologies it can find; then how many are found only by
    /// implication and how many by nothing.
    fn reach(&self) -> (BTreeMap<&'static str, usize>, usize, usize) {
        let mut kinds: BTreeMap<&'static str, Vec<bool>> = BTreeMap::new();
        let mut own = vec![false; self.techs.len()];
        for check in &self.checks {
            kinds.entry(check.kind.name()).or_insert_with(|| vec![false; self.techs.len()])[check.tech] =
                true;
            own[check.tech] = true;
        }
        let reach =
            kinds.into_iter().map(|(kind, techs)| (kind, techs.iter().filter(|t| **t).count())).collect();
        let mut implied = vec![false; self.techs.len()];
        for tech in &self.techs {
            for (name, _) in &tech.implies {
                if let Some(&at) = self.index.get(name) {
                    implied[at] = true;
                }
            }
        }
        let implied_only = (0..self.techs.len()).filter(|&t| !own[t] && implied[t]).count();
        let unreachable = (0..self.techs.len()).filter(|&t| !own[t] && !implied[t]).count();
        (reach, implied_only, unreachable)
    }
}

/// The checks of a collection; what cannot be used is left out and described in the list.
fn compile(collection: &load::Collection) -> (Fingerprints, Vec<String>) {
    let mut warnings = Vec::new();
    let category = |id: &u32| collection.categories.get(id).cloned();
    let mut techs = Vec::new();
    let mut index = HashMap::new();
    let mut checks: Vec<Check> = Vec::new();
    let mut selectors: Vec<(Selector, String)> = Vec::new();
    let mut selector_warnings = Vec::new();
    for definition in &collection.technologies {
        let tech = techs.len();
        index.insert(definition.name.clone(), tech);
        let named =
            |names: &[String]| names.iter().map(|n| n.split("\\;").next().unwrap_or(n).to_owned()).collect();
        techs.push(Tech {
            name: definition.name.clone(),
            categories: definition.cats.iter().filter_map(category).collect(),
            implies: definition
                .implies
                .iter()
                .map(|implied| {
                    let parsed = pattern::split(implied);
                    (parsed.source, parsed.confidence)
                })
                .collect(),
            excludes: named(&definition.excludes),
            requires: named(&definition.requires),
            requires_category: definition.requires_category.iter().filter_map(category).collect(),
        });
        let mut add = |kind: Kind, text: &str, case_literals: Option<Vec<Vec<u8>>>| {
            let parsed = pattern::split(text);
            let (regex, literals) = match pattern::regex(&parsed.source) {
                Ok(Some((regex, hir))) => {
                    let literals = required(&hir, Case::Fold).filter(|set| shortest(set) >= MIN_LITERAL);
                    // A selector's own literal first: an attribute's pattern reads a value the
                    // markup may hold escaped.
                    (Some(regex), case_literals.or(literals))
                }
                Ok(None) => (None, case_literals),
                Err(error) => {
                    warnings.push(format!(
                        "{}: {} pattern {:?}: {error}",
                        definition.name,
                        kind.name(),
                        parsed.source
                    ));
                    return;
                }
            };
            checks.push(Check {
                tech,
                kind,
                source: parsed.source,
                regex,
                literals,
                version: parsed.version,
                confidence: parsed.confidence,
            });
        };
        for text in &definition.html {
            add(Kind::Html, text, None);
        }
        for text in &definition.scripts {
            add(Kind::Scripts, text, None);
        }
        for text in &definition.script_src {
            add(Kind::ScriptSrc, text, None);
        }
        for text in &definition.url {
            add(Kind::Url, text, None);
        }
        for (name, text) in &definition.headers {
            add(Kind::Header(name.to_ascii_lowercase()), text, None);
        }
        for (name, text) in &definition.cookies {
            add(Kind::Cookie(name.to_ascii_lowercase()), text, None);
        }
        for (name, text) in &definition.meta {
            add(Kind::Meta(name.to_ascii_lowercase()), text, None);
        }
        for (record, text) in &definition.dns {
            add(Kind::Dns(record.clone()), text, None);
        }
        for rule in &definition.dom {
            let selector = match Selector::parse(&rule.selector) {
                Ok(selector) => selector,
                Err(error) => {
                    selector_warnings
                        .push(format!("{}: dom selector {:?}: {error}", definition.name, rule.selector));
                    continue;
                }
            };
            let at = selectors.len();
            selectors.push((selector, rule.selector.clone()));
            // What an element must hold for the selector to select it, as a literal of the page.
            let literal = selector_literal(&rule.selector);
            if rule.exists {
                add(Kind::Dom { selector: at, what: DomWhat::Exists }, "", literal.clone());
            }
            for (name, text) in &rule.attributes {
                let what = DomWhat::Attribute(name.to_ascii_lowercase());
                add(Kind::Dom { selector: at, what }, text, literal.clone());
            }
            if let Some(text) = &rule.text {
                add(Kind::Dom { selector: at, what: DomWhat::Text }, text, literal.clone());
            }
        }
    }
    warnings.append(&mut selector_warnings);
    let members = |wanted: &dyn Fn(&Kind) -> bool| -> Vec<usize> {
        checks.iter().enumerate().filter(|(_, c)| wanted(&c.kind)).map(|(i, _)| i).collect()
    };
    let page_members = members(&|k| matches!(k, Kind::Html | Kind::Scripts | Kind::Dom { .. }));
    let src_members = members(&|k| matches!(k, Kind::ScriptSrc));
    let url = members(&|k| matches!(k, Kind::Url));
    let mut headers: HashMap<String, Vec<usize>> = HashMap::new();
    let mut cookies: HashMap<String, Vec<usize>> = HashMap::new();
    let mut meta: HashMap<String, Vec<usize>> = HashMap::new();
    let mut dns: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, check) in checks.iter().enumerate() {
        match &check.kind {
            Kind::Header(name) => headers.entry(name.clone()).or_default().push(i),
            Kind::Cookie(name) => cookies.entry(name.clone()).or_default().push(i),
            Kind::Meta(name) => meta.entry(name.clone()).or_default().push(i),
            Kind::Dns(record) => dns.entry(record.clone()).or_default().push(i),
            _ => {}
        }
    }
    let page = Prefilter::build(&checks, &page_members, &mut warnings);
    let script_src = Prefilter::build(&checks, &src_members, &mut warnings);
    let fingerprints =
        Fingerprints { techs, index, checks, selectors, page, script_src, url, headers, cookies, meta, dns };
    (fingerprints, warnings)
}

/// The longest name a selector asks of an element (an id, a class, an attribute's name or
/// quoted value), lower case, which the page's markup then holds; `None` when it asks only for
/// a tag or a name too short to search for.
fn selector_literal(selector: &str) -> Option<Vec<Vec<u8>>> {
    // A selector list matches what any of its selectors matches: each needs its own literal.
    let mut set = Vec::new();
    for one in selector.split(',') {
        let mut best = String::new();
        let mut current = String::new();
        let mut counts = false;
        let mut quote: Option<char> = None;
        for c in one.chars() {
            match quote {
                Some(q) if c == q => {
                    quote = None;
                    if current.len() > best.len() && !current.contains(['\\']) {
                        best = std::mem::take(&mut current);
                    }
                    current.clear();
                }
                Some(_) => current.push(c),
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    current.clear();
                }
                None if c.is_alphanumeric() || c == '-' || c == '_' => {
                    if counts {
                        current.push(c);
                    }
                }
                None => {
                    if counts && current.len() > best.len() {
                        best = std::mem::take(&mut current);
                    }
                    current.clear();
                    // After `#`, `.` and `[` comes a name the markup holds as written.
                    counts = matches!(c, '#' | '.' | '[');
                }
            }
        }
        if counts && current.len() > best.len() {
            best = current;
        }
        if best.len() < MIN_LITERAL {
            return None;
        }
        set.push(best.to_ascii_lowercase().into_bytes());
    }
    (!set.is_empty()).then_some(set)
}

/// What the files' patterns found on one page, per technology.
#[derive(Clone, Debug, Default)]
struct Hit {
    version: Option<String>,
    confidence: u32,
    evidence: Vec<Evidence>,
}

impl Fingerprints {
    /// Runs one check on `haystack`; on a match, records it and says so.
    fn try_check(&self, hits: &mut [Option<Hit>], check: usize, haystack: &str) -> bool {
        let check_ref = &self.checks[check];
        let key = match &check_ref.kind {
            Kind::Header(name) | Kind::Cookie(name) | Kind::Meta(name) | Kind::Dns(name) => {
                Some(name.clone())
            }
            Kind::Dom { selector, what } => {
                let written = &self.selectors[*selector].1;
                Some(match what {
                    DomWhat::Exists => written.clone(),
                    DomWhat::Attribute(name) => format!("{written} [{name}]"),
                    DomWhat::Text => format!("{written} text"),
                })
            }
            _ => None,
        };
        let (matched, version) = match &check_ref.regex {
            None => (haystack.to_owned(), None),
            Some(regex) => {
                let Some(regex) = regex.get() else { return false };
                let Some(captures) = regex.captures(haystack) else { return false };
                let groups: Vec<Option<&str>> = captures.iter().map(|m| m.map(|m| m.as_str())).collect();
                let version =
                    check_ref.version.as_deref().and_then(|template| pattern::resolve(template, &groups));
                (groups[0].unwrap_or_default().to_owned(), version)
            }
        };
        let item = evidence(check_ref.kind.name(), key.as_deref(), &check_ref.source, &matched);
        let hit = hits[check_ref.tech].get_or_insert_with(Hit::default);
        if hit.version.is_none() {
            hit.version = version;
        }
        hit.confidence += u32::from(check_ref.confidence);
        if hit.evidence.len() < MAX_EVIDENCE {
            hit.evidence.push(item);
        }
        true
    }

    /// Whether a check could still tell something: its technology has no version yet or it is
    /// unseen; a check that cannot give a version adds only confidence, which a seen technology
    /// with full confidence does not need.
    fn wanted(&self, hits: &[Option<Hit>], check: usize) -> bool {
        let check = &self.checks[check];
        match &hits[check.tech] {
            None => true,
            Some(hit) => hit.confidence < 100 || (hit.version.is_none() && check.version.is_some()),
        }
    }

    fn matches(&self, document: &Document<'_>) -> Vec<Option<Hit>> {
        let mut hits: Vec<Option<Hit>> = vec![None; self.techs.len()];
        let raw = document.raw;
        let scripts: Vec<&str> =
            document.elements.scripts.iter().filter_map(|e| attr(e.value(), "src")).collect();
        let inline: String = document
            .elements
            .inline_scripts
            .iter()
            .flat_map(|e| e.text().chain(std::iter::once("\n")))
            .collect();

        let mut selected: HashMap<usize, Vec<scraper::ElementRef<'_>>> = HashMap::new();
        for check in self.page.candidates(raw.as_bytes()) {
            if !self.wanted(&hits, check) {
                continue;
            }
            match &self.checks[check].kind {
                Kind::Html => {
                    self.try_check(&mut hits, check, raw);
                }
                Kind::Scripts => {
                    self.try_check(&mut hits, check, &inline);
                }
                Kind::Dom { selector, what } => {
                    let Some(root) = document.elements.html else { continue };
                    let elements = selected
                        .entry(*selector)
                        .or_insert_with(|| root.select(&self.selectors[*selector].0).collect());
                    for element in elements.iter() {
                        let value = match what {
                            DomWhat::Exists => Some(String::new()),
                            DomWhat::Attribute(name) => element.value().attr(name).map(str::to_owned),
                            DomWhat::Text => Some(element.text().collect::<String>()),
                        };
                        let Some(value) = value else { continue };
                        let value = if *what == DomWhat::Exists { opening_tag(element) } else { value };
                        if self.try_check(&mut hits, check, &value) {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }

        let mut buffer = Vec::new();
        for src in &scripts {
            buffer.extend(src.bytes());
            buffer.push(b'\n');
        }
        for check in self.script_src.candidates(&buffer) {
            for src in &scripts {
                if !self.wanted(&hits, check) {
                    break;
                }
                if holds_literal(&self.checks[check], src) && self.try_check(&mut hits, check, src) {
                    break;
                }
            }
        }

        let url = document.page_url.as_str();
        for &check in &self.url {
            if holds_literal(&self.checks[check], url) && self.wanted(&hits, check) {
                self.try_check(&mut hits, check, url);
            }
        }

        for (name, value) in document.headers {
            let Some(checks) = self.headers.get(name.as_str()) else { continue };
            let value = String::from_utf8_lossy(value.as_bytes());
            for &check in checks {
                if holds_literal(&self.checks[check], &value) && self.wanted(&hits, check) {
                    self.try_check(&mut hits, check, &value);
                }
            }
        }

        if !self.cookies.is_empty() {
            for header in document.headers.get_all(SET_COOKIE) {
                let Some(pair) = header.to_str().ok().and_then(|v| v.split(';').next()) else { continue };
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let Some(checks) = self.cookies.get(&name.trim().to_ascii_lowercase()) else { continue };
                for &check in checks {
                    if holds_literal(&self.checks[check], value) && self.wanted(&hits, check) {
                        self.try_check(&mut hits, check, value.trim());
                    }
                }
            }
        }

        for (name, content) in &document.meta {
            let Some(checks) = self.meta.get(name) else { continue };
            for &check in checks {
                if holds_literal(&self.checks[check], content) && self.wanted(&hits, check) {
                    self.try_check(&mut hits, check, content);
                }
            }
        }
        hits
    }

    /// The `dns` checks on `records`, each a record type (upper case) and one record's value.
    fn record_matches(&self, records: &[(&str, &str)]) -> Vec<Option<Hit>> {
        let mut hits: Vec<Option<Hit>> = vec![None; self.techs.len()];
        for (record, value) in records {
            let Some(checks) = self.dns.get(*record) else { continue };
            for &check in checks {
                if holds_literal(&self.checks[check], value) && self.wanted(&hits, check) {
                    self.try_check(&mut hits, check, value);
                }
            }
        }
        hits
    }

    /// The files' technologies on `document`, merged into what the built-in rules found (`found`,
    /// in their order): a technology both know is one entry, with the evidence of both.
    pub(super) fn detect(&self, document: &Document<'_>, found: &mut Vec<Found>) {
        let hits = self.matches(document);
        self.settle(hits, found);
    }

    /// What the files' `dns` patterns find in the domain's `records` (record type, value),
    /// merged into the technologies found on its page as [`Fingerprints::detect`] merges.
    pub(super) fn detect_records(&self, records: &[(&str, &str)], found: &mut Vec<Found>) {
        if self.dns.is_empty() {
            return;
        }
        let hits = self.record_matches(records);
        if hits.iter().any(Option::is_some) {
            self.settle(hits, found);
        }
    }

    /// Merges `hits` into `found`: those that require nothing first, then those whose
    /// requirement is met, each pass followed by what they imply; `excludes` last.
    fn settle(&self, hits: Vec<Option<Hit>>, found: &mut Vec<Found>) {
        let mut position: HashMap<String, usize> =
            found.iter().enumerate().map(|(i, f)| (f.name.clone(), i)).collect();
        let requires = |tech: &Tech| !tech.requires.is_empty() || !tech.requires_category.is_empty();
        // First the technologies that require nothing, then those whose requirement they meet.
        for second in [false, true] {
            for (tech, hit) in self.techs.iter().zip(&hits) {
                let Some(hit) = hit else { continue };
                if requires(tech) != second {
                    continue;
                }
                if second {
                    let by_name = tech.requires.iter().any(|name| position.contains_key(name));
                    let by_category = tech
                        .requires_category
                        .iter()
                        .any(|category| found.iter().any(|f| f.categories.contains(category)));
                    if !by_name && !by_category {
                        continue;
                    }
                }
                self.merge(
                    found,
                    &mut position,
                    tech,
                    hit.version.clone(),
                    hit.confidence,
                    hit.evidence.clone(),
                );
            }
            self.imply(found, &mut position);
        }
        let excluded: Vec<&String> = found
            .iter()
            .filter_map(|f| self.index.get(&f.name))
            .flat_map(|&tech| &self.techs[tech].excludes)
            .collect();
        found.retain(|f| f.builtin || !excluded.contains(&&f.name));
    }

    fn merge(
        &self,
        found: &mut Vec<Found>,
        position: &mut HashMap<String, usize>,
        tech: &Tech,
        version: Option<String>,
        confidence: u32,
        evidence: Vec<Evidence>,
    ) {
        match position.get(&tech.name) {
            Some(&at) => found[at].absorb(version, confidence, &tech.categories, evidence),
            None => {
                position.insert(tech.name.clone(), found.len());
                found.push(Found {
                    name: tech.name.clone(),
                    version,
                    confidence: confidence.min(100),
                    categories: tech.categories.clone(),
                    evidence: evidence.into_iter().take(MAX_EVIDENCE).collect(),
                    builtin: false,
                });
            }
        }
    }

    /// Adds what the found technologies imply, transitively; an implied technology has the
    /// confidence of the one implying it times the implication's, and no version.
    fn imply(&self, found: &mut Vec<Found>, position: &mut HashMap<String, usize>) {
        let mut at = 0;
        while at < found.len() {
            if let Some(&tech) = self.index.get(&found[at].name) {
                let parent = found[at].name.clone();
                let parent_confidence = found[at].confidence;
                for (implied, confidence) in &self.techs[tech].implies {
                    let Some(&implied_tech) = self.index.get(implied) else { continue };
                    if position.contains_key(implied) {
                        continue;
                    }
                    let confidence = parent_confidence * u32::from(*confidence) / 100;
                    let item =
                        Evidence { kind: "implies".into(), pattern: parent.clone(), excerpt: String::new() };
                    self.merge(found, position, &self.techs[implied_tech], None, confidence, vec![item]);
                }
            }
            at += 1;
        }
    }
}

/// Whether `haystack` holds one of the check's literals (in any case), or it has none.
fn holds_literal(check: &Check, haystack: &str) -> bool {
    match &check.literals {
        None => true,
        Some(literals) => {
            let lower = haystack.to_ascii_lowercase();
            literals.iter().any(|literal| memchr::memmem::find(lower.as_bytes(), literal).is_some())
        }
    }
}

/// What the evidence of a bare selector shows: the element's opening tag.
fn opening_tag(element: &scraper::ElementRef<'_>) -> String {
    let value = element.value();
    let mut tag = format!("<{}", value.name());
    for (name, attribute) in value.attrs() {
        tag.push_str(&format!(" {name}=\"{attribute}\""));
    }
    tag.push('>');
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(set: Option<Vec<Vec<u8>>>) -> Option<Vec<String>> {
        set.map(|set| set.into_iter().map(|l| String::from_utf8(l).unwrap()).collect())
    }

    #[test]
    fn a_selector_s_literal_is_the_longest_name_it_asks_of_an_element() {
        assert_eq!(texts(selector_literal("div.mosaic-grid")), Some(vec!["mosaic-grid".into()]));
        assert_eq!(texts(selector_literal("#Beacon-Consent")), Some(vec!["beacon-consent".into()]));
        assert_eq!(texts(selector_literal("link[rel='manifest']")), Some(vec!["manifest".into()]));
        assert_eq!(
            texts(selector_literal("style[data-emotion], style[data-emotion-css]")),
            Some(vec!["data-emotion".into(), "data-emotion-css".into()])
        );
        assert_eq!(selector_literal("body"), None, "a tag alone is on every page");
        assert_eq!(selector_literal("div.mosaic-grid, a.x"), None, "each selector of a list needs one");
    }

    fn write(dir: &std::path::Path, path: &str, text: &str) {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }

    const CATEGORIES: &str = r#"{"1": {"name": "CMS"}}"#;
    const ONE: &str = r#"{"Alpha CMS": {"cats": [1], "html": "alpha-cms"}}"#;

    #[test]
    fn a_folder_may_hold_the_split_files_the_merged_one_or_the_repository_s_layout() {
        for layout in ["technologies/a.json", "technologies.json", "src/technologies/a.json"] {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), layout, ONE);
            let categories =
                if layout.starts_with("src/") { "src/categories.json" } else { "categories.json" };
            write(dir.path(), categories, CATEGORIES);
            let (fingerprints, summary) = Fingerprints::load(&[dir.path().to_owned()]).unwrap();
            assert_eq!((summary.technologies, summary.files.len()), (1, 2), "{layout}");
            assert_eq!(fingerprints.techs[0].categories, ["CMS"], "{layout}");
        }
        // A file named directly takes the categories beside it.
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "mine.json", ONE);
        write(dir.path(), "categories.json", CATEGORIES);
        let (fingerprints, _) = Fingerprints::load(&[dir.path().join("mine.json")]).unwrap();
        assert_eq!(fingerprints.techs[0].categories, ["CMS"]);
        // An empty folder is an error naming it.
        let empty = tempfile::tempdir().unwrap();
        let error = Fingerprints::load(&[empty.path().to_owned()]).err().unwrap();
        assert_eq!(error.file, empty.path());
    }

    #[test]
    fn an_entry_of_the_wrong_shape_is_named_with_its_field() {
        let entry = |json: &str| load::definition("X", &serde_json::from_str(json).unwrap());
        assert!(entry(r#"{"cats": [1], "html": ["a", "b"], "meta": {"generator": ["x", "y"]}}"#).is_ok());
        assert!(entry(r#"{"cats": "CMS"}"#).unwrap_err().contains("cats"));
        assert!(entry(r#"{"headers": ["x"]}"#).unwrap_err().contains("headers"));
        assert!(entry(r#"{"dom": 3}"#).unwrap_err().contains("dom"));
        assert!(entry(r#"{"dom": {"div": {"text": 1}}}"#).unwrap_err().contains("text"));
        assert!(entry(r#"{"dns": ["MX"]}"#).unwrap_err().contains("dns"));
        assert!(entry("[]").is_err());
    }

    const RECORDS: &str = r#"{
        "Postbox Mail": {"cats": [2], "dns": {"MX": "\\.postbox-mail\\.example$", "TXT": "postbox-verification=\\w+"},
                         "implies": "Postbox Suite"},
        "Postbox Suite": {"cats": [2]},
        "Zone Host": {"cats": [2], "dns": {"NS": "\\.zone-host\\.example$"}},
        "Verifier": {"cats": [2], "dns": {"txt": "verifier-site=([0-9a-f]+)\\;version:\\1", "SOA": "ns\\.verifier"}},
        "Scripted": {"cats": [2], "js": {"scripted.version": ""}, "xhr": "scripted\\.example"},
        "Markup": {"cats": [1], "html": "<div id=\"markup-root\"", "css": "\\.markup"}
    }"#;

    fn records_collection() -> (Fingerprints, Summary) {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "technologies.json", RECORDS);
        write(dir.path(), "categories.json", r#"{"1": {"name": "CMS"}, "2": {"name": "Email"}}"#);
        Fingerprints::load(&[dir.path().to_owned()]).unwrap()
    }

    #[test]
    fn dns_patterns_find_technologies_in_mx_and_txt_records_with_what_they_imply() {
        let (fingerprints, _) = records_collection();
        let mut found = Vec::new();
        let records = [
            ("MX", "mx1.postbox-mail.example"),
            ("TXT", "v=spf1 -all"),
            ("TXT", "verifier-site=9f3a"),
            ("NS", "b.zone-host.example"),
        ];
        fingerprints.detect_records(&records, &mut found);
        let names: Vec<(&str, Option<&str>)> =
            found.iter().map(|f| (f.name.as_str(), f.version.as_deref())).collect();
        assert_eq!(
            names,
            [
                ("Postbox Mail", None),
                ("Verifier", Some("9f3a")),
                ("Zone Host", None),
                ("Postbox Suite", None)
            ]
        );
        let evidence = &found[0].evidence[0];
        assert_eq!((evidence.kind.as_str(), evidence.excerpt.as_str()), ("dns", ".postbox-mail.example"));
        assert!(evidence.pattern.starts_with("MX: "), "{evidence:?}");

        let mut none = Vec::new();
        fingerprints
            .detect_records(&[("MX", "mail.other.example"), ("A", "postbox-verification=1")], &mut none);
        assert!(none.is_empty(), "a record of another type or value finds nothing: {none:?}");
    }

    #[test]
    fn the_summary_counts_what_each_kind_of_evidence_reaches_and_what_is_not_read() {
        let (_, summary) = records_collection();
        let reach: Vec<(&str, usize)> = summary.reach.iter().map(|(k, n)| (*k, *n)).collect();
        assert_eq!(reach, [("dns", 3), ("html", 1)]);
        assert_eq!((summary.implied_only, summary.unreachable), (1, 1), "Postbox Suite; Scripted");
        let unread: Vec<(&str, usize)> = summary.unread.iter().map(|(k, n)| (*k, *n)).collect();
        assert_eq!(
            unread,
            [("css", 1), ("dns records not looked up (SOA, CNAME)", 1), ("js", 1), ("xhr", 1)]
        );
    }
}
