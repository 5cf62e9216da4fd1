//! Technology detection from the declarative rules of `technologies.toml` (format in
//! `docs/technologies.md`): generator metas, script and stylesheet URLs, markup patterns, response
//! headers, cookie names and named metas, each pattern capturing the version where the page shows
//! it, and implications (Elementor implies WordPress).
//!
//! The file is parsed once; each pattern is compiled the first time it runs ([`lazy::LazyRegex`]),
//! so a command that reads one page pays for the few patterns that page needs, not for all of
//! them. The generator, cookie, `assets` and `html` patterns are not run one by one: each holds
//! a literal that every match contains (found from the regex's syntax tree), all those literals
//! go into a vectorised multi-literal search (aho-corasick's packed Teddy searcher), and a
//! pattern runs only on the URL (on the backtracker alone, see [`lazy::LazyRegex::short`]), the
//! short text or the page where its literal was seen. So a page costs one search over its markup
//! and one over its URLs; the markup literals are kept few (at most [`rules::MAX_HTML_LITERALS`])
//! because that search's cost grows with their number.
//!
//! WordPress's version comes only from the generator meta (security plugins rewrite `?ver=` on
//! core assets): none of its other patterns captures one, which a test holds.
//!
//! `rules` reads and parses the file into `pattern`s (a regex and its technology), `lazy`
//! compiles a pattern when first needed, `literals` analyses each pattern's syntax tree,
//! `prefilter` holds the searches that keep most patterns from running, and `matching` runs
//! what is left on a page.
//!
//! Besides (or instead of) the built-in rules, the operator may point the service to
//! Wappalyzer-format fingerprint files (`fingerprints`), read once at start-up ([`install`]).
//! A technology both know is one entry, found by either, with the evidence of both; every
//! detection carries its evidence (`technologies`), and `tech_stack` lists the same technologies
//! by name and version.

mod fingerprints;
mod lazy;
mod literals;
mod matching;
mod pattern;
mod prefilter;
mod rules;

use std::path::PathBuf;
use std::sync::OnceLock;

use entity::{DetectedTechnology, Metadata, Technology};

use super::mail::MailRecords;

use fingerprints::Found;
pub use fingerprints::{Fingerprints, LoadError, Summary};

/// Which rules detect technologies: the built-in ones, the operator's files, or both.
pub struct TechnologySources {
    pub builtin: bool,
    pub files: Option<Fingerprints>,
}

impl Default for TechnologySources {
    fn default() -> Self {
        TechnologySources { builtin: true, files: None }
    }
}

impl TechnologySources {
    /// Reads the operator's files (none: the built-in rules alone, when `builtin`).
    pub fn load(paths: &[PathBuf], builtin: bool) -> Result<(TechnologySources, Option<Summary>), LoadError> {
        if paths.is_empty() {
            return Ok((TechnologySources { builtin, files: None }, None));
        }
        let (files, summary) = Fingerprints::load(paths)?;
        Ok((TechnologySources { builtin, files: Some(files) }, Some(summary)))
    }

    /// The technologies of the page by these rules, into `metadata`.
    pub(in crate::extract) fn fill(&self, document: &crate::extract::Document<'_>, metadata: &mut Metadata) {
        let mut found: Vec<Found> = if self.builtin { matching::builtin(document) } else { Vec::new() };
        if let Some(files) = &self.files {
            files.detect(document, &mut found);
        }
        write(found, metadata);
    }

    /// Adds what the files' `dns` patterns find in the domain's `records` to the technologies
    /// its page showed (`metadata`); the built-in rules read no records.
    fn fill_records(&self, records: &MailRecords, metadata: &mut Metadata) {
        let Some(files) = &self.files else { return };
        let mx = records.mx.iter().flatten().map(|(_, host)| ("MX", host.trim_end_matches('.')));
        let txt = records.txt.iter().flatten().map(|text| ("TXT", text.as_str()));
        let ns = records.ns.iter().flatten().map(|host| ("NS", host.trim_end_matches('.')));
        let records: Vec<(&str, &str)> = mx.chain(txt).chain(ns).collect();
        if records.is_empty() {
            return;
        }
        let mut found: Vec<Found> = std::mem::take(&mut metadata.technologies)
            .into_iter()
            .map(|t| Found {
                name: t.name,
                version: t.version,
                confidence: u32::from(t.confidence),
                categories: t.categories,
                evidence: t.evidence,
                // What the page showed stays, whatever a record's technology excludes.
                builtin: true,
            })
            .collect();
        files.detect_records(&records, &mut found);
        write(found, metadata);
    }
}

/// The rules of this process: set once at start-up by the commands that extract.
static SOURCES: OnceLock<TechnologySources> = OnceLock::new();

/// Makes `sources` the rules every later extraction of this process uses; `false` when rules
/// were installed before, which keeps them.
pub fn install(sources: TechnologySources) -> bool {
    SOURCES.set(sources).is_ok()
}

pub(super) fn fill(document: &crate::extract::Document<'_>, metadata: &mut Metadata) {
    sources().fill(document, metadata);
}

/// What the installed fingerprints' `dns` patterns find in `records`, added to the
/// technologies of `metadata` (found on the domain's page).
pub fn fill_from_records(records: &MailRecords, metadata: &mut Metadata) {
    sources().fill_records(records, metadata);
}

fn sources() -> &'static TechnologySources {
    static DEFAULT: OnceLock<TechnologySources> = OnceLock::new();
    SOURCES.get().unwrap_or_else(|| DEFAULT.get_or_init(TechnologySources::default))
}

/// The technology fields of `metadata` from what was found.
fn write(found: Vec<Found>, metadata: &mut Metadata) {
    metadata.tech_stack = found
        .iter()
        .map(|f| Technology {
            name: f.name.clone(),
            version: f.version.clone(),
            categories: f.categories.clone(),
        })
        .collect();
    let wordpress = found.iter().find(|t| t.name == "WordPress");
    metadata.is_wordpress = wordpress.is_some();
    metadata.wordpress_version = wordpress.and_then(|t| t.version.clone());
    metadata.has_elementor = found.iter().any(|t| t.name == "Elementor");
    metadata.technologies = found
        .into_iter()
        .map(|f| DetectedTechnology {
            name: f.name,
            version: f.version,
            confidence: u8::try_from(f.confidence.min(100)).unwrap_or(100),
            categories: f.categories,
            evidence: f.evidence,
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use entity::Metadata;

    use super::rules::{RULES, Rules, compile, parse};
    use super::*;
    use crate::extract::Document;

    fn compiled_count(rules: &Rules) -> usize {
        let prefiltered = [&rules.generator, &rules.assets, &rules.html, &rules.cookies];
        let patterns = prefiltered.iter().flat_map(|set| set.patterns.iter().map(|p| &p.regex));
        let keyed = rules.headers.iter().filter_map(|k| k.regex.as_ref());
        let meta = rules.meta.iter().filter_map(|k| k.regex.as_ref());
        patterns.chain(keyed).chain(meta).filter(|regex| regex.is_compiled()).count()
    }

    /// Reading the rules compiles none of their patterns, and a small WordPress page compiles
    /// only the few its literals call for, yet finds everything.
    #[test]
    fn the_rules_compile_only_the_patterns_a_page_needs() {
        let (rules, warnings) = compile(&parse(include_str!("../technologies.toml")).unwrap());
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(compiled_count(&rules), 0, "reading the rules compiled patterns");
        let html = r#"<html><head><meta name="generator" content="WordPress 6.4.2">
            <link rel="stylesheet" href="/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3">
            <script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script></head>
            <body><p>Hello</p></body></html>"#;
        let headers = reqwest::header::HeaderMap::new();
        let url = url::Url::parse("https://example.org/").unwrap();
        let page = crate::extract::Page { html, headers: &headers, url: &url };
        let tree = scraper::Html::parse_document(html);
        let document = Document::parse(&page, &tree);
        let mut metadata = Metadata::default();
        write(super::matching::detect(&rules, &document), &mut metadata);
        let found: Vec<(&str, Option<&str>)> =
            metadata.tech_stack.iter().map(|t| (t.name.as_str(), t.version.as_deref())).collect();
        assert!(found.contains(&("WordPress", Some("6.4.2"))), "{found:?}");
        assert!(found.contains(&("Elementor", Some("3.18.3"))), "{found:?}");
        assert!(found.contains(&("jQuery", Some("3.7.1"))), "{found:?}");
        let compiled = compiled_count(&rules);
        assert!(compiled <= 15, "{compiled} patterns compiled for one small page");
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
                    let page = crate::extract::Page { html, headers: &headers, url: &url };
                    let started = Instant::now();
                    let tree = scraper::Html::parse_document(crate::extract::within_depth(html));
                    let document = Document::parse(&page, &tree);
                    let parsed = Instant::now();
                    let mut metadata = Metadata::default();
                    fill(&document, &mut metadata);
                    detect += parsed.elapsed();
                    parse += parsed - started;
                    let started = Instant::now();
                    std::hint::black_box(crate::extract::extract(&page));
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
}
