//! The rules file (`technologies.toml`, format in docs/technologies.md) and its compiled form:
//! each technology's patterns sorted by what they read, the generator, cookie, `assets` and
//! `html` ones behind the literal prefilters, the rest by name. Patterns are parsed here and
//! compiled on first use ([`LazyRegex`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use reqwest::header::HeaderName;
use serde::Deserialize;

use super::lazy::LazyRegex;
use super::literals::{Case, rare_part, reach, required, shortest};
use super::pattern::Pattern;
use super::prefilter::Prefiltered;

/// The rules, in the repository beside this folder.
const RULES_FILE: &str = include_str!("../technologies.toml");

/// Shortest literal an `assets`, generator or cookie pattern must hold (URLs, generator contents
/// and cookie names are short: any literal is cheap there).
const MIN_ASSET_LITERAL: usize = 3;
/// Shortest literal an `html` pattern must hold: a shorter one would be found all over a page.
const MIN_HTML_LITERAL: usize = 4;
/// Most literals of all `html` patterns together: up to 64 go into one vectorised search of the
/// page, whose cost grows with their number.
const MAX_HTML_LITERALS: usize = 48;

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

/// A technology as compiled: implications are indexes.
pub(super) struct Tech {
    pub(super) name: String,
    pub(super) categories: Vec<String>,
    pub(super) implies: Vec<usize>,
}

/// A pattern on a named value (header, meta); `None` is presence alone.
pub(super) struct Keyed<K> {
    pub(super) key: K,
    pub(super) tech: usize,
    pub(super) regex: Option<LazyRegex>,
}

pub(super) struct Rules {
    pub(super) techs: Vec<Tech>,
    pub(super) generator: Prefiltered,
    pub(super) assets: Prefiltered,
    pub(super) html: Prefiltered,
    pub(super) headers: Vec<Keyed<HeaderName>>,
    pub(super) cookies: Prefiltered,
    pub(super) meta: Vec<Keyed<String>>,
}

pub(super) static RULES: LazyLock<Rules> = LazyLock::new(|| {
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

/// The file's rules, compiled; what cannot be parsed is left out and described in the list.
pub(super) fn compile(file: &RulesFile) -> (Rules, Vec<String>) {
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
        let parse = |pattern: &str, warn: &mut dyn FnMut(String)| match LazyRegex::parse(pattern) {
            Ok(parsed) => Some(parsed),
            Err(error) => {
                warn(format!("pattern {pattern:?} is not a regex: {error}"));
                None
            }
        };
        let regex =
            |pattern: &str, warn: &mut dyn FnMut(String)| parse(pattern, warn).map(|(regex, _)| regex);
        for (list, target, min, case) in [
            (&spec.generator, &mut generator, MIN_ASSET_LITERAL, Case::Fold),
            (&spec.cookies, &mut cookies, MIN_ASSET_LITERAL, Case::Fold),
            (&spec.assets, &mut assets, MIN_ASSET_LITERAL, Case::Fold),
            (&spec.html, &mut html, MIN_HTML_LITERAL, Case::Exact),
        ] {
            for pattern in list {
                let Some((regex, hir)) = parse(pattern, &mut warn) else { continue };
                match required(&hir, case).filter(|set| shortest(set) >= min) {
                    Some(needles) => {
                        let (needles, reach) = match case {
                            Case::Exact => {
                                (needles.iter().map(|n| rare_part(n).to_vec()).collect(), reach(&hir))
                            }
                            Case::Fold => (needles, None),
                        };
                        target.push((Pattern { tech, regex, reach }, needles))
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
    let generator = Prefiltered::build(generator, &mut warnings);
    let cookies = Prefiltered::build(cookies, &mut warnings);
    if html.literal_count() > MAX_HTML_LITERALS {
        warnings.push(format!(
            "the html patterns hold {} literals; past {MAX_HTML_LITERALS} the page search slows down",
            html.literal_count()
        ));
    }
    (Rules { techs, generator, assets, html, headers, cookies, meta }, warnings)
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
    use regex::Regex;

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
        // Parsed at start-up, compiled on first use: every one must compile then too.
        let prefiltered = [&rules.generator, &rules.assets, &rules.html, &rules.cookies];
        let keyed = rules.headers.iter().filter_map(|k| k.regex.as_ref());
        let all = prefiltered
            .iter()
            .flat_map(|set| set.patterns.iter().map(|p| &p.regex))
            .chain(keyed)
            .chain(rules.meta.iter().filter_map(|k| k.regex.as_ref()));
        for regex in all {
            let compiled = regex.get().unwrap_or_else(|| panic!("{:?} does not compile", regex.as_str()));
            assert_eq!(compiled.captures_len(), regex.captures_len(), "{:?}", regex.as_str());
        }
        for pattern in &rules.assets.patterns {
            assert!(pattern.regex.short().is_some(), "{:?} has no backtracker form", pattern.regex.as_str());
        }
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
