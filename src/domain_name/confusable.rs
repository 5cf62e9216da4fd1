//! Names that read as another name: the Unicode security checks of UTS #39 on each label of a
//! standardised name, in its Unicode form. A label is flagged when
//! - it mixes scripts beyond what UTS #39 calls highly restrictive (`аpple` with a Cyrillic `а`
//!   among Latin letters; Latin with Han and kana, or with Han and Hangul, is how Japanese and
//!   Korean are written and is not flagged);
//! - it is written wholly in a script other than Latin with letters that all look like ASCII
//!   (`раураl` in Cyrillic reads as `paypal`: a whole-script confusable);
//! - it holds a character outside the UTS #39 identifier profile (symbols and the like).
//!
//! Plain ASCII names and single-script names such as `bücher.de` or `пример.рф` pass. Pure: no
//! I/O, never panics, and an ASCII name (no `xn--` label) costs one scan of its bytes.

use std::collections::BTreeSet;
use std::fmt;

use unicode_script::{Script, UnicodeScript};
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

/// Why a name may be read as another one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confusable {
    /// The label mixes these scripts.
    MixedScripts { label: String, scripts: Vec<&'static str> },
    /// The label is written in one non-Latin script, with letters that look like `looks_like`.
    WholeScript { label: String, looks_like: String },
    /// The label holds a character that has no place in an identifier.
    UnusualCharacter { label: String, character: char },
}

impl Confusable {
    /// A stable machine-readable reason, as the API and the command line give it.
    pub const CODE: &'static str = "confusable";
}

impl fmt::Display for Confusable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Confusable::MixedScripts { label, scripts } => {
                write!(
                    f,
                    "mixed scripts: {label:?} mixes {} letters, so it may read as another name",
                    scripts.join(" and ")
                )
            }
            Confusable::WholeScript { label, looks_like } => {
                write!(f, "whole-script confusable: {label:?} reads as the Latin {looks_like:?}")
            }
            Confusable::UnusualCharacter { label, character } => write!(
                f,
                "unusual character: {label:?} holds U+{:04X}, which has no place in a name",
                u32::from(*character)
            ),
        }
    }
}

/// The first reason `name` (standardised: lower-case punycode) may read as another name, or
/// `None` when it cannot.
pub fn check(name: &str) -> Option<Confusable> {
    if !name.split('.').any(|label| label.starts_with("xn--")) {
        return None;
    }
    let (unicode, decoded) = idna::domain_to_unicode(name);
    if decoded.is_err() {
        return None;
    }
    unicode.split('.').find_map(check_label)
}

fn check_label(label: &str) -> Option<Confusable> {
    if label.is_ascii() {
        return None;
    }
    if let Some(character) = label.chars().find(|c| !GeneralSecurityProfile::identifier_allowed(*c)) {
        return Some(Confusable::UnusualCharacter { label: label.to_owned(), character });
    }
    let scripts = scripts_of(label);
    if label.detect_restriction_level() > RestrictionLevel::HighlyRestrictive {
        return Some(Confusable::MixedScripts {
            label: label.to_owned(),
            scripts: scripts.into_iter().collect(),
        });
    }
    if !scripts.contains(Script::Latin.full_name()) {
        let looks_like: String = unicode_security::skeleton(label).collect();
        if looks_like.is_ascii() && looks_like != label {
            return Some(Confusable::WholeScript { label: label.to_owned(), looks_like });
        }
    }
    None
}

/// The scripts of `label`'s letters, by name (digits and hyphens belong to none).
fn scripts_of(label: &str) -> BTreeSet<&'static str> {
    label
        .chars()
        .map(|c| c.script())
        .filter(|script| !matches!(script, Script::Common | Script::Inherited | Script::Unknown))
        .map(Script::full_name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain_name::DomainName;

    fn flagged(input: &str) -> Option<Confusable> {
        check(DomainName::parse(input).unwrap().as_str())
    }

    #[test]
    fn a_latin_name_with_one_cyrillic_letter_mixes_scripts() {
        let found = flagged("\u{430}pple.com");
        assert_eq!(
            found,
            Some(Confusable::MixedScripts {
                label: "\u{430}pple".into(),
                scripts: vec!["Cyrillic", "Latin"]
            })
        );
        assert!(found.unwrap().to_string().contains("mixes Cyrillic and Latin letters"));
    }

    #[test]
    fn a_cyrillic_name_made_of_latin_looking_letters_is_a_whole_script_confusable() {
        let found = flagged("\u{440}\u{430}\u{443}\u{440}\u{430}\u{4cf}.com");
        assert!(
            matches!(&found, Some(Confusable::WholeScript { looks_like, .. }) if looks_like == "paypal"),
            "{found:?}"
        );
    }

    #[test]
    fn ascii_and_single_script_international_names_pass() {
        for name in ["apple.com", "bücher.de", "пример.рф", "例え.jp", "straße.de", "café.fr", "münchen-2.de"]
        {
            assert_eq!(flagged(name), None, "{name}");
        }
    }

    #[test]
    fn latin_with_han_and_kana_is_how_japanese_is_written() {
        assert_eq!(flagged("abcひらがな漢字.jp"), None);
    }
}
