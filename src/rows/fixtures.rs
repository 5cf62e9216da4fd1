//! Rows for the tests of the modules that show one.

use chrono::Utc;
use uuid::Uuid;

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
