//! The technologies of a site's stack, as a domain's row shows them.

use serde::Serialize;
use utoipa::ToSchema;

/// One detected technology of the site's stack.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Technology {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub version: Option<String>,
    pub categories: Vec<String>,
}

/// One detected technology with how sure the rules are and what on the page showed it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct DetectedTechnology {
    pub name: String,
    /// Null when no pattern that matched captured one.
    pub version: Option<String>,
    /// 0 to 100: the confidences of the patterns that matched, added up to 100 at most.
    pub confidence: u8,
    pub categories: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// What on the page showed a technology.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Evidence {
    /// Where the pattern looked: `generator`, `assets`, `html`, `headers`, `cookies`, `meta`
    /// (built-in rules and files), `scriptSrc`, `scripts`, `url`, `dom` (Wappalyzer-format
    /// files), or `implies` (another technology implied it).
    pub kind: String,
    /// The pattern as written, after the header, cookie, meta or attribute name it read
    /// (`x-powered-by: ^Express$`); for `implies`, the implying technology.
    pub pattern: String,
    /// What the pattern matched, at most 80 characters.
    pub excerpt: String,
}

impl From<entity::DetectedTechnology> for DetectedTechnology {
    fn from(found: entity::DetectedTechnology) -> DetectedTechnology {
        let entity::DetectedTechnology { name, version, confidence, categories, evidence } = found;
        let evidence = evidence
            .into_iter()
            .map(|entity::Evidence { kind, pattern, excerpt }| Evidence { kind, pattern, excerpt })
            .collect();
        DetectedTechnology { name, version, confidence, categories, evidence }
    }
}
