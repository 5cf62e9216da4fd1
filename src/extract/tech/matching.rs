//! Matching a page against the compiled rules: generator metas, script and stylesheet URLs,
//! markup, headers, cookies and metas, each pattern run only where its prefilter saw a chance,
//! then the implications; the result fills the technology fields of the metadata.

use regex_automata::meta;
use reqwest::header::SET_COOKIE;

use super::fingerprints::{Found, MAX_EVIDENCE, evidence};
use super::lazy::LazyRegex;
use super::pattern::Pattern;
use super::prefilter::Prefiltered;
use super::rules::{RULES, Rules};
use crate::extract::{Document, attr, strip_prefix_ignore_case};

/// Longest URL given to a pattern's backtracker form ([`LazyRegex::short`]). The backtracker's cost grows with
/// the haystack times the pattern's states, where a DFA's grows with the haystack alone: on a
/// `data:` URI of a megabyte in a `<link href>` that holds a pattern's literal many times
/// without matching, the backtracker is many times slower than the regex crate; up to 2 KB it
/// is not (docs/benchmarks.md).
pub(super) const MAX_SHORT_HAYSTACK: usize = 2048;

/// What was found of one technology: its version, once one is seen, and what showed it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Hit {
    pub(super) version: Option<String>,
    pub(super) evidence: Vec<entity::Evidence>,
}

/// What was found per technology: `Some` once detected.
pub(super) type Hits = Vec<Option<Hit>>;

/// Where a pattern looked, for the evidence: the kind, and the header or meta name it read.
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    pub(super) kind: &'static str,
    pub(super) key: Option<&'a str>,
}

impl Source<'static> {
    const fn of(kind: &'static str) -> Source<'static> {
        Source { kind, key: None }
    }
}

pub(super) fn record(hits: &mut Hits, tech: usize, version: Option<String>, item: entity::Evidence) {
    match &mut hits[tech] {
        Some(hit) => {
            if hit.version.is_none() {
                hit.version = version;
            }
            if hit.evidence.len() < MAX_EVIDENCE {
                hit.evidence.push(item);
            }
        }
        unseen => *unseen = Some(Hit { version, evidence: vec![item] }),
    }
}

/// Whether a match of `regex` could still tell something: the technology is unseen, or has no
/// version yet and the pattern captures one. A WordPress page without a generator meta names
/// `/wp-content/` in dozens of URLs: once seen, the pattern that only detects it is not run again.
pub(super) fn wanted(hits: &Hits, tech: usize, regex: &LazyRegex) -> bool {
    match &hits[tech] {
        None => true,
        Some(Hit { version: None, .. }) => regex.captures_len() > 1,
        Some(_) => false,
    }
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
                try_pattern(hits, pattern.tech, &pattern.regex, &page[from..to], Source::of("html"));
                if !wanted(hits, pattern.tech, &pattern.regex) {
                    return;
                }
            }
        }
        _ => try_pattern(hits, pattern.tech, &pattern.regex, page, Source::of("html")),
    }
}

/// Runs `regex` on `haystack`; on a match, the version is the first capture group that took part.
pub(super) fn try_pattern(
    hits: &mut Hits,
    tech: usize,
    lazy: &LazyRegex,
    haystack: &str,
    source: Source<'_>,
) {
    let Some(regex) = lazy.get() else { return };
    let found = |matched: &str| evidence(source.kind, source.key, lazy.as_str(), matched);
    // A search for captures starts with the same search as a plain match and stops there when
    // there is none: a match first would search twice whenever the pattern matches.
    if regex.captures_len() == 1 {
        if let Some(m) = regex.find(haystack) {
            record(hits, tech, None, found(m.as_str()));
        }
    } else if let Some(captures) = regex.captures(haystack) {
        let version =
            captures.iter().skip(1).flatten().find(|m| !m.is_empty()).map(|m| m.as_str().to_owned());
        let matched = captures.get(0).map_or("", |m| m.as_str());
        record(hits, tech, version, found(matched));
    }
}

/// Longest script or stylesheet URL read for technologies. Real ones stay under a few
/// kilobytes (a concatenating CDN's list of files is the longest); past this, a crafted URL
/// would make each pattern whose literal it holds search it whole, at a cost that grows with
/// the URL's length for a pattern that captures a version to the end of the URL.
const MAX_ASSET_URL: usize = 16 * 1024;

/// Whether a `<script src>` or `<link href>` is worth matching: not a `data:` URI (an inlined
/// image or font, whose payload names no technology but may hold a pattern's literal by chance)
/// and not past [`MAX_ASSET_URL`].
fn is_asset_url(url: &str) -> bool {
    url.len() <= MAX_ASSET_URL && strip_prefix_ignore_case(url.trim_start(), "data:").is_none()
}

/// [`try_pattern`] with the pattern's backtracker form.
pub(super) fn try_short_pattern(
    hits: &mut Hits,
    tech: usize,
    lazy: &LazyRegex,
    regex: &meta::Regex,
    haystack: &str,
) {
    let found = |matched: &str| evidence("assets", None, lazy.as_str(), matched);
    if regex.captures_len() == 1 {
        if let Some(m) = regex.find(haystack) {
            record(hits, tech, None, found(&haystack[m.range()]));
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
        let matched = captures.get_group(0).map_or("", |span| &haystack[span.range()]);
        record(hits, tech, version, found(matched));
    }
}

/// Runs the patterns of `set` whose literal `text` holds (in any case) on it: for the short
/// texts, a generator's content or a cookie's name.
fn try_short_text(hits: &mut Hits, set: &Prefiltered, text: &str, source: Source<'_>) {
    let lower = text.to_ascii_lowercase();
    let mut candidates = Vec::new();
    set.each(lower.as_bytes(), |_, pattern| candidates.push(pattern));
    candidates.sort_unstable();
    candidates.dedup();
    for pattern in candidates {
        let pattern = &set.patterns[pattern];
        if wanted(hits, pattern.tech, &pattern.regex) {
            try_pattern(hits, pattern.tech, &pattern.regex, text, source);
        }
    }
}

/// What the built-in rules find on the page, in the order of the rules.
pub(super) fn builtin(document: &Document<'_>) -> Vec<Found> {
    detect(&RULES, document)
}

/// [`builtin`] with the given rules.
pub(super) fn detect(rules: &Rules, document: &Document<'_>) -> Vec<Found> {
    let mut hits: Hits = vec![None; rules.techs.len()];

    // Every generator meta: WordPress, WooCommerce and Elementor each write one.
    for meta in &document.elements.metas {
        let value = meta.value();
        if attr(value, "name").is_some_and(|n| n.trim().eq_ignore_ascii_case("generator"))
            && let Some(content) = attr(value, "content")
        {
            try_short_text(&mut hits, &rules.generator, content.trim(), Source::of("generator"));
        }
    }

    // The URLs of scripts and stylesheets, lower case, in one buffer for one search; then each
    // candidate pattern runs on its URL, in the order of the page.
    let scripts = document.elements.scripts.iter().filter_map(|e| attr(e.value(), "src"));
    let links = document.elements.links.iter().filter_map(|e| attr(e.value(), "href"));
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
            match pattern.regex.short() {
                Some(short) if urls[url].len() <= MAX_SHORT_HAYSTACK => {
                    try_short_pattern(&mut hits, pattern.tech, &pattern.regex, short, urls[url])
                }
                _ => try_pattern(&mut hits, pattern.tech, &pattern.regex, urls[url], Source::of("assets")),
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
                None => {
                    let shown = String::from_utf8_lossy(value.as_bytes());
                    record(
                        &mut hits,
                        header.tech,
                        None,
                        evidence("headers", Some(header.key.as_str()), "", &shown),
                    )
                }
                Some(regex) if wanted(&hits, header.tech, regex) => {
                    let source = Source { kind: "headers", key: Some(header.key.as_str()) };
                    try_pattern(
                        &mut hits,
                        header.tech,
                        regex,
                        &String::from_utf8_lossy(value.as_bytes()),
                        source,
                    )
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
            try_short_text(&mut hits, &rules.cookies, name, Source::of("cookies"));
        }
    }

    for meta in &rules.meta {
        if let Some(content) = document.meta.get(&meta.key) {
            match &meta.regex {
                None => record(&mut hits, meta.tech, None, evidence("meta", Some(&meta.key), "", content)),
                Some(regex) if wanted(&hits, meta.tech, regex) => try_pattern(
                    &mut hits,
                    meta.tech,
                    regex,
                    content,
                    Source { kind: "meta", key: Some(&meta.key) },
                ),
                Some(_) => {}
            }
        }
    }

    // Implications, transitively; an implied technology has no version of its own.
    let mut pending: Vec<usize> = (0..hits.len()).filter(|&i| hits[i].is_some()).collect();
    while let Some(tech) = pending.pop() {
        for &implied in &rules.techs[tech].implies {
            if hits[implied].is_none() {
                let item = entity::Evidence {
                    kind: "implies".into(),
                    pattern: rules.techs[tech].name.clone(),
                    excerpt: String::new(),
                };
                hits[implied] = Some(Hit { version: None, evidence: vec![item] });
                pending.push(implied);
            }
        }
    }

    rules
        .techs
        .iter()
        .zip(hits)
        .filter_map(|(tech, hit)| {
            let hit = hit?;
            Some(Found {
                name: tech.name.clone(),
                version: hit.version,
                confidence: 100,
                categories: tech.categories.clone(),
                evidence: hit.evidence,
                builtin: true,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let short = pattern.regex.short().expect("every URL pattern has its backtracker form");
            for url in urls {
                let mut by_regex: Hits = vec![None; rules.techs.len()];
                let mut by_short: Hits = vec![None; rules.techs.len()];
                try_pattern(&mut by_regex, pattern.tech, &pattern.regex, url, Source::of("assets"));
                try_short_pattern(&mut by_short, pattern.tech, &pattern.regex, short, url);
                assert_eq!(by_regex, by_short, "{} on {url}", pattern.regex.as_str());
                compared += usize::from(by_regex[pattern.tech].is_some());
            }
        }
        assert!(compared >= 25, "only {compared} matches compared");
    }
}
