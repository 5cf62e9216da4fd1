//! One pattern of the format: a regex, then `\;`-separated modifiers, `version:` (a template
//! with back-references `\1` and the `\1?yes:no` form) and `confidence:` (0 to 100). The
//! format's regexes are JavaScript's, matched without regard to case; those the regex crate
//! cannot read (look-arounds, back-references inside the regex) are skipped with a count.

use regex_syntax::hir::Hir;

use super::super::lazy::LazyRegex;

/// A pattern split into its parts.
pub struct Parsed {
    /// The regex as written (for the evidence); empty: any value matches.
    pub source: String,
    pub version: Option<String>,
    pub confidence: u8,
}

/// Splits `text` at its `\;` separators. Unknown modifiers are ignored, as the format's readers
/// do.
pub fn split(text: &str) -> Parsed {
    let mut parts = text.split("\\;");
    let source = parts.next().unwrap_or_default().to_owned();
    let mut parsed = Parsed { source, version: None, confidence: 100 };
    for part in parts {
        if let Some(template) = part.strip_prefix("version:") {
            parsed.version = Some(template.to_owned()).filter(|t| !t.is_empty());
        } else if let Some(confidence) = part.strip_prefix("confidence:") {
            parsed.confidence = confidence.trim().parse::<u8>().map_or(100, |c| c.min(100));
        }
    }
    parsed
}

/// The regex of a pattern, compiled on first use, case-insensitive as the format means; `None`
/// for an empty one (presence is enough).
pub fn regex(source: &str) -> Result<Option<(LazyRegex, Hir)>, String> {
    if source.is_empty() {
        return Ok(None);
    }
    LazyRegex::parse(&format!("(?i){source}")).map(Some)
}

/// The version a template gives for one match's groups (`groups[0]` is the whole match). For
/// each group in turn, as the format's reference reader does: a `\N?yes:no` takes `yes` when the
/// group matched something and `no` otherwise (`no` runs to the end of the template), then
/// every `\N` becomes the group's text. An empty result is no version.
pub fn resolve(template: &str, groups: &[Option<&str>]) -> Option<String> {
    let mut version = template.to_owned();
    for (index, group) in groups.iter().enumerate() {
        let value = group.unwrap_or_default();
        let reference = format!("\\{index}");
        let ternary = format!("{reference}?");
        if let Some(start) = version.find(&ternary) {
            let rest = &version[start + ternary.len()..];
            if let Some(colon) = rest.find(':').filter(|&colon| colon > 0) {
                let (yes, no) = (&rest[..colon], &rest[colon + 1..]);
                let chosen = if value.is_empty() { no } else { yes }.to_owned();
                version = format!("{}{chosen}", &version[..start]);
            }
        }
        version = version.trim().replace(&reference, value);
    }
    let version = version.trim();
    (!version.is_empty()).then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modifiers_are_split_off_the_regex() {
        let parsed = split(r"shop-([\d.]+)\;version:\1\;confidence:40");
        assert_eq!(parsed.source, r"shop-([\d.]+)");
        assert_eq!(parsed.version.as_deref(), Some(r"\1"));
        assert_eq!(parsed.confidence, 40);
        let plain = split("plain");
        assert_eq!((plain.version, plain.confidence), (None, 100));
        assert_eq!(split(r"x\;confidence:250").confidence, 100);
    }

    #[test]
    fn templates_take_back_references_and_the_ternary_form() {
        assert_eq!(resolve(r"\1", &[Some("x-2.1"), Some("2.1")]).as_deref(), Some("2.1"));
        assert_eq!(resolve(r"\1.\2", &[Some("x"), Some("3"), Some("4")]).as_deref(), Some("3.4"));
        assert_eq!(resolve(r"\1?next:legacy", &[Some("x"), Some("y")]).as_deref(), Some("next"));
        assert_eq!(resolve(r"\1?next:legacy", &[Some("x"), None]).as_deref(), Some("legacy"));
        assert_eq!(resolve(r"v\1?\1:", &[Some("x"), None]), Some("v".to_owned()));
        assert_eq!(resolve(r"\1", &[Some("x"), None]), None);
        assert_eq!(resolve("4", &[Some("x")]).as_deref(), Some("4"));
    }
}
