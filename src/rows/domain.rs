//! A domain's row: its lifecycle and everything learnt from its home page, built from the
//! stored row by naming every column.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::technology::{DetectedTechnology, Technology};

/// Where a domain is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DomainStatus {
    Pending,
    Processing,
    Completed,
    Error,
    /// A re-scan found the site answering 404 or 410, or its name not existing (NXDOMAIN), on
    /// every attempt.
    Gone,
}

impl From<entity::DomainStatus> for DomainStatus {
    fn from(status: entity::DomainStatus) -> DomainStatus {
        match status {
            entity::DomainStatus::Pending => DomainStatus::Pending,
            entity::DomainStatus::Processing => DomainStatus::Processing,
            entity::DomainStatus::Completed => DomainStatus::Completed,
            entity::DomainStatus::Error => DomainStatus::Error,
            entity::DomainStatus::Gone => DomainStatus::Gone,
        }
    }
}

/// The policy a domain's DMARC record asks receivers to apply to mail that fails it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DmarcPolicy {
    None,
    Quarantine,
    Reject,
}

/// Defines [`Domain`] with a field per social platform of [`entity::social_platforms!`], in
/// column order, and its construction from the entity's row naming every field.
macro_rules! domain_row {
    ($($variant:ident $column:ident $label:literal,)*) => {
        /// A domain's row: its lifecycle and what was learnt from its home page.
        #[derive(Clone, Debug, Serialize, ToSchema)]
        pub struct Domain {
            pub id: Uuid,
            pub tenant_id: Uuid,
            /// The standardised name: lower case, punycode, no `www.`.
            pub domain: String,
            pub status: DomainStatus,
            /// The batch that last enqueued the domain.
            pub batch_id: Option<Uuid>,
            /// Attempts counted since the domain was last enqueued or reset.
            pub attempts: i32,
            /// Pages the fetcher may visit on this domain (home page plus contact pages).
            pub max_pages: i32,
            /// When the domain is next due: for a `completed` domain its re-scan time (`rescan_at`);
            /// `9999-12-31T23:59:59Z` when it is never due by itself (`error`, `gone`, or re-scans off)
            /// until it is reset or retried.
            pub next_attempt_at: DateTime<Utc>,
            /// The instance holding the domain while it is `processing`.
            pub locked_by: Option<String>,
            pub locked_until: Option<DateTime<Utc>>,
            pub title: Option<String>,
            pub description: Option<String>,
            /// Primary language subtag, lower case (`en`, `fr`).
            pub language: Option<String>,
            pub canonical_url: Option<String>,
            pub favicon_url: Option<String>,
            pub logo_url: Option<String>,
            pub email_addresses: Vec<String>,
            /// E.164 (`+33142685300`).
            pub phone_numbers: Vec<String>,
            $(pub $column: Option<String>,)*
            pub is_wordpress: bool,
            pub wordpress_version: Option<String>,
            pub has_elementor: bool,
            /// The name may read as another one (UTS #39: it mixes scripts, as `аpple.com` with a
            /// Cyrillic `а` does, or is written wholly in letters that look like Latin ones).
            pub confusable: bool,
            pub tech_stack: Vec<Technology>,
            /// The technologies of `tech_stack` with their confidence and evidence.
            pub technologies: Vec<DetectedTechnology>,
            /// Everything else, as a JSON object: `open_graph`, `twitter_card`, `organization`,
            /// `timings`, ...
            #[schema(value_type = Object)]
            pub domain_metadata: serde_json::Value,
            /// Status of the final response of the home page fetch.
            pub http_status: Option<i32>,
            /// URL of the home page after redirects.
            pub final_url: Option<String>,
            /// The domain's MX targets in preference order, looked up on each scan: `[]` when it
            /// publishes none, null when the look-up failed (or the row predates it).
            pub mx_hosts: Option<Vec<String>>,
            /// Who receives the domain's mail, read from `mx_hosts`: `Google Workspace`,
            /// `Microsoft 365`, `Zoho`, `Proton`, `Fastmail`, `Yandex`, `iCloud`,
            /// `Amazon WorkMail/SES`, `Mimecast`, `Proofpoint`, `Barracuda`, `OVH`, `IONOS`,
            /// `GoDaddy`, `Namecheap`, ... (docs/api.md lists them), or `self-hosted` when the MX
            /// host is under the domain itself; null when there is no MX or none is known.
            pub mail_provider: Option<String>,
            /// The domain's `v=spf1` TXT record as published; null when it has none.
            pub spf: Option<String>,
            /// The policy of the domain's DMARC record (`_dmarc.<domain>`); null when it has none.
            #[schema(value_type = Option<DmarcPolicy>)]
            pub dmarc_policy: Option<String>,
            /// The last failure as `stage/kind: message`. Kinds of the fetch stage: `dns_nxdomain`,
            /// `dns_no_address`, `dns_servfail`, `dns_timeout`, `dns`, `connect`, `tls_expired`,
            /// `tls_untrusted`, `tls_wrong_host`, `tls_handshake`, `tls`, `timeout`,
            /// `http_status`, `blocked` (a bot wall: a provider's challenge or block page, or a rate
            /// limit with `Retry-After`; the message names it), `too_large`, `not_html`,
            /// `blocked_address`, `redirect`,
            /// `robots_disallowed`, `invalid_domain`, `local_resource`; of the others: `parse`, `panic`,
            /// `lease_expired`, `cancelled`, `other` (docs/reliability.md says what each does).
            pub last_error: Option<String>,
            pub fetched_at: Option<DateTime<Utc>>,
            /// When the completed domain is next due for a re-scan (null: never).
            pub rescan_at: Option<DateTime<Utc>>,
            /// The submission's own re-scan interval in seconds (null: the service's
            /// `DOMAIN_SCHEDULER_RESCAN_AFTER`; 0: never re-scanned).
            pub rescan_after_seconds: Option<i64>,
            /// The certificate refused over https when the page came over http instead, by its
            /// kind: `tls_expired`, `tls_untrusted` or `tls_wrong_host` (the verifier's message is
            /// in `domain_metadata.tls_problem`); null when https gave the page.
            pub tls_problem: Option<String>,
            /// The registrable domain the home page's visit ended on when it is not the domain's
            /// own, by the public suffix list (`old-brand.com` redirecting to
            /// `https://www.new-brand.co.uk/` reads `new-brand.co.uk`); null when the visit stayed on
            /// the domain (`www.`, http to https, a subdomain). `final_url` is the page's address.
            pub redirects_to: Option<String>,
            /// The home page is a parking provider's lander or a registrar's placeholder (`this
            /// domain may be for sale`), recognised from the page or from the domain it redirected
            /// to; its contacts are the provider's, not the owner's, and are not kept.
            pub parked: bool,
            /// Who parked it, when `parked`: `Sedo`, `Bodis`, `ParkingCrew`, `Above`,
            /// `GoDaddy/Afternic`, `Dan.com`, `HugeDomains`, or a registrar's placeholder
            /// (`Namecheap (registrar placeholder)`, ...); null otherwise.
            pub parking_provider: Option<String>,
            pub created_at: DateTime<Utc>,
            pub updated_at: DateTime<Utc>,
        }

        impl From<entity::domains::Model> for Domain {
            fn from(row: entity::domains::Model) -> Domain {
                let entity::domains::Model {
                    id,
                    tenant_id,
                    domain,
                    status,
                    batch_id,
                    attempts,
                    max_pages,
                    next_attempt_at,
                    locked_by,
                    locked_until,
                    title,
                    description,
                    language,
                    canonical_url,
                    favicon_url,
                    logo_url,
                    email_addresses,
                    phone_numbers,
                    $($column,)*
                    is_wordpress,
                    wordpress_version,
                    has_elementor,
                    confusable,
                    tech_stack,
                    technologies,
                    domain_metadata,
                    http_status,
                    final_url,
                    mx_hosts,
                    mail_provider,
                    spf,
                    dmarc_policy,
                    last_error,
                    fetched_at,
                    rescan_at,
                    rescan_after_seconds,
                    tls_problem,
                    redirects_to,
                    parked,
                    parking_provider,
                    created_at,
                    updated_at,
                } = row;
                let technologies = technologies.0.into_iter().map(DetectedTechnology::from).collect();
                let tech_stack = tech_stack
                    .0
                    .into_iter()
                    .map(|entity::Technology { name, version, categories }| Technology { name, version, categories })
                    .collect();
                Domain {
                    id,
                    tenant_id,
                    domain,
                    status: status.into(),
                    batch_id,
                    attempts,
                    max_pages,
                    next_attempt_at,
                    locked_by,
                    locked_until,
                    title,
                    description,
                    language,
                    canonical_url,
                    favicon_url,
                    logo_url,
                    email_addresses: email_addresses.0,
                    phone_numbers: phone_numbers.0,
                    $($column,)*
                    is_wordpress,
                    wordpress_version,
                    has_elementor,
                    confusable,
                    tech_stack,
                    technologies,
                    domain_metadata,
                    http_status,
                    final_url,
                    mx_hosts: mx_hosts.map(|hosts| hosts.0),
                    mail_provider,
                    spf,
                    dmarc_policy,
                    last_error,
                    fetched_at,
                    rescan_at,
                    rescan_after_seconds,
                    tls_problem,
                    redirects_to,
                    parked,
                    parking_provider,
                    created_at,
                    updated_at,
                }
            }
        }
    };
}

entity::social_platforms!(domain_row);

#[cfg(test)]
mod tests {
    use super::*;

    /// The API row is a struct of its own for its OpenAPI schema: it must answer every column
    /// as stored, and so every field of the field table.
    #[test]
    fn a_domain_row_reads_exactly_as_stored_and_carries_every_field_of_the_field_table() {
        let model = crate::rows::fixtures::a_row_with_every_field_set();
        let stored = model.metadata();
        let as_stored = serde_json::to_value(&model).unwrap();
        let answered = serde_json::to_value(Domain::from(model)).unwrap();
        assert_eq!(answered, as_stored, "the API row must read as the stored row, field for field");
        for field in entity::metadata_fields() {
            let value = &answered[field.name];
            match field.read(&stored) {
                entity::FieldValue::Detections(found) => {
                    assert_eq!(*value, serde_json::to_value(found).unwrap(), "{}", field.name);
                }
                entity::FieldValue::Technologies(stack) => {
                    let names: Vec<&str> = stack.iter().map(|t| t.name.as_str()).collect();
                    let answered: Vec<&str> =
                        value.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
                    assert_eq!(answered, names, "{}", field.name);
                }
                expected => assert_eq!(*value, expected.to_json(), "the API row's `{}`", field.name),
            }
        }
    }
}
