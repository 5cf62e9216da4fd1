//! `Domain::update_from_metadata` on both backends: every field written is the field read back.

use crate::common;
use crate::on_both_backends;

use chrono::Utc;
use common::db::{Backend, TestDb};
use domain_scheduler::domain_name::DomainName;
use domain_scheduler::store;
use entity::domains::Scanned;
use entity::{Domain, DomainStatus, Metadata, SocialProfiles, Technology, UpdateError};
use sea_orm::{ActiveValue::Set, EntityTrait};

fn realistic_metadata() -> Metadata {
    Metadata {
        title: Some("Boulangerie Dupont — Pains & Viennoiseries à Lyon".into()),
        description: Some(
            "Artisan boulanger depuis 1952. Levain naturel, farines bio, \"croissants\" pur beurre.".into(),
        ),
        language: Some("fr".into()),
        canonical_url: Some("https://boulangerie-dupont.fr/".into()),
        favicon_url: Some(
            "https://boulangerie-dupont.fr/wp-content/uploads/2023/01/cropped-icon-32x32.png".into(),
        ),
        logo_url: Some("https://boulangerie-dupont.fr/wp-content/uploads/2023/01/logo.svg".into()),
        email_addresses: vec![
            "contact@boulangerie-dupont.fr".into(),
            "commandes@boulangerie-dupont.fr".into(),
        ],
        phone_numbers: vec!["+33478123456".into(), "+33612345678".into()],
        social: SocialProfiles {
            facebook_url: Some("https://facebook.com/boulangeriedupont".into()),
            twitter_url: Some("https://x.com/bdupont".into()),
            linkedin_url: Some("https://linkedin.com/company/boulangerie-dupont".into()),
            instagram_url: Some("https://instagram.com/boulangeriedupont".into()),
            youtube_url: Some("https://youtube.com/@boulangeriedupont".into()),
            tiktok_url: Some("https://tiktok.com/@bdupont".into()),
            pinterest_url: Some("https://pinterest.com/bdupont".into()),
            github_url: Some("https://github.com/bdupont".into()),
        },
        is_wordpress: true,
        wordpress_version: Some("6.4.2".into()),
        has_elementor: true,
        tech_stack: vec![
            Technology {
                name: "WordPress".into(),
                version: Some("6.4.2".into()),
                categories: vec!["CMS".into(), "Blogs".into()],
            },
            Technology {
                name: "Elementor".into(),
                version: Some("3.18.3".into()),
                categories: vec!["Page builders".into()],
            },
            Technology {
                name: "jQuery".into(),
                version: None,
                categories: vec!["JavaScript libraries".into()],
            },
        ],
        technologies: vec![entity::DetectedTechnology {
            name: "WordPress".into(),
            version: Some("6.4.2".into()),
            confidence: 100,
            categories: vec!["CMS".into(), "Blogs".into()],
            evidence: vec![entity::Evidence {
                kind: "generator".into(),
                pattern: r"^WordPress ?([\d.]+)".into(),
                excerpt: "WordPress 6.4.2".into(),
            }],
        }],
        http_status: Some(200),
        final_url: Some("https://boulangerie-dupont.fr/".into()),
        mx_hosts: Some(vec!["mx1.ovh.net".into(), "mx2.ovh.net".into()]),
        mail_provider: Some("OVH".into()),
        spf: Some("v=spf1 include:mx.ovh.com ~all".into()),
        dmarc_policy: Some("quarantine".into()),
        tls_problem: Some("tls_expired".into()),
        redirects_to: Some("new-brand.co.uk".into()),
        parked: true,
        parking_provider: Some("Sedo".into()),
        domain_metadata: serde_json::json!({
            "open_graph": {"og:title": "Boulangerie Dupont", "og:locale": "fr_FR"},
            "twitter_card": {"twitter:card": "summary_large_image"},
            "organization": {"@type": "LocalBusiness", "name": "Boulangerie Dupont"},
            "timings": {"fetch_ms": 182, "extract_ms": 3}
        }),
    }
}

async fn a_full_metadata_value_round_trips_through_update_from_metadata(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let name = DomainName::parse("boulangerie-dupont.fr").unwrap();
    let tenant = uuid::Uuid::new_v4();
    common::seed::enqueue(&db, tenant, &[name.as_str()]).await;
    let row = store::domains::find(&db, tenant, &name).await.unwrap().unwrap();
    // A leased row with an earlier error, as the pipeline leaves it before the write.
    entity::domains::Entity::update(entity::domains::ActiveModel {
        id: Set(row.id),
        status: Set(DomainStatus::Processing),
        locked_by: Set(Some("instance-a".into())),
        locked_until: Set(Some(Utc::now())),
        last_error: Set(Some("fetch/timeout: earlier attempt".into())),
        ..Default::default()
    })
    .exec(&db)
    .await
    .unwrap();

    let before = Utc::now();
    let metadata = realistic_metadata();
    Domain::update_from_metadata(&db, row.id, &metadata).await.unwrap();

    let stored = Domain::find_by_id(row.id).one(&db).await.unwrap().unwrap();
    assert_eq!(stored.metadata(), metadata, "every metadata field reads back as written");
    assert_eq!(stored.status, DomainStatus::Completed);
    assert_eq!(stored.locked_by, None);
    assert_eq!(stored.locked_until, None);
    assert_eq!(stored.last_error, None);
    let fetched_at = stored.fetched_at.expect("fetched_at set");
    assert!(fetched_at >= before - chrono::Duration::seconds(1), "{fetched_at} vs {before}");
    assert!(stored.updated_at >= before - chrono::Duration::seconds(1));
    assert_eq!((stored.domain.as_str(), stored.tenant_id), ("boulangerie-dupont.fr", tenant));
}

async fn updating_an_unknown_id_reports_not_found(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let id = uuid::Uuid::new_v4();
    match Domain::update_from_metadata(&db, id, &realistic_metadata()).await {
        Err(UpdateError::NotFound(missing)) => assert_eq!(missing, id),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

async fn a_write_under_a_lost_lease_is_refused(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let name = DomainName::parse("example.org").unwrap();
    common::seed::enqueue(&db, uuid::Uuid::nil(), &[name.as_str()]).await;
    let row = store::domains::find(&db, uuid::Uuid::nil(), &name).await.unwrap().unwrap();
    let result =
        Domain::update_from_metadata_if_leased(&db, row.id, "instance-b", &realistic_metadata()).await;
    assert!(matches!(result, Err(UpdateError::LeaseLost(_))), "{result:?}");
    let stored = Domain::find_by_id(row.id).one(&db).await.unwrap().unwrap();
    assert_eq!(stored.status, DomainStatus::Pending);
    assert_eq!(stored.title, None);
}

/// The persister's write: many rows in a few statements (205 rows are 128 + 64 + 8 + 4 + 1),
/// each row only under its lease. Every leased row gets its own metadata and due times; the rows
/// it must not touch stay as they were.
async fn many_rows_are_written_at_once_and_only_under_their_lease(backend: Backend) {
    let Some(test_db) = TestDb::create(backend).await else { return };
    let db = test_db.connect().await;
    let tenant = uuid::Uuid::nil();
    let names = common::seed::numbered("many", 205);
    common::seed::enqueue(&db, tenant, &names).await;
    let claimed =
        store::claims::claim(&db, "instance-a", 205, std::time::Duration::from_secs(300)).await.unwrap();
    assert_eq!(claimed.len(), 205);
    // One row's lease was taken by another instance, one row was deleted while fetched.
    let (stolen, deleted) = (claimed[7].id, claimed[100].id);
    Domain::update(entity::domains::ActiveModel {
        id: Set(stolen),
        locked_by: Set(Some("instance-b".into())),
        ..Default::default()
    })
    .exec(&db)
    .await
    .unwrap();
    Domain::delete_by_id(deleted).exec(&db).await.unwrap();
    let metadata: Vec<Metadata> = claimed
        .iter()
        .map(|row| Metadata { title: Some(format!("Home of {}", row.domain)), ..realistic_metadata() })
        .collect();
    let now = Utc::now();
    // Each row its own due times, as each domain has its own re-scan interval.
    let due = |index: usize| {
        (
            now + chrono::Duration::hours(index as i64 + 1),
            index.is_multiple_of(2).then(|| now + chrono::Duration::hours(index as i64 + 1)),
        )
    };
    let rows: Vec<Scanned<'_>> = claimed
        .iter()
        .zip(&metadata)
        .enumerate()
        .map(|(index, (row, metadata))| Scanned {
            id: row.id,
            metadata,
            next_attempt_at: due(index).0,
            rescan_at: due(index).1,
        })
        .collect();
    let written =
        Domain::update_many_from_metadata_if_leased_at(&db, "instance-a", &rows, now).await.unwrap();
    assert_eq!(written.len(), 203, "every row but the stolen and the deleted one");
    assert!(!written.contains(&stolen) && !written.contains(&deleted));
    for (index, row) in claimed.iter().enumerate() {
        let stored = Domain::find_by_id(row.id).one(&db).await.unwrap();
        if row.id == deleted {
            assert!(stored.is_none(), "a deleted row is not brought back");
            continue;
        }
        let stored = stored.unwrap();
        if row.id == stolen {
            assert_eq!(stored.status, DomainStatus::Processing, "another instance's row is left alone");
            assert_eq!(stored.title, None);
            continue;
        }
        assert_eq!(stored.status, DomainStatus::Completed, "{}", row.domain);
        assert_eq!(stored.title, Some(format!("Home of {}", row.domain)), "each row has its own metadata");
        assert_eq!(stored.metadata(), Metadata { title: stored.title.clone(), ..realistic_metadata() });
        assert_eq!((stored.locked_by, stored.last_error), (None, None));
        assert_eq!(stored.fetched_at.map(|at| at.timestamp_millis()), Some(now.timestamp_millis()));
        let (next_attempt_at, rescan_at) = due(index);
        assert_eq!(
            (stored.next_attempt_at.timestamp_millis(), stored.rescan_at.map(|at| at.timestamp_millis())),
            (next_attempt_at.timestamp_millis(), rescan_at.map(|at| at.timestamp_millis())),
            "the due times are written with the metadata"
        );
    }
}

on_both_backends!(
    many_rows_are_written_at_once_and_only_under_their_lease,
    a_full_metadata_value_round_trips_through_update_from_metadata,
    updating_an_unknown_id_reports_not_found,
    a_write_under_a_lost_lease_is_refused,
);
