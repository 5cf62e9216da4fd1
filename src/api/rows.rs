//! What the API answers for a domain, a batch and a scheduler run: types of its own with their
//! OpenAPI schemas, so the entity crate knows nothing of HTTP. Each is built from its source by
//! naming every field, so a column added to a table does not compile until the API decides how
//! to show it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::{self, BatchProgress, BatchState};

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

/// A batch's state, derived from its domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// Nothing started yet.
    Pending,
    /// Some domains done or in progress, some not.
    Running,
    /// Every domain `completed` or `error`.
    Complete,
}

/// Domains per status.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StatusCounts {
    pub pending: u64,
    pub processing: u64,
    pub completed: u64,
    pub error: u64,
    pub gone: u64,
}

/// A batch's progress, computed from its domains.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Batch {
    pub batch_id: Uuid,
    pub status: BatchStatus,
    /// Domains in the batch.
    pub total: u64,
    pub counts: StatusCounts,
    /// Share of the batch's domains done, from 0 to 1.
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub progress: f64,
    pub created_at: DateTime<Utc>,
    /// When an operator first cancelled the batch (`POST /api/v1/batches/{id}/cancel`, the
    /// `cancel` command or the console); null: never cancelled.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The completion callback named on submission; null when there is none.
    pub callback: Option<BatchCallback>,
}

impl From<BatchProgress> for Batch {
    fn from(batch: BatchProgress) -> Batch {
        let BatchProgress { batch_id, status, total, counts, progress, created_at, cancelled_at } = batch;
        let store::StatusCounts { pending, processing, completed, error, gone } = counts;
        let status = match status {
            BatchState::Pending => BatchStatus::Pending,
            BatchState::Running => BatchStatus::Running,
            BatchState::Complete => BatchStatus::Complete,
        };
        Batch {
            batch_id,
            status,
            total,
            counts: StatusCounts { pending, processing, completed, error, gone },
            progress,
            created_at,
            cancelled_at,
            callback: None,
        }
    }
}

/// Where a batch's completion callback stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CallbackState {
    /// Waiting for the batch to finish, or for the next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed, or the address was refused; no attempt is left.
    Failed,
}

/// A batch's completion callback and its deliveries so far.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct BatchCallback {
    /// The URL as submitted, with `***` in place of any credentials (`https://***@host/`).
    pub url: String,
    pub state: CallbackState,
    /// Attempts made so far.
    pub attempts: u64,
    /// The status of the last answer; null when none came.
    pub last_status: Option<i32>,
    /// Why the last attempt failed; null when it was delivered (or none was made yet).
    pub last_error: Option<String>,
    /// When the next attempt is due after a failed one.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<store::callbacks::CallbackStatus> for BatchCallback {
    fn from(status: store::callbacks::CallbackStatus) -> BatchCallback {
        let store::callbacks::CallbackStatus {
            url,
            state,
            attempts,
            last_status,
            last_error,
            next_attempt_at,
            delivered_at,
        } = status;
        let state = match state {
            store::callbacks::DeliveryState::Pending => CallbackState::Pending,
            store::callbacks::DeliveryState::Delivered => CallbackState::Delivered,
            store::callbacks::DeliveryState::Failed => CallbackState::Failed,
        };
        BatchCallback { url, state, attempts, last_status, last_error, next_attempt_at, delivered_at }
    }
}

/// One scheduler run, written when it ends.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SchedulerRun {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    /// The process that ran it.
    pub instance_id: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_seconds: f64,
    pub domains_claimed: i32,
    pub domains_processed: i32,
    pub domains_successful: i32,
    pub domains_failed: i32,
    pub domains_retried: i32,
    pub domains_skipped: i32,
    /// Successful share of the processed domains, from 0 to 1.
    pub success_rate: f64,
}

impl From<entity::scheduler_runs::Model> for SchedulerRun {
    fn from(run: entity::scheduler_runs::Model) -> SchedulerRun {
        let entity::scheduler_runs::Model {
            id,
            tenant_id,
            instance_id,
            started_at,
            finished_at,
            duration_seconds,
            domains_claimed,
            domains_processed,
            domains_successful,
            domains_failed,
            domains_retried,
            domains_skipped,
            success_rate,
        } = run;
        SchedulerRun {
            id,
            tenant_id,
            instance_id,
            started_at,
            finished_at,
            duration_seconds,
            domains_claimed,
            domains_processed,
            domains_successful,
            domains_failed,
            domains_retried,
            domains_skipped,
            success_rate,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The runs route answers the entity rows themselves: they must read as the documented
    /// [`SchedulerRun`].
    #[test]
    fn a_scheduler_run_row_reads_exactly_as_its_documented_shape() {
        let model = entity::scheduler_runs::Model {
            id: Uuid::new_v4(),
            tenant_id: None,
            instance_id: "host-1".into(),
            started_at: Utc::now(),
            finished_at: Some(Utc::now()),
            duration_seconds: 1.5,
            domains_claimed: 3,
            domains_processed: 3,
            domains_successful: 2,
            domains_failed: 1,
            domains_retried: 0,
            domains_skipped: 0,
            success_rate: 2.0 / 3.0,
        };
        let as_stored = serde_json::to_value(&model).unwrap();
        assert_eq!(serde_json::to_value(SchedulerRun::from(model)).unwrap(), as_stored);
    }

    /// A stored row with every metadata field of the field table set to a value of its own.
    pub(crate) fn a_row_with_every_field_set() -> entity::domains::Model {
        use sea_orm::ActiveValue::Set;
        use sea_orm::TryIntoModel;

        let mut metadata = entity::Metadata {
            title: Some("Acme".into()),
            description: Some("Bread".into()),
            language: Some("fr".into()),
            canonical_url: Some("https://acme.example/".into()),
            favicon_url: Some("https://acme.example/favicon.ico".into()),
            logo_url: Some("https://acme.example/logo.png".into()),
            email_addresses: vec!["hello@acme.example".into()],
            phone_numbers: vec!["+33142685300".into()],
            is_wordpress: true,
            wordpress_version: Some("6.4.2".into()),
            has_elementor: true,
            tech_stack: vec![entity::Technology {
                name: "WordPress".into(),
                version: Some("6.4.2".into()),
                categories: vec!["CMS".into()],
            }],
            technologies: vec![entity::DetectedTechnology {
                name: "WordPress".into(),
                version: Some("6.4.2".into()),
                confidence: 100,
                categories: vec!["CMS".into()],
                evidence: vec![entity::Evidence {
                    kind: "generator".into(),
                    pattern: "^WordPress ?([\\d.]+)".into(),
                    excerpt: "WordPress 6.4.2".into(),
                }],
            }],
            http_status: Some(200),
            final_url: Some("https://acme.example/home".into()),
            mx_hosts: Some(vec!["aspmx.l.google.com".into(), "alt1.aspmx.l.google.com".into()]),
            mail_provider: Some("Google Workspace".into()),
            spf: Some("v=spf1 include:_spf.google.com ~all".into()),
            dmarc_policy: Some("reject".into()),
            domain_metadata: serde_json::json!({"open_graph": {"title": "Acme"}}),
            tls_problem: Some("tls_expired".into()),
            redirects_to: Some("new-brand.co.uk".into()),
            parked: true,
            parking_provider: Some("Sedo".into()),
            ..Default::default()
        };
        for &platform in entity::SocialPlatform::ALL {
            *metadata.social.slot(platform) = Some(format!("https://{}.example/acme", platform.column()));
        }
        let now = Utc::now();
        let mut row = entity::domains::ActiveModel::completed_with(&metadata, now);
        row.id = Set(Uuid::new_v4());
        row.tenant_id = Set(Uuid::new_v4());
        row.domain = Set("acme.example".into());
        row.batch_id = Set(Some(Uuid::new_v4()));
        row.attempts = Set(1);
        row.max_pages = Set(3);
        row.next_attempt_at = Set(now);
        row.rescan_at = Set(Some(now));
        row.rescan_after_seconds = Set(Some(86_400));
        row.confusable = Set(true);
        row.created_at = Set(now);
        row.try_into_model().unwrap()
    }

    /// The API row is a struct of its own for its OpenAPI schema: it must answer every column
    /// as stored, and so every field of the field table.
    #[test]
    fn a_domain_row_reads_exactly_as_stored_and_carries_every_field_of_the_field_table() {
        let model = a_row_with_every_field_set();
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
