//! What the extraction learns about a domain from its home page, and what its DNS says about
//! its mail.
//!
//! One value of [`Metadata`] is everything [`crate::Domain::update_from_metadata`] writes: the
//! columns of `domains` plus `domain_metadata`, a JSON object for the rest (open graph, twitter
//! card, JSON-LD organisation, timings).

use sea_orm::FromJsonQueryResult;
use serde::{Deserialize, Serialize};

pub use crate::social::SocialProfiles;

/// Metadata of one domain, as extracted from its home page (and contact pages).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    pub title: Option<String>,
    pub description: Option<String>,
    /// Primary language subtag, lower case (`en`, `fr`).
    pub language: Option<String>,
    pub canonical_url: Option<String>,
    pub favicon_url: Option<String>,
    pub logo_url: Option<String>,
    /// Lower case, de-duplicated, in page order.
    pub email_addresses: Vec<String>,
    /// E.164 (`+33142685300`), de-duplicated, in page order.
    pub phone_numbers: Vec<String>,
    #[serde(flatten)]
    pub social: SocialProfiles,
    pub is_wordpress: bool,
    pub wordpress_version: Option<String>,
    pub has_elementor: bool,
    pub tech_stack: Vec<Technology>,
    /// The technologies of `tech_stack` with how sure the rules are and what on the page showed
    /// each (the `technologies` column).
    #[serde(default)]
    pub technologies: Vec<DetectedTechnology>,
    /// Status of the final response of the home page fetch.
    pub http_status: Option<i32>,
    /// URL of the home page after redirects.
    pub final_url: Option<String>,
    /// The MX targets in preference order, lower case, without the final dot: `[]` when the
    /// domain publishes none, `None` when the look-up failed or was not made.
    pub mx_hosts: Option<Vec<String>>,
    /// Who receives the domain's mail (`Google Workspace`, `Microsoft 365`, ..., `self-hosted`),
    /// read from `mx_hosts`; `None` when there is no MX or no known provider.
    pub mail_provider: Option<String>,
    /// The domain's `v=spf1` TXT record as published.
    pub spf: Option<String>,
    /// The `p=` of the `v=DMARC1` TXT record of `_dmarc.<domain>`: `none`, `quarantine` or
    /// `reject`.
    pub dmarc_policy: Option<String>,
    /// The kind of the certificate refused over https when the page came over http instead
    /// (`tls_expired`, `tls_untrusted`, `tls_wrong_host`); the message is in
    /// `domain_metadata.tls_problem`.
    #[serde(default)]
    pub tls_problem: Option<String>,
    /// The registrable domain the visit ended on when it is not the domain's own (a brand that
    /// moved); `None` when the visit stayed on the domain (`www.`, another scheme, a subdomain).
    #[serde(default)]
    pub redirects_to: Option<String>,
    /// The home page is a parking provider's lander or a registrar's placeholder, not a site:
    /// its contacts are the provider's and are not kept.
    #[serde(default)]
    pub parked: bool,
    /// Who parked it (`Sedo`, `HugeDomains`, ...), when `parked`.
    #[serde(default)]
    pub parking_provider: Option<String>,
    /// Everything else, as a JSON object: `open_graph`, `twitter_card`, `organization`,
    /// `timings`, ...
    pub domain_metadata: serde_json::Value,
}

/// One detected technology of the site's stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technology {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
}

/// One detected technology with its evidence: an entry of the `technologies` column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectedTechnology {
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    /// 0 to 100: the sum of the confidences of the patterns that matched (each 100 unless the
    /// rule says less), at most 100.
    pub confidence: u8,
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

/// What on the page showed a technology.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Where the pattern looked: `generator`, `assets`, `html`, `headers`, `cookies`, `meta`,
    /// `scriptSrc`, `scripts`, `url`, `dom`, or `implies` (another technology implied it).
    pub kind: String,
    /// The pattern as the rules write it (for `headers`, `cookies`, `meta` and `dom`, prefixed
    /// by the name or selector it reads); for `implies`, the implying technology.
    pub pattern: String,
    /// What it matched, at most [`Evidence::MAX_EXCERPT`] characters.
    pub excerpt: String,
}

impl Evidence {
    /// Longest excerpt kept, in characters.
    pub const MAX_EXCERPT: usize = 80;

    /// `text` cut to [`Evidence::MAX_EXCERPT`] characters.
    pub fn excerpt(text: &str) -> String {
        text.chars().take(Self::MAX_EXCERPT).collect()
    }
}

/// A JSON array of strings stored in one column (`email_addresses`, `phone_numbers`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

/// The `tech_stack` column: a JSON array of [`Technology`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct TechStack(pub Vec<Technology>);

/// The `technologies` column: a JSON array of [`DetectedTechnology`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
#[serde(transparent)]
pub struct Technologies(pub Vec<DetectedTechnology>);
